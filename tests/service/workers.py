"""Worker processes for the concurrency and crash tests (run as scripts, one per process).

    python workers.py take URL COUNT PROCEDURE   -> prints each number taken, one per line
    python workers.py call URL DESK STOPFILE     -> calls and finishes until STOPFILE exists
                                                    and nobody waits; prints numbers called
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from kiosk.core import services
from kiosk.core.context import open_context
from kiosk.errors import NoTicketWaiting
from kiosk.system.config import Settings


def main(argv: list[str]) -> int:
    kind, url = argv[0], argv[1]
    ctx = open_context(Settings(data_dir=Path(tempfile.gettempdir()), database_url=url),
                       migrate=False)
    if kind == "take":
        count, procedure = int(argv[2]), argv[3]
        for _ in range(count):
            number = services.take_ticket(ctx, procedure).number
            print(number, flush=True)
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
