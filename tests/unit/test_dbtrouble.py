"""A full disk reads « disque plein », not "disk I/O error". A real full database comes from
SQLite's own limit (PRAGMA max_page_count gives the same SQLITE_FULL as a full disk); a full
filesystem cannot be made in a test without root, so the I/O-error path is checked on the
free space of a real folder (not full: an I/O error, said in French).

A server out of reach and a write the database refused (a trigger) are real failures of libpq
and SQLite here, on both backends: « connexion refusée par le serveur… », never libpq's
"Connection refused", and « la base de données a refusé l'écriture (…) », never « base de
données inaccessible » for a database that answered."""

from __future__ import annotations

import errno
import socket

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from kiosk.core import services
from kiosk.system.dbtrouble import (
    DISK_FULL,
    REFUSED,
    UNREACHABLE,
    database_folder,
    is_disk_full,
    trouble,
    trouble_words,
)

# A trigger as a foreign tool or a hand could leave in the database: it refuses every ticket.
REFUSING_TRIGGER = {
    "sqlite": ["CREATE TRIGGER no_sunday BEFORE INSERT ON tickets "
               "BEGIN SELECT RAISE(ABORT, 'pas de ticket le dimanche'); END"],
    "postgresql": ["CREATE FUNCTION no_sunday() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'pas de ticket le dimanche'; END $$",
                   "CREATE TRIGGER no_sunday BEFORE INSERT ON tickets FOR EACH ROW "
                   "EXECUTE FUNCTION no_sunday()"],
}


def add_refusing_trigger(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in REFUSING_TRIGGER[engine.dialect.name]:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def closed_port() -> int:
    """A port of this machine where nothing listens (the kernel's free one, released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def failure(url: str) -> SQLAlchemyError:
    engine = create_engine(url, connect_args={"connect_timeout": 5}
                           if url.startswith("postgresql") else {})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError(f"{url} answered")


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


def test_an_io_error_with_room_on_the_disk_is_an_io_error_in_french(tmp_path):
    import sqlite3

    error = sqlite3.OperationalError("disk I/O error")
    wrapped = OperationalError("INSERT", {}, error)
    assert not is_disk_full(wrapped, tmp_path)  # tmp_path's filesystem has room
    assert trouble_words(wrapped, tmp_path) == "erreur de lecture ou d'écriture sur le disque"
    assert not is_disk_full(wrapped, None)


def test_a_trigger_that_refuses_the_write_is_a_refusal_not_an_unreachable_database(open_ctx):
    add_refusing_trigger(open_ctx.settings.database_url)
    with pytest.raises(SQLAlchemyError) as caught:
        services.take_ticket(open_ctx, "caf-rsa")
    found = trouble(caught.value)
    assert (found.kind, found.words) == (REFUSED, "pas de ticket le dimanche")
    assert found.sentence() == "la base de données a refusé l'écriture (pas de ticket le dimanche)"
    assert found.line() == "La base de données a refusé l'écriture (pas de ticket le dimanche)."


def test_a_server_that_refuses_the_connection_is_said_in_french():
    port = closed_port()
    found = trouble(failure(f"postgresql+psycopg://kiosk@127.0.0.1:{port}/kiosk"))
    assert (found.kind, found.known) == (UNREACHABLE, True)
    assert found.sentence() == ("base de données inaccessible : connexion refusée par le serveur "
                                f"127.0.0.1, port {port} : PostgreSQL est-il démarré ?")


def test_a_database_that_cannot_be_opened_is_said_in_french(tmp_path, database_url):
    """Each backend's own failure: SQLite's file in a folder that is a file, PostgreSQL's
    database missing on a server that answers."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        (tmp_path / "a-file").write_text("x", "utf-8")
        found = trouble(failure(f"sqlite:///{tmp_path / 'a-file' / 'kiosk.sqlite3'}"))
        words = "fichier de la base impossible à ouvrir (dossier absent ou droits ?)"
    else:
        found = trouble(failure(url.set(database="absente").render_as_string(False)))
        words = (f"la base « absente » n'existe pas sur le serveur {url.host}, "
                 f"port {url.port}")
    assert (found.kind, found.words, found.known) == (UNREACHABLE, words, True)


@pytest.mark.parametrize("url, expected", [
    ("sqlite:////srv/borne/kiosk.sqlite3", "/srv/borne"),
    ("sqlite:////srv/borne/kiosk.sqlite3?timeout=5", "/srv/borne"),
    ("postgresql+psycopg://u@h/db", "/data"),
])
def test_database_folder(url, expected):
    from pathlib import Path

    assert database_folder(url, Path("/data")) == Path(expected)


def test_an_error_no_one_put_in_words_is_said_in_french_with_the_driver_s_line(tmp_path):
    """A failure none of the lists above knows (here SQLite's integer overflow): the line starts
    in French and says nothing was saved; the driver's English follows in quotes, for whoever
    will look into it."""
    engine = create_engine(f"sqlite:///{tmp_path / 'k.sqlite3'}")
    with pytest.raises(SQLAlchemyError) as failed, engine.connect() as conn:
        conn.execute(text("SELECT abs(-9223372036854775808)"))
    engine.dispose()
    found = trouble(failed.value)
    assert (found.kind, found.known) == (UNREACHABLE, False)
    assert found.sentence() == ("erreur de base de données non reconnue, rien n'est enregistré "
                                "(« integer overflow »)")
