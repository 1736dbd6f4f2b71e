"""The calendar as people get it: ICS read back by a real iCalendar parser, the monthly posters
read back with pdftotext and rendered with pdftoppm, the square PNG. Pages and images are saved
under tests/screenshots/ to be looked at."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from icalendar import Calendar
from PIL import Image

from kiosk.core.views import Passage
from kiosk.exports import calendar as cal

SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
STAMP = dt.datetime(2026, 12, 1, 9, 0)  # the bus's wall time
ZONE = "America/Martinique"
CONTACT = "Bus PLUS – Espace Sud · tél. 05 96 00 00 00 · calendrier en mairie"


def passages() -> list[Passage]:
    rows = [
        (dt.date(2027, 2, 1), "97202", "Les Anses-d'Arlet", "anses-darlet-bourg",
         "Bourg, parking du front de mer", True),
        (dt.date(2027, 2, 2), "97207", "Ducos", "ducos-bourg", "Bourg, place de la mairie", True),
        (dt.date(2027, 2, 16), "97207", "Ducos", "ducos-bourg", "Bourg, place de la mairie", True),
        (dt.date(2027, 2, 25), "97210", "Le François", "francois-dostaly",
         "Dostaly, parking de l'école (sous réserve)", False),
        (dt.date(2027, 3, 2), "97207", "Ducos", "ducos-bourg", "Bourg, place de la mairie", True),
    ]
    return [Passage(day, "morning", sid, place, insee, commune, confirmed)
            for day, insee, commune, sid, place, confirmed in rows]


def test_ics_is_read_back_by_an_icalendar_parser_with_stable_uids(tmp_path):
    out = cal.write_ics(passages(), tmp_path / "bus.ics", CONTACT, STAMP, timezone=ZONE)
    assert out.stat().st_mode & 0o777 == 0o600
    parsed = Calendar.from_ical(out.read_bytes())
    assert parsed["VERSION"] == "2.0" and parsed.get("PRODID")
    zones = parsed.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["America/Martinique"]
    events = parsed.walk("VEVENT")
    assert len(events) == 5
    first = events[0]
    assert str(first["UID"]) == "20270201-morning-anses-darlet-bourg@bus-plus.espace-sud"
    start, end = first.decoded("DTSTART"), first.decoded("DTEND")
    assert (start.hour, end.hour) == (8, 13) and str(start.tzinfo) == "America/Martinique"
    assert start.utcoffset() == dt.timedelta(hours=-4)
    assert "TZID=America/Martinique" in out.read_text("utf-8")
    assert str(first["LOCATION"]) == "Bourg, parking du front de mer, Les Anses-d'Arlet"
    assert str(events[3]["LOCATION"]) == \
        "Dostaly, parking de l'école (sous réserve), Le François"
    assert "sous réserve" in str(events[3]["DESCRIPTION"]) and "05 96" in str(events[3]["DESCRIPTION"])
    for event in events:  # what RFC 5545 requires of every VEVENT
        assert all(event.get(k) for k in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"))
    # re-exported later (another stamp, a passage fewer): the same UIDs, nothing duplicated
    again = Calendar.from_ical(cal.ics_bytes(passages()[1:], CONTACT, STAMP + dt.timedelta(days=9),
                                               timezone=ZONE))
    assert {str(e["UID"]) for e in again.walk("VEVENT")} < {str(e["UID"]) for e in events}
    # a single passage for a QR code: one VEVENT a phone camera offers to add
    single = cal.event_ics(passages()[3], CONTACT, STAMP, timezone=ZONE)
    assert single.count("BEGIN:VEVENT") == 1 and len(single.encode()) < 2000
    validator = shutil.which("icalendar")  # the package's own command validates when present
    if validator:
        subprocess.run([validator, str(out)], check=True, capture_output=True, timeout=30)


@pytest.fixture
def pc_in_tokyo(monkeypatch):
    """The process's own zone set far from the bus's (UTC+9): what the PC's zone would change."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_calendar_times_are_the_bus_zone_s_whatever_the_pc_s_zone(pc_in_tokyo):
    """The stamp is the bus's wall time (9:00 in Martinique is 13:00 UTC), and so are the
    hours of a passage: a PC in another zone changes neither (issue #18)."""
    assert time.localtime(0).tm_gmtoff == 9 * 3600  # the fixture did move the PC
    parsed = Calendar.from_ical(cal.ics_bytes(passages()[:1], CONTACT, STAMP, timezone=ZONE))
    event = parsed.walk("VEVENT")[0]
    assert event.decoded("DTSTAMP") == dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC)
    assert event.decoded("DTSTART").astimezone(dt.UTC) == \
        dt.datetime(2027, 2, 1, 12, 0, tzinfo=dt.UTC)
    qr = Calendar.from_ical(cal.event_qr_text(passages()[0], STAMP, timezone=ZONE))
    event = qr.walk("VEVENT")[0]
    assert event.decoded("DTSTAMP") == dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC)
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (
        dt.datetime(2027, 2, 1, 12, 0, tzinfo=dt.UTC), dt.datetime(2027, 2, 1, 17, 0, tzinfo=dt.UTC))
    # another zone of the setting: Réunion's 8:00 is 04:00 UTC
    reunion = Calendar.from_ical(cal.event_qr_text(passages()[0], STAMP, timezone="Indian/Reunion"))
    assert reunion.walk("VEVENT")[0].decoded("DTSTART") == \
        dt.datetime(2027, 2, 1, 4, 0, tzinfo=dt.UTC)


