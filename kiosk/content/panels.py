"""The agglomeration's window: short information panels shown in turn on the kiosk's Accueil.

One small YAML file per panel, and an optional picture beside it, in `<data dir>/panels/` (the
shipped examples in assets/panels/ show while the coordinator has no folder of her own). An
animatrice changes a panel by copying a file from a USB key: every file is read again when it
changed, and checked like the catalogue (`kiosk panels check`):

    title: Ramassage des déchets          # 40 characters at most
    lines:                                # two or three lines, 60 characters each at most
      - Ordures ménagères : lundi et jeudi.
      - Sortez le bac la veille au soir.
    image: poubelle.png                   # optional: PNG or JPEG beside the file
    start: 2026-11-01                     # first day shown
    end: 2026-12-31                       # last day shown
    communes: [97207]                     # optional: only when the bus is in these communes
    gcf:                                  # optional: the panel in Créole
      title: Ramasaj fatras
      lines: [...]

A wrong file is named with its line and field and left out; the others still show. A panel
outside its dates is not shown, and neither is one for other communes than today's.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk import french
from kiosk.content.catalogue import _Fields
from kiosk.content.itinerary import ESPACE_SUD
from kiosk.errors import DataFileError, KioskError, readable
from kiosk.system.config import ASSETS_DIR, Settings
from kiosk.system.yamlfile import key_line, load_yaml

log = logging.getLogger(__name__)

PANELS_FOLDER = "panels"
# short, for the room beside the calls: a longer text would lose its last lines at 1280x800
TITLE_MAX = 40
LINE_MAX = 60
# A picture is drawn in a box of about 300 px on the kiosk: 1920 px and 2 MB are generous for
# a phone photo reduced once, and keep a 40-megapixel original (a slow decode on the bus PC,
# 100 MB of texture) off the screen.
IMAGE_MAX_BYTES = 2_000_000
IMAGE_MAX_PIXELS = 1920
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
# How a PNG and a JPEG file begin. Each is read by its own Pillow class, not by Image.open:
# Image.open guards against "decompression bombs" before anyone looks at the size (a warning
# from 89 million pixels, DecompressionBombError from 179 million), so a PNG whose header
# claimed 60000×60000 raised at every reading of the folder: a traceback for `kiosk panels
# check`, and the kiosk's window stuck on its panel as long as the file stayed. Read this way,
# the header gives the size and IMAGE_MAX_PIXELS refuses it long before.
IMAGE_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"))
IMAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
PANEL_FIELDS = {"title", "lines", "image", "start", "end", "communes", "gcf"}
CREOLE_FIELDS = {"title", "lines"}


@dataclass(frozen=True)
class Panel:
    id: str  # the file's name without .yaml: panels show in the order of their names
    title: str
    lines: tuple[str, ...]
    start: dt.date
    end: dt.date
    image: Path | None = None
    communes: tuple[str, ...] = ()  # INSEE codes; empty: everywhere
    gcf_title: str | None = None
    gcf_lines: tuple[str, ...] = ()

    def shown_on(self, day: dt.date, commune_insee: str | None = None) -> bool:
        if not self.start <= day <= self.end:
            return False
        return not self.communes or commune_insee in self.communes

    def texts(self, language: str) -> tuple[str, tuple[str, ...]]:
        """Title and lines in the kiosk's language; French when the panel has no Créole."""
        if language == "gcf" and self.gcf_title:
            return self.gcf_title, self.gcf_lines
        return self.title, self.lines


@dataclass(frozen=True)
class PanelFolder:
    folder: Path
    panels: tuple[Panel, ...]
    errors: tuple[DataFileError, ...]

    def shown_on(self, day: dt.date, commune_insee: str | None = None) -> tuple[Panel, ...]:
        return tuple(p for p in self.panels if p.shown_on(day, commune_insee))


class _PanelFields(_Fields):
    """The catalogue's field reader, with the line of the field itself in each error (a panel
    file is short: the animatrice looks for the line, not for an entry)."""

    def fail(self, field: str, detail: str) -> DataFileError:
        return DataFileError(str(self.path), f"{self.what}, champ « {field} » : {detail}",
                             key_line(self.data, field) if field in self.data else self.line)


def panels_folder(settings: Settings) -> Path:
    """The coordinator's own folder in the data dir wins over the shipped examples."""
    own = settings.data_dir / PANELS_FOLDER
    return own if own.is_dir() else ASSETS_DIR / PANELS_FOLDER


def _image(f: _PanelFields, path: Path) -> Path | None:
    name = f.data.get("image")
    if name is None:
        return None
    if not isinstance(name, str) or not IMAGE_NAME.fullmatch(name) or ".." in name:
        raise f.fail("image", f"nom de fichier invalide « {readable(str(name), 60)} » : "
                              "le nom seul d'une image posée à côté du fichier")
    if Path(name).suffix.lower() not in IMAGE_SUFFIXES:
        raise f.fail("image", f"« {name} » : image PNG ou JPEG (.png, .jpg) seulement")
    image = path.parent / name
    if not image.is_file():
        raise f.fail("image", f"« {name} » introuvable à côté du fichier")
    size = image.stat().st_size
    if size > IMAGE_MAX_BYTES:
        raise f.fail("image", f"« {name} » trop lourde ({size / 1e6:.1f} Mo ; "
                              f"{IMAGE_MAX_BYTES // 1_000_000} Mo au plus)")
    from PIL import JpegImagePlugin, PngImagePlugin

    unreadable = f.fail("image", f"« {name} » n'est pas une image lisible (PNG ou JPEG)")
    try:
        with image.open("rb") as handle:
            head = handle.read(8)
        kind = next((k for signature, k in IMAGE_SIGNATURES if head.startswith(signature)), None)
        if kind is None:
            raise unreadable
        reader = PngImagePlugin.PngImageFile if kind == "PNG" else JpegImagePlugin.JpegImageFile
        with reader(image) as picture:
            width, height = picture.size
            if max(width, height) <= IMAGE_MAX_PIXELS:
                picture.verify()  # a truncated copy from a USB key fails here, not on screen
    except (OSError, SyntaxError, ValueError):
        raise unreadable from None
    if max(width, height) > IMAGE_MAX_PIXELS:
        raise f.fail("image", f"« {name} » trop grande ({width}×{height} pixels ; "
                              f"{IMAGE_MAX_PIXELS} pixels de côté au plus)")
    return image


