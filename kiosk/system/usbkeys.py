"""Where the console may write an export: the USB keys plugged into the bus PC first, then the
data directory's own `exports/` folder.

Desktop Linux mounts a key at `/media/<user>/<LABEL>` (Debian, Ubuntu) or
`/run/media/<user>/<LABEL>` (Fedora); usbmount and older systems at `/media/usb0`. So a key is a
folder we may write in, one level below a mount root (`/media/usb0`), or two levels when the
level between is named after an account of this PC (`/media/josiane/CLE`). `KIOSK_MEDIA_ROOTS`
(folders separated by `:`) replaces the default roots: the tests point it at a temporary folder
standing for `/media`.
"""

from __future__ import annotations

import os
import pwd
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MEDIA_ROOTS = ("/media", "/run/media")
MEDIA_ROOTS_VARIABLE = "KIOSK_MEDIA_ROOTS"
EXPORTS_FOLDER = "exports"


@dataclass(frozen=True)
class ExportFolder:
    path: Path
    label: str        # what the coordinator reads on the button
    removable: bool   # a USB key (offered first)


def media_roots(environ: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    env = os.environ if environ is None else environ
    configured = env.get(MEDIA_ROOTS_VARIABLE, "")
    names = [n for n in configured.split(os.pathsep) if n] if configured else DEFAULT_MEDIA_ROOTS
    return tuple(Path(n) for n in names)


def _writable(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def _subfolders(path: Path) -> list[Path]:
    try:
        return sorted((p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")),
                      key=lambda p: p.name.casefold())
    except OSError:  # a folder we may not read, or a key pulled out while we look
        return []


def _is_account(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def usb_keys(roots: Iterable[Path]) -> tuple[Path, ...]:
    """The writable folders one level below each root, or two below an account's folder."""
    found: list[Path] = []
    for root in roots:
        for entry in _subfolders(root):
            if _is_account(entry.name):
                found.extend(key for key in _subfolders(entry) if _writable(key))
            elif _writable(entry):
                found.append(entry)
    return tuple(found)


def _free_space(path: Path) -> str:
    try:
        free = shutil.disk_usage(path).free
    except OSError:
        return ""
    if free >= 1024**3:
        return f" – {free / 1024**3:.1f} Go libres".replace(".", ",")
    return f" – {free // 1024**2} Mo libres"


def export_folders(data_dir: Path, roots: Iterable[Path] | None = None) -> tuple[ExportFolder, ...]:
    """USB keys first (by name), then `<data dir>/exports`, created if needed."""
    keys = usb_keys(media_roots() if roots is None else roots)
    folders = [ExportFolder(key, f"Clé USB « {key.name} »{_free_space(key)}", True)
               for key in keys]
    own = data_dir / EXPORTS_FOLDER
    own.mkdir(mode=0o700, parents=True, exist_ok=True)
    folders.append(ExportFolder(own, f"Dossier de la borne ({own})", False))
    return tuple(folders)
