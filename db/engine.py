"""Engine and session factory, and the Alembic upgrade that every command runs first.

SQLite is the embedded default: one file, WAL, synchronous=FULL, foreign keys on, a busy timeout
and `BEGIN IMMEDIATE` for every transaction, so that two processes never read a stale
"last number" (pysqlite's own transaction handling starts transactions too late for that).
PostgreSQL goes through psycopg 3; row locks there do the same job.
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY_OPTION = "kiosk_read_only"
PG_CONNECT_TIMEOUT_S = 5


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and route them through psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            # owner-only, as `kiosk init` makes the data dir (the umask would leave it 0755)
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():
                # Visitor data never leaves the owner's account: create the file owner-only.
                fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        )
        _configure_sqlite(engine)
        return engine
    # A server that accepts the connection and never answers must not hang every command.
    return create_engine(url, pool_pre_ping=True,
                         connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S})


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite; we issue BEGIN IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Readers take a plain (deferred) snapshot and never wait for the writer; writers take
        # the write lock at once, before reading anything they will base a write on.
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_session_factory(engine: Engine, read_only: bool = False) -> sessionmaker[Session]:
    bind = engine.execution_options(**{READ_ONLY_OPTION: True}) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


_upgrade_lock = threading.Lock()


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


@functools.cache
def migration_scripts() -> Any:
    """The migrations shipped with the package (an Alembic ScriptDirectory), read once per
    process: they do not change while it runs, and reading them costs more than the check."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg)


def head_revision() -> str | None:
    """The newest migration shipped with the package."""
    head: str | None = migration_scripts().get_current_head()
    return head


def at_head(engine: Engine) -> bool:
    """Whether the schema is already at the newest migration, read without any write lock (a
    plain deferred transaction on SQLite), so that readers never queue behind a writer."""
    from alembic.runtime.migration import MigrationContext

    head = head_revision()
    with engine.execution_options(**{READ_ONLY_OPTION: True}).connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        conn.rollback()
    return current == head


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent, safe to call at every start). The
    migration itself takes the write lock; checking that there is nothing to do does not."""
    from alembic import command

    with _upgrade_lock:
        if at_head(engine):
            return
        command.upgrade(alembic_config(engine), "head")
