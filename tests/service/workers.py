"""Worker processes for the concurrency and crash tests (run as scripts, one per process).

    python workers.py take URL COUNT PROCEDURE   -> prints each number taken, one per line;
                                                    SIGTERM stops it after the number it is
                                                    taking is printed (SIGKILL: anywhere)
    python workers.py call URL DESK STOPFILE     -> calls and finishes until STOPFILE exists
                                                    and nobody waits; prints numbers called
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout, and tests/

from kiosk.core import services  # noqa: E402
from kiosk.core.context import open_context  # noqa: E402
from kiosk.errors import NoTicketWaiting  # noqa: E402
from kiosk.system.config import Settings  # noqa: E402
from tests.conftest import DEFAULT_NOW  # noqa: E402

STARTED = time.monotonic()


def suite_clock() -> dt.datetime:
    """The suite's Thursday morning, running on: the stopover the test opened is today's for
    the worker too, whatever the machine's day (on another day it is left open and refuses)."""
    return DEFAULT_NOW + dt.timedelta(seconds=int(time.monotonic() - STARTED))


def main(argv: list[str]) -> int:
    kind, url = argv[0], argv[1]
    ctx = open_context(Settings(data_dir=Path(tempfile.gettempdir()), database_url=url),
                       migrate=False)
    ctx.clock = suite_clock
    if kind == "take":
        count, procedure = int(argv[2]), argv[3]
        # a test that reads the numbers stops the worker with SIGTERM: a ticket committed and
        # not yet printed would be in the database and missing from what the test saw
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
        for _ in range(count):
            number = services.take_ticket(ctx, procedure).number
            print(number, flush=True)
            if stop:
                break
        return 0
    desk, stop_file = int(argv[2]), Path(argv[3])
    while True:
        try:
            called = services.call_next(ctx, desk)
        except NoTicketWaiting:
            if stop_file.exists():
                try:
                    called = services.call_next(ctx, desk)
                except NoTicketWaiting:
                    return 0
            else:
                time.sleep(0.002)
                continue
        print(called.number, flush=True)
        services.finish_visit(ctx, called.number,
                              [services.DemandeInput(called.procedure_id, "solved")])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
