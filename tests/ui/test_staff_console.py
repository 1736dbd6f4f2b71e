"""The animatrices' console driven by touches, in-process, on a real SQLite database; the
kiosk's side is played by the services, as another process would."""

from __future__ import annotations

import time

from sqlalchemy import select

from db.models import Demande, Desk, Ticket
from kiosk.core import services, staff, views


def log_in(k, name="Marie", pin="1357", desk=2):
    k.wait(lambda: any(m["name"] == name for m in k.app.members), what="staff list")
    # the names are asked for more than once (the app, the login screen): each answer builds the
    # buttons anew, unplaced until the next frame. Tap once every answer is in, whatever the
    # time they took (a 0.2 s settle let a late answer move the button under the finger).
    k.wait(lambda: k.app.worker.pending == 0, what="the console's answers in")
    k.tap(f"staff:{name}")
    k.tap(text=f"Poste {desk}")
    for digit in pin:
        k.tap(text=digit)
    k.tap(text="OK")


def states(ctx):
    with ctx.read() as s:
        return dict(s.execute(select(Ticket.number, Ticket.state)).all())


def test_login_call_and_finish_a_visit_with_two_demandes(console, staff_ctx):
    k = console
    k.shot("20-console-connexion")
    log_in(k)
    k.wait(lambda: k.screen == "console", what="console")
    assert k.app.desk == 2 and k.app.staff_name == "Marie"
    polls = k.count_polls()
    services.take_ticket(staff_ctx, "caf-aide-logement")          # at the kiosk
    services.take_ticket(staff_ctx, "cgss-c2s", priority=True, language="gcf")  # in Kréyòl
    k.wait(lambda: len(k.app.queue_rows) == 2, what="new tickets on the console")
    # by the console's own polls, at the first ones after the tickets (one may have been under
    # way as they were taken, one may have come between them): not by some later refresh
    assert len(polls) <= 3, f"the tickets showed only after {len(polls)} polls"
    assert [r["number"] for r in k.app.queue_rows] == [2, 1]
    assert k.app.queue_rows[0]["priority"]
    # she took it in Créole: the animatrice can greet her so
    assert [r["creole"] for r in k.app.queue_rows] == [True, False]
    k.shot("21-console-file")
    k.tap("call_next")
    k.wait(lambda: k.app.current_number == "N° 2", what="called")
    k.wait(lambda: k.app.current_text.endswith(" · en créole"), what="her language, at the desk")
    k.settle(0.6)  # a tap in the first half second is taken for a double tap on "Appeler"
    k.tap("start")
    k.wait(lambda: k.app.current_state == "in_service", what="started")
    k.shot("21b-console-visite-en-cours")
    k.tap("finish")
    k.wait(lambda: _form(k) is not None, what="finish form")
    k.tap(text="Réglé sur place")
    k.tap("add_demande")  # the organism tiles open at once for the new demande
    k.tap("organism:impots")
    k.tap("choice:impots-declaration-revenus")
    k.tap("outcome2:redirected")
    k.settle(0.2)
    k.tap("partner2:dgfip")
    k.tap("age:60-74")
    k.tap("gender:femme")
    k.shot("22-console-terminer")
    k.tap("form_save")
    k.wait(lambda: k.app.current_number == "", what="visit finished")
    with staff_ctx.read() as s:
        rows = s.execute(select(Demande.procedure_id, Demande.outcome, Demande.partner)
                         .order_by(Demande.id)).all()
        ticket = s.scalars(select(Ticket).where(Ticket.number == 2)).one()
    assert [tuple(r) for r in rows] == [("cgss-c2s", "solved", None),
                                        ("impots-declaration-revenus", "redirected",
                                         "DGFiP")]
    assert (ticket.state, ticket.age_band, ticket.gender, ticket.staff_id) == (
        "done", "60-74", "femme", 1)


def _form(k):
    from kivy.core.window import Window

    from screens.finish_form import FinishForm

    return next((c for c in Window.children if isinstance(c, FinishForm)), None)


