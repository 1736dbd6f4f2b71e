"""Nobody leaves empty-handed (both backends): those left unserved at closing get a code with the
next passage in their commune; typed at a later stopover it gives a priority ticket for the same
procedure, once; the statistics count how many came back.

A code is no key to every bus (issue #18, item 7): it serves in the commune where it was given,
until `return_pass_weeks` after that day; wrong codes in a row slow the next try, on every
console at once; each try is in the event log, a wrong code never in clear."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess

import pytest
from sqlalchemy import select

from db.models import Ticket
from kiosk.core import services, views
from kiosk.core.context import open_context
from kiosk.core.return_passes import (
    ALPHABET,
    CODE_LENGTH,
    issue_return_passes,
    return_slip,
    use_return_pass,
)
from kiosk.errors import KioskError, ReturnCodeRefused
from kiosk.output.documents import receipt_pdf
from kiosk.reports.periods import Period
from kiosk.reports.statistics import ReturnTally, compute
from tests.service.eventlog import events


def test_unserved_visitors_get_a_pass_and_come_back_first(open_ctx, clock):
    ctx = open_ctx
    day = clock.current.date()
    taken = [services.take_ticket(ctx, procedure, language="gcf" if procedure == "cgss-c2s"
                                  else "fr") for procedure in ("caf-rsa", "cgss-c2s", "autre")]
    services.call_next(ctx, 1)
    services.finish_visit(ctx, 1, [services.DemandeInput("caf-rsa", "solved")])
    with pytest.raises(KioskError, match="encore ouverte"):
        issue_return_passes(ctx, taken[0].stopover_id)
    services.close_stopover(ctx)

    passes = issue_return_passes(ctx)
    assert [(p.number, p.procedure_id) for p in passes] == [(2, "cgss-c2s"), (3, "autre")]
    assert all(len(p.code) == CODE_LENGTH and set(p.code) <= set(ALPHABET) for p in passes)
    assert len({p.code for p in passes}) == 2
    nxt = passes[0].next_passage
    assert nxt is not None and nxt.commune_name == "Ducos" and nxt.day > day
    assert issue_return_passes(ctx) == passes, "asked twice: the same slips"

    # the next passage in Ducos: two visitors already wait when she shows her slip
    clock.current = dt.datetime.combine(nxt.day, dt.time(8, 30))
    services.open_stopover(ctx, nxt.stop_id, nxt.half)
    services.take_ticket(ctx, "autre")
    services.take_ticket(ctx, "caf-rsa")
    typed = " " + passes[0].code[:3].lower() + "-" + passes[0].code[3:] + " "
    back = use_return_pass(ctx, typed)
    assert (back.number, back.procedure_id, back.priority, back.people_ahead) == \
        (3, "cgss-c2s", True, 0)
    with ctx.read() as s:
        assert s.scalar(select(Ticket.language).where(Ticket.number == 3,
                                                      Ticket.stopover_id == back.stopover_id)) \
            == "gcf", "her language comes back with her"
    assert services.call_next(ctx, 1).number == 3, "she goes first"

    with pytest.raises(KioskError, match="déjà servi"):
        use_return_pass(ctx, passes[0].code)
    with pytest.raises(KioskError, match="inconnu"):
        use_return_pass(ctx, "AAAAAA")
    with pytest.raises(KioskError, match="invalide"):
        use_return_pass(ctx, " - ")
    assert compute(ctx, Period.between(day, nxt.day)).returns == ReturnTally(2, 1)
    assert compute(ctx, Period.between(nxt.day, nxt.day)).returns == ReturnTally(0, 0), \
        "counted at the closing where they were given"
    assert compute(ctx, Period.between(day, day), commune="97217").returns == ReturnTally(0, 0)


def test_no_pass_before_any_closing(ctx):
    with pytest.raises(KioskError, match="Aucune demi-journée fermée"):
        issue_return_passes(ctx)


def _left_unserved(ctx, *procedures):
    """Tickets taken at the open stopover, left waiting at its closing: their passes."""
    for procedure in procedures:
        services.take_ticket(ctx, procedure)
    services.close_stopover(ctx)
    return issue_return_passes(ctx)


def _open_on(ctx, clock, day, stop="ducos-bourg"):
    clock.current = dt.datetime.combine(day, dt.time(8, 30))
    services.open_stopover(ctx, stop, "morning")


def _refused(ctx, code) -> ReturnCodeRefused:
    with pytest.raises(ReturnCodeRefused) as refused:
        use_return_pass(ctx, code)
    return refused.value


def _wrong_codes(given):
    """Codes nobody was given: the alphabet's letters six times over, never the real one."""
    return (char * CODE_LENGTH for char in ALPHABET if char * CODE_LENGTH != given.code)


