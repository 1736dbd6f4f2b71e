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
