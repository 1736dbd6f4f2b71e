"""Owner-only files written atomically: checklists, QR codes, exports.

A file appears under its name only once it is complete: it is written to a temporary name in the
same folder (created 0o600 by mkstemp, so never readable by others even for a moment), flushed to
the disk, then renamed. A failure on the way removes the temporary file and leaves nothing under
the final name (an older file of that name stays as it was).
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal

from kiosk.errors import KioskError

log = logging.getLogger("borne-plus")


def unused_name(folder: Path, stem: str, extension: str) -> Path:
    """`<stem>.<extension>` in `folder`, or `<stem>-2.<extension>`, -3…: a file already there
    (last quarter's report on the key, a backup of the same minute) is never overwritten."""
    candidate = folder / f"{stem}.{extension}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{n}.{extension}"
        n += 1
    return candidate


def check_target(out: Path) -> Path:
    """`out` as a Path, or KioskError when it is a folder or its folder does not exist."""
    out = Path(out)
    if out.is_dir():
        raise KioskError(f"{out} : c'est un dossier, donnez un nom de fichier")
    if not out.parent.is_dir():
        raise KioskError(f"{out.parent} : ce dossier n'existe pas")
    return out


@contextmanager
def private_output(out: Path, mode: Literal["wb", "w"] = "wb", encoding: str | None = None,
                   newline: str | None = None) -> Iterator[IO[Any]]:
    """A file object for `out` that becomes `out` (mode 0o600) only when the block ends without
    an exception. For writers that stream (CSV, XLSX): nothing is held in memory here."""
    out = check_target(out)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    except OSError as error:
        raise KioskError(f"{out} : écriture impossible ({error.strerror})") from error
    try:
        if "b" in mode:
            handle: IO[Any] = os.fdopen(fd, mode)
        else:
            handle = os.fdopen(fd, mode, encoding=encoding or "utf-8", newline=newline)
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(out, 0o600)  # mkstemp made it 0o600 already; a umask never widens it, but be explicit


@contextmanager
def private_path(out: Path) -> Iterator[Path]:
    """A temporary path (an empty 0o600 file in `out`'s folder) that becomes `out` when the block
    ends without an exception. For writers that need a path, not a file object: SQLite's backup
    API, pg_dump. The block checks what was written before it ends; a failed check raises and
    nothing appears under `out`."""
    out = check_target(out)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    except OSError as error:
        raise KioskError(f"{out} : écriture impossible ({error.strerror})") from error
    os.close(fd)
    try:
        yield Path(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o600)  # a writer that recreated the file must not have widened it
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # the rename itself must survive a power cut: sync the folder's entry too
    folder = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def write_private(out: Path, data: bytes) -> Path:
    """Write `data` to `out` atomically, readable by the owner only (0o600)."""
    out = Path(out)
    with private_output(out, "wb") as handle:
        handle.write(data)
    return out


def tighten_data_dir(folder: Path) -> bool:
    """Make the data dir owner-only (0700) when others may read or enter it; True if it did.

    It holds the record of every visit, its backups, exports and printed checklists. One made
    by `kiosk init` is 0700 already; one made by hand, by an older version or by a copy (0755
    under the usual umask) is tightened here, once, at start, and the log says so. A folder of
    another account is left as it is: not ours to change (and chmod would fail). So is a shared
    folder (the sticky bit: /tmp, a TMPDIR), open to all by design: as root, a data dir set to
    /tmp would otherwise close /tmp to every other account of the PC."""
    try:
        info = os.stat(folder)
    except OSError:
        return False  # not made yet (a server database), or not ours to look at
    mode = stat.S_IMODE(info.st_mode)
    if (not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or not mode & 0o077
            or mode & stat.S_ISVTX):
        return False
    try:
        os.chmod(folder, mode & 0o700)
    except OSError as error:  # a read-only file system
        log.warning("dossier de données %s : ouvert aux autres comptes (%04o), impossible de le "
                    "réserver à son propriétaire (%s)", folder, mode, error.strerror)
        return False
    log.warning("dossier de données %s : ouvert aux autres comptes (%04o), désormais réservé à "
                "son propriétaire (%04o)", folder, mode, mode & 0o700)
    return True