def test_a_wrong_pin_is_refused_and_the_fifth_locks(console, staff_ctx):
    k = console
    for _attempt in range(5):
        log_in(k, pin="0000")
        k.wait(lambda: k.app.message_is_error and not k.app.busy, what="refusal")
        k.settle(0.1)
    assert k.screen == "login"
    assert "5 minutes" in k.app.message
    log_in(k)  # the right PIN is refused while locked
    k.wait(lambda: not k.app.busy)
    k.settle(0.2)
    assert k.screen == "login"
    k.shot("23-console-bloque")


def test_selected_number_actions_and_new_ticket_for_a_visitor(console, staff_ctx):
    k = console
    log_in(k)
    k.wait(lambda: k.screen == "console")
    for _ in range(3):
        services.take_ticket(staff_ctx, "autre")
    k.wait(lambda: len(k.app.queue_rows) == 3)
    k.app.console.select(3)
    k.tap("call_selected")
    k.wait(lambda: k.app.current_number == "N° 3")
    k.settle(0.6)
    k.tap("put_back")
    k.wait(lambda: k.app.current_number == "")
    k.app.console.select(1)
    k.tap("cancel_selected")
    k.wait(lambda: states(staff_ctx)[1] == "cancelled")
    k.app.console.select(2)
    k.tap("absent_selected")
    k.wait(lambda: states(staff_ctx)[2] == "no_show")
    k.tap("new_ticket")  # the organism, then the procedure, as at the kiosk
    k.wait(lambda: _chooser_has(k, "choice:caf"), what="organism list")
    k.tap("choice:caf")
    k.wait(lambda: _chooser_has(k, "choice:caf-rsa"), what="procedure list")
    k.tap("choice:caf-rsa")
    k.wait(lambda: len(states(staff_ctx)) == 4, what="ticket on behalf")
    with staff_ctx.read() as s:
        assert s.scalar(select(Ticket.procedure_id).where(Ticket.number == 4)) == "caf-rsa"


def test_a_busy_morning_every_ticket_shows_and_the_list_scrolls(console, staff_ctx):
    from screens.staff_console import QueueRow

    k = console
    log_in(k)
    k.wait(lambda: k.screen == "console")
    procedures = ["caf-rsa", "cgss-c2s", "edf-facture", "ants-passeport", "autre"]
    for i in range(15):
        taken = services.take_ticket(staff_ctx, procedures[i % 5], priority=i == 9).number
        k.wait(lambda n=taken: any(r["number"] == n for r in k.app.queue_rows),
               what=f"ticket {taken} on the console")
    k.settle(0.3)
    view = k.app.manager.current_screen.ids.queue

    def rows():
        return [w for w in view.walk(restrict=True) if isinstance(w, QueueRow)]

    assert [d["number"] for d in view.data] == [10, *range(1, 10), *range(11, 16)]
    assert 5 < len(rows()) < 15, "only the rows on screen exist"
    assert view.children[0].height > view.height, "fifteen rows do not fit: the list must scroll"
    assert view.bar_color == view.bar_inactive_color, "the scroll bar stays visible"
    k.shot("21c-console-file-longue")
    view.scroll_y = 0  # as the bar dragged to the bottom
    k.wait(lambda: any(r.number == 15 for r in rows()), what="the last ticket brought into view")
    k.settle(0.2)
    last = next(r for r in rows() if r.number == 15)
    _x, y = last.to_window(last.x, last.y)
    _x, bottom = view.to_window(view.x, view.y)
    assert y >= bottom - 1, "the last ticket is fully in view"
    # the hidden buttons for a chosen number sit over the bottom row: they must let it be touched
    k.tap_at(*last.to_window(last.center_x, last.center_y))
    k.wait(lambda: k.app.selected == 15, what="the bottom row chosen by a touch")
    k.wait(lambda: next(r for r in rows() if r.number == 15).selected, what="shown as chosen")
    k.shot("21d-console-numero-choisi")


