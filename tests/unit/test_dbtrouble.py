"""A full disk reads « disque plein », not "disk I/O error". A real full database comes from
SQLite's own limit (PRAGMA max_page_count gives the same SQLITE_FULL as a full disk); a full
filesystem cannot be made in a test without root, so the I/O-error path is checked on the
free space of a real folder (not full: the driver's words are kept)."""

from __future__ import annotations

import errno

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from kiosk.system.dbtrouble import DISK_FULL, database_folder, is_disk_full, trouble_words


def real_full_database(tmp_path) -> OperationalError:
    engine = create_engine(f"sqlite:///{tmp_path / 'full.sqlite3'}")

    @event.listens_for(engine, "connect")
    def _limit(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA max_page_count = 3")

    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x TEXT)"))
            for _ in range(100):
                connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": "x" * 2000})
    except OperationalError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError("the database never filled up")


def test_a_full_sqlite_database_reads_disque_plein(tmp_path):
    exc = real_full_database(tmp_path)
    assert "database or disk is full" in str(exc)
    assert trouble_words(exc, tmp_path) == DISK_FULL
    assert "\n" not in DISK_FULL


def test_enospc_anywhere_in_the_chain_is_a_full_disk():
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("write failed") from inner
    except RuntimeError as exc:
        assert is_disk_full(exc)


def test_an_io_error_with_room_on_the_disk_keeps_the_drivers_words(tmp_path):
    import sqlite3

    error = sqlite3.OperationalError("disk I/O error")
    wrapped = OperationalError("INSERT", {}, error)
    assert not is_disk_full(wrapped, tmp_path)  # tmp_path's filesystem has room
    assert trouble_words(wrapped, tmp_path) == "disk I/O error"
    assert not is_disk_full(wrapped, None)


@pytest.mark.parametrize("url, expected", [
    ("sqlite:////srv/borne/kiosk.sqlite3", "/srv/borne"),
    ("sqlite:////srv/borne/kiosk.sqlite3?timeout=5", "/srv/borne"),
    ("postgresql+psycopg://u@h/db", "/data"),
])
def test_database_folder(url, expected):
    from pathlib import Path

    assert database_folder(url, Path("/data")) == Path(expected)
