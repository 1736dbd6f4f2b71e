"""A console whose member was disabled or whose desk was taken returns to its login screen within
a second, with a line saying why (issue #11). The changes come from elsewhere, as the command line
or another console would make them: through kiosk.staff on the same database."""

from __future__ import annotations

import time

from kiosk import services, staff, views
from tests.ui.test_staff_console import log_in


def at_desk(k, desk=1):
    log_in(k, "Marie", "1357", desk=desk)
    k.wait(lambda: k.screen == "console", what="console")
    k.settle(0.8)  # a poll or two: the board of her login is on screen


def sent_back(k, reason: str) -> float:
    start = time.monotonic()
    k.wait(lambda: k.screen == "login" and k.app.message == reason, timeout=1.5,
           what=f"back to the login screen: {reason}")
    return time.monotonic() - start


def test_a_disabled_member_is_sent_back_to_the_login_screen(console, staff_ctx):
    k = console
    at_desk(k)
    k.shot("140-console-avant-desactivation")
    josiane = staff.authorise_coordinator(staff_ctx, "Josiane", "2468")
    staff.disable_staff(staff_ctx, "Marie", by=josiane)
    seconds = sent_back(k, "Votre compte a été désactivé.")
    assert seconds < 1.5, seconds  # measured: 0.1 s after a disable, 0.6 s after a takeover
    assert k.app.staff_id == 0 and k.app.message_is_error
    k.wait(lambda: all(m["name"] != "Marie" for m in k.app.members), what="name list updated")
    k.shot("141-connexion-compte-desactive")


def test_a_desk_taken_by_a_colleague_sends_her_back(console, staff_ctx):
    k = console
    at_desk(k)
    rose = next(m for m in staff.list_staff(staff_ctx) if m.name == "Rose")
    services.set_desk_status(staff_ctx, 1, "closed")  # `kiosk desk close 1`: the desk is free
    k.settle(0.8)
    assert k.screen == "console"  # closed, still hers: she stays
    staff.login(staff_ctx, rose.id, "8642", desk=1)
    seconds = sent_back(k, "Le poste 1 a été repris par Rose.")
    assert seconds < 1.5, seconds  # measured: 0.1 s after a disable, 0.6 s after a takeover
    k.shot("142-connexion-poste-repris")


def test_a_refusal_of_the_core_sends_her_back_at_once(console, staff_ctx):
    """The board has not said it yet, the service refuses: the console leaves all the same."""
    k = console
    at_desk(k)
    services.take_ticket(staff_ctx, "caf-rsa")
    k.wait(lambda: len(k.app.queue_rows) == 1, timeout=3, what="the ticket on the console")
    # disabled behind the queue revision's back: the board cannot tell, only the call can
    with staff_ctx.sessions.begin() as session:
        from db.models import Staff

        session.get(Staff, k.app.staff_id).active = False
    k.tap(text="Appeler le suivant")
    k.wait(lambda: k.screen == "login", timeout=1.5, what="back to the login screen")
    assert k.app.message == "Ce compte a été désactivé : l'action n'est pas enregistrée."
    assert views.queue_snapshot(staff_ctx).waiting[0].number == 1  # nobody was called
    k.shot("143-connexion-action-refusee")
