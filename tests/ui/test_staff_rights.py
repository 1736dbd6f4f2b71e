"""A console whose member was disabled or whose desk was taken returns to its login screen within
a second, with a line saying why (issue #11). The changes come from elsewhere, as the command line
or another console would make them: through kiosk.core.staff on the same database. The tests count the
console's polls of the queue revision (one every 0.5 s), not the seconds: it leaves at the first
polls after the change, however slow the machine."""

from __future__ import annotations

from kiosk.core import services, staff, views
from tests.ui.test_staff_console import log_in

# polls begun after the change: the first one sees it and brings the board whose check sends
# her away; one or two more may begin before the check's answer is shown (one worker, in order)
POLLS_TO_LEAVE = 3


def at_desk(k, desk=1) -> list[float]:
    """Marie at her desk, the console up to date; the polls counted from now on."""
    log_in(k, "Marie", "1357", desk=desk)
    k.wait(lambda: k.screen == "console", what="console")
    polls = k.count_polls()
    k.wait(lambda: len(polls) >= 2 and k.app._revision == views.queue_revision(k.app.service.ctx),
           what="the board of her login on screen")
    return polls


def sent_back(k, polls: list[float], reason: str) -> int:
    """The polls that passed from now until the console was back on its login screen."""
    before = len(polls)
    k.wait(lambda: k.screen == "login" and k.app.message == reason,
           what=f"back to the login screen: {reason}")
    return len(polls) - before


def test_a_disabled_member_is_sent_back_to_the_login_screen(console, staff_ctx):
    k = console
    polls = at_desk(k)
    k.shot("140-console-avant-desactivation")
    josiane = staff.authorise_coordinator(staff_ctx, "Josiane", "2468")
    staff.disable_staff(staff_ctx, "Marie", by=josiane)
    seen = sent_back(k, polls, "Votre compte a été désactivé.")
    assert seen <= POLLS_TO_LEAVE, f"she left only after {seen} polls"
    assert k.app.staff_id == 0 and k.app.message_is_error
    k.wait(lambda: all(m["name"] != "Marie" for m in k.app.members), what="name list updated")
    k.shot("141-connexion-compte-desactive")


def test_a_desk_taken_by_a_colleague_sends_her_back(console, staff_ctx):
    k = console
    polls = at_desk(k)
    rose = next(m for m in staff.list_staff(staff_ctx) if m.name == "Rose")
    services.set_desk_status(staff_ctx, 1, "closed")  # `kiosk desk close 1`: the desk is free
    # the console has seen the closed desk and checked her seat on that board: the poll after
    # it comes after the check's answer (one worker, in order), and one more frame shows it
    k.wait(lambda: k.app.desk_status == "closed", what="the closed desk on the console")
    seen = len(polls)
    k.wait(lambda: len(polls) > seen, what="one more poll")
    k.pump(3)
    assert k.screen == "console"  # closed, still hers: she stays
    staff.login(staff_ctx, rose.id, "8642", desk=1)
    seen = sent_back(k, polls, "Le poste 1 a été repris par Rose.")
    assert seen <= POLLS_TO_LEAVE, f"she left only after {seen} polls"
    k.shot("142-connexion-poste-repris")


def test_a_refusal_of_the_core_sends_her_back_at_once(console, staff_ctx):
    """The board has not said it yet, the service refuses: the console leaves all the same."""
    k = console
    at_desk(k)
    services.take_ticket(staff_ctx, "caf-rsa")
    k.wait(lambda: len(k.app.queue_rows) == 1, what="the ticket on the console")
    # disabled behind the queue revision's back: the board cannot tell, only the call can
    with staff_ctx.sessions.begin() as session:
        from db.models import Staff

        session.get(Staff, k.app.staff_id).active = False
    k.tap(text="Appeler le suivant")
    # the call's answer sends her back: no board could (the revision did not change)
    k.wait(lambda: k.screen == "login", what="back to the login screen")
    assert k.app.message == "Ce compte a été désactivé : l'action n'est pas enregistrée."
    assert views.queue_snapshot(staff_ctx).waiting[0].number == 1  # nobody was called
    k.shot("143-connexion-action-refusee")
