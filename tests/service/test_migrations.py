"""The Alembic migrations create exactly the models (no drift) on both backends."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from db.engine import alembic_config, make_engine, upgrade
from db.models import Base


def test_migrations_match_the_models(database_url):
    engine = make_engine(database_url)
    upgrade(engine)  # already at head: a second run changes nothing
    command.check(alembic_config(engine))  # raises when models and migrations differ
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    engine.dispose()


def test_sqlite_connections_use_the_safe_settings(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        pragmas = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
    engine.dispose()
    assert pragmas == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1,
                       "busy_timeout": 30000}


def test_a_new_sqlite_file_is_owner_only(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    upgrade(engine)
    engine.dispose()
    assert (tmp_path / "fresh.sqlite3").stat().st_mode & 0o777 == 0o600


def _empty(engine) -> None:
    """Every table dropped, whatever later migrations added (a list by hand missed new ones)."""
    from sqlalchemy import MetaData

    with engine.begin() as conn:
        tables = MetaData()
        tables.reflect(conn)
        tables.drop_all(conn)


def test_upgrading_a_database_with_data_keeps_every_row(tmp_path, database_factory):
    """Each migration runs on a database that already holds a morning of tickets."""
    from sqlalchemy import text

    from db.engine import alembic_config as config_of

    url = database_factory()
    engine = make_engine(url)
    _empty(engine)  # start from an empty schema at the first revision
    command.upgrade(config_of(engine), "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO communes (insee, name) VALUES ('97207', 'Ducos')"))
        conn.execute(text("INSERT INTO stops (id, commune_insee, name, active) "
                          "VALUES ('ducos-bourg', '97207', 'Bourg', true)"))
        conn.execute(text("INSERT INTO desks (id, name, status) VALUES (1, 'Poste 1', 'open')"))
        conn.execute(text("INSERT INTO stopovers (id, stop_id, day, half, opened_at, last_number) "
                          "VALUES (1, 'ducos-bourg', '2026-11-26', 'morning', '2026-11-26 08:00', 2)"))
        conn.execute(text("INSERT INTO tickets (stopover_id, number, procedure_id, operator_id, "
                          "priority, language, state, taken_at, desk_id, recall_count) VALUES "
                          "(1, 1, 'autre', 'autre', false, 'fr', 'called', '2026-11-26 08:05', 1, 0),"
                          "(1, 2, 'autre', 'autre', false, 'fr', 'waiting', '2026-11-26 08:06', NULL, 0)"))
    upgrade(engine)
    command.check(config_of(engine))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT number, state, desk_id FROM tickets ORDER BY number")).all()
        desks = conn.execute(text("SELECT id, status, staff_id FROM desks")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "called", 1), (2, "waiting", None)]
    assert [tuple(d) for d in desks] == [(1, "open", None)]


def test_0003_completes_existing_visits_from_the_event_log(database_factory):
    """Visits recorded before 0003 get their first call back (a put-back ticket had lost it),
    lose the start time that was only a copy of the call time, and get their durations."""
    from sqlalchemy import text

    from db.engine import alembic_config as config_of

    url = database_factory()
    engine = make_engine(url)
    _empty(engine)
    command.upgrade(config_of(engine), "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO communes (insee, name) VALUES ('97207', 'Ducos')"))
        conn.execute(text("INSERT INTO stops (id, commune_insee, name, active) "
                          "VALUES ('ducos-bourg', '97207', 'Bourg', true)"))
        conn.execute(text("INSERT INTO desks (id, name, status) VALUES (1, 'Poste 1', 'open')"))
        conn.execute(text("INSERT INTO stopovers (id, stop_id, day, half, opened_at, last_number) "
                          "VALUES (1, 'ducos-bourg', '2026-11-26', 'morning', '2026-11-26 08:00', 3)"))
        # 1: started with "Commencer"; 2: finished without it (start = copy of the call);
        # 3: called at 08:20, put back (call time cleared), still waiting
        conn.execute(text(
            "INSERT INTO tickets (id, stopover_id, number, procedure_id, operator_id, priority, "
            "language, state, taken_at, called_at, started_at, ended_at, desk_id, recall_count) VALUES "
            "(1, 1, 1, 'autre', 'autre', false, 'fr', 'done', '2026-11-26 08:05', "
            " '2026-11-26 08:15', '2026-11-26 08:16', '2026-11-26 08:40', 1, 0),"
            "(2, 1, 2, 'autre', 'autre', false, 'fr', 'done', '2026-11-26 08:06', "
            " '2026-11-26 08:41', '2026-11-26 08:41', '2026-11-26 08:50', 1, 0),"
            "(3, 1, 3, 'autre', 'autre', false, 'fr', 'waiting', '2026-11-26 08:07', "
            " NULL, NULL, NULL, NULL, 0)"))
        conn.execute(text(
            "INSERT INTO events (at, kind, stopover_id, ticket_id, desk_id) VALUES "
            "('2026-11-26 08:15', 'ticket_called', 1, 1, 1),"
            "('2026-11-26 08:16', 'service_started', 1, 1, 1),"
            "('2026-11-26 08:40', 'visit_finished', 1, 1, 1),"
            "('2026-11-26 08:20', 'ticket_called', 1, 3, 1),"
            "('2026-11-26 08:21', 'ticket_put_back', 1, 3, 1),"
            "('2026-11-26 08:41', 'ticket_called', 1, 2, 1),"
            "('2026-11-26 08:50', 'visit_finished', 1, 2, 1)"))
    upgrade(engine)
    command.check(config_of(engine))
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT number, first_called_at, started_at, wait_seconds, service_seconds, channel "
            "FROM tickets ORDER BY number")).all()
    engine.dispose()
    import datetime as dt

    def at(hm: str) -> dt.datetime:
        return dt.datetime.fromisoformat(f"2026-11-26 {hm}")

    def as_dt(value):
        return value if value is None or isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)

    got = [(n, as_dt(first), as_dt(start), wait, service, channel)
           for n, first, start, wait, service, channel in rows]
    assert got == [
        (1, at("08:15"), at("08:16"), 600, 24 * 60, None),
        (2, at("08:41"), None, 35 * 60, 9 * 60, None),
        (3, at("08:20"), None, 13 * 60, None, None),
    ]


def test_0008_gives_the_codes_already_given_eight_weeks_from_their_day(database_factory):
    """Return codes given before codes expired serve 8 weeks from the day they were given (the
    setting's default then), and every stopover starts with no wrong code counted."""
    import datetime as dt

    from sqlalchemy import text

    from db.engine import alembic_config as config_of

    engine = make_engine(database_factory())
    _empty(engine)
    command.upgrade(config_of(engine), "0007")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO communes (insee, name) VALUES ('97207', 'Ducos')"))
        conn.execute(text("INSERT INTO stops (id, commune_insee, name, active) "
                          "VALUES ('ducos-bourg', '97207', 'Bourg', true)"))
        conn.execute(text("INSERT INTO stopovers (id, stop_id, day, half, opened_at, closed_at, "
                          "last_number) VALUES (1, 'ducos-bourg', '2026-11-26', 'morning', "
                          "'2026-11-26 08:00', '2026-11-26 12:40', 1)"))
        conn.execute(text("INSERT INTO tickets (id, stopover_id, number, procedure_id, "
                          "operator_id, priority, language, state, taken_at, recall_count) "
                          "VALUES (1, 1, 1, 'autre', 'autre', false, 'fr', 'unserved', "
                          "'2026-11-26 08:05', 0)"))
        conn.execute(text("INSERT INTO return_passes (code, ticket_id, issued_at) "
                          "VALUES ('ACD479', 1, '2026-11-26 12:41')"))
    upgrade(engine)
    command.check(config_of(engine))
    with engine.connect() as conn:
        valid_until = conn.execute(text("SELECT valid_until FROM return_passes")).scalar_one()
        counted = conn.execute(text("SELECT return_code_misses, return_code_wait_until "
                                    "FROM stopovers")).one()
    engine.dispose()
    if isinstance(valid_until, str):  # SQLite hands a date back as its text
        valid_until = dt.date.fromisoformat(valid_until)
    assert valid_until == dt.date(2027, 1, 21)
    assert tuple(counted) == (0, None)


def test_a_command_that_reads_does_not_wait_for_a_writer(sqlite_url, tmp_path):
    """Checking the schema at start takes no write lock: `kiosk queue` answers at once while
    another process holds SQLite's write lock (it used to wait 30 s, then fail)."""
    import os
    import subprocess
    import sys
    import time

    from db.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine

    writer = make_engine(sqlite_url)
    conn = writer.connect()
    conn.exec_driver_sql("SELECT 1")  # the begin hook issues BEGIN IMMEDIATE: the write lock
    try:
        env = {**os.environ, "KIOSK_DATABASE_URL": sqlite_url, "KIOSK_DATA_DIR": str(tmp_path)}
        start = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "kiosk", "queue", "--json"], env=env,
                             capture_output=True, text=True, timeout=120)
        elapsed = time.monotonic() - start
    finally:
        conn.rollback()
        conn.close()
        writer.dispose()
    assert run.returncode == 0, run.stderr
    # the lock stayed held all along: waiting for it would have failed, or answered only after
    # the busy time-out (30 s); a loaded machine may take seconds to start Python, not that
    assert elapsed < SQLITE_BUSY_TIMEOUT_MS / 1000, elapsed


