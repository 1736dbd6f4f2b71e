""""Votre avis": one anonymous answer per tap, tied to the stopover, a second tap within 20 s not
counted; the counts per commune and stop beside the visits served, in `kiosk stats` too."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.models import Feedback
from kiosk.core import services
from kiosk.errors import KioskError
from kiosk.reports.feedback import feedback_report
from kiosk.reports.periods import Period
from kiosk.reports.statistics import compute


def answers(ctx):
    with ctx.read() as s:
        return s.execute(select(Feedback.stopover_id, Feedback.answer, Feedback.created_at)
                         .order_by(Feedback.id)).all()


def test_an_answer_counts_once_per_visitor_within_twenty_seconds(open_ctx, clock):
    ctx = open_ctx
    assert services.record_feedback(ctx, "content") is True
    clock.advance(seconds=5)
    assert services.record_feedback(ctx, "pas_content") is False  # the same visitor, correcting
    clock.advance(seconds=14)
    assert services.record_feedback(ctx, "moyen") is False  # 19 s after the one that counted
    clock.advance(seconds=1)
    assert services.record_feedback(ctx, "moyen") is True  # 20 s: the next visitor
    rows = answers(ctx)
    assert [r.answer for r in rows] == ["content", "moyen"]
    start = dt.datetime(2026, 11, 26, 9, 0)
    assert [r.created_at for r in rows] == [start, start + dt.timedelta(seconds=20)]
    assert len({r.stopover_id for r in rows}) == 1  # nothing but the stopover and the time


def test_no_answer_is_recorded_without_an_open_stopover(ctx, clock):
    assert services.record_feedback(ctx, "content") is False
    services.open_stopover(ctx, "ducos-bourg")
    services.close_stopover(ctx)
    clock.advance(minutes=1)
    assert services.record_feedback(ctx, "content") is False
    assert answers(ctx) == []


def test_an_unknown_answer_is_refused(open_ctx):
    with pytest.raises(KioskError, match="Avis « ravi » invalide"):
        services.record_feedback(open_ctx, "ravi")
    assert answers(open_ctx) == []


def test_counts_per_commune_and_stop_beside_the_visits_served(ctx, clock):
    # Ducos in the morning: two visitors received, three answers
    services.open_stopover(ctx, "ducos-bourg")
    for _ in range(2):
        number = services.take_ticket(ctx, "autre").number
        services.call_next(ctx, 1)
        services.finish_visit(ctx, number, [services.DemandeInput("autre", "solved")])
    for answer in ("content", "content", "pas_content"):
        assert services.record_feedback(ctx, answer)
        clock.advance(minutes=1)
    services.close_stopover(ctx)
    # Le Marin the next day: one answer, nobody received yet
    clock.advance(minutes=24 * 60)
    services.open_stopover(ctx, "marin-bourg")
    assert services.record_feedback(ctx, "moyen")

    report = feedback_report(ctx, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    totals = report.totals
    assert (totals.content, totals.moyen, totals.pas_content, totals.served) == (2, 1, 1, 2)
    data = report.as_json()
    assert data["answers"] == 4 and data["content_share"] == 0.5
    communes = {r["key"]: r for r in data["by_commune"]}
    assert communes["97207"]["answers"] == 3 and communes["97207"]["served"] == 2
    assert communes["97207"]["content_share"] == 0.667
    assert communes["97217"] == {"key": "97217", "label": "Le Marin", "content": 0, "moyen": 1,
                                 "pas_content": 0, "answers": 1, "served": 0,
                                 "content_share": 0.0, "answers_per_served": None}
    stops = {r["key"]: r for r in data["by_stop"]}
    assert stops["ducos-bourg"]["commune"] == "Ducos" and stops["ducos-bourg"]["pas_content"] == 1
    only_marin = feedback_report(ctx, dt.date(2026, 11, 1), dt.date(2026, 11, 30), "97217")
    assert only_marin.totals.answers == 1
    assert feedback_report(ctx, dt.date(2026, 10, 1), dt.date(2026, 10, 31)).totals.answers == 0

    # the statistics report carries the same block, for `kiosk stats` and the exports
    month = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30), "novembre 2026", "month")
    stats = compute(ctx, month).as_json()
    assert stats["feedback"] == data
    assert compute(ctx, month, commune="97217").as_json()["feedback"]["answers"] == 1


def test_the_exports_carry_the_answers(open_ctx, clock, tmp_path):
    """The XLSX "Avis" sheet and the PDF report's section, read back as a partner would."""
    import subprocess

    import openpyxl

    from kiosk.exports import export

    for answer in ("content", "content", "moyen"):
        assert services.record_feedback(open_ctx, answer)
        clock.advance(minutes=1)
    month = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30), "novembre 2026", "month")
    book = openpyxl.load_workbook(export(open_ctx, month, "xlsx", tmp_path / "r.xlsx"))
    rows = list(book["Avis"].iter_rows(values_only=True))
    assert rows[1][:7] == ("Commune", "Content", "Moyen", "Pas content", "Avis", "Part de contents",
                       "Visiteurs reçus")
    assert rows[2][:7] == ("Ducos", 2, 1, 0, 3, 0.667, 0)
    pdf = export(open_ctx, month, "pdf", tmp_path / "r.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Avis des visiteurs" in text
    assert "3 avis pour 0 visiteurs reçus : content 2 (67 %), moyen 1, pas content 0" in text
    assert "Par commune (part" not in text  # one commune: the sentence above says it all


def test_a_seeded_history_holds_answers_like_a_real_one(ctx):
    """`kiosk seed-history` (and so `kiosk demo`): about a third of the visitors received
    answer, mostly content, never two within 20 s at one stopover."""
    from kiosk.reports.history import seed_history

    seed_history(ctx, 400, start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 30), seed=7)
    report = feedback_report(ctx, dt.date(2026, 9, 1), dt.date(2026, 9, 30)).totals
    assert 0.2 < report.answers / report.served < 0.4
    assert report.content > 5 * (report.moyen + report.pas_content)
    with ctx.read() as s:
        rows = s.execute(select(Feedback.stopover_id, Feedback.created_at)
                         .order_by(Feedback.stopover_id, Feedback.created_at)).all()
    assert all(b.created_at - a.created_at >= dt.timedelta(seconds=20)
               for a, b in zip(rows, rows[1:], strict=False) if a.stopover_id == b.stopover_id)