def test_a_code_serves_only_in_the_commune_where_it_was_given(open_ctx, clock):
    ctx = open_ctx  # Thursday 26 November 2026 at Ducos
    (given,) = _left_unserved(ctx, "caf-rsa")
    assert given.valid_until == dt.date(2027, 1, 21), "8 weeks later (return_pass_weeks)"
    assert given.as_json()["valid_until"] == "2027-01-21"
    assert given.validity == "Valable à Ducos jusqu'au jeudi 21 janvier 2027"

    _open_on(ctx, clock, dt.date(2026, 11, 30), "marin-bourg")  # Monday, at Le Marin
    refused = _refused(ctx, given.code)
    assert (refused.reason, refused.wait_seconds) == ("other_commune", 0)
    assert refused.message == ("Ce code est valable à Ducos jusqu'au jeudi 21 janvier 2027, "
                               "pas au Marin.")
    assert views.queue_snapshot(ctx).waiting == (), "no ticket given"
    services.close_stopover(ctx)

    _open_on(ctx, clock, dt.date(2026, 12, 3), "ducos-genipa")  # another stop of Ducos
    back = use_return_pass(ctx, given.code)
    assert (back.number, back.procedure_id, back.priority) == (1, "caf-rsa", True)


def test_a_code_expires_after_the_weeks_set_its_last_day_included(open_ctx, clock):
    ctx = open_ctx
    ctx.settings = dataclasses.replace(ctx.settings, return_pass_weeks=1)
    first, second = _left_unserved(ctx, "caf-rsa", "autre")
    assert first.valid_until == second.valid_until == dt.date(2026, 12, 3)
    assert first.next_passage is not None and first.next_passage.day == dt.date(2026, 12, 1)

    _open_on(ctx, clock, dt.date(2026, 12, 3))  # its last day, a Thursday
    assert use_return_pass(ctx, first.code).number == 1
    services.close_stopover(ctx)
    _open_on(ctx, clock, dt.date(2026, 12, 4))  # the day after
    refused = _refused(ctx, second.code)
    assert (refused.reason, refused.message) == (
        "expired", "Ce code a expiré : il était valable jusqu'au jeudi 3 décembre 2026.")
    assert _refused(ctx, first.code).reason == "used", "a used code says so, expired or not"
    assert views.queue_snapshot(ctx).waiting == ()


