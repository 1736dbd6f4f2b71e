"""What the console's Statistiques screen asks of the core without a window: the periods its
buttons stand for, the export file's name, and where USB keys are found."""

from __future__ import annotations

import datetime as dt
import getpass
import os

import pytest

from kiosk.apps.console import PERIOD_CHOICES, export_file_name, period_of
from kiosk.errors import KioskError
from kiosk.reports.periods import Period
from kiosk.system.usbkeys import export_folders, media_roots, usb_keys

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(("choice", "today", "start", "end"), [
    ("this_month", TODAY, "2026-11-01", "2026-11-30"),
    ("last_month", TODAY, "2026-10-01", "2026-10-31"),
    ("last_month", dt.date(2027, 1, 15), "2026-12-01", "2026-12-31"),
    ("this_quarter", TODAY, "2026-10-01", "2026-12-31"),
    ("last_quarter", TODAY, "2026-07-01", "2026-09-30"),
    ("last_quarter", dt.date(2027, 2, 3), "2026-10-01", "2026-12-31"),
    ("this_year", TODAY, "2026-01-01", "2026-12-31"),
])
def test_each_period_button_counts_from_today(choice, today, start, end):
    period = period_of(choice, today)
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)


def test_every_period_button_is_understood_by_the_core():
    """Each button of the screen gives the core a period of its own kind, with the label the
    reports print, and no two buttons the same days."""
    kinds = {"this_month": "month", "last_month": "month", "this_quarter": "quarter",
             "last_quarter": "quarter", "this_year": "year", "dates": "days"}
    assert [choice for choice, _label in PERIOD_CHOICES] == list(kinds), "a button unknown here"
    periods = {}
    for choice, label in PERIOD_CHOICES:
        period = period_of(choice, TODAY, dt.date(2026, 9, 1), dt.date(2026, 9, 30))
        assert isinstance(period, Period) and label, choice
        assert period.kind == kinds[choice], choice
        assert period.start <= period.end and period.label, choice
        assert period.previous().end < period.start, choice  # its comparison column exists
        periods[choice] = (period.start, period.end)
    assert len(set(periods.values())) == len(periods), periods
    assert periods["dates"] == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert all(start <= TODAY for start, _end in periods.values()), periods


def test_chosen_dates_need_both_ends_in_order():
    assert period_of("dates", TODAY, dt.date(2026, 9, 1), dt.date(2026, 9, 30)).days == 30
    with pytest.raises(KioskError):
        period_of("dates", TODAY)
    with pytest.raises(KioskError) as refused:  # the console's words, not the command line's
        period_of("dates", TODAY, dt.date(2026, 9, 30), dt.date(2026, 9, 1))
    assert str(refused.value) == ("Le premier jour (30/09/2026) est après le dernier "
                                  "(01/09/2026) : la période est vide.")
    with pytest.raises(KioskError, match="inconnue"):
        period_of("next_century", TODAY)


def test_an_export_never_overwrites_a_report_already_on_the_key(tmp_path):
    period = Period.quarter("2026-T3")
    first = export_file_name(period, "pdf", tmp_path)
    assert first.name == "statistiques-2026-07-01-au-2026-09-30.pdf"
    first.write_bytes(b"last week's copy")
    assert export_file_name(period, "pdf", tmp_path).name == (
        "statistiques-2026-07-01-au-2026-09-30-2.pdf")


def test_usb_keys_are_found_as_desktops_mount_them(tmp_path):
    media, run_media = tmp_path / "media", tmp_path / "run-media"
    (media / getpass.getuser() / "KINGSTON").mkdir(parents=True)   # /media/<account>/<label>
    (media / "usb0").mkdir()                                        # usbmount
    (run_media / getpass.getuser() / "SANDISK").mkdir(parents=True)  # Fedora
    (media / ".hidden").mkdir()
    keys = usb_keys([media, run_media, tmp_path / "absent"])
    assert [k.name for k in keys] == ["KINGSTON", "usb0", "SANDISK"]


def test_the_data_folder_comes_after_the_keys(tmp_path):
    (tmp_path / "media" / "CLE").mkdir(parents=True)
    folders = export_folders(tmp_path / "data", [tmp_path / "media"])
    assert [f.removable for f in folders] == [True, False]
    assert folders[0].label.startswith("Clé USB « CLE »")
    assert folders[1].path == tmp_path / "data" / "exports" and folders[1].path.is_dir()
    assert export_folders(tmp_path / "data", [])[0].path == tmp_path / "data" / "exports"


def test_the_mount_roots_can_be_set_for_a_test_or_an_odd_pc():
    assert [str(p) for p in media_roots({})] == ["/media", "/run/media"]
    configured = {"KIOSK_MEDIA_ROOTS": os.pathsep.join(["/mnt/a", "/mnt/b"])}
    assert [str(p) for p in media_roots(configured)] == ["/mnt/a", "/mnt/b"]
