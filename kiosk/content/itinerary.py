"""The itinerary: communes, stops and the schedule of half-days, from assets/itinerary/*.yaml."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.content.catalogue import ID_PATTERN
from kiosk.content.planning import days_off, load_closures, parse_place
from kiosk.domain import Half
from kiosk.errors import DataFileError, readable
from kiosk.system.yamlfile import LINE_KEY, hidden_character, line_of, load_yaml

INSEE_PATTERN = re.compile(r"^97[0-9]{3}$")

# The twelve communes of Espace Sud (INSEE's official geographic code, Martinique 972). The bus
# serves these and no other: a code outside them, or a code given another commune's name, is a
# typing slip that would otherwise end in a database constraint error at `kiosk init`.
ESPACE_SUD: dict[str, str] = {
    "97202": "Les Anses-d'Arlet", "97206": "Le Diamant", "97207": "Ducos",
    "97210": "Le François", "97217": "Le Marin", "97220": "Rivière-Pilote",
    "97221": "Rivière-Salée", "97223": "Saint-Esprit", "97226": "Sainte-Anne",
    "97227": "Sainte-Luce", "97231": "Les Trois-Îlets", "97232": "Le Vauclin",
}


UNCONFIRMED = "sous réserve"


def shown_name(name: str, confirmed: bool) -> str:
    """A stop's place as visitors read it: "Génipa, place du quartier (sous réserve)" while the
    coordinator has not confirmed the place."""
    return name if confirmed else f"{name} ({UNCONFIRMED})"


@dataclass(frozen=True)
class StopDef:
    id: str
    name: str
    commune_insee: str
    per_month: int = 1  # passages a month the planner gives it: 0 (kept for history), 1 or 2
    confirmed: bool = True  # False: the coordinator has not confirmed the place yet
    place: tuple[int, int] | None = None  # (nth, weekday): "place: 4e jeudi" for the planner

    @property
    def shown_name(self) -> str:
        return shown_name(self.name, self.confirmed)


@dataclass(frozen=True)
class CommuneDef:
    insee: str
    name: str
    stops: tuple[StopDef, ...]


@dataclass(frozen=True)
class SlotDef:
    day: dt.date
    half: str
    stop_id: str


@dataclass(frozen=True)
class Itinerary:
    communes: tuple[CommuneDef, ...]
    schedule: tuple[SlotDef, ...]

    def stop(self, stop_id: str) -> StopDef | None:
        return next((s for c in self.communes for s in c.stops if s.id == stop_id), None)


def _fail(path: Path, where: str, field: str, detail: str, entry: Any) -> DataFileError:
    return DataFileError(str(path), f"{where}, champ « {field} » : {detail}", line_of(entry))


def _text(path: Path, entry: Any, where: str, field: str, pattern: re.Pattern[str] | None = None,
          max_len: int = 120) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, where, field, "manquant ou vide", entry)
    value = " ".join(value.split())  # as the catalogue: a tab or a newline is a space
    if len(value) > max_len:
        raise _fail(path, where, field, f"trop long ({max_len} caractères au plus)", entry)
    hidden = hidden_character(value)
    if hidden:  # a "\ud800" escape broke `kiosk init`; the others hide in the console's lists
        raise _fail(path, where, field, f"caractère invisible ou de contrôle ({hidden})", entry)
    # fullmatch: `$` also matches before a final newline
    if pattern is not None and not pattern.fullmatch(value):
        raise _fail(path, where, field, f"valeur invalide « {readable(value, 60)} »", entry)
    return value


def _list(path: Path, data: Any, key: str) -> list[Any]:
    if not isinstance(data, dict) or not isinstance(data.get(key), list) or not data[key]:
        raise DataFileError(str(path), f"il faut une liste « {key}: » non vide", line_of(data))
    return list(data[key])


def _check_fields(path: Path, entry: Any, where: str, allowed: set[str]) -> None:
    if not isinstance(entry, dict):
        raise DataFileError(str(path), f"{where} : doit être une suite de « champ: valeur »")
    for key in entry:
        if key != LINE_KEY and key not in allowed:
            raise _fail(path, where, str(key), "champ inconnu", entry)


def _flag(path: Path, entry: Any, where: str, field: str, default: bool) -> bool:
    value = entry.get(field, default)
    if not isinstance(value, bool):
        raise _fail(path, where, field, "« true » ou « false »", entry)
    return value


def load_itinerary(folder: Path, closures: Path | None = None,
                   check_days_off: bool = True) -> Itinerary:
    """The communes, their stops and the schedule of `folder`; a half-day on a public holiday, a
    carnival day or one of the coordinator's closures (the file `closures`, see
    kiosk.content.planning.load_closures) is refused with the file, the line and the day (unless
    `check_days_off` is false: the planner reads the schedule it is about to replace)."""
    communes_path, schedule_path = folder / "communes.yaml", folder / "schedule.yaml"
    communes: list[CommuneDef] = []
    stop_ids: set[str] = set()
    insees: set[str] = set()
    for index, entry in enumerate(_list(communes_path, load_yaml(communes_path), "communes"), 1):
        where = f"commune n° {index}"
        _check_fields(communes_path, entry, where, {"insee", "name", "stops"})
        insee = _text(communes_path, entry, where, "insee", INSEE_PATTERN)
        where = f"commune {insee}"
        if insee in insees:
            raise _fail(communes_path, where, "insee", "code en double", entry)
        insees.add(insee)
        if insee not in ESPACE_SUD:
            raise _fail(communes_path, where, "insee", "code INSEE inconnu (les 12 communes de "
                        "l'Espace Sud : 97202, 97206, 97207, 97210, 97217, 97220, 97221, 97223, "
                        "97226, 97227, 97231, 97232)", entry)
        name = _text(communes_path, entry, where, "name", max_len=80)
        if name != ESPACE_SUD[insee]:
            raise _fail(communes_path, where, "name",
                        f"« {readable(name, 60)} » : le code {insee} est celui de "
                        f"{ESPACE_SUD[insee]}", entry)
        stops = []
        raw_stops = entry.get("stops")
        if not isinstance(raw_stops, list) or not raw_stops:
            raise _fail(communes_path, where, "stops", "il faut au moins un arrêt", entry)
        for s_index, stop in enumerate(raw_stops, 1):
            s_where = f"{where}, arrêt n° {s_index}"
            _check_fields(communes_path, stop, s_where, {"id", "name", "per_month", "confirmed",
                                                         "place"})
            stop_id = _text(communes_path, stop, s_where, "id", ID_PATTERN, 64)
            if stop_id in stop_ids:
                raise _fail(communes_path, s_where, "id", f"arrêt « {stop_id} » en double", stop)
            stop_ids.add(stop_id)
            per_month = stop.get("per_month", 1)
            if isinstance(per_month, bool) or per_month not in (0, 1, 2):
                raise _fail(communes_path, s_where, "per_month", "0, 1 ou 2 passages par mois",
                            stop)
            stop_name = _text(communes_path, stop, s_where, "name")
            place = None
            if "place" in stop:
                place = parse_place(str(stop["place"]))
                if place is None or place[1] > 4 or (per_month == 2 and place[0] > 2):
                    raise _fail(communes_path, s_where, "place", "un jour du mois comme "
                                "« 2e mardi » (1er à 4e, lundi à vendredi ; 1er ou 2e pour "
                                "deux passages)", stop)
            stops.append(StopDef(stop_id, stop_name, insee, int(per_month),
                                 _flag(communes_path, stop, s_where, "confirmed", True), place))
        communes.append(CommuneDef(insee, name, tuple(stops)))

    schedule: list[SlotDef] = []
    taken: set[tuple[dt.date, str]] = set()
    entries = _list(schedule_path, load_yaml(schedule_path), "schedule")
    dates: list[dt.date] = [e["day"] for e in entries if isinstance(e, dict)
                            and isinstance(e.get("day"), dt.date)
                            and not isinstance(e.get("day"), dt.datetime)]
    off = days_off(min(dates), max(dates), load_closures(closures) if closures else None) \
        if dates and check_days_off else {}
    for index, entry in enumerate(entries, 1):
        where = f"demi-journée n° {index}"
        _check_fields(schedule_path, entry, where, {"day", "half", "stop"})
        day = entry.get("day")
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise _fail(schedule_path, where, "day", "doit être une date AAAA-MM-JJ", entry)
        half = entry.get("half")
        if half not in (Half.MORNING, Half.AFTERNOON):
            raise _fail(schedule_path, where, "half", "« morning » ou « afternoon »", entry)
        stop_id = entry.get("stop")
        if stop_id not in stop_ids:
            raise _fail(schedule_path, where, "stop",
                        f"arrêt inconnu « {readable(str(stop_id), 60)} »", entry)
        if (day, half) in taken:
            raise _fail(schedule_path, where, "day", f"{day} {half} est déjà prévu", entry)
        if day in off:
            raise _fail(schedule_path, where, "day",
                        f"{day} : {off[day].describe()}, le bus ne circule pas ce jour-là "
                        "(« kiosk itinerary plan » refait le calendrier)", entry)
        taken.add((day, half))
        schedule.append(SlotDef(day, str(half), str(stop_id)))
    schedule.sort(key=lambda s: (s.day, s.half != Half.MORNING))
    return Itinerary(tuple(communes), tuple(schedule))
