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


def test_upgrading_a_database_with_data_keeps_every_row(tmp_path, database_factory):
    """Each migration runs on a database that already holds a morning of tickets."""
    from sqlalchemy import text

    from db.engine import alembic_config as config_of

    url = database_factory()
    engine = make_engine(url)
    with engine.begin() as conn:  # start from an empty schema at the first revision
        for table in ("demandes", "events", "tickets", "stopovers", "schedule", "desks", "staff",
                      "stops", "communes", "queue_revision", "alembic_version"):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
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
