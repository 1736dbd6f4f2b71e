"""The console's sentences, in French, in one place: the board's lines (header, counts, desks,
problems), its notices (the message line under the desk), the undo bars, the closing question,
and the words of its screens and dialogs (buttons, headings, prompts), grouped by screen.
The coordinator's two screens (Statistiques, Équipe) have theirs in console_words_coordinator.py.

The presenter (kiosk/apps/presenter.py), the desk view (desk_view.py) and the console's screens
(screens/*.py, and the kv files through `#:import words kiosk.apps.console_words`) take their
words here; a sentence is a constant, or a function of what it speaks of when it has numbers or
names in it. The kiosk's words are in assets/i18n (two languages); the console is French only.
tests/unit/test_texts_and_theme.py fails if a staff screen spells a French text of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk import french
from kiosk.content import i18n
from kiosk.french import NBSP
from kiosk.vocabulary import HALVES, TICKET_STATES

if TYPE_CHECKING:
    import datetime as dt

    from kiosk.core.services import StopoverClosed, StopoverInfo, TicketCalled, TicketIssued
    from kiosk.core.views import ClosingCheck

# ---------------------------------------------------------------- the board's problem lines

# One plain line per kind of problem; the technical details stay in the event log.
PROBLEM_WORDS = {
    "printer": "Imprimante : l'impression ne marche pas",
    "audio": "Son : les appels ne sortent pas du haut-parleur",
    "speech": "Voix : les numéros ne sont pas annoncés à voix haute",
    "database": "Base de données : la console ne la joint plus",
    "backup": "Sauvegarde : la copie de fin de demi-journée a échoué",
}
# A ticket taken with the kiosk in Kréyòl: the animatrice can greet the visitor in Créole.
CREOLE_MARK = " · en créole"

STOPOVER_CLOSED = "Escale fermée"
NOBODY = "–"  # no member at a desk, no mean wait yet, no wait counted


def stopover_header(commune_name: str, stop_name: str, half: str) -> str:
    return f"{commune_name} – {stop_name}, {i18n.half_label(half)}"


def left_open_header(day: dt.date) -> str:
    """Short, in the header; the whole sentence is with the problems."""
    return f"Escale du {french.day_slash_month(day)} non fermée"


def left_open_problem(day: dt.date, half: str) -> str:
    return (f"L'escale du {french.day_and_month(day)} ({i18n.half_label(half)}) est restée "
            "ouverte : touchez « Fermer l'escale », elle sera close à sa fin réelle.")


def counts(waiting: int, served: int, absent: int, mean_minutes: float | None) -> str:
    mean = f"{french.number(mean_minutes)} min" if mean_minutes is not None else NOBODY
    return (f"En attente : {waiting} · Reçus : {served} · Absents : {absent} · "
            f"Attente moyenne : {mean}")


def waited(minutes: int) -> str:
    return f"{minutes} min"


def at_desk(title: str, state: str, minutes: float, creole: bool) -> str:
    """The panel of the visitor at her desk: "Aide au logement / appelé depuis 3 min"."""
    return (f"{title}\n{TICKET_STATES.get(state, state)} depuis {minutes:.0f} min"
            + (CREOLE_MARK if creole else ""))


def desk_line(name: str, staff_name: str | None, number: int | None, paused: bool) -> str:
    """A colleague's desk: "Poste 3 : Rose (n° 12) – pause"."""
    return (f"{name} : {staff_name or NOBODY}" + (f" (n° {number})" if number else "")
            + (" – pause" if paused else ""))


def problem_line(device: str, at: dt.datetime) -> str:
    return f"{PROBLEM_WORDS.get(device, device)} {since(at)}."


DATABASE_UNKNOWN_TROUBLE = ("Problème de base de données : l'action n'est pas enregistrée "
                            "(détails dans le journal).")


def since(at: dt.datetime) -> str:
    """"(depuis 9 h 12)"."""
    return f"(depuis {french.time_of_day(at)})"


def stale_note(procedure_ids: list[str], count: int) -> str:
    return (f"{count} fiche(s) de démarche à revérifier (plus de 12 mois) : "
            f"{', '.join(procedure_ids)}")


