"""The bus calendar: days off (holidays, carnival, closures), the planner on hand-made calendars,
the shipped schedule, expected attendance."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from kiosk.content import planning
from kiosk.content.itinerary import load_itinerary, shown_name
from kiosk.content.planning import Attendance, DayOff, PlannedStop, plan
from kiosk.errors import DataFileError, KioskError
from kiosk.system.config import ASSETS_DIR

D = dt.date


def shipped_communes() -> list[tuple[str, tuple]]:
    itinerary = load_itinerary(ASSETS_DIR / "itinerary")
    return [(c.insee, c.stops) for c in itinerary.communes]


def test_martinique_days_off_come_from_the_holidays_library_and_easter():
    holidays_2027 = planning.public_holidays(2027)
    for day in (D(2027, 5, 22), D(2027, 7, 21), D(2027, 3, 29), D(2027, 5, 6), D(2027, 5, 17),
                D(2027, 11, 11), D(2027, 1, 1), D(2027, 12, 25)):
        assert day in holidays_2027, day
    assert holidays_2027[D(2027, 5, 22)] == "Abolition de l'esclavage"
    # Easter 2027 is 28 March: Ash Wednesday 10 February; 2026: Easter 5 April, 18 February
    assert planning.carnival_days(2027) == {D(2027, 2, 8): "Lundi gras", D(2027, 2, 9): "Mardi gras",
                                            D(2027, 2, 10): "Mercredi des Cendres"}
    assert set(planning.carnival_days(2026)) == {D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18)}
    off = planning.days_off(D(2027, 2, 1), D(2027, 2, 28))
    assert [(d.day.day, d.kind) for d in off.values()] == [(8, "carnaval"), (9, "carnaval"),
                                                          (10, "carnaval")]


def test_closures_file_spans_and_errors_name_file_and_line(tmp_path):
    path = tmp_path / "closures.yaml"
    assert planning.load_closures(path) == {}  # no file, no closure
    path.write_text("closures:\n"
                    "  - {day: 2026-12-24, reason: \"Veille de Noël\"}\n"
                    "  - from: 2027-01-11\n    to: 2027-01-13\n    reason: Entretien du bus\n",
                    "utf-8")
    found = planning.load_closures(path)
    assert sorted(found) == [D(2026, 12, 24), D(2027, 1, 11), D(2027, 1, 12), D(2027, 1, 13)]
    assert found[D(2027, 1, 12)].describe() == "Entretien du bus (closures.yaml, ligne 3)"
    for text, words in [
        ("closures:\n  - {day: 2026-02-30}\n", "ligne 2 : .*YAML invalide|ligne 2"),
        ("closures:\n  - {day: demain}\n", r"ligne 2 : fermeture n° 1, champ « day » : doit être"),
        ("closures:\n  - {from: 2027-01-13, to: 2027-01-11}\n", r"ligne 2 : .*est avant"),
        ("closures:\n  - {from: 2027-01-13, to: 2029-01-11}\n", r"ligne 2 : .*plus d'un an"),
        ("closures:\n  - {day: 2027-01-13, motif: x}\n", r"ligne 2 : .*champ « motif » : champ"),
        ("closures:\n  - {reason: x}\n", r"ligne 2 : .*il faut « day »"),
        ("fermetures: []\n", r"clé inconnue « fermetures »"),
    ]:
        path.write_text(text, "utf-8")
        with pytest.raises(DataFileError) as error:
            planning.load_closures(path)
        assert re.search(words, error.value.message), (text, error.value.message)
        assert str(path) in error.value.message and "\n" not in error.value.message


def _hand_made(count: int, per_month: int = 1) -> list[tuple[str, list[PlannedStop]]]:
    return [(f"972{index:02d}", [PlannedStop(f"stop-{index:02d}", per_month)])
            for index in range(count)]


def test_each_stop_keeps_its_nth_weekday_and_holidays_move_it_within_the_month():
    communes = _hand_made(12)
    start, end = D(2027, 1, 1), D(2027, 12, 31)
    result = plan(communes, start, end, planning.days_off(start, end))
    assert not result.missed
    by_stop: dict[str, list] = {}
    for p in result.passages:
        by_stop.setdefault(p.stop_id, []).append(p)
    for stop_id, passages in by_stop.items():
        assert Counter(p.day.month for p in passages) == Counter(range(1, 13)), stop_id
        place = result.places[stop_id][0]
        usual = [p for p in passages if p.moved_from is None]
        assert all(p.day.weekday() == place.weekday
                   and (p.day.day - 1) // 7 + 1 == place.nth for p in usual)
        for p in passages:
            if p.moved_from is not None:  # moved: same month, a working day, never far
                assert p.moved_from in planning.days_off(start, end)
                assert p.day.month == p.moved_from.month and abs((p.day - p.moved_from).days) <= 14
    assert re.fullmatch(r"le (1er|[234]e) (lundi|mardi|mercredi|jeudi) du mois",
                        result.rule("stop-00"))
    # deterministic: the same stops and days off give the same plan
    assert plan(communes, start, end, planning.days_off(start, end)) == result


def test_a_month_with_five_mondays_gives_its_fifth_to_a_stop_moved_by_a_holiday():
    # November 2027: Mondays 1 (All Saints' Day), 8, 15, 22, 29; 16 stops take every place
    communes = _hand_made(16)
    start, end = D(2027, 11, 1), D(2027, 11, 30)
    result = plan(communes, start, end, planning.days_off(start, end))
    first_monday = next(p for p in result.passages if p.moved_from == D(2027, 11, 1))
    assert first_monday.day == D(2027, 11, 29) and first_monday.moved_because == "Toussaint"
    assert D(2027, 11, 1) not in {p.day for p in result.passages}
    assert D(2027, 11, 11) not in {p.day for p in result.passages}  # Armistice, a Thursday
    armistice = next(p for p in result.passages if p.moved_from == D(2027, 11, 11))
    assert armistice.day == D(2027, 11, 30)  # the fifth Tuesday, the only free day left
    assert len(result.passages) == 16 and not result.missed
    # February 2027: no fifth weekday, three carnival days: three stops miss the month, and
    # the plan says which
    start, end = D(2027, 2, 1), D(2027, 2, 28)
    february = plan(communes, start, end, planning.days_off(start, end))
    assert len(february.passages) == 13
    assert sorted((m.usual_day.day, m.reason) for m in february.missed) == [
        (8, "Lundi gras"), (9, "Mardi gras"), (10, "Mercredi des Cendres")]


def test_closures_and_a_coordinators_pin_are_honoured():
    communes = [("97207", [PlannedStop("ducos", 2), PlannedStop("genipa")]),
                ("97210", [PlannedStop("dostaly", place=(4, 3))])]
    closures = {D(2027, 1, 5): DayOff(D(2027, 1, 5), "Formation", "fermeture", "closures.yaml")}
    start, end = D(2027, 1, 1), D(2027, 1, 31)
    result = plan(communes, start, end, planning.days_off(start, end, closures))
    assert result.rule("dostaly") == "le 4e jeudi du mois"
    assert D(2027, 1, 28) in {p.day for p in result.passages if p.stop_id == "dostaly"}
    twice = result.places["ducos"]
    assert len(twice) == 2 and twice[0].weekday == twice[1].weekday
    assert twice[1].nth == twice[0].nth + 2
    assert re.fullmatch(r"les (1er|2e) et [34]e \w+s du mois", result.rule("ducos"))
    assert D(2027, 1, 5) not in {p.day for p in result.passages}
    # a commune's two stops are half a month apart, not on neighbouring days
    days = sorted(p.day for p in result.passages if p.stop_id in ("ducos", "genipa"))
    assert all((b - a).days >= 5 for a, b in zip(days, days[1:], strict=False))


def test_more_stops_than_places_is_a_clear_error():
    with pytest.raises(KioskError, match=r"Trop d'arrêts : 17 passages par mois demandés, mais "
                                         r"16 demi-journées"):
        plan(_hand_made(17), D(2027, 1, 1), D(2027, 3, 31), {})
    with pytest.raises(KioskError, match="Trop d'arrêts : 18 passages"):
        plan(_hand_made(9, per_month=2), D(2027, 1, 1), D(2027, 3, 31), {})
    # mornings and afternoons double the places
    assert plan(_hand_made(17), D(2027, 1, 1), D(2027, 1, 31), {},
                halves=("morning", "afternoon")).passages


def test_no_planned_passage_falls_on_a_day_off_over_three_years():
    start, end = D(2027, 1, 1), D(2029, 12, 31)
    off = planning.days_off(start, end)
    result = plan(shipped_communes(), start, end, off)
    assert not result.missed  # the shipped round fits every month, February's carnival too
    assert not {p.day for p in result.passages} & set(off)
    assert all(p.day.weekday() < 4 and p.half == "morning" for p in result.passages)
    served = Counter((p.stop_id, p.day.year, p.day.month) for p in result.passages)
    assert {n for (sid, _, _), n in served.items() if sid == "ducos-bourg"} == {2}
    assert len({sid for sid, _, _ in served}) == 12  # a stop in each commune, every month
    assert all(len([k for k in served if k[0] == sid]) == 36 for sid, _, _ in served)


def test_shipped_schedule_is_the_planners_and_has_no_day_off():
    itinerary = load_itinerary(ASSETS_DIR / "itinerary")
    days = [s.day for s in itinerary.schedule]
    start, end = min(days), max(days)
    assert start == D(2026, 11, 2) and end >= D(2027, 6, 28)
    result = plan(shipped_communes(), D(2026, 11, 2), D(2027, 7, 1), planning.days_off(start, end))
    assert [(p.day, p.half, p.stop_id) for p in result.passages] == [
        (s.day, s.half, s.stop_id) for s in itinerary.schedule]
    unconfirmed = {s.id for c in itinerary.communes for s in c.stops if not s.confirmed}
    assert {"saint-esprit-gaschette", "ducos-canal-cocotte", "francois-dostaly",
            "diamant-dizac"} <= unconfirmed
    assert shown_name("Dostaly, parking de l'école", False) == \
        "Dostaly, parking de l'école (sous réserve)"


def _itinerary_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "itinerary"
    shutil.copytree(ASSETS_DIR / "itinerary", folder)
    return folder


def test_a_schedule_on_a_holiday_or_a_closure_names_file_line_and_day(tmp_path):
    folder = _itinerary_copy(tmp_path)
    path = folder / "schedule.yaml"
    lines = path.read_text("utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if "2027-02-11" in line)
    lines[index] = lines[index].replace("2027-02-11", "2027-02-09")  # Mardi gras
    path.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(DataFileError) as error:
        load_itinerary(folder)
    assert re.search(rf"schedule\.yaml, ligne {index + 1} : demi-journée n° \d+, champ « day » : "
                     r"2027-02-09 : Mardi gras, le bus ne circule pas ce jour-là",
                     error.value.message)
    lines[index] = lines[index].replace("2027-02-09", "2027-02-11")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    closures = tmp_path / "closures.yaml"
    closures.write_text("closures:\n  - {day: 2027-02-11, reason: Grève}\n", "utf-8")
    with pytest.raises(DataFileError) as error:
        load_itinerary(folder, closures)
    assert re.search(rf"ligne {index + 1} : .*2027-02-11 : Grève \(closures\.yaml, ligne 2\)",
                     error.value.message)
    assert load_itinerary(folder, closures, check_days_off=False).schedule


def test_stop_fields_are_checked(tmp_path):
    folder = _itinerary_copy(tmp_path)
    path = folder / "communes.yaml"
    original = path.read_text("utf-8")
    for old, new, words in [
        ("        per_month: 2\n", "        per_month: 3\n", "« per_month » : 0, 1 ou 2"),
        ('        place: "4e jeudi"', '        place: "5e jeudi"', "« place » : un jour du mois"),
        ("        confirmed: false  # a school car park on a school morning\n        place",
         "        confirmed: peut-être\n        place", "« confirmed » : « true » ou « false »"),
    ]:
        assert old in original
        path.write_text(original.replace(old, new, 1), "utf-8")
        with pytest.raises(DataFileError, match=words):
            load_itinerary(folder)


def test_expected_attendance_uses_the_closest_history():
    history = [("ducos", D(2025, 1, 7), 30), ("ducos", D(2026, 1, 6), 40),  # Tuesdays of January
               ("ducos", D(2026, 3, 3), 10), ("ducos", D(2026, 3, 5), 20), ("vauclin", D(2026, 1, 5), 7)]
    attendance = Attendance.from_history(history, service_minutes=20.0)
    expected = attendance.expect("ducos", D(2027, 1, 5))  # a Tuesday of January
    assert expected is not None and (expected.visitors, expected.half_days) == (35, 2)
    assert expected.basis == "même jour, même mois"
    assert attendance.expect("ducos", D(2027, 3, 10)).visitors == 15  # a March Wednesday
    assert attendance.expect("ducos", D(2027, 6, 1)).basis == "même jour de la semaine"
    assert attendance.expect("ducos", D(2027, 6, 4)).visitors == 25  # a Friday: every one
    assert attendance.expect("atlantis", D(2027, 6, 4)) is None
    # 5 hours at 20 minutes a visit: 15 visitors a desk
    assert [attendance.animatrices(n) for n in (5, 15, 16, 40, 200)] == [1, 1, 2, 3, 4]
    assert Attendance.from_history(history).animatrices(40) is None