def test_transfer_pause_and_logout(console, staff_ctx):
    k = console
    log_in(k)
    k.wait(lambda: k.screen == "console")
    staff.login(staff_ctx, staff.find_staff(staff_ctx, "Josiane").id, "2468", 3)  # a transfer needs someone at the other desk
    services.take_ticket(staff_ctx, "autre")
    k.wait(lambda: len(k.app.queue_rows) == 1)
    k.tap("call_next")
    k.wait(lambda: k.app.current_number == "N° 1")
    k.tap("transfer")
    k.tap("choice:3")
    k.wait(lambda: k.app.current_number == "", what="transferred away")
    with staff_ctx.read() as s:
        assert s.scalar(select(Ticket.desk_id).where(Ticket.number == 1)) == 3
    k.tap("pause")
    k.wait(lambda: k.app.desk_status == "paused")
    assert k.find("call_next").disabled
    k.tap("pause")
    k.wait(lambda: k.app.desk_status == "open")
    k.tap("logout")
    k.wait(lambda: k.screen == "login")
    with staff_ctx.read() as s:
        desk = s.get(Desk, 2)
        assert (desk.status, desk.staff_id) == ("closed", None)


def test_close_and_open_the_stopover_from_the_console(console, staff_ctx):
    k = console
    log_in(k, "Josiane", "2468", desk=1)
    k.wait(lambda: k.screen == "console")
    services.take_ticket(staff_ctx, "autre")
    k.wait(lambda: len(k.app.queue_rows) == 1)
    k.tap("stopover")
    k.wait(lambda: _chooser_has(k, "close_confirm"), what="closing asked")
    k.tap("close_confirm")
    k.wait(lambda: not k.app.is_open, what="closed")
    assert states(staff_ctx) == {1: "unserved"}
    k.wait(lambda: _chooser_has(k, "summary_close"), what="the half-day's summary")
    k.tap("summary_close")
    k.tap("stopover")
    k.wait(lambda: _chooser_has(k, "stop:francois-dostaly"), what="stops offered")
    k.shot("24-console-ouvrir-escale")
    assert k.find("planned").text.startswith("Prévu aujourd'hui (matin) : Le François")
    assert k.find("stop:francois-dostaly").state == "down"  # today's stop already chosen
    k.tap("open_confirm")
    k.wait(lambda: k.app.is_open, what="reopened")
    assert "Le François" in k.app.stopover_text


def test_the_half_day_just_closed_is_reopened_only_when_she_chooses_it(console, staff_ctx):
    """Close Ducos, then "Ouvrir" on Ducos, the same morning: the console asks in a question
    of its own (before, the closed half-day reopened without a word)."""
    k = console
    log_in(k, "Josiane", "2468", desk=1)
    k.wait(lambda: k.screen == "console")
    k.tap("stopover")
    k.wait(lambda: _chooser_has(k, "close_confirm"), what="closing asked")
    k.tap("close_confirm")
    k.wait(lambda: not k.app.is_open, what="closed")
    k.wait(lambda: _chooser_has(k, "summary_close"), what="the half-day's summary")
    k.tap("summary_close")
    k.tap("stopover")
    k.wait(lambda: _chooser_has(k, "commune:97207"), what="communes offered")
    k.tap("commune:97207")
    k.wait(lambda: _chooser_has(k, "stop:ducos-bourg"), what="Ducos' stops")
    k.tap("stop:ducos-bourg")
    k.tap("open_confirm")
    k.wait(lambda: _chooser_has(k, "choice:reopen"), what="reopening asked")
    k.shot("24b-console-rouvrir-demi-journee")
    assert not k.app.is_open, "nothing reopened before she chooses it"
    k.tap("choice:reopen")
    k.wait(lambda: k.app.is_open, what="reopened")
    assert "Ducos" in k.app.stopover_text


