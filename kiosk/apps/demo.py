"""Demo data: a stopover open today with a queue in every state, for trying the kiosk."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from db.models import Stop, Stopover
from kiosk import french
from kiosk.core import services, views
from kiosk.core.context import Context
from kiosk.reports.history import DEFAULT_PER_MORNING, seed_history, working_mornings

DEMO_SEED = 2026
DEMO_STAFF = (("Marie", "animatrice", "1111"), ("Josiane", "coordinator", "2222"))


def _demo_staff(ctx: Context) -> str:
    """Two demo accounts, created once: an animatrice and the coordinator."""
    from kiosk.core import staff

    if not staff.list_staff(ctx, include_disabled=True):
        for name, role, pin in DEMO_STAFF:
            staff.add_staff(ctx, name, role, pin)
    from kiosk.vocabulary import ROLES

    return "Comptes de démonstration : " + ", ".join(
        f"{name} ({ROLES[role]}, code {pin})" for name, role, pin in DEMO_STAFF)


def _demo_history(ctx: Context) -> str:
    """A year of past mornings, so that every statistic has something to show. About
    DEFAULT_PER_MORNING visits a morning: the ~190 working mornings of a year then give about
    9,500 visits, and the queues stay those of a busy but served bus."""
    end = ctx.now().date() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=364)
    visits = DEFAULT_PER_MORNING * len(working_mornings(start, end))
    report = seed_history(ctx, visits, start=start, end=end, seed=DEMO_SEED)
    return (f"Historique de démonstration : {french.number(report.visits)} visites sur "
            f"{french.number(report.stopovers)} matinées, du {french.short_date(report.start)} "
            f"au {french.short_date(report.end)}.\n")


def demo_panels(data_dir: Path) -> str:
    """The demo's own panels folder, made once: the shipped panels and a sample of a local
    one, so that the window on Accueil shows what a coordinator would add."""
    from kiosk.content.panels import PANELS_FOLDER
    from kiosk.system.config import ASSETS_DIR
    from kiosk.system.files import write_private

    folder = data_dir / PANELS_FOLDER
    if folder.exists():
        return ""
    folder.mkdir(mode=0o700, parents=True)
    shipped = ASSETS_DIR / PANELS_FOLDER
    for source in (*sorted(shipped.glob("*.*")), *sorted((shipped / "demo").glob("*.*"))):
        if source.suffix in (".yaml", ".png", ".jpg"):
            write_private(folder / source.name, source.read_bytes())
    return f"Panneaux d'information de démonstration : {folder}."


def seed_demo(ctx: Context) -> str:
    """Initialise the database and, unless a stopover is already open, open today's stopover
    and fill it with a few tickets: some waiting, one called, one in service, one finished.
    A database without any closed stopover first gets a year of history (seed_history)."""
    report = services.init_database(ctx)
    panels = demo_panels(ctx.settings.data_dir)
    accounts = _demo_staff(ctx) + (f"\n{panels.rstrip()}" if panels else "")
    snapshot = views.queue_snapshot(ctx)
    if snapshot.stopover is not None and snapshot.stopover.left_open(ctx.now()):
        # an earlier day's demo left open (domain.left_open): its visits finished, closed at
        # its true end, and today's opened, or the demo would show the bus closed
        for called in snapshot.called:
            services.finish_visit(ctx, called.number,
                                  [services.DemandeInput(called.procedure_id, "solved")])
        services.close_stopover(ctx)
        snapshot = views.queue_snapshot(ctx)
    if snapshot.stopover is not None:
        return (f"Base prête ({report.procedures} démarches). Escale déjà ouverte : "
                f"{snapshot.stopover.stop_name}, {len(snapshot.waiting)} en attente.\n{accounts}")
    planned = views.today_stop(ctx)
    if planned is not None:
        stop_id = planned.stop_id
    else:
        with ctx.read() as session:
            stop_id = session.scalars(select(Stop.id).order_by(Stop.id)).first() or ""
    with ctx.read() as session:
        earlier = session.scalars(select(Stopover.id)).first()
        closed = session.scalars(select(Stopover.id).where(Stopover.closed_at.is_not(None))).first()
    history = ""
    if closed is None:
        history = _demo_history(ctx)
    # the demo shows the bus open: today's half-day, closed in a try of the console, reopens
    info = services.open_stopover(ctx, stop_id, reopen=True)
    if earlier is None:
        procedures = [p.id for p in ctx.catalogue.procedures]
        picks = [procedures[i % len(procedures)] for i in (0, 3, 5, 8, 11, 2, 7)]
        for index, procedure_id in enumerate(picks):
            services.take_ticket(ctx, procedure_id, priority=index == 4)
        first = services.call_next(ctx, 1)
        services.start_service(ctx, first.number)
        services.finish_visit(ctx, first.number,
                              [services.DemandeInput(first.procedure_id, "solved")],
                              age_band="60-74", gender="femme")
        second = services.call_next(ctx, 1)
        services.start_service(ctx, second.number)
        services.call_next(ctx, 2)
    snapshot = views.queue_snapshot(ctx)
    return (f"Base de démonstration prête : {report.communes} communes, {report.stops} arrêts, "
            f"{report.procedures} démarches.\n{accounts}\n{history}"
            f"Escale ouverte : {info.stop_name} ({info.commune_name}), "
            f"{len(snapshot.waiting)} personne(s) en attente, {len(snapshot.called)} au poste.")
