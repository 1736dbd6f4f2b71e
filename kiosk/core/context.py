"""What every service needs: settings, the database, the catalogue, the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from db.engine import make_engine, make_session_factory, upgrade
from db.models import QueueRevision
from kiosk.content.catalogue import Catalogue, cached_catalogue, catalogue_problem
from kiosk.system.clock import wall_clock
from kiosk.system.config import Settings, load_settings
from kiosk.system.files import tighten_data_dir


@dataclass
class Context:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]
    # the wall time in the configured zone (settings.timezone), never the PC's: a test sets its own
    clock: Callable[[], dt.datetime]
    # the running apps: a catalogue file broken while they run leaves them on the last good one
    keep_last_good_catalogue: bool = False

    @property
    def catalogue(self) -> Catalogue:
        return cached_catalogue(self.settings.effective_catalogue_dir,
                                keep_last_good=self.keep_last_good_catalogue)

    def catalogue_problem(self) -> str | None:
        """The console's line when the catalogue files on disk cannot be read (None: fine)."""
        return catalogue_problem(self.settings.effective_catalogue_dir)

    def now(self) -> dt.datetime:
        return self.clock()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction that changes the queue: it bumps the revision first, which also
        serialises queue writers on PostgreSQL (SQLite does it with BEGIN IMMEDIATE)."""
        with self.sessions.begin() as session:
            session.execute(
                update(QueueRevision).where(QueueRevision.id == 1)
                .values(value=QueueRevision.value + 1)
            )
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.readers() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_context(settings: Settings | None = None, migrate: bool = True) -> Context:
    """Connect to the configured database, bringing its schema up to date first."""
    settings = settings or load_settings()
    tighten_data_dir(settings.data_dir)  # before anything is written in it
    engine = make_engine(settings.effective_database_url)
    if migrate:
        upgrade(engine)
    return Context(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        readers=make_session_factory(engine, read_only=True),
        clock=wall_clock(settings.timezone),
    )