# ---------------------------------------------------------------- login and rights

NOBODY_WAITING = "Personne n'attend."
CHOOSE_NAME_FIRST = "Touchez d'abord votre nom."
STATISTICS_COORDINATOR_ONLY = "Les statistiques sont réservées à la coordination."
TEAM_COORDINATOR_ONLY = "L'équipe et les vérifications sont réservées à la coordination."
FINISH_VISIT_FIRST = "Terminez ou remettez d'abord la visite en cours."


def hello(name: str, desk: int) -> str:
    return f"Bonjour {name} : vous êtes au poste {desk}."


def unexpected(exc: BaseException) -> str:
    return f"Erreur inattendue : {exc}"


# ---------------------------------------------------------------- the queue and the desk

NO_DESK_TO_TRANSFER = ("Aucun autre poste ne peut la recevoir : il faut un poste ouvert, libre, "
                       "où quelqu'un est connecté.")
DESK_PAUSED = "Poste en pause."
DESK_OPEN = "Poste ouvert."


def called(call: TicketCalled) -> str:
    return f"N° {call.number} appelé au poste {call.desk}."


def recalled(number: int) -> str:
    return f"N° {number} rappelé."


def started(number: int) -> str:
    return f"Visite du n° {number} commencée."


def put_back(number: int) -> str:
    return f"N° {number} remis dans la file."


def transferred(number: int, desk: int) -> str:
    return f"N° {number} envoyé au poste {desk}."


def finished(number: int, demandes: int) -> str:
    return f"Visite n° {number} enregistrée ({demandes} demande(s))."


def cancelled(number: int) -> str:
    """The undo bar's text after "Annuler le ticket"."""
    return f"Ticket n° {number} annulé"


def marked_absent(number: int) -> str:
    """The undo bar's text after "Absent"."""
    return f"N° {number} marqué absent"


def undone(number: int, state: str, desk: int | None) -> str:
    """After "Annuler" on the undo bar: called again (she was at a desk) or back in line."""
    if state == "called":
        return f"N° {number} de nouveau appelé au poste {desk}."
    return f"N° {number} remis à sa place dans la file."


def ticket_created(ticket: TicketIssued) -> str:
    return f"Ticket n° {ticket.number} créé ({ticket.people_ahead} personne(s) avant)."


def return_ticket(ticket: TicketIssued) -> str:
    return (f"Ticket prioritaire n° {ticket.number} : la personne revient avec son code, elle "
            "passe en premier.")


def printing_slip(number: int) -> str:
    return f"Impression du ticket n° {number}…"


def slip_printed(number: int) -> str:
    return f"Ticket n° {number} imprimé : donnez-le à la personne."


def slip_not_printed(number: int, reason: str) -> str:
    return f"Le ticket n° {number} n'a pas pu être imprimé : {reason}"


# ---------------------------------------------------------------- half-days

NO_SUMMARY_YET = "Aucune demi-journée fermée pour le moment."


def stopover_opened(info: StopoverInfo) -> str:
    return f"Escale ouverte : {info.commune_name}, {info.stop_name}."


def opened_bar(info: StopoverInfo) -> str:
    """The bar that offers "Annuler" for a few seconds after an opening."""
    return (f"Escale ouverte {i18n.at_commune(info.commune_name)} – {info.stop_name} "
            f"({HALVES.get(info.half, info.half)}, {french.time_of_day(info.opened_at)})")


def opening_undone(info: StopoverInfo) -> str:
    return (f"Ouverture annulée : l'escale {info.commune_name} – {info.stop_name} n'est pas "
            "ouverte.")


def stopover_closed(closed: StopoverClosed) -> str:
    return f"Escale fermée : {closed.served} reçu(s), {closed.unserved} non reçu(s)."


