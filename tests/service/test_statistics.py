"""Statistics read models, checked indicator by indicator on histories computed by hand.

The history (tests/service/statistics_history.py) is built through the real services on both
backends; its comments give each ticket's wait and service. Q3 2026 holds:
A. Ducos bourg, 2 July (Thursday) morning: n° 1 served with 3 demandes (wait 600 s, started,
   service 900 s), n° 2 put back, called again, recalled, served (wait 600 s from its first
   call, service 1080 s), n° 3 absent (wait 1560 s), n° 4 cancelled while waiting, n° 5 served
   without "start" (wait 1800 s, service 420 s from the call), n° 6 unserved at closing.
B. Le Marin bourg, 14 August (Friday) afternoon: n° 1 served (wait 240 s, service 360 s),
   n° 2 cancelled.
C. Ducos Génipa, 1 September (Tuesday) morning: nobody came.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from kiosk.core import services
from kiosk.core.context import Context, open_context
from kiosk.errors import KioskError
from kiosk.reports.periods import Period, parse_day, period_from_options
from kiosk.reports.rows import DEMANDE_FIELDS, demande_rows
from kiosk.reports.statistics import calendar_key, compute
from kiosk.system.config import Settings
from tests.service.statistics_history import quarter_history, random_history

Q3 = Period.quarter("2026-T3")
TODAY = dt.date(2026, 11, 30)  # a month end: "--from" alone runs to it


def rows(report: dict[str, Any], name: str) -> dict[Any, dict[str, Any]]:
    return {row["key"]: row for row in report["breakdowns"][name]}


def counts(report: dict[str, Any], name: str, field: str = "visits") -> dict[Any, int]:
    return {row["key"]: row[field] for row in report["breakdowns"][name]}


@pytest.fixture
def history(ctx: Context) -> dict[str, Any]:
    quarter_history(ctx)
    return compute(ctx, Q3).as_json()


# ---------------------------------------------------------------- periods


def test_periods_have_french_labels_and_neighbours() -> None:
    october = Period.month("2026-10")
    assert (october.start, october.end, october.label) == (
        dt.date(2026, 10, 1), dt.date(2026, 10, 31), "octobre 2026")
    assert october.previous().label == "septembre 2026"
    assert Period.month("2026-01").previous().label == "décembre 2025"
    assert october.year_before() == Period.month("2025-10")
    assert Period.month("2028-02").end == dt.date(2028, 2, 29)

    assert (Q3.start, Q3.end, Q3.label) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30),
                                            "3e trimestre 2026")
    assert Period.quarter("2026-Q3") == Q3
    assert Q3.previous().label == "2e trimestre 2026"
    assert Period.quarter("2026-T1").previous() == Period.quarter("2025-T4")
    assert Period.quarter("2026-T1").label == "1er trimestre 2026"
    assert Q3.year_before() == Period.quarter("2025-T3")

    year = Period.year("2026")
    assert (year.start, year.end, year.label) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31),
                                                  "année 2026")
    assert year.previous() == Period.year("2025") == year.year_before()

    days = Period.between(dt.date(2026, 7, 1), dt.date(2026, 8, 15))
    assert days.label == "du 01/07/2026 au 15/08/2026"
    assert days.previous() == Period.between(dt.date(2026, 5, 16), dt.date(2026, 6, 30))
    assert days.year_before() == Period.between(dt.date(2025, 7, 1), dt.date(2025, 8, 15))
    leap = Period.between(dt.date(2028, 2, 29), dt.date(2028, 3, 1))
    assert leap.year_before().start == dt.date(2027, 2, 28)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Period.quarter("2026-T5"),
     "--quarter 2026-T5 : trimestre invalide (AAAA-T1 à AAAA-T4)."),
    (lambda: Period.month("2026-13"), "--month 2026-13 : mois invalide (AAAA-MM, mois 01 à 12)."),
    (lambda: Period.year("26"), "--year 26 : année invalide (AAAA)."),
    (lambda: parse_day("2026-02-30", "--to"),
     "--to 2026-02-30 : date invalide (AAAA-MM-JJ ou jj/mm/aaaa)."),
    (lambda: Period.between(dt.date(2026, 8, 1), dt.date(2026, 7, 1)),
     "Le premier jour (01/08/2026) est après le dernier (01/07/2026) : la période est vide."),
    (lambda: Period.year("0001"), "--year 0001 : année hors du calendrier du bus (2000 à 2100)."),
    (lambda: Period.month("2101-01"),
     "--month 2101-01 : année hors du calendrier du bus (2000 à 2100)."),
    (lambda: Period.quarter("1999-T4"),
     "--quarter 1999-T4 : année hors du calendrier du bus (2000 à 2100)."),
    (lambda: parse_day("31/12/1999", "--from"),
     "--from 31/12/1999 : année hors du calendrier du bus (2000 à 2100)."),
    (lambda: period_from_options(start=dt.date(2026, 8, 1), end=dt.date(2026, 7, 1),
                                 today=TODAY),
     "--from 2026-08-01 est après --to 2026-07-01 : la période est vide."),
    (lambda: period_from_options(month=Period.month("2026-10"), start=dt.date(2026, 10, 1),
                                 today=TODAY),
     "--month et --from : une seule façon de donner la période."),
    (lambda: period_from_options(today=TODAY), "Période manquante : --month, --quarter, --year ou --from/--to."),
])
def test_bad_periods_are_refused_in_one_line_naming_the_option(make, message) -> None:
    with pytest.raises(KioskError) as refused:
        make()
    assert refused.value.message == message


def test_dates_are_read_in_both_spellings() -> None:
    assert parse_day("2026-07-01") == parse_day("01/07/2026") == dt.date(2026, 7, 1)
    # the first and last days of the bus's calendar are in it
    assert parse_day("01/01/2000") == dt.date(2000, 1, 1)
    assert parse_day("2100-12-31") == dt.date(2100, 12, 31)
    assert period_from_options(start=parse_day("01/07/2026"), end=parse_day("2026-07-31"),
                               today=TODAY) == Period.between(dt.date(2026, 7, 1),
                                                              dt.date(2026, 7, 31))
    # --from alone runs to the day the clock gives, not the machine's
    assert period_from_options(start=dt.date(2026, 7, 1), today=TODAY) == Period.between(
        dt.date(2026, 7, 1), TODAY)


# ---------------------------------------------------------------- indicator by indicator


def test_headline_figures_of_a_quarter(history: dict[str, Any]) -> None:
    r = history
    assert r["period"] == {"from": "2026-07-01", "to": "2026-09-30", "label": "3e trimestre 2026",
                           "commune": None, "commune_label": None}
    assert (r["visits"], r["served"], r["absent"], r["cancelled"], r["unserved"],
            r["in_progress"]) == (8, 4, 1, 2, 1, 0)
    assert (r["demandes"], r["solved"], r["redirected"], r["follow_up"]) == (6, 4, 1, 1)
    assert r["stopovers"] == 3
    assert r["visitors_per_half_day"] == 2.7  # 8 / 3


def test_waits_mean_median_p90_max_and_buckets(history: dict[str, Any]) -> None:
    # waits 240, 600, 600, 1560, 1800 s; nearest rank: median rank 3, p90 rank 5
    assert history["wait"] == {"count": 5, "mean_minutes": 16.0, "median_minutes": 10.0,
                               "p90_minutes": 30.0, "max_minutes": 30.0, "over_30_share": 0.2}
    assert counts(history, "wait_buckets") == {"0-5": 1, "5-10": 0, "10-20": 2, "20-30": 1,
                                               "30+": 1}
    assert list(counts(history, "wait_buckets")) == ["0-5", "5-10", "10-20", "20-30", "30+"]


def test_service_times_overall_and_by_operator(history: dict[str, Any]) -> None:
    # services 360, 420, 900, 1080 s: the put-back ticket's service runs from its start
    assert history["service"] == {"count": 4, "mean_minutes": 11.5, "median_minutes": 7.0,
                                  "p90_minutes": 18.0, "max_minutes": 18.0}
    assert history["breakdowns"]["service_by_operator"] == [
        {"key": "caf", "label": "CAF de la Martinique", "visits": 3, "mean_minutes": 9.3,
         "p90_minutes": 15.0},  # 900, 420, 360 s
        {"key": "cgss", "label": "CGSS de la Martinique (Assurance maladie)", "visits": 1,
         "mean_minutes": 18.0, "p90_minutes": 18.0},
    ]


def test_demandes_by_operator_procedure_outcome_and_partner(history: dict[str, Any]) -> None:
    by_operator = rows(history, "demandes_by_operator")
    assert list(by_operator) == ["caf", "cgss", "impots"]
    assert [(r["demandes"], r["solved"], r["redirected"], r["follow_up"])
            for r in by_operator.values()] == [(3, 3, 0, 0), (2, 1, 1, 0), (1, 0, 0, 1)]
    by_procedure = rows(history, "demandes_by_procedure")
    assert counts(history, "demandes_by_procedure", "demandes") == {
        "caf-aide-logement": 2, "caf-rsa": 1, "cgss-c2s": 2, "impots-declaration-revenus": 1}
    assert by_procedure["cgss-c2s"]["operator"] == "CGSS de la Martinique (Assurance maladie)"
    assert history["breakdowns"]["demandes_by_outcome"] == [
        {"key": "solved", "label": "Réglé sur place", "demandes": 4},
        {"key": "redirected", "label": "Orienté vers un partenaire", "demandes": 1},
        {"key": "follow_up", "label": "À suivre", "demandes": 1},
    ]
    assert history["breakdowns"]["redirected_to"] == [
        {"key": "CGSS", "label": "CGSS", "demandes": 1}]


def test_places_half_days_and_peak_queue(history: dict[str, Any]) -> None:
    communes = rows(history, "by_commune")
    assert len(communes) == 12  # every commune of the itinerary, 0 included
    assert (communes["97207"]["visits"], communes["97207"]["stopovers"],
            communes["97207"]["visitors_per_half_day"], communes["97207"]["demandes"]) == (
        6, 2, 3.0, 5)
    assert communes["97217"]["visits"] == 2 and communes["97217"]["wait_mean_minutes"] == 4.0
    assert communes["97232"] | {} == {
        "key": "97232", "label": "Le Vauclin", "visits": 0, "served": 0, "absent": 0,
        "cancelled": 0, "unserved": 0, "in_progress": 0, "demandes": 0, "stopovers": 0,
        "visitors_per_half_day": None, "wait_mean_minutes": None}
    labels = [row["label"] for row in history["breakdowns"]["by_commune"]]
    assert labels == sorted(labels)

    stops = history["breakdowns"]["by_stop"]
    assert [(s["key"], s["commune"], s["visits"], s["stopovers"], s["peak_queue_max"])
            for s in stops] == [("ducos-bourg", "Ducos", 6, 1, 4),
                                ("ducos-genipa", "Ducos", 0, 1, 0),  # a stopover, nobody came
                                ("marin-bourg", "Le Marin", 2, 1, 2)]
    # peak at Ducos: n° 1-4 all waiting at 8:06 (the put-back does not rejoin the count)
    assert [(s["id"], s["day"], s["half"], s["visits"], s["demandes"], s["peak_queue"])
            for s in history["breakdowns"]["stopovers"]] == [
        (1, "2026-07-02", "morning", 6, 5, 4), (2, "2026-08-14", "afternoon", 2, 1, 2),
        (3, "2026-09-01", "morning", 0, 0, 0)]

    assert counts(history, "by_half") == {"morning": 6, "afternoon": 2}
    assert counts(history, "by_half", "stopovers") == {"morning": 2, "afternoon": 1}
    assert rows(history, "by_half")["morning"]["label"] == "matin"
    assert counts(history, "by_month") == {"2026-07": 6, "2026-08": 2, "2026-09": 0}
    assert rows(history, "by_month")["2026-08"]["label"] == "août 2026"
    assert counts(history, "by_weekday") == {"2": 0, "4": 6, "5": 2}
    assert rows(history, "by_weekday")["4"]["label"] == "jeudi"
    assert history["breakdowns"]["by_hour"] == [
        {"key": "08", "label": "8 h – 9 h", "visits": 5, "wait_mean_minutes": 19.0},
        {"key": "09", "label": "9 h – 10 h", "visits": 1, "wait_mean_minutes": None},
        {"key": "14", "label": "14 h – 15 h", "visits": 2, "wait_mean_minutes": 4.0},
    ]


def test_channel_language_and_profile(history: dict[str, Any]) -> None:
    assert counts(history, "by_channel") == {"kiosk": 6, "console": 1, "cli": 1}
    assert rows(history, "by_channel")["kiosk"]["label"] == "borne"
    assert counts(history, "by_language") == {"fr": 7, "gcf": 1}
    assert history["breakdowns"]["age_band"] == [
        {"key": "60-74", "label": "60 à 74 ans", "visits": 1},
        {"key": None, "label": "non renseigné", "visits": 7}]
    assert counts(history, "gender") == {"femme": 1, "homme": 1, None: 6}
    assert history["breakdowns"]["residence"] == [
        {"key": "97207", "label": "Ducos", "visits": 1},
        {"key": "97210", "label": "Le François", "visits": 1},
        {"key": "autre", "label": "autre commune", "visits": 1},
        {"key": None, "label": "non renseigné", "visits": 5}]
    assert counts(history, "residence_vs_stop") == {"same": 1, "other": 1, "outside": 1,
                                                    None: 5}


def test_previous_quarter_and_year_before(history: dict[str, Any]) -> None:
    previous = history["comparison"]["previous"]
    assert (previous["from"], previous["to"], previous["label"]) == (
        "2026-04-01", "2026-06-30", "2e trimestre 2026")
    assert (previous["visits"], previous["served"], previous["demandes"], previous["solved"],
            previous["stopovers"], previous["visitors_per_half_day"],
            previous["wait_mean_minutes"], previous["wait_median_minutes"]) == (
        1, 1, 1, 1, 1, 1.0, 2.0, 2.0)
    before = history["comparison"]["year_before"]
    assert before["label"] == "3e trimestre 2025"
    assert (before["visits"], before["served"], before["absent"], before["demandes"],
            before["follow_up"], before["wait_mean_minutes"], before["wait_median_minutes"]) == (
        2, 1, 1, 1, 1, 6.0, 5.0)  # waits 300 and 420 s: median is rank 1


def test_commune_filter(ctx: Context) -> None:
    quarter_history(ctx)
    marin = compute(ctx, Q3, commune="97217").as_json()
    assert marin["period"]["commune"] == "97217"
    assert marin["period"]["commune_label"] == "Le Marin"
    assert (marin["visits"], marin["served"], marin["cancelled"], marin["demandes"],
            marin["stopovers"]) == (2, 1, 1, 1, 1)
    assert marin["wait"]["count"] == 1 and marin["wait"]["median_minutes"] == 4.0
    assert counts(marin, "by_commune") == {"97217": 2}
    assert [s["key"] for s in marin["breakdowns"]["by_stop"]] == ["marin-bourg"]
    assert marin["comparison"]["previous"]["visits"] == 0  # May was at Ducos
    with pytest.raises(KioskError, match="--commune 97299 : commune inconnue"):
        compute(ctx, Q3, commune="97299")


def test_an_empty_period_gives_zeros_and_nulls(ctx: Context) -> None:
    report = compute(ctx, Period.year("2020")).as_json()
    assert (report["visits"], report["served"], report["demandes"], report["stopovers"]) == (
        0, 0, 0, 0)
    assert report["visitors_per_half_day"] is None
    assert report["wait"] == {"count": 0, "mean_minutes": None, "median_minutes": None,
                              "p90_minutes": None, "max_minutes": None, "over_30_share": None}
    assert report["service"]["mean_minutes"] is None
    assert set(counts(report, "by_commune").values()) == {0}
    assert counts(report, "wait_buckets") == {"0-5": 0, "5-10": 0, "10-20": 0, "20-30": 0,
                                              "30+": 0}
    for name in ("by_stop", "by_half", "by_month", "by_hour", "demandes_by_operator",
                 "age_band", "stopovers"):
        assert report["breakdowns"][name] == []
    assert report["comparison"]["previous"]["wait_median_minutes"] is None


def test_an_open_stopover_counts_visits_in_progress(open_ctx: Context, clock) -> None:
    services.take_ticket(open_ctx, "caf-rsa")
    clock.advance(minutes=3)
    services.take_ticket(open_ctx, "caf-rsa")
    clock.advance(minutes=1)
    services.call_next(open_ctx, 1)
    clock.advance(minutes=1)
    services.take_ticket(open_ctx, "caf-rsa")
    services.call_next(open_ctx, 2)  # taken and called at the same second: counted out first
    report = compute(open_ctx, Period.month("2026-11")).as_json()
    assert (report["visits"], report["in_progress"]) == (3, 3)
    assert report["breakdowns"]["stopovers"][0]["peak_queue"] == 2
    assert report["wait"]["count"] == 2


def test_demande_rows_stream_one_row_per_demande_and_per_visit_without_one(
        ctx: Context) -> None:
    quarter_history(ctx)
    found = list(demande_rows(ctx, Q3))
    # 6 demandes + 4 visits without one (absent, 2 cancelled, unserved)
    assert len(found) == 10
    assert [(r.stop_id, r.number, r.outcome) for r in found] == [
        ("ducos-bourg", 1, "solved"), ("ducos-bourg", 1, "redirected"),
        ("ducos-bourg", 1, "follow_up"), ("ducos-bourg", 2, "solved"),
        ("ducos-bourg", 3, None), ("ducos-bourg", 4, None), ("ducos-bourg", 5, "solved"),
        ("ducos-bourg", 6, None), ("marin-bourg", 1, "solved"), ("marin-bourg", 2, None)]
    first = found[0]
    assert first._fields == DEMANDE_FIELDS
    assert (first.day, first.half, first.commune_insee, first.commune, first.wait_seconds,
            first.service_seconds, first.channel, first.language, first.priority, first.state,
            first.age_band, first.gender, first.residence) == (
        dt.date(2026, 7, 2), "morning", "97207", "Ducos", 600, 900, "kiosk", "fr", False, "done",
        "60-74", "femme", "97207")
    assert (found[1].operator, found[1].procedure, found[1].partner,
            found[1].ticket_procedure) == ("cgss", "cgss-c2s", "CGSS", "caf-aide-logement")
    second = found[3]
    assert (second.first_called_at, second.started_at, second.ended_at) == (
        dt.datetime(2026, 7, 2, 8, 12), dt.datetime(2026, 7, 2, 8, 22),
        dt.datetime(2026, 7, 2, 8, 40))
    assert [r.number for r in demande_rows(ctx, Q3, commune="97217")] == [1, 2]


def test_calendar_keys_are_the_same_integers_on_both_backends(ctx: Context) -> None:
    from sqlalchemy import literal, select

    moment = dt.datetime(2026, 11, 29, 17, 5)  # a Sunday
    dialect = ctx.engine.dialect.name
    with ctx.read() as session:
        found = session.execute(select(
            *(calendar_key(literal(moment), part, dialect) for part in
              ("hour", "weekday", "month", "year"))
        )).one()
    assert tuple(found) == (17, 7, 11, 2026)


# ---------------------------------------------------------------- totals agree


def assert_breakdowns_add_up(report: dict[str, Any]) -> None:
    b = report["breakdowns"]
    visits = report["visits"]
    for name in ("by_commune", "by_stop", "by_half", "by_month", "by_weekday", "by_hour",
                 "by_channel", "by_language", "age_band", "gender", "residence",
                 "residence_vs_stop", "stopovers"):
        assert sum(row["visits"] for row in b[name]) == visits, name
    for name in ("by_commune", "by_stop", "by_half", "by_month", "by_weekday", "stopovers"):
        for field in ("served", "absent", "cancelled", "unserved", "in_progress", "demandes"):
            assert sum(row[field] for row in b[name]) == report[field], (name, field)
    for name in ("by_commune", "by_stop", "by_half", "by_month", "by_weekday"):
        assert sum(row["stopovers"] for row in b[name]) == report["stopovers"], name
    assert (report["served"] + report["absent"] + report["cancelled"] + report["unserved"]
            + report["in_progress"]) == visits
    assert sum(row["visits"] for row in b["wait_buckets"]) == report["wait"]["count"]
    for name in ("demandes_by_operator", "demandes_by_procedure", "demandes_by_outcome"):
        assert sum(row["demandes"] for row in b[name]) == report["demandes"], name
    for name in ("demandes_by_operator", "demandes_by_procedure"):
        for field in ("solved", "redirected", "follow_up"):
            assert sum(row[field] for row in b[name]) == report[field], (name, field)
    assert report["solved"] + report["redirected"] + report["follow_up"] == report["demandes"]
    assert sum(row["demandes"] for row in b["redirected_to"]) == report["redirected"]
    assert sum(row["visits"] for row in b["service_by_operator"]) == report["service"]["count"]
    assert report["service"]["count"] == report["served"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_breakdown_adds_up_to_the_totals(ctx: Context, seed: int) -> None:
    random_history(ctx, seed)
    report = compute(ctx, Q3).as_json()
    assert report["visits"] > 20
    assert_breakdowns_add_up(report)
    rows_out = list(demande_rows(ctx, Q3))
    assert len(rows_out) == report["demandes"] + report["visits"] - report["served"]


def test_the_hand_computed_history_adds_up(history: dict[str, Any]) -> None:
    assert_breakdowns_add_up(history)


# ---------------------------------------------------------------- both backends agree


PG_URL = os.environ.get("KIOSK_TEST_PG_URL", "")
REQUIRED = {b for b in os.environ.get("KIOSK_REQUIRE_BACKENDS", "").split(",") if b}


def test_sqlite_and_postgresql_give_identical_json(tmp_path: Path, sqlite_url: str) -> None:
    if not PG_URL:
        if "postgresql" in REQUIRED:
            pytest.fail("PostgreSQL is required (KIOSK_REQUIRE_BACKENDS) but KIOSK_TEST_PG_URL "
                        "is not set.")
        pytest.skip("no PostgreSQL server (KIOSK_TEST_PG_URL unset)")
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"kiosk_stats_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        reports = []
        for url in (sqlite_url,
                    make_url(PG_URL).set(database=name).render_as_string(hide_password=False)):
            context = open_context(Settings(data_dir=tmp_path, database_url=url))
            try:
                services.init_database(context)
                quarter_history(context)
                random_history(context, seed=7, stopovers=3)
                reports.append((compute(context, Q3).as_json(),
                                compute(context, Period.year("2026"), "97207").as_json(),
                                list(demande_rows(context, Q3))))
            finally:
                context.dispose()
        assert reports[0] == reports[1]
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_ticket_withdrawn_by_the_visitor_is_not_a_visit(open_ctx, clock):
    """'Ce n'est pas ma démarche': the number stays used, the statistics count no visit."""
    from kiosk.core import services
    from kiosk.reports.periods import Period
    from kiosk.reports.rows import demande_rows
    from kiosk.reports.statistics import compute

    first = services.take_ticket(open_ctx, "caf-aide-logement")
    changed = services.withdraw_ticket(open_ctx, first.number, first.stopover_id)
    assert changed.state == "withdrawn"
    again = services.take_ticket(open_ctx, "caf-rsa")
    assert again.number == 2 and again.people_ahead == 0  # n° 1 is no longer ahead
    clock.advance(minutes=5)
    services.call_next(open_ctx, 1)
    period = Period.between(clock.current.date(), clock.current.date())
    report = compute(open_ctx, period).as_json()
    assert (report["visits"], report["withdrawn"], report["in_progress"]) == (1, 1, 1)
    assert sum(r["visits"] for r in report["breakdowns"]["by_channel"]) == 1
    assert [r.number for r in demande_rows(open_ctx, period)] == [2]
