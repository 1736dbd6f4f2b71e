"""French dates and numbers: one place (kiosk/french.py, Babel's CLDR data) for every screen and file."""

from __future__ import annotations

import datetime as dt

from kiosk import french


def test_dates():
    assert french.day_and_date(dt.date(2026, 11, 26)) == "jeudi 26 novembre 2026"
    assert french.day_and_date(dt.date(2027, 2, 1)) == "lundi 1er février 2027"
    assert french.day_and_month(dt.date(2026, 12, 15)) == "mardi 15 décembre"
    assert french.long_date(dt.date(2026, 8, 1)) == "1er août 2026"
    assert french.month_year(dt.date(2026, 11, 3)) == "novembre 2026"
    assert french.short_date(dt.date(2026, 1, 3)) == "03/01/2026"
    assert french.tiny_date(dt.date(2007, 1, 3)) == "03/01/07"
    assert french.date_and_time(dt.datetime(2026, 11, 26, 9, 5)) == "jeudi 26 novembre 2026, 9 h 05"
    assert french.passage(dt.date(2026, 12, 15), "afternoon", "Bourg") == "mardi 15 décembre, après-midi – Bourg"
    assert french.weekday_names()[0] == "lundi" and french.weekday_names()[6] == "dimanche"
    assert french.month_names()[1] == "février" and len(french.month_names()) == 12
    assert french.month_abbreviations()[1] == "févr." and french.month_abbreviations()[4] == "mai"


def test_numbers():
    assert french.number(1234.5, 1) == "1\u202f234,5"
    assert french.number(5873) == "5\u202f873"
    assert french.number(12) == "12"
    assert french.number(1234.56, 1, grouping=False) == "1234,6"
    assert french.percent(0.113) == "11\u00a0%"
    assert french.percent(0.1134, 1) == "11,3\u00a0%"
    assert french.signed_percent(0.12) == "+12\u00a0%"
    assert french.signed_percent(-0.05) == "\u22125\u00a0%"
    assert french.signed_percent(0.0) == "0\u00a0%"
    assert french.signed_percent(None) == "–"