def _communes(f: _PanelFields) -> tuple[str, ...]:
    value = f.data.get("communes")
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise f.fail("communes", "une liste de codes INSEE, par exemple [97207]")
    codes = []
    for item in value:
        code = str(item)
        if code not in ESPACE_SUD:
            raise f.fail("communes", f"code INSEE inconnu « {readable(code, 20)} » (les 12 "
                                     "communes de l'Espace Sud, par exemple 97207 pour Ducos)")
        codes.append(code)
    return tuple(codes)


def load_panel(path: Path) -> Panel:
    """One panel file, checked; a DataFileError names the file, the line and the field."""
    data = load_yaml(path)
    f = _PanelFields(path, data, "panneau")
    f.check_unknown(PANEL_FIELDS)
    start, end = f.date("start"), f.date("end")
    if end < start:
        raise f.fail("end", f"le {french.short_date(end)} est avant le début ({french.short_date(start)})")
    gcf_title: str | None = None
    gcf_lines: tuple[str, ...] = ()
    if "gcf" in data:
        g = _PanelFields(path, data["gcf"], "panneau en créole (gcf)")
        g.check_unknown(CREOLE_FIELDS)
        gcf_title = g.text("title", TITLE_MAX)
        gcf_lines = g.lines("lines", 2, 3, LINE_MAX)
    return Panel(
        id=path.stem, title=f.text("title", TITLE_MAX), lines=f.lines("lines", 2, 3, LINE_MAX),
        start=start, end=end, image=_image(f, path), communes=_communes(f),
        gcf_title=gcf_title, gcf_lines=gcf_lines,
    )


def load_panels(folder: Path) -> PanelFolder:
    """Every *.yaml of the folder, in name order. A bad file is set aside with its error; the
    good ones still show (one wrong copy must not empty the window). A missing folder has no
    panels and no error: panels are optional."""
    if not folder.exists():
        return PanelFolder(folder, (), ())
    if not folder.is_dir():
        return PanelFolder(folder, (), (DataFileError(str(folder), "ce n'est pas un dossier"),))
    panels: list[Panel] = []
    errors: list[DataFileError] = []
    try:
        files = sorted(folder.glob("*.yaml"))
    except OSError as exc:
        return PanelFolder(folder, (), (DataFileError(str(folder), f"illisible ({exc.strerror})"),))
    for path in files:
        try:
            panels.append(load_panel(path))
        except DataFileError as exc:
            errors.append(exc)
        except (KioskError, OSError) as exc:
            errors.append(DataFileError(str(path), readable(str(exc), 200)))
        except Exception as exc:  # noqa: BLE001 - one file, whatever it holds, never stops the others
            # a file a library chokes on in a way nobody foresaw (the giant picture did): set
            # aside like any wrong file, named, so that the window keeps turning
            errors.append(DataFileError(str(path), f"fichier illisible ({type(exc).__name__})"))
    return PanelFolder(folder, tuple(panels), tuple(errors))


Stamp = tuple[tuple[str, float, int], ...]
_cache: dict[Path, tuple[Stamp, PanelFolder]] = {}


def _stamp(folder: Path) -> Stamp:
    stamp = []
    try:
        paths = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError:
        return ()
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            continue
        stamp.append((path.name, info.st_mtime, info.st_size))
    return tuple(stamp)


def cached_panels(folder: Path) -> PanelFolder:
    """The folder read again only when one of its files (YAML or picture) changed: the kiosk
    asks every rotation, and a USB copy of a new panel shows at the next turn."""
    stamp = _stamp(folder)
    known = _cache.get(folder)
    if known is not None and known[0] == stamp:
        return known[1]
    loaded = load_panels(folder)
    _cache[folder] = (stamp, loaded)
    for error in loaded.errors:  # once per change of the folder, not at every turn
        log.warning("panel left out: %s", error.message)
    return loaded


def panels_problem(folder: Path) -> str | None:
    """The staff console's line when a panel file is refused (the kiosk leaves it out and shows
    the others), so that the animatrice who copied it learns it without a terminal; None when
    every file is good. Reads the folder again only if it changed."""
    errors = cached_panels(folder).errors
    if not errors:
        return None
    first = errors[0]
    where = f"le fichier {readable(Path(first.path).name, 80)}"
    if first.line:
        where += f", ligne {first.line},"
    more = f" (et {len(errors) - 1} autre(s) : « kiosk panels check »)" if len(errors) > 1 else ""
    return (f"Panneaux de la borne : {where} n'est pas montré ({readable(first.detail, 140)})"
            f"{more} ; les autres le sont.")


def panel_json(panel: Panel, day: dt.date, commune_insee: str | None = None) -> dict[str, Any]:
    return {
        "file": f"{panel.id}.yaml", "title": panel.title, "lines": list(panel.lines),
        "image": panel.image.name if panel.image else None, "start": panel.start.isoformat(),
        "end": panel.end.isoformat(), "communes": list(panel.communes),
        "gcf": ({"title": panel.gcf_title, "lines": list(panel.gcf_lines)}
                if panel.gcf_title else None),
        "shown": panel.shown_on(day, commune_insee),
    }
