"""A database failure said in words: a full disk must read « disque plein », not SQLite's
"disk I/O error" or a driver's message that the bus staff cannot act on."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from kiosk.errors import readable

DISK_FULL = "disque plein : libérez de la place (anciens exports, sauvegardes)"
# SQLite's SQLITE_FULL, the kernel's ENOSPC, PostgreSQL's "could not extend file"/"disk full"
FULL_WORDS = ("database or disk is full", "no space left on device", "could not extend file",
              "disk full")
NEARLY_FULL_BYTES = 1 << 20  # less than this free and an I/O error is taken for a full disk


def _chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or any(current is seen for seen in found):
            continue
        found.append(current)
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return found


def is_disk_full(exc: BaseException, folder: Path | None = None) -> bool:
    """True when the failure is a full disk. SQLite sometimes reports a write that found no
    room as a plain I/O error (SQLITE_IOERR_*): then the free space of `folder` (where the
    database file lives) decides."""
    io_error = False
    for current in _chain(exc):
        if isinstance(current, OSError) and current.errno == errno.ENOSPC:
            return True
        name = str(getattr(current, "sqlite_errorname", "") or "")
        code = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        text = str(current).lower()
        if name == "SQLITE_FULL" or code == "53100" or any(w in text for w in FULL_WORDS):
            return True
        io_error = io_error or name.startswith("SQLITE_IOERR") or "disk i/o error" in text
    if io_error and folder is not None:
        try:
            info = os.statvfs(folder)
        except OSError:
            return False
        return info.f_bavail * info.f_frsize < NEARLY_FULL_BYTES
    return False


def database_folder(url: str, data_dir: Path) -> Path:
    """Where a SQLite database file lives (the data dir for a server database)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and len(url) > len(prefix):
        return Path(url[len(prefix):].split("?")[0]).parent
    return data_dir


def trouble_words(exc: BaseException, folder: Path | None = None, limit: int = 300) -> str:
    """One line: « disque plein : … » for a full disk, else the driver's first line."""
    if is_disk_full(exc, folder):
        return DISK_FULL
    text = str(getattr(exc, "orig", None) or exc).strip()
    return readable(text.splitlines()[0] if text else type(exc).__name__, limit)