def _pdftotext(path: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path),
                           "-"], capture_output=True, text=True, check=True, timeout=30).stdout


@pytest.mark.parametrize("paper", ["a4", "a3"])
def test_posters_have_the_territory_then_each_commune_per_month(tmp_path, paper):
    out = cal.write_pdf(passages(), tmp_path / f"affiches-{paper}.pdf", dt.date(2027, 2, 1),
                        dt.date(2027, 3, 31), CONTACT, paper,
                        off={dt.date(2027, 2, 9): "Mardi gras"})
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True,
                          timeout=30).stdout
    # February and March: the whole territory, then Anses-d'Arlet, Ducos, Le François
    assert "Pages:           8" in info, info
    assert f"({paper.upper()})" in info  # 595 x 842 or 842 x 1191 points
    first = _pdftotext(out, 1)
    for words in ("Février 2027 – tout l'Espace Sud", "Lundi", "Jeudi", "Ducos",
                  "Bourg, place de la", "8 h – 13 h", "Pas de bus : Mardi", "05 96 00 00 00",
                  "sous réserve"):
        assert words in first, (words, first)
    francois = _pdftotext(out, 3)  # by name: Ducos, Le François, Les Anses-d'Arlet
    assert "Février 2027 – Le François" in francois and "Dostaly" in francois
    assert "Ducos" not in francois
    SHOTS.mkdir(exist_ok=True)
    if paper == "a4":
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "4", str(out),
                        str(SHOTS / "calendar-poster-a4")], check=True, timeout=60)
        assert (SHOTS / "calendar-poster-a4-1.png").exists()


def test_staff_copy_shows_the_expected_attendance(tmp_path):
    out = cal.write_pdf(passages(), tmp_path / "equipe.pdf", dt.date(2027, 2, 1),
                        dt.date(2027, 2, 28), CONTACT, commune=("97207", "Ducos"),
                        staff_note=lambda p: f"≈ {p.day.day} visiteurs, 2 animatrices")
    text = _pdftotext(out, 1)
    assert "Février 2027 – Ducos" in text and "≈ 16 visiteurs, 2" in text
    assert "Copie de l'équipe" in text


def test_square_png_of_a_month_for_social_networks(tmp_path):
    SHOTS.mkdir(exist_ok=True)
    # the screenshots of the last run are replaced, as `--force` would
    whole = cal.write_png(passages(), SHOTS / "calendar-month.png", dt.date(2027, 2, 1), CONTACT,
                          replace=True)
    one = cal.write_png([p for p in passages() if p.commune_insee == "97210"],
                        SHOTS / "calendar-month-francois.png", dt.date(2027, 2, 1), CONTACT,
                        "Le François", replace=True)
    for path in (whole, one):
        with Image.open(path) as image:
            assert image.size == (1080, 1080)
            # ink reaches the bottom quarter (the contact line), nothing is blank
            grey = image.convert("L")
            assert grey.crop((0, 810, 1080, 1080)).getextrema()[0] < 60
    empty = cal.png_bytes([], dt.date(2027, 4, 1), CONTACT)
    assert empty.startswith(b"\x89PNG")


def test_the_passages_receipt_is_as_tall_as_the_height_it_tells_the_printer(tmp_path):
    """Measured by the checklists' engine: the height returned is the page drawn, and a longer
    list of passages makes a longer receipt."""
    from kiosk.output.documents import page_size_mm

    ducos = [p for p in passages() if p.commune_insee == "97207"]
    one, short = cal.passages_receipt(ducos[:1], "Ducos", CONTACT, tmp_path / "1.pdf", 80)
    three, long = cal.passages_receipt(ducos, "Ducos", CONTACT, tmp_path / "3.pdf", 80)
    assert page_size_mm(one) == pytest.approx((80, short), abs=0.01)
    assert page_size_mm(three) == pytest.approx((80, long), abs=0.01)
    assert long > short
    words = " ".join(subprocess.run(["pdftotext", str(three), "-"], capture_output=True,
                                    text=True, check=True, timeout=30).stdout.split())
    assert "Le bus revient à Ducos" in words and "05 96 00 00 00" in words, words
    # the headline of the longest commune wraps on the paper, "aux Anses-d'Arlet" kept whole
    anses, _ = cal.passages_receipt([], "Les Anses-d'Arlet", CONTACT, tmp_path / "a.pdf", 80)
    lines = subprocess.run(["pdftotext", str(anses), "-"], capture_output=True, text=True,
                           check=True, timeout=30).stdout.splitlines()
    assert "aux Anses-d'Arlet" in lines, lines