def test_the_procedure_list_is_built_once_and_keeps_the_right_choice(console, staff_ctx):
    from kivy.core.window import Window

    from screens.staff_console import Chooser

    k = console
    log_in(k)
    k.wait(lambda: k.screen == "console")

    def open_list(name):
        k.tap(name)
        k.wait(lambda: _chooser_has(k, "choice:caf"), what="organism list")
        k.tap("choice:caf")
        k.wait(lambda: _chooser_has(k, "choice:caf-rsa"), what="procedure list")
        return next(c for c in Window.children if isinstance(c, Chooser))

    first = open_list("new_ticket")
    buttons = list(first.ids.choices.children)
    assert len(buttons) == len(staff_ctx.catalogue.procedures_of("caf"))
    k.tap("chooser_cancel")  # back to the organisms
    k.wait(lambda: not _chooser_has(k, "choice:caf-rsa"))
    k.tap("chooser_cancel")
    again = open_list("new_priority_ticket")
    assert again is first and list(again.ids.choices.children) == buttons, "built again"
    assert again.title == "Allocations CAF : quelle démarche ?"
    k.tap("choice:caf-rsa")
    k.wait(lambda: len(states(staff_ctx)) == 1, what="ticket on behalf")
    with staff_ctx.read() as s:
        assert s.execute(select(Ticket.procedure_id, Ticket.priority)).one() == ("caf-rsa", True)


def test_a_stopover_left_open_last_week_is_said_and_closed_at_its_true_end(console, staff_ctx,
                                                                           clock):
    """Thursday's stopover nobody closed, the console opened a week later (issue #18): the
    header says so, nobody can be called, and "Fermer l'escale" says when it will be closed."""
    import datetime as dt

    k = console
    services.take_ticket(staff_ctx, "autre")
    clock.current = dt.datetime(2026, 12, 3, 9, 0)
    log_in(k, "Josiane", "2468", desk=1)
    k.wait(lambda: k.screen == "console")
    k.wait(lambda: "non fermée" in k.app.stopover_text, what="left open said")
    assert k.app.stopover_text == "Escale du 26/11 non fermée"
    assert k.app.status_text.split("\n")[0] == ("L'escale du jeudi 26 novembre (matin) est restée ouverte : "
                                 "touchez « Fermer l'escale », elle sera close à sa fin réelle.")
    assert k.app.is_open and not k.app.serving
    assert k.find("call_next").disabled and k.find("new_ticket").disabled
    assert [r["waited"] for r in k.app.queue_rows] == ["–"]
    k.shot("24b-console-escale-restee-ouverte")
    k.tap("stopover")
    k.wait(lambda: _chooser_has(k, "close_confirm"), what="closing asked")
    dialog = k.find("close_confirm").parent
    while not hasattr(dialog, "blocked"):
        dialog = dialog.parent
    assert dialog.text.startswith("Cette escale n'a pas été fermée le jeudi 26 novembre. Elle "
                                  "sera close à 13\u00a0h\u00a000, sa fin réelle. 1 personne "
                                  "attend")
    k.shot("24c-console-fermer-escale-restee-ouverte")
    k.tap("close_confirm")
    k.wait(lambda: not k.app.is_open, what="closed")
    closed = views.stopover_summary(staff_ctx, views.last_closed_stopover(staff_ctx)).stopover
    assert closed.closed_at == dt.datetime(2026, 11, 26, 13, 0)


def _chooser_has(k, name):
    try:
        k.find(name)
        return True
    except AssertionError:
        return False


def test_problems_are_shown_in_words(console, staff_ctx):
    k = console
    log_in(k)
    k.wait(lambda: k.screen == "console")
    # the console shows the board of the latest revision: nothing is left for it to refresh
    k.wait(lambda: k.app._revision == views.queue_revision(staff_ctx), what="an up-to-date board")
    assert "Imprimante" not in k.app.status_text
    # from the kiosk's process, and nothing else changes: the problem alone refreshes the console
    services.record_device_problem(staff_ctx, "printer", "L'imprimante ne répond pas.", 4)
    k.wait(lambda: "Imprimante" in k.app.status_text, what="printer problem shown")