def test_the_code_serves_at_least_until_the_next_passage_it_promises(ctx, clock, tmp_path):
    """At Le Marin the next passage (Tuesday 8 December) is past a one-week code: the code
    serves until that passage (before, it expired on the 3rd and the slip still sent her to the
    8th, where the code was refused), and the slip says when and where."""
    ctx.settings = dataclasses.replace(ctx.settings, return_pass_weeks=1)
    services.open_stopover(ctx, "marin-bourg")
    (given,) = _left_unserved(ctx, "caf-rsa")
    assert given.valid_until == dt.date(2026, 12, 8)
    assert given.next_passage is not None and given.next_passage.day == dt.date(2026, 12, 8)
    procedure, operator, slip = return_slip(ctx, given)
    assert slip.next_passages[0].day == dt.date(2026, 12, 8)
    pdf = receipt_pdf(procedure, operator, slip, tmp_path / "retour.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    words = " ".join(text.replace("\u00a0", " ").split())
    assert "Valable au Marin jusqu'au mardi 8 décembre 2026." in words, words
    assert "Revenez le mardi 8 décembre" in words, words

    _open_on(ctx, clock, dt.date(2026, 12, 8), "marin-bourg")  # the passage the slip names
    assert use_return_pass(ctx, given.code).priority


def test_wrong_codes_in_a_row_slow_every_console_until_a_right_one(open_ctx, clock, settings):
    ctx = open_ctx
    (given,) = _left_unserved(ctx, "cgss-c2s")
    _open_on(ctx, clock, dt.date(2026, 12, 1))  # Ducos' next passage
    other = open_context(settings, migrate=False)  # a second console on the same database
    other.clock = clock
    wrong = _wrong_codes(given)
    try:
        assert [_refused(on, next(wrong)).wait_seconds for on in (ctx, other)] == [0, 0]
        third = _refused(ctx, next(wrong))
        assert third.wait_seconds == 5
        assert third.message.endswith(" : vérifiez les lettres sur le ticket. 3 codes refusés "
                                      "de suite : attendez 5 secondes avant d'essayer un autre "
                                      "code.")
        # while it waits, no code is even looked at, the right one neither, on any console
        for on in (other, ctx):
            waiting = _refused(on, given.code)
            assert (waiting.reason, waiting.wait_seconds, waiting.message) == (
                "wait", 5, "Trop de codes refusés de suite : attendez encore 5 secondes avant "
                           "d'essayer un code.")
        clock.advance(seconds=4)
        assert _refused(other, given.code).message.startswith(
            "Trop de codes refusés de suite : attendez encore 1 seconde avant")
        clock.advance(seconds=1)
        waits, said = [], []
        for on in (other, ctx, other, ctx, other, ctx, other):
            refused = _refused(on, next(wrong))
            waits.append(refused.wait_seconds)
            said.append(refused.message.split(" : attendez ")[-1])
            assert _refused(on, given.code).reason == "wait", "still slowed"
            clock.advance(seconds=refused.wait_seconds)
        assert waits == [10, 20, 40, 80, 160, 300, 300], "doubled, up to 5 minutes"
        assert said[4:6] == ["2 minutes et 40 secondes avant d'essayer un autre code.",
                             "5 minutes avant d'essayer un autre code."]

        back = use_return_pass(other, given.code)  # the right code, once the wait is over
        assert (back.number, back.priority) == (1, True)
        assert _refused(ctx, next(wrong)).wait_seconds == 0, "counted again from zero"
        assert _refused(ctx, given.code).reason == "used"
        assert _refused(ctx, next(wrong)).wait_seconds == 5, "a used code counts as wrong"
    finally:
        other.dispose()


def test_each_try_is_in_the_event_log_never_a_wrong_code_in_clear(open_ctx, clock):
    ctx = open_ctx
    (given,) = _left_unserved(ctx, "caf-rsa")
    _open_on(ctx, clock, dt.date(2026, 11, 30), "marin-bourg")
    _refused(ctx, given.code)  # another commune
    services.close_stopover(ctx)
    _open_on(ctx, clock, dt.date(2026, 12, 1))  # 8:30 at Ducos
    near_miss = given.code[:-1] + next(c for c in ALPHABET if c != given.code[-1])
    wrong = [near_miss, *(code for code, _ in zip(_wrong_codes(given), range(2), strict=False))]
    for typed in wrong:
        _refused(ctx, typed)
    _refused(ctx, given.code)  # slowed: not looked at
    clock.advance(seconds=5)
    back = use_return_pass(ctx, given.code)

    refusals = [json.loads(e.detail) for e in events(ctx, "return_pass_refused")]
    assert [(r["reason"], r.get("misses")) for r in refusals] == [
        ("other_commune", 1), ("unknown", 1), ("unknown", 2), ("unknown", 3), ("wait", None)], \
        "counted per stopover: Le Marin's refusal is not one of Ducos'"
    assert refusals[0]["return_pass_id"] > 0
    assert refusals[1] == {"reason": "unknown", "misses": 1, "channel": "console",
                           "typed_first": near_miss[0], "typed_length": CODE_LENGTH}
    assert refusals[4] == {"reason": "wait", "wait_seconds": 5, "channel": "console"}
    (slowed,) = events(ctx, "return_code_slowed")
    assert json.loads(slowed.detail) == {"misses": 3, "wait_seconds": 5,
                                         "until": "2026-12-01T08:30:05"}
    (used,) = events(ctx, "return_pass_used")
    assert used.ticket_id is not None and used.at == dt.datetime(2026, 12, 1, 8, 30, 5)
    assert json.loads(used.detail)["code"] == given.code, "a real code, used: said in clear"
    every_detail = " ".join(e.detail or "" for e in events(ctx))
    assert not [typed for typed in wrong if typed in every_detail]
    assert back.priority


def test_a_code_does_not_serve_in_the_half_day_that_gave_it_reopened(open_ctx, clock):
    """Closed, codes handed out, then the same half-day reopened (by name): a code given at its
    closing is for the next passage, not for this half-day (before, it gave a priority ticket
    the same morning)."""
    ctx = open_ctx
    (given,) = _left_unserved(ctx, "caf-rsa")
    clock.advance(minutes=10)
    services.open_stopover(ctx, "ducos-bourg", reopen=True)
    refused = _refused(ctx, given.code)
    assert (refused.reason, refused.message) == (
        "same_half_day", "Ce code est pour le prochain passage du bus : il ne sert pas dans la "
                         "demi-journée où il a été donné.")
    services.close_stopover(ctx)
    _open_on(ctx, clock, given.next_passage.day, given.next_passage.stop_id)
    assert use_return_pass(ctx, given.code).priority