def test_a_postgresql_server_that_never_answers_is_given_up_quickly(tmp_path):
    """A server that accepts TCP and says nothing: exit 1 with one line, by itself (the connect
    time-out, 5 s): without it, it would wait for ever, and the ceiling here catches that."""
    import os
    import socket
    import subprocess
    import sys

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    port = server.getsockname()[1]
    try:
        env = {**os.environ, "KIOSK_DATA_DIR": str(tmp_path),
               "KIOSK_DATABASE_URL": f"postgresql://kiosk@127.0.0.1:{port}/kiosk"}
        run = subprocess.run([sys.executable, "-m", "kiosk", "queue"], env=env,
                             capture_output=True, text=True, timeout=120)
    finally:
        server.close()
    assert run.returncode == 1
    assert len(run.stderr.strip().splitlines()) == 1 and "base de données" in run.stderr


def test_the_schema_described_is_the_same_whichever_way_the_migrations_went(database_factory):
    """kiosk/core/schema.py, which the restore compares copies with: a database brought down to
    0003 by the migrations describes exactly as one brought up to it (SQLite rebuilds its tables
    then, in another order of constraints); one more index is the first difference, by name."""
    from kiosk.core.schema import describe, first_difference

    def described(url: str, down: bool) -> dict:
        engine = make_engine(url)
        if down:
            command.downgrade(alembic_config(engine), "0003")
        else:
            _empty(engine)
            command.upgrade(alembic_config(engine), "0003")
        with engine.connect() as conn:
            found = describe(conn)
        engine.dispose()
        return found

    up, down = described(database_factory(), False), described(database_factory(), True)
    assert first_difference(up, down) is None
    url = database_factory()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE INDEX ix_extra ON tickets (taken_at)")
        head = describe(conn)
    engine.dispose()
    fresh = make_engine(database_factory())
    with fresh.connect() as conn:
        assert first_difference(describe(conn), head) == "index en trop : tickets.ix_extra"
    fresh.dispose()
