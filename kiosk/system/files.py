"""Owner-only files written atomically: checklists, QR codes, exports.

A file appears under its name only once it is complete: it is written to a temporary name in the
same folder (created 0o600 by mkstemp, so never readable by others even for a moment), flushed to
the disk, then renamed. A failure on the way removes the temporary file and leaves nothing under
the final name (an older file of that name stays as it was).

Nothing is written over unless the caller says so (`replace=True`: the CLI's --force), and then
only a regular file: never a folder, a device (/dev/full as root), a FIFO, a socket or a symbolic
link (replacing the link would drop it; following it would write where it points). Without
`replace`, the name is taken with a hard link, which fails if anything appeared under it since
the check: no race can make it replace a file.
"""

from __future__ import annotations

import errno
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


class TargetRefused(KioskError):
    """A file that is there already and may not be replaced: nothing was written."""


# hard links unknown to the file system (FAT and exFAT USB keys, some network shares)
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS}


def unused_name(folder: Path, stem: str, extension: str) -> Path:
    """`<stem>.<extension>` in `folder`, or `<stem>-2.<extension>`, -3…: a file already there
    (last quarter's report on the key, a backup of the same minute) is never overwritten, nor
    a link pointing nowhere."""
    candidate = folder / f"{stem}.{extension}"
    n = 2
    while os.path.lexists(candidate):
        candidate = folder / f"{stem}-{n}.{extension}"
        n += 1
    return candidate


def _refuse_unless_replaceable(out: Path, replace: bool) -> None:
    """TargetRefused when something is under `out` that may not be written over."""
    try:
        mode = os.lstat(out).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        raise TargetRefused(f"{out} : c'est un dossier, donnez un nom de fichier")
    if stat.S_ISLNK(mode):
        raise TargetRefused(f"{out} : c'est un lien symbolique, il n'est jamais remplacé ; "
                            "donnez un autre nom")
    if not stat.S_ISREG(mode):
        raise TargetRefused(f"{out} : ce n'est pas un fichier ordinaire (périphérique, tube), "
                            "il n'est jamais remplacé ; donnez un autre nom")
    if not replace:
        raise TargetRefused(f"{out} existe déjà : ajoutez --force pour le remplacer")


def check_target(out: Path, replace: bool = False) -> Path:
    """`out` as a Path, or KioskError when its folder does not exist or when something is
    there already that may not be replaced: any file unless `replace`, and never anything but
    a regular file (see the module's docstring)."""
    out = Path(out)
    _refuse_unless_replaceable(out, replace)
    if not out.parent.is_dir():
        raise KioskError(f"{out.parent} : ce dossier n'existe pas")
    return out


def _publish(tmp: str, out: Path, replace: bool) -> None:
    """The complete temporary file `tmp` takes the name `out`."""
    if replace:
        # looked at again: the name may have changed since check_target (a link put there
        # meanwhile would be replaced; the window left is between this look and the rename)
        _refuse_unless_replaceable(out, replace)
        os.replace(tmp, out)
        return
    try:
        os.link(tmp, out)  # fails if anything took the name since check_target
    except FileExistsError:
        _refuse_unless_replaceable(out, replace)
        raise TargetRefused(f"{out} existe déjà : ajoutez --force pour le remplacer") from None
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        _refuse_unless_replaceable(out, replace)  # no hard links here: look, then rename
        os.replace(tmp, out)
        return
    os.unlink(tmp)


def _write_failed(out: Path, error: OSError) -> KioskError:
    # a full disk or a key pulled out: said in one line, not a traceback
    return KioskError(f"{out} : écriture impossible ({error.strerror or error}) ; "
                      "rien n'a été écrit")


@contextmanager
def private_output(out: Path, mode: Literal["wb", "w"] = "wb", encoding: str | None = None,
                   newline: str | None = None, *, replace: bool = False) -> Iterator[IO[Any]]:
    """A file object for `out` that becomes `out` (mode 0o600) only when the block ends without
    an exception. For writers that stream (CSV, XLSX): nothing is held in memory here.
    `replace`: a regular file already named `out` may be replaced (else TargetRefused)."""
    out = check_target(out, replace)
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
        _publish(tmp, out, replace)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise _write_failed(out, error) from error
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(out, 0o600)  # mkstemp made it 0o600 already; a umask never widens it, but be explicit


@contextmanager
def private_path(out: Path, *, replace: bool = False) -> Iterator[Path]:
    """A temporary path (an empty 0o600 file in `out`'s folder) that becomes `out` when the block
    ends without an exception. For writers that need a path, not a file object: SQLite's backup
    API, pg_dump. The block checks what was written before it ends; a failed check raises and
    nothing appears under `out`. `replace` as for private_output."""
    out = check_target(out, replace)
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
        _publish(tmp, out, replace)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise _write_failed(out, error) from error
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # the rename itself must survive a power cut: sync the folder's entry too
    folder = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def write_private(out: Path, data: bytes, *, replace: bool = False) -> Path:
    """Write `data` to `out` atomically, readable by the owner only (0o600); a regular file
    already there is replaced only with `replace`."""
    out = Path(out)
    with private_output(out, "wb", replace=replace) as handle:
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
