"""Configuration: environment variables, an optional YAML file, and defaults that work offline.

Precedence: environment (`KIOSK_DATABASE_URL`, `KIOSK_DATA_DIR`) over the file named by
`KIOSK_CONFIG` (else `<data dir>/config.yaml` when it exists) over defaults.
"""

from __future__ import annotations

import errno
import math
import os
import re
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from kiosk.errors import DataFileError, readable
from kiosk.system.clock import DEFAULT_TIMEZONE, known_zone
from kiosk.system.yamlfile import hidden_character, key_line, load_yaml, present

ASSETS_DIR = Path(str(resources.files("assets")))


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "borne-plus"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str = ""
    desks: int = 4
    idle_seconds: int = 45
    ticket_seconds: int = 120  # the ticket screen stays longer: someone slow must read it
    catalogue_dir: Path | None = None
    itinerary_dir: Path | None = None
    printer: str = "file"
    printer_queue: str = ""
    print_timeout_seconds: float = 8.0
    staff_exit_pin: str = ""
    # where each app shows: "fullscreen", or "WIDTHxHEIGHT+LEFT+TOP" for a borderless window
    visitor_display: str = "fullscreen"
    staff_display: str = "fullscreen"
    # "Kouté" on the Créole screens: "ht" reads the Créole text with espeak-ng's Haitian Creole
    # voice (the closest offline one); "fr" reads the French text with the French voice
    creole_voice: str = "ht"
    # on every checklist (receipt, A4, phone codes): the bus's phone, none until the coordinator
    # sets it, and where its calendar of passages is posted
    bus_phone: str = ""
    bus_calendar: str = "en mairie et sur espacesud.fr"
    # the zone of every local time, half-day and day the bus records and shows, whatever zone
    # the PC is set to (kiosk/system/clock.py)
    timezone: str = DEFAULT_TIMEZONE
    # "Prioritaire au prochain passage": a return code serves in its commune for this many weeks
    # after it was given (kiosk/core/return_passes.py); two or three passages of a monthly stop
    return_pass_weeks: int = 8
    config_file: Path | None = None

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'kiosk.sqlite3'}"

    @property
    def effective_catalogue_dir(self) -> Path:
        """The coordinator's own catalogue in the data dir wins over the shipped one."""
        if self.catalogue_dir:
            return self.catalogue_dir
        override = self.data_dir / "catalogue"
        return override if override.is_dir() else ASSETS_DIR / "catalogue"

    @property
    def effective_itinerary_dir(self) -> Path:
        if self.itinerary_dir:
            return self.itinerary_dir
        override = self.data_dir / "itinerary"
        return override if override.is_dir() else ASSETS_DIR / "itinerary"


# Keys the YAML file may hold, with the type each must have.
_FILE_KEYS: dict[str, type | tuple[type, ...]] = {
    "database_url": str,
    "data_dir": str,
    "desks": int,
    "idle_seconds": int,
    "ticket_seconds": int,
    "catalogue_dir": str,
    "itinerary_dir": str,
    "printer": str,
    "printer_queue": str,
    "print_timeout_seconds": (int, float),
    "staff_exit_pin": str,
    "visitor_display": str,
    "staff_display": str,
    "bus_phone": str,
    "bus_calendar": str,
    "creole_voice": str,
    "timezone": str,
    "return_pass_weeks": int,
}

_PATH_KEYS = {"data_dir", "catalogue_dir", "itinerary_dir"}
STAFF_EXIT_PIN = re.compile(r"[0-9]{4,8}")
CREOLE_VOICES = ("ht", "fr")
BUS_PHONE = re.compile(r"\+?[0-9][0-9 .]{2,18}[0-9]")
DISPLAY_PATTERN = re.compile(r"^(fullscreen|\d{3,5}x\d{3,5}\+\d{1,5}\+\d{1,5})$")


