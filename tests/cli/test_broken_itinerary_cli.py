"""The itinerary reaches the database only through `kiosk init`: the running apps read stops and
half-days from the database, never the files. So a broken itinerary file cannot touch a running
kiosk; `kiosk init` refuses it in one line and leaves the database as it was."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from db.models import Commune, ScheduleSlot, Stop
from kiosk.core.context import open_context
from kiosk.system.config import ASSETS_DIR, Settings
from tests.cli.runner import Kiosk, make_env


def itinerary_rows(data_dir, database_url):
    ctx = open_context(Settings(data_dir=data_dir, database_url=database_url), migrate=False)
    try:
        with ctx.read() as s:
            return (s.execute(select(Commune.insee, Commune.name)).all(),
                    s.execute(select(Stop.id, Stop.name, Stop.active)).all(),
                    s.execute(select(ScheduleSlot.day, ScheduleSlot.half,
                                     ScheduleSlot.stop_id)).all())
    finally:
        ctx.dispose()


@pytest.mark.parametrize("file, breakage", [
    ("schedule.yaml", ("stop: ducos-bourg}", "stop: nulle-part}")),
    ("schedule.yaml", ("day: 2026-11-04,", "day: 2026-02-30,")),
    ("communes.yaml", ("schedule", "schedule")),  # replaced by garbage below
])
def test_init_with_a_broken_itinerary_leaves_the_database_unchanged(tmp_path, database_url,
                                                                    file, breakage):
    kiosk = Kiosk(make_env(tmp_path, database_url))
    kiosk("init")
    data = tmp_path / "data"
    shutil.copytree(ASSETS_DIR / "itinerary", data / "itinerary")  # the coordinator's own copy
    path = data / "itinerary" / file
    if file == "communes.yaml":
        path.write_text("communes: [\n  - {insee: '97209', name: \x07\n", "utf-8")
    else:
        text = path.read_text("utf-8")
        assert breakage[0] in text
        path.write_text(text.replace(breakage[0], breakage[1], 1), "utf-8")
    url = kiosk.env.get("KIOSK_DATABASE_URL", "")
    before = itinerary_rows(data, url)
    assert before[0] and before[1] and before[2]
    refused = kiosk("init", expect=2)
    assert refused.stderr.count("\n") == 1 and file in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    assert itinerary_rows(data, url) == before