def test_a_call_the_database_refuses_is_said_as_a_refusal_in_french(console, staff_ctx):
    k = console
    services.take_ticket(staff_ctx, "caf-rsa")
    log_in(k)
    k.wait(lambda: k.screen == "console" and len(k.app.queue_rows) == 1, what="the ticket")
    # a trigger left in the database (a foreign tool, a hand): every ticket change is refused
    with staff_ctx.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TRIGGER no_call BEFORE UPDATE ON tickets "
                                   "BEGIN SELECT RAISE(ABORT, 'appels suspendus'); END")
    k.tap("call_next")
    k.wait(lambda: k.app.message_is_error and not k.app.busy, what="the refusal said")
    assert k.app.message == "La base de données a refusé l'écriture (appels suspendus)."
    assert states(staff_ctx) == {1: "waiting"} and not k.app.current


def test_the_database_line_goes_at_the_first_poll_that_gets_an_answer(console, staff_ctx):
    k = console
    log_in(k)
    k.wait(lambda: k.screen == "console", what="console")
    k.wait(lambda: k.app._revision == views.queue_revision(staff_ctx), what="an up-to-date board")
    polls = k.count_polls()
    # the polls fail for real: the table they read is gone, then back (nothing else changes,
    # so the revision after is the one before: no new board comes to clear the line)
    with staff_ctx.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE queue_revision RENAME TO queue_revision_away")
    k.wait(lambda: k.app.db_problem, what="the database line")
    assert k.app.db_problem.startswith("Base de données : la console ne la joint plus (depuis ")
    k.shot("160-console-base-injoignable")
    with staff_ctx.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE queue_revision_away RENAME TO queue_revision")
    back = len(polls)
    k.wait(lambda: not k.app.db_problem, what="the database line gone")
    # one poll may have begun before the table was back (and failed); the next one clears it
    assert len(polls) - back <= 2, f"the line went only after {len(polls) - back} polls"


def test_an_account_made_elsewhere_shows_on_the_login_screen_without_a_restart(console,
                                                                             staff_ctx):
    from screens.staff_app import MEMBERS_CHECK_SECONDS

    k = console
    k.wait(lambda: k.app.worker.pending == 0, what="the console's answers in")
    asked: list[float] = []
    members = k.app.service.members

    def counted():  # the real call, counted
        asked.append(time.monotonic())
        return members()

    k.app.service.members = counted
    began = time.monotonic()
    # as `kiosk staff-user add` does it, from another process, while the login screen shows
    josiane = staff.authorise_coordinator(staff_ctx, "Josiane", "2468")
    staff.add_staff(staff_ctx, "Nadia", "animatrice", "4321", by=josiane)
    k.wait(lambda: k.has("staff:Nadia"), what="her name on the login screen")
    assert k.screen == "login"
    # a slow check, not one per frame: at most one per MEMBERS_CHECK_SECONDS of the time
    # that passed (a loaded machine makes it fewer, never more)
    assert len(asked) <= 1 + (time.monotonic() - began) / MEMBERS_CHECK_SECONDS, len(asked)

    log_in(k, "Nadia", "4321")
    k.wait(lambda: k.screen == "console", what="console")
    k.wait(lambda: k.app.worker.pending == 0, what="her login's answers in")
    staff.add_staff(staff_ctx, "Léa", "animatrice", "8765", by=josiane)
    asked.clear()
    polls = k.count_polls()
    # 14 polls of the board are 6.5 s at least: a check of the names would have come by now
    k.wait(lambda: len(polls) >= 14, what="fourteen polls")
    k.wait(lambda: k.app.worker.pending == 0, what="the polls' answers in")
    assert asked == [], "the names are asked while nobody is on the login screen"
    k.tap("logout")
    k.wait(lambda: k.screen == "login", what="back to the login screen")
    k.wait(lambda: k.has("staff:Léa"), what="her name, as the screen shows again")