def closing_question(check: ClosingCheck) -> tuple[str, str]:
    """(title, text) of the question asked before closing: who still waits (counted « non
    reçus »), or which visit must be finished first; a stopover left open says when it will be
    closed."""
    s = check.stopover
    title = (f"Fermer l'escale {s.commune_name} – {s.stop_name} "
             f"({HALVES.get(s.half, s.half)}) ?" if s else "Fermer l'escale ?")
    if check.in_service:
        numbers = ", ".join(f"n° {n}" for n in check.in_service)
        one = len(check.in_service) == 1
        text = (f"{'Une visite est' if one else 'Des visites sont'} en cours "
                f"({numbers}) : terminez-{'la' if one else 'les'} avant de fermer "
                "l'escale.")
    elif check.waiting:
        one = check.waiting == 1
        text = (f"{check.waiting} personne{'' if one else 's'} "
                f"attend{'' if one else 'ent'} encore : "
                f"{'elle sera comptée' if one else 'elles seront comptées'} "
                "« non reçue" + ("" if one else "s") + " ». Le bilan de la "
                "demi-journée s'affichera ensuite.")
    else:
        text = "Personne n'attend plus. Le bilan de la demi-journée s'affichera ensuite."
    late = check.left_open_until
    if s and late is not None and not check.in_service:
        text = (f"Cette escale n'a pas été fermée le {french.day_and_month(s.day)}. "
                f"Elle sera close à {french.time_of_day(late).replace(' ', NBSP)}, "
                "sa fin réelle. " + text)
    return title, text


# ---------------------------------------------------------------- buttons of several screens

CANCEL = "Annuler"
CONFIRM = "Valider"
REOPEN_HALF_DAY = "Rouvrir cette demi-journée"


def confirm_in(seconds: int) -> str:
    """The return code's "Valider" while too many wrong codes in a row make the next try wait."""
    return f"{CONFIRM} ({seconds}{NBSP}s)"
CLOSE = "Fermer"
ERASE = "Effacer"
BACK_TO_QUEUE = "Retour à la file"
OPEN_STOPOVER = "Ouvrir l'escale"
CLOSE_STOPOVER = "Fermer l'escale"
WINDOW_TITLE = "Borne PLUS – console"


def desk_name(desk: int) -> str:
    """"Poste 2": a desk button of the login screen."""
    return f"Poste {desk}"


# ---------------------------------------------------------------- the login screen (staff_login)

LOGIN_TITLE = "Borne PLUS – console des animatrices"
LOGIN_NAME_STEP = "1. Touchez votre nom"
LOGIN_DESK_STEP = "2. Votre poste"
NO_ACCOUNT = "Aucun compte : kiosk staff-user add NOM --role animatrice"
COORDINATION_MARK = "coordination"  # under a coordinator's name


def login_pin_step(name: str) -> str:
    return f"3. Code de {name}" if name else "3. Votre code"


# ---------------------------------------------------------------- the console screen (staff_console)

PRIORITY_BADGE = "PRIORITAIRE"
CREOLE_BADGE = "KRÉYÒL"
PAUSE = "Pause"
RESUME = "Reprendre"
LOG_OUT = "Déconnexion"
STATISTICS = "Statistiques"
TEAM = "Équipe"
QUEUE_HEADING = "File d'attente (touchez un numéro pour le choisir)"
MARK_ABSENT = "Absent"
CANCEL_TICKET = "Annuler le ticket"
AT_MY_DESK = "À mon poste"
NOBODY_AT_DESK = "Personne pour le moment"
CALL_NEXT = "Appeler le suivant"
RECALL = "Rappeler"
START_VISIT = "Commencer"
FINISH = "Terminer…"
TRANSFER = "Transférer…"
PUT_BACK_IN_QUEUE = "Remettre dans la file"
LAST_HALF_DAY = "Dernière demi-journée"
NEW_TICKET = "Nouveau ticket"
PRIORITY_TICKET = "Ticket prioritaire"
RETURN_CODE = "Code retour"


def queue_number(number: int) -> str:
    """A row of the queue: "N° 12"."""
    return f"N° {number}"


def desk_title(desk: int, staff_name: str, paused: bool) -> str:
    """The top bar: "Poste 2 – Rose  (en pause)"."""
    return f"Poste {desk} – {staff_name}" + ("  (en pause)" if paused else "")


def call_number(number: int) -> str:
    return f"Appeler le n° {number}"


# the choosers (a list of big buttons in a modal)
TRANSFER_TO = "Envoyer la personne au poste…"
BACK_TO_OPERATORS = "Retour aux organismes"
PRINT_SLIP = "Imprimer le ticket"
NO_THANKS = "Non merci"