def _from_file(path: Path) -> dict[str, Any]:
    data = load_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DataFileError(str(path), "le fichier doit contenir des paires « clé: valeur »")
    values: dict[str, Any] = {}
    entries: dict[str, Any] = data
    for key, raw in entries.items():
        value: Any = raw
        if key == "__line__":
            continue
        line = key_line(data, key)
        if key not in _FILE_KEYS:
            known = ", ".join(sorted(_FILE_KEYS))
            raise DataFileError(str(path), f"clé inconnue « {readable(str(key), 40)} » "
                                           f"(clés possibles : {known})", line)
        expected = _FILE_KEYS[key]
        if isinstance(raw, bool) or not isinstance(raw, expected):
            raise DataFileError(str(path), f"« {key} » : valeur de type invalide "
                                           f"({readable(repr(value), 60)})", line)
        if isinstance(value, str) and hidden_character(value, spaces=True):
            # a NUL in a path raised ValueError; the others hide in paths, PINs, queue names
            raise DataFileError(str(path), f"« {key} » : caractère invisible ou de contrôle "
                                           f"({hidden_character(value, spaces=True)})", line)
        if key in _PATH_KEYS and any(len(os.fsencode(part)) > 255 for part in Path(value).parts):
            raise DataFileError(str(path), f"« {key} » : nom trop long, 255 octets au plus", line)
        if key == "desks" and not 1 <= value <= 12:
            raise DataFileError(str(path), "« desks » : entre 1 et 12 postes", line)
        if key == "idle_seconds" and not 10 <= value <= 600:
            raise DataFileError(str(path), "« idle_seconds » : entre 10 et 600 secondes", line)
        if key == "ticket_seconds" and not 30 <= value <= 900:
            raise DataFileError(str(path), "« ticket_seconds » : entre 30 et 900 secondes", line)
        if key in ("visitor_display", "staff_display") and not DISPLAY_PATTERN.match(value):
            raise DataFileError(str(path), f"« {key} » : « fullscreen » ou LxH+X+Y, "
                                           f"par exemple 1920x1080+1920+0", line)
        if key == "print_timeout_seconds" and not (math.isfinite(value) and 1 <= value <= 120):
            # NaN compares false with everything: the print wait would never end
            raise DataFileError(str(path), "« print_timeout_seconds » : entre 1 et 120 secondes",
                                line)
        if key == "staff_exit_pin" and value and not STAFF_EXIT_PIN.fullmatch(value):
            # the kiosk's exit pad has digits only: any other character locks staff out
            raise DataFileError(str(path), "« staff_exit_pin » : 4 à 8 chiffres", line)
        if key == "creole_voice" and value not in CREOLE_VOICES:
            raise DataFileError(str(path), "« creole_voice » : « ht » (voix créole haïtienne) "
                                           "ou « fr » (le texte français)", line)
        if key == "bus_phone" and value and not BUS_PHONE.fullmatch(value):
            raise DataFileError(str(path), "« bus_phone » : un numéro de téléphone, par exemple "
                                           "« 05 96 00 00 00 »", line)
        if key == "bus_calendar" and len(value) > 80:
            raise DataFileError(str(path), "« bus_calendar » : 80 caractères au plus", line)
        if key == "timezone" and not known_zone(value):
            raise DataFileError(str(path), f"« timezone » : fuseau horaire inconnu "
                                           f"« {readable(value, 40)} » (par exemple "
                                           f"{DEFAULT_TIMEZONE})", line)
        if key == "return_pass_weeks" and not 1 <= value <= 52:
            raise DataFileError(str(path), "« return_pass_weeks » : entre 1 et 52 semaines", line)
        if key == "printer" and value not in ("file", "cups"):
            raise DataFileError(str(path), "« printer » : « file » ou « cups »", line)
        if key in _PATH_KEYS:
            value = (path.parent / Path(value).expanduser()).resolve()
        values[key] = value
    return values


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    try:
        return _load_settings(env)
    except OSError as exc:
        # KIOSK_DATA_DIR or KIOSK_CONFIG naming what the system cannot even look at (a name
        # over 255 bytes): every `exists()` raises; one line instead of a traceback
        where = exc.filename if isinstance(exc.filename, str) else "KIOSK_DATA_DIR"
        why = ("nom trop long, 255 octets au plus" if exc.errno == errno.ENAMETOOLONG
               else exc.strerror)
        raise DataFileError(where, f"chemin illisible ({why})") from None


def _load_settings(env: Any) -> Settings:
    settings = Settings()
    if env.get("KIOSK_DATA_DIR"):
        settings = replace(settings, data_dir=Path(env["KIOSK_DATA_DIR"]).expanduser().resolve())
    config_path: Path | None = None
    if env.get("KIOSK_CONFIG"):
        config_path = Path(env["KIOSK_CONFIG"]).expanduser()
        if not present(config_path):
            raise DataFileError(str(config_path), "fichier de configuration introuvable (KIOSK_CONFIG)")
    elif present(settings.data_dir / "config.yaml"):
        # a folder, a FIFO or a broken link of that name is refused (load_yaml says what it
        # is), never skipped: the settings the coordinator meant would be ignored in silence
        config_path = settings.data_dir / "config.yaml"
    if config_path is not None:
        values = _from_file(config_path)
        if env.get("KIOSK_DATA_DIR"):
            values.pop("data_dir", None)
        known = {f.name for f in fields(Settings)}
        settings = replace(
            settings, config_file=config_path, **{k: v for k, v in values.items() if k in known}
        )
    if env.get("KIOSK_DATABASE_URL"):
        settings = replace(settings, database_url=env["KIOSK_DATABASE_URL"])
    _check_places(settings)
    return settings


def _check_places(settings: Settings) -> None:
    """Refuse, in one line, a data directory that is a file and a database that is neither
    SQLite nor PostgreSQL, before anything tries to use them."""
    where = "KIOSK_DATA_DIR" if os.environ.get("KIOSK_DATA_DIR") else "dossier de données"
    if settings.data_dir.exists() and not settings.data_dir.is_dir():
        raise DataFileError(str(settings.data_dir), f"{where} : ce n'est pas un dossier")
    url = settings.database_url
    if url:
        scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
        if scheme not in ("sqlite", "postgresql", "postgres") or "://" not in url:
            source = "KIOSK_DATABASE_URL" if os.environ.get("KIOSK_DATABASE_URL") \
                else "database_url"
            raise DataFileError(source, f"base « {readable(scheme, 30)} » non prise en charge : "
                                        "sqlite:///CHEMIN ou postgresql://…")
