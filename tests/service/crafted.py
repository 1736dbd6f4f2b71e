"""Backups altered after they were written, as a hostile hand would: a real copy made by the
project's backup(), then changed in place. SQLite: the file itself, through sqlite3. PostgreSQL:
the dump restored into a scratch database of the test server, changed there, dumped again in
the same custom format.

HOSTILE lists what a tester slipped into copies, each with the line the restore must refuse it
with (the same on both backends but where the backends print a definition their own way)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import uuid
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kiosk.core import backup
from tests.conftest import PG_URL

SqliteChange = str | Callable[[sqlite3.Connection], None]


def alter(path: Path, sqlite: SqliteChange, postgresql: str) -> None:
    """Apply the change of the copy's backend to the copy at `path`."""
    if path.suffix == ".sqlite3":
        with closing(sqlite3.connect(path, isolation_level=None)) as conn:
            if isinstance(sqlite, str):
                conn.executescript(sqlite)
            else:
                sqlite(conn)
        return
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"kiosk_craft_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    try:
        conninfo, env = backup.libpq(make_url(PG_URL).set(database=name))
        for args, script in (
                ([backup.pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                  f"--dbname={conninfo}", str(path)], None),
                ([backup.pg_tool("psql"), "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1",
                  f"--dbname={conninfo}", "--file=-"], postgresql.encode()),
                ([backup.pg_tool("pg_dump"), "--format=custom", f"--file={path}",
                  f"--dbname={conninfo}"], None)):
            done = subprocess.run(args, input=script, env=env, capture_output=True, check=False)
            assert done.returncode == 0, done.stderr.decode()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _rebuild_tickets(change: Callable[[str], str]) -> Callable[[sqlite3.Connection], None]:
    """SQLite cannot alter a constraint: the table is rebuilt from its changed definition, rows
    and indexes kept (the way any tool does it)."""

    def rebuild(conn: sqlite3.Connection) -> None:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'tickets'").fetchone()[0]
        indexes = [row[0] for row in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets' "
            "AND sql IS NOT NULL")]
        changed = change(sql)
        assert changed != sql
        new = re.sub(r'^CREATE TABLE "?tickets"?', "CREATE TABLE tickets_new", changed)
        conn.executescript(f"""
            PRAGMA foreign_keys=OFF;
            BEGIN;
            {new};
            INSERT INTO tickets_new SELECT * FROM tickets;
            DROP TABLE tickets;
            ALTER TABLE tickets_new RENAME TO tickets;
            {';'.join(indexes)};
            COMMIT;
        """)

    return rebuild


UNIQUE = re.compile(r",\s*CONSTRAINT uq_tickets_stopover_number UNIQUE \(stopover_id, number\)")

# name: (SQLite change, PostgreSQL change, the refusal's words)
HOSTILE: dict[str, tuple[SqliteChange, str, str]] = {
    "a trigger that deletes the demandes": (
        "CREATE TRIGGER purge AFTER INSERT ON tickets BEGIN DELETE FROM demandes; END;",
        """CREATE FUNCTION purge() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN DELETE FROM demandes; RETURN NEW; END $$;
           CREATE TRIGGER purge AFTER INSERT ON tickets
               FOR EACH ROW EXECUTE FUNCTION purge();""",
        "déclencheur en trop : purge (sur tickets)"),
    "a trigger that aborts every ticket taken": (
        "CREATE TRIGGER no_ticket BEFORE INSERT ON tickets BEGIN SELECT RAISE(ABORT, 'non'); END;",
        """CREATE FUNCTION no_ticket() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN RAISE EXCEPTION 'non'; END $$;
           CREATE TRIGGER no_ticket BEFORE INSERT ON tickets
               FOR EACH ROW EXECUTE FUNCTION no_ticket();""",
        "déclencheur en trop : no_ticket (sur tickets)"),
    "tickets without their unique constraint": (
        _rebuild_tickets(lambda sql: UNIQUE.sub("", sql)),
        "ALTER TABLE tickets DROP CONSTRAINT uq_tickets_stopover_number;",
        "contrainte d'unicité absente : tickets.uq_tickets_stopover_number"),
    "a unique constraint that gives way": (
        # a duplicate number would replace the ticket that had it, silently
        _rebuild_tickets(lambda sql: sql.replace("UNIQUE (stopover_id, number)",
                                                 "UNIQUE (stopover_id, number) ON CONFLICT REPLACE")),
        # checked only at the commit: a transaction may hold two tickets with one number
        """ALTER TABLE tickets DROP CONSTRAINT uq_tickets_stopover_number;
           ALTER TABLE tickets ADD CONSTRAINT uq_tickets_stopover_number
               UNIQUE (stopover_id, number) DEFERRABLE INITIALLY DEFERRED;""",
        "définition différente : "),
    "a table of its own": (
        "CREATE TABLE evil (x INTEGER);",
        "CREATE TABLE evil (x integer);",
        "table en trop : evil"),
    "a view": (
        "CREATE VIEW waiting AS SELECT * FROM tickets WHERE state = 'waiting';",
        "CREATE VIEW waiting AS SELECT * FROM tickets WHERE state = 'waiting';",
        "vue en trop : waiting"),
    "a recursive view": (
        "CREATE VIEW forever AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
        "SELECT i FROM n;",
        "CREATE RECURSIVE VIEW forever (i) AS SELECT 1 UNION ALL SELECT i + 1 FROM forever;",
        "vue en trop : forever"),
    "a recursive view in place of the demandes": (
        # counting the demandes of this copy never ends: the old restore hung there
        "PRAGMA foreign_keys=OFF; DROP TABLE demandes; "
        "CREATE VIEW demandes AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
        "SELECT i AS id FROM n;",
        "DROP TABLE demandes CASCADE; "
        "CREATE RECURSIVE VIEW demandes (id) AS SELECT 1 UNION ALL SELECT id + 1 FROM demandes;",
        "table absente : demandes"),
}

# PostgreSQL only: an index whose function sleeps in the restore's check database (named
# <live>_restore_<token>) and nowhere else, as a copy made to hang the restore would
SLOW_INDEX = r"""
    CREATE FUNCTION slow(n integer) RETURNS integer LANGUAGE sql IMMUTABLE AS
        $$ SELECT CASE WHEN current_database() LIKE '%\_restore\_%'
                       THEN (SELECT n FROM pg_sleep(3600)) ELSE n END $$;
    CREATE INDEX slow_ix ON tickets (slow(number));
"""
