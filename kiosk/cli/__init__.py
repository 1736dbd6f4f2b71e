"""The `kiosk` command: parse arguments, call one core function, print. Scripts use --json.

One module per command group; each parses its arguments and calls the core, where the logic
lives. Exit codes: 0 done; 2 bad input or refused (one line on stderr, nothing written);
3 nobody waits (`kiosk call`); 1 unexpected failure (database unreachable...).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kiosk.cli import (
    apps,
    backup,
    content,
    export,
    feedback,
    history,
    panels,
    queue,
    staff_user,
    stats,
)
from kiosk.cli.common import PROG, Parser
from kiosk.errors import KioskError, readable
from kiosk.system.config import load_settings

GROUPS = (queue, content, apps, staff_user, history, stats, export, backup, feedback, panels)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="Borne PLUS : tickets et file d'attente du bus PLUS.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser,
                                metavar="COMMANDE")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = None
    try:
        settings = load_settings()
        return int(args.run(args, settings))
    except KioskError as exc:
        # the last guard of the one-line promise: a value some message quotes raw (a newline,
        # a bidi character, a 5000-digit "month") is escaped and cut here
        print(f"{PROG}: {readable(exc.message, 380)}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # `kiosk itinerary list | head -1`: the reader stopped reading, which is its right;
        # point stdout at /dev/null so that the interpreter's final flush does not fail too
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the database is down, the disk is full...
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            from kiosk.system.dbtrouble import database_folder, trouble

            folder = (database_folder(settings.effective_database_url, settings.data_dir)
                      if settings is not None else None)
            # a full disk says so, not "disk I/O error"; a write refused by the database (a
            # trigger, a read-only file) is not "inaccessible"; libpq's words in French
            print(f"{PROG}: {readable(trouble(exc, folder).sentence(), 380)}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