def new_ticket_question(priority: bool) -> str:
    return ("Nouveau ticket prioritaire : quel organisme ?" if priority
            else "Nouveau ticket : quel organisme ?")


def which_procedure(operator_label: str) -> str:
    """"CAF : quelle démarche ?" (the new ticket's chooser, the finish form's tiles)."""
    return f"{operator_label} : quelle démarche ?"


def print_question(number: int, ahead: int) -> str:
    return (f"Ticket n° {number} créé ({ahead} personne{'s' if ahead > 1 else ''} avant). "
            "Imprimer son ticket ?")


# ---------------------------------------------------------------- opening, closing, summary (halfday)

OPEN_COMMUNE_STEP = "1. La commune"
OPEN_STOP_STEP = "2. L'arrêt"
NOTHING_PLANNED_TODAY = "Aucun passage prévu aujourd'hui : choisissez la commune, puis l'arrêt."
PRINT_A4 = "Imprimer (A4)"
PRINT_RECEIPT = "Imprimer (ticket)"
PRINTING = "Impression en cours…"
BY_OPERATOR = "Par organisme"
NO_VISITOR = "Aucun visiteur"
DEMANDES_BY_OUTCOME = "Demandes par résultat"
NO_DEMANDE = "Aucune demande"


def planned_today(half: str, commune_name: str, stop_name: str) -> str:
    """The first button of the opening: "Prévu aujourd'hui (matin) : Ducos – Bourg"."""
    return f"Prévu aujourd'hui ({half}) : {commune_name} – {stop_name}"


def open_button(stop_label: str) -> str:
    return f"Ouvrir : {stop_label}" if stop_label else "Choisissez l'arrêt"


def summary_title(title: str) -> str:
    return f"Bilan : {title}"


def print_failed(exc: BaseException) -> str:
    return f"Impression impossible : {exc}"


def returns_button(unserved: int) -> str:
    """The summary's button for the slips of those who waited in vain."""
    if unserved > 1:
        return (f"Imprimer « Prioritaire au prochain passage » pour les {unserved} personnes "
                "non reçues")
    return "Imprimer « Prioritaire au prochain passage » pour la personne non reçue"


# the return code (a visitor back with her "Prioritaire au prochain passage" slip)
RETURN_CODE_TITLE = "Code « Prioritaire au prochain passage »"
RETURN_CODE_HELP = "Tapez le code imprimé sur le ticket de la personne : elle passe en premier."


# ---------------------------------------------------------------- finishing a visit (finish_form)

ADD_DEMANDE = "+ Ajouter une demande"
ANONYMOUS_PROFILE = "Profil anonyme (facultatif)"
RESIDENCE = "Commune de résidence :"
RESIDENCE_QUESTION = "Commune de résidence de la personne"
NOT_ASKED = "Ne pas renseigner"
SAVE = "Enregistrer"
REDIRECTED_TO = "Orientée vers :"
CHOOSE_PROCEDURE = "Choisir l'organisme et la démarche"
WHICH_OPERATOR = "Demande pour quel organisme ?"
BACK_TO_OPERATORS_TILES = "← Organismes"
OTHER_PARTNER_TITLE = "Autre partenaire : tapez son nom"
OTHER_PARTNER_EXAMPLE = "ex. Association Kaz a Lanmou"
TYPE_PARTNER_NAME = "Tapez le nom du partenaire, puis « Valider »."
# what "Enregistrer" finds missing in a demande, in the order it names them
MISSING_PROCEDURE = "la démarche"
MISSING_OUTCOME = "le résultat"
MISSING_PARTNER = "le partenaire"


def finish_title(number: int) -> str:
    return f"Terminer la visite du n° {number}"


def demande_heading(number: int) -> str:
    return f"Demande {number}"


def demande_incomplete(number: int, missing: list[str]) -> str:
    """"Demande 2 : il manque la démarche et le résultat."."""
    named = (missing[0] if len(missing) == 1
             else f"{', '.join(missing[:-1])} et {missing[-1]}")
    return f"Demande {number} : il manque {named}."
