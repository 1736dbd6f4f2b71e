"""Named refusals of the core. Each carries a one-line French message for the person at the edge.

The CLI turns `KioskError` into `exit 2` with its message; `NoTicketWaiting` is exit 3 (a normal
"nobody to call", used by scripts); the screens show the message in words.
"""

from __future__ import annotations

from kiosk.vocabulary import TICKET_STATES, label


class KioskError(Exception):
    """A refusal that is the user's to fix (bad input, wrong state). Nothing was written."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(KioskError):
    """A configuration, catalogue or itinerary file is wrong; the message names file and field."""


# The spaces French typography puts inside numbers and before « % » (french.number, percent):
# Python does not call them printable, yet they show as spaces and hide nothing. Escaped, a
# refusal read "entre 1 et 5\u202f000\u202f000 visites".
FRENCH_SPACES = frozenset("\u00a0\u202f")


def readable(text: str, limit: int = 120) -> str:
    """A value quoted in a one-line message: control and bidirectional characters made visible
    (they could hide or reorder the message on a terminal), cut to `limit` characters."""
    shown = "".join(
        ch if (ch.isprintable() or ch in FRENCH_SPACES) and not 0x202A <= ord(ch) <= 0x202E
        and not 0x2066 <= ord(ch) <= 0x2069 else f"\\u{ord(ch):04x}"
        for ch in text
    )
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


class DataFileError(ConfigError):
    def __init__(self, path: str, detail: str, line: int | None = None) -> None:
        where = f"{readable(path, 200)}, ligne {line}" if line else readable(path, 200)
        super().__init__(f"{where} : {detail}")
        self.path = path
        self.line = line
        self.detail = detail


class NoOpenStopover(KioskError):
    def __init__(self) -> None:
        super().__init__(
            "Aucune escale ouverte : ouvrez-la d'abord avec « kiosk stopover open --stop ARRET »."
        )


class StopoverLeftOpen(NoOpenStopover):
    """The open stopover is from an earlier day (domain.left_open): no ticket, no call."""

    def __init__(self, place: str, day: str, half: str, closing: str) -> None:
        KioskError.__init__(
            self,
            f"L'escale {place} du {day} ({half}) n'a pas été fermée : fermez-la d'abord "
            f"(« kiosk stopover close » la ferme à {closing}, son heure de fin réelle).")


class StopoverAlreadyOpen(KioskError):
    def __init__(self, stop_name: str, day: str, half: str) -> None:
        super().__init__(
            f"Une escale est déjà ouverte ({stop_name}, {day}, {half}) : fermez-la d'abord."
        )


class StopoverWasClosed(KioskError):
    """The half-day asked for was opened and closed already today. Reopening it is its own act,
    asked for by name (`reopen=True`): its unserved stay unserved, its return codes serve at the
    next passage, not in it."""

    def __init__(self, place: str, when: str, closed_at: str) -> None:
        self.place = place
        super().__init__(
            f"Cette demi-journée ({place}, {when}) a été fermée à {closed_at}. La rouvrir est un "
            "choix à part : les personnes non reçues le restent, et leurs codes retour ne "
            "servent qu'au prochain passage.")


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


class DeskNotReady(KioskError):
    """A transfer to a desk where nobody can receive the visitor: closed, paused or with
    nobody logged in. The visitor must never be sent to an empty desk."""

    def __init__(self, desk: int, status: str, staffed: bool) -> None:
        if status == "paused":
            why = "est en pause"
        elif status != "open":
            why = "est fermé"
        else:
            why = "n'a personne de connecté"
        super().__init__(
            f"Le poste {desk} {why} : transférez vers un poste ouvert où quelqu'un est connecté."
        )
        self.desk = desk


class UndoRefused(KioskError):
    """An undo that cannot be done: too late, or the ticket changed since."""


class UndoTooLate(UndoRefused):
    def __init__(self, number: int, minutes: int) -> None:
        super().__init__(
            f"Trop tard pour revenir en arrière sur le n° {number} : c'était il y a plus de "
            f"{minutes} minutes."
        )


class NothingToUndo(UndoRefused):
    def __init__(self, number: int, what: str) -> None:
        super().__init__(f"Rien à annuler pour le n° {number} : {what}.")


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


def state_label(state: str) -> str:
    """A ticket state as people read it: the one table of kiosk/vocabulary.py."""
    return label(TICKET_STATES, state)


# ---------------------------------------------------------------- staff accounts


class InvalidPin(KioskError):
    def __init__(self) -> None:
        super().__init__("Code PIN invalide : il faut 4 à 8 chiffres.")


class PinMismatch(KioskError):
    def __init__(self) -> None:
        super().__init__("Les deux codes saisis sont différents : rien n'a été enregistré.")


class InvalidRole(KioskError):
    def __init__(self, role: str) -> None:
        super().__init__(f"Rôle inconnu « {role} » : animatrice ou coordinator.")


class InvalidStaffName(KioskError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"Nom invalide : {detail}.")


class StaffAlreadyExists(KioskError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"« {name} » existe déjà dans l'équipe (voir « kiosk staff-user list »)."
        )


class StaffNameTooClose(KioskError):
    """A new name that differs from one of the team only by case, accents or look-alike
    letters: two buttons the login screen could not tell apart."""

    def __init__(self, name: str, existing: str) -> None:
        super().__init__(
            f"« {readable(name, 80)} » ressemble trop à « {readable(existing, 80)} », déjà dans "
            "l'équipe : ajoutez une initiale pour les distinguer."
        )
        self.existing = existing


class UnknownStaff(KioskError):
    def __init__(self, who: str | int) -> None:
        if isinstance(who, int):
            super().__init__("Membre de l'équipe inconnu ou désactivé.")
        else:
            super().__init__(
                f"Membre de l'équipe inconnu : « {who} » (voir « kiosk staff-user list »)."
            )


class WrongPin(KioskError):
    """A wrong PIN. Unlike other refusals, the failed attempt itself was recorded (counter and
    event log) before this is raised."""

    def __init__(self, remaining: int, lock_minutes: int) -> None:
        if remaining > 0:
            tries = "essai" if remaining == 1 else "essais"
            message = f"Code incorrect : encore {remaining} {tries} avant le blocage."
        else:
            message = f"Code incorrect : compte bloqué pendant {lock_minutes} minutes."
        super().__init__(message)
        self.remaining = remaining


class StaffLocked(KioskError):
    """The account is locked after too many wrong PINs (the attempt was recorded)."""

    def __init__(self, minutes: int) -> None:
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(
            f"Compte bloqué après trop de codes incorrects : réessayez dans {minutes} {unit}."
        )
        self.minutes = minutes


class DeskTaken(KioskError):
    def __init__(self, desk: int, holder: str) -> None:
        super().__init__(f"Le poste {desk} est déjà occupé par {holder} : choisissez un autre poste.")
        self.holder = holder


class CoordinatorOnly(KioskError):
    def __init__(self) -> None:
        super().__init__("Action réservée à la coordination : connectez-vous avec un compte de coordination.")


class CoordinatorRequired(KioskError):
    """An account change (add, disable, enable, PIN) once a coordinator exists: it must name the
    coordinator who makes it, and her PIN (the first coordinator is created without)."""

    def __init__(self) -> None:
        super().__init__("Un compte de coordination existe : indiquez qui fait ce changement avec "
                         "« --as NOM » (son code PIN est demandé).")


class StaffDisabled(KioskError):
    """The member's account was disabled (or removed) while the console was open."""

    def __init__(self) -> None:
        super().__init__("Ce compte a été désactivé : l'action n'est pas enregistrée.")


class DeskNotYours(KioskError):
    """The desk is held by someone else now (taken over after a logout, say)."""

    def __init__(self, desk: int) -> None:
        super().__init__(f"Le poste {desk} n'est plus à votre nom : reconnectez-vous à votre "
                         "poste.")
        self.desk = desk


class ReturnCodeRefused(KioskError):
    """A return code that gives no ticket at the open stopover: unknown, already used, expired,
    valid in another commune, or typed while the slow-down runs. Unlike other refusals, the try
    itself was recorded (the count of codes refused in a row, the event log) before this is
    raised. `reason` names it for the event log; `wait_seconds`: how long the next try must
    wait (0: it may come at once)."""

    def __init__(self, message: str, reason: str, wait_seconds: int = 0) -> None:
        super().__init__(message)
        self.reason = reason
        self.wait_seconds = wait_seconds
