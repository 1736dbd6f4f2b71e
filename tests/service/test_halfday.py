"""Opening and closing a half-day (issue #9, items 13-15), on SQLite and PostgreSQL: the undo of
an opening, the closing check, the half-day's summary and its PDF, the coordinator's team and
checks through StaffService."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Event, Stopover
from kiosk.apps.console import StaffService
from kiosk.core import halfday, services, staff, views
from kiosk.core.services import DemandeInput
from kiosk.errors import (
    CoordinatorOnly,
    KioskError,
    PinMismatch,
    StaffAlreadyExists,
    StopoverWasClosed,
)
from kiosk.output.printing import FilePrinter


def _stopovers(ctx):
    with ctx.read() as s:
        return s.execute(select(Stopover.id, Stopover.stop_id, Stopover.closed_at)
                         .order_by(Stopover.id)).all()


def _kinds(ctx):
    with ctx.read() as s:
        return [k for (k,) in s.execute(select(Event.kind).order_by(Event.id))]


def test_undo_of_a_fresh_opening_deletes_the_stopover_and_logs_it(ctx):
    opened = services.open_stopover(ctx, "ducos-bourg")
    info = services.undo_open_stopover(ctx, opened.id, staff_id=None)
    assert info.id == opened.id and info.stop_id == "ducos-bourg"
    assert _stopovers(ctx) == []
    assert _kinds(ctx)[-2:] == ["stopover_opened", "stopover_open_undone"]
    with ctx.read() as s:
        detail = json.loads(s.scalar(select(Event.detail).order_by(Event.id.desc()).limit(1)))
        assert s.scalar(select(func.count()).select_from(Event)
                        .where(Event.stopover_id.is_not(None))) == 0
    assert detail["deleted_stopover"] == opened.id and detail["stop"] == "ducos-bourg"
    # the right stop can be opened at once, with a fresh numbering
    again = services.open_stopover(ctx, "francois-dostaly", half="morning")
    assert services.take_ticket(ctx, "autre").number == 1
    assert again.stop_id == "francois-dostaly"


def test_a_closed_half_day_is_reopened_only_when_asked_by_name(ctx, clock):
    """Close, then "Ouvrir" with its default: before, the half-day just closed was reopened
    without a word. Now it is refused, saying when it closed and what reopening means, and
    nothing changes; asked by name, it reopens and its numbering goes on."""
    first = services.open_stopover(ctx, "ducos-bourg")
    services.take_ticket(ctx, "autre")
    clock.advance(minutes=150)
    services.close_stopover(ctx)
    clock.advance(minutes=5)
    with pytest.raises(StopoverWasClosed) as refused:
        services.open_stopover(ctx, "ducos-bourg")
    assert refused.value.message == (
        "Cette demi-journée (Ducos – Bourg, place de la mairie, jeudi 26 novembre, matin) a été "
        "fermée à 11 h 30. La rouvrir est un choix à part : les personnes non reçues le restent, "
        "et leurs codes retour ne servent qu'au prochain passage.")
    assert views.queue_snapshot(ctx).stopover is None
    assert views.open_stopover(ctx) is None
    again = services.open_stopover(ctx, "ducos-bourg", reopen=True)
    assert again.id == first.id
    assert services.take_ticket(ctx, "autre").number == 2


def test_undo_of_a_reopening_closes_it_again_at_its_former_time(ctx, clock):
    first = services.open_stopover(ctx, "ducos-bourg")
    services.take_ticket(ctx, "autre")
    clock.advance(minutes=30)
    closed_at = clock.current
    services.close_stopover(ctx)
    clock.advance(minutes=5)
    reopened = services.open_stopover(ctx, "ducos-bourg", reopen=True)
    assert reopened.id == first.id
    services.undo_open_stopover(ctx, reopened.id, staff_id=None)
    assert _stopovers(ctx) == [(first.id, "ducos-bourg", closed_at)]
    assert views.queue_snapshot(ctx).stopover is None
    # its numbering is kept: reopened for real, the next number follows
    services.open_stopover(ctx, "ducos-bourg", reopen=True)
    assert services.take_ticket(ctx, "autre").number == 2


def test_undo_is_refused_once_a_ticket_was_taken(ctx):
    opened = services.open_stopover(ctx, "ducos-bourg")
    services.take_ticket(ctx, "autre")
    with pytest.raises(KioskError, match="1 ticket"):
        services.undo_open_stopover(ctx, opened.id, staff_id=None)
    assert [r.stop_id for r in _stopovers(ctx)] == ["ducos-bourg"]
    services.close_stopover(ctx)
    with pytest.raises(KioskError, match="déjà fermée"):
        services.undo_open_stopover(ctx, opened.id, staff_id=None)
    services.open_stopover(ctx, "ducos-bourg", reopen=True)  # reopened, then a ticket: refused too
    services.take_ticket(ctx, "autre")
    with pytest.raises(KioskError, match="fermez l'escale"):
        services.undo_open_stopover(ctx, opened.id, staff_id=None)
    with pytest.raises(KioskError, match="introuvable"):
        services.undo_open_stopover(ctx, 999, staff_id=None)


def _morning(ctx, clock):
    """Ducos, 9:00: 6 tickets; 2 served (one with two demandes), 1 absent, 1 cancelled,
    2 still waiting at the closing."""
    opened = services.open_stopover(ctx, "ducos-bourg")
    for procedure in ("caf-rsa", "caf-aide-logement", "cgss-c2s", "autre", "caf-rsa", "autre"):
        services.take_ticket(ctx, procedure)
    clock.advance(minutes=10)
    services.call_next(ctx, 1)  # n° 1 waited 10 min
    services.finish_visit(ctx, 1, [DemandeInput("caf-rsa", "solved"),
                                   DemandeInput("cgss-c2s", "redirected", "CGSS")])
    clock.advance(minutes=20)
    services.call_next(ctx, 1)  # n° 2 waited 30 min
    services.finish_visit(ctx, 2, [DemandeInput("caf-aide-logement", "follow_up")])
    services.call_next(ctx, 1)  # n° 3 waited 30 min, absent
    services.mark_absent(ctx, 3)
    services.cancel_ticket(ctx, 4)
    return opened


def test_the_summary_of_a_closed_half_day(ctx, clock):
    opened = _morning(ctx, clock)
    check = views.closing_check(ctx)
    assert (check.waiting, check.in_service) == (2, ())
    services.take_ticket(ctx, "autre")
    services.call_next(ctx, 2)
    services.start_service(ctx, 5)
    assert views.closing_check(ctx).in_service == (5,)
    services.finish_visit(ctx, 5, [DemandeInput("caf-rsa", "solved")])
    assert views.last_closed_stopover(ctx) is None
    services.close_stopover(ctx)
    assert views.last_closed_stopover(ctx) == opened.id
    summary = views.stopover_summary(ctx, opened.id)
    assert (summary.visitors, summary.served, summary.absent, summary.cancelled,
            summary.unserved, summary.still_open) == (7, 3, 1, 1, 2, 0)
    assert [(o.operator_id, o.visitors, o.served) for o in summary.by_organism] == [
        ("autre", 3, 0), ("caf", 3, 3), ("cgss", 1, 0)]
    assert summary.wait_count == 4
    assert summary.wait_mean_minutes == pytest.approx((10 + 30 + 30 + 30) / 4)
    assert summary.wait_max_minutes == 30
    assert (summary.demandes, summary.by_outcome) == (
        4, (("solved", 2), ("redirected", 1), ("follow_up", 1)))
    text = halfday.summary_text(summary, ctx.catalogue)
    assert text.title == "Ducos – Bourg, place de la mairie, jeudi 26 novembre 2026, matin"
    assert ("Non reçus (encore là à la fermeture)", "2") in text.figures
    assert ("Attente la plus longue", "30 min") in text.figures
    assert ("Orienté vers un partenaire", "1") in text.demandes


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler) missing")
@pytest.mark.parametrize("fmt", ["a4", "receipt"])
def test_the_summary_prints_through_the_printing_path(ctx, clock, tmp_path, fmt):
    opened = _morning(ctx, clock)
    services.close_stopover(ctx)
    service = StaffService(ctx, printer=FilePrinter(tmp_path / "printed"))
    outcome = service.print_summary(opened.id, fmt)
    assert outcome.ok, outcome.message
    pdf = Path(outcome.job or "")
    words = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout
    for expected in ("Bilan de la demi-journée", "Ducos – Bourg", "Visiteurs", "Non reçus",
                     "Attente la plus longue", "Par organisme", "Demandes par résultat"):
        assert expected in " ".join(words.split()), (expected, words)
    from kiosk.output.documents import page_size_mm

    width, height = page_size_mm(pdf)
    assert round(width) == (80 if fmt == "receipt" else 210)
    assert (height < 250) if fmt == "receipt" else round(height) == 297
    # the document says its own height: the printer is given it, never reads it back
    text = halfday.summary_text(views.stopover_summary(ctx, opened.id), ctx.catalogue)
    drawn, told = halfday.summary_pdf(text, tmp_path / "bilan.pdf", fmt)
    if fmt == "receipt":
        assert told == pytest.approx(page_size_mm(drawn)[1], abs=0.01) and told == pytest.approx(
            height, abs=0.01)
    else:
        assert told is None
    with pytest.raises(KioskError, match="Format"):
        service.print_summary(opened.id, "a3")


def test_staff_service_open_choices_follow_the_schedule_and_the_clock(ctx, clock):
    service = StaffService(ctx)
    choices = service.open_choices()  # Thursday 26 November 2026, 9:00: Le François planned
    assert choices.half == "morning"
    assert choices.suggested is not None and choices.suggested.stop_id == "francois-dostaly"
    assert sum(len(c.stops) for c in choices.communes) >= 20
    clock.current = dt.datetime(2026, 11, 29, 14, 0)  # a Sunday afternoon: nothing planned
    choices = service.open_choices()
    assert (choices.half, choices.suggested, choices.planned) == ("afternoon", None, ())


def test_team_and_checks_are_the_coordinators_alone(ctx):
    marie = staff.add_staff(ctx, "Marie", "animatrice", "1357")
    josiane = staff.add_staff(ctx, "Josiane", "coordinator", "2468")
    service = StaffService(ctx)
    for call in (lambda: service.team(marie.id), lambda: service.run_checks(marie.id),
                 lambda: service.add_member(marie.id, "Léa", "animatrice", "1111", "1111"),
                 lambda: service.disable_member(marie.id, josiane.id),
                 lambda: service.set_member_pin(marie.id, marie.id, "9999", "9999")):
        with pytest.raises(CoordinatorOnly):
            call()
    with pytest.raises(PinMismatch):
        service.add_member(josiane.id, "Léa", "animatrice", "1111", "1112")
    lea = service.add_member(josiane.id, "  Léa  ", "animatrice", "1111", "1111")
    assert lea.name == "Léa"
    with pytest.raises(StaffAlreadyExists):
        service.add_member(josiane.id, "léa", "animatrice", "1111", "1111")
    assert not service.disable_member(josiane.id, lea.id).active
    assert [m.name for m in service.team(josiane.id)] == ["Josiane", "Léa", "Marie"]
    assert service.enable_member(josiane.id, lea.id).active
    service.set_member_pin(josiane.id, lea.id, "4242", "4242")
    assert staff.login(ctx, lea.id, "4242").name == "Léa"
    with pytest.raises(KioskError, match="propre compte"):
        service.disable_member(josiane.id, josiane.id)
    checks = service.run_checks(josiane.id)
    assert checks.catalogue.ok and "tout est valide" in checks.catalogue.text
    assert str(len(ctx.catalogue.procedures)) + " démarches" in checks.catalogue.text
    assert checks.itinerary.ok and "communes" in checks.itinerary.text


def test_a_broken_catalogue_is_named_in_the_checks(ctx, tmp_path, settings):
    from kiosk.core.context import open_context
    from kiosk.system.config import Settings

    folder = tmp_path / "catalogue"
    shutil.copytree(settings.effective_catalogue_dir, folder)
    first = sorted(folder.glob("*.yaml"))[0]
    first.write_text(first.read_text().replace("verified_on:", "verified_onn:", 1))
    broken = open_context(Settings(data_dir=tmp_path, database_url=settings.database_url,
                                   catalogue_dir=folder))
    try:
        josiane = staff.add_staff(broken, "Josiane", "coordinator", "2468")
        checks = StaffService(broken).run_checks(josiane.id)
    finally:
        broken.dispose()
    assert not checks.catalogue.ok
    assert first.name in checks.catalogue.text and "verified_on" in checks.catalogue.text
