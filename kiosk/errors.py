"""Named refusals of the core. Each carries a one-line French message for the person at the edge.

The CLI turns `KioskError` into `exit 2` with its message; `NoTicketWaiting` is exit 3 (a normal
"nobody to call", used by scripts); the screens show the message in words.
"""

from __future__ import annotations


class KioskError(Exception):
    """A refusal that is the user's to fix (bad input, wrong state). Nothing was written."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(KioskError):
    """A configuration, catalogue or itinerary file is wrong; the message names file and field."""


class DataFileError(ConfigError):
    def __init__(self, path: str, detail: str, line: int | None = None) -> None:
        where = f"{path}, ligne {line}" if line else path
        super().__init__(f"{where} : {detail}")
        self.path = path
        self.line = line
        self.detail = detail


class NoOpenStopover(KioskError):
    def __init__(self) -> None:
        super().__init__(
            "Aucune escale ouverte : ouvrez-la d'abord avec « kiosk stopover open --stop ARRET »."
        )


class StopoverAlreadyOpen(KioskError):
    def __init__(self, stop_name: str, day: str, half: str) -> None:
        super().__init__(
            f"Une escale est déjà ouverte ({stop_name}, {day}, {half}) : fermez-la d'abord."
        )


class VisitsInProgress(KioskError):
    def __init__(self, numbers: list[int]) -> None:
        listed = ", ".join(f"n° {n}" for n in numbers)
        super().__init__(f"Visites en cours ({listed}) : terminez-les avant de fermer l'escale.")


class UnknownStop(KioskError):
    def __init__(self, stop_id: str) -> None:
        super().__init__(
            f"Arrêt inconnu : « {stop_id} » (voir « kiosk itinerary list »)."
        )


class UnknownProcedure(KioskError):
    def __init__(self, procedure_id: str) -> None:
        super().__init__(
            f"Démarche inconnue : « {procedure_id} » (voir « kiosk catalogue list »)."
        )


class UnknownDesk(KioskError):
    def __init__(self, desk: int) -> None:
        super().__init__(f"Poste inconnu : {desk}.")


class DeskPaused(KioskError):
    def __init__(self, desk: int) -> None:
        super().__init__(f"Le poste {desk} est en pause : reprenez-le avant d'appeler.")


class DeskBusy(KioskError):
    def __init__(self, desk: int, number: int) -> None:
        super().__init__(
            f"Le poste {desk} reçoit déjà le n° {number} : terminez la visite ou marquez-la absente."
        )


class UnknownTicket(KioskError):
    def __init__(self, number: int) -> None:
        super().__init__(f"Pas de ticket n° {number} dans l'escale ouverte.")


class InvalidTransition(KioskError):
    def __init__(self, number: int, state: str, action: str) -> None:
        super().__init__(
            f"Le ticket n° {number} est « {state_label(state)} » : impossible de {action}."
        )
        self.state = state


class InvalidDemande(KioskError):
    """A demande with a bad outcome, operator or procedure."""


class NoTicketWaiting(KioskError):
    exit_code = 3

    def __init__(self) -> None:
        super().__init__("Personne n'attend.")


STATE_LABELS = {
    "waiting": "en attente",
    "called": "appelé",
    "in_service": "en cours",
    "done": "terminé",
    "no_show": "absent",
    "cancelled": "annulé",
    "unserved": "non reçu",
}


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)
