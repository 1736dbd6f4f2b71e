"""The bus calendar: the days the bus does not run, and the planner of its half-days.

Days off are Martinique's public holidays (the maintained `holidays` library, 22 May and 21 July
included), the carnival days (Lundi gras, Mardi gras, Mercredi des Cendres: Easter − 48, − 47,
− 46 days) and the coordinator's own closures, a file `closures.yaml` in the data directory.

The planner gives each stop a stable place in the month ("le 2e mardi", "les 1er et 3e jeudis")
so that people can remember it: a month holds four of each weekday at least, so Monday–Thursday
mornings give 16 such places. Each commune's stops are spread evenly over the month. A passage
that falls on a day off moves to the nearest free half-day of the same month (a fifth weekday, or
a place no stop holds); when there is none, the plan says which stop misses that month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kiosk import french
from kiosk.domain import CLOSING_TIMES, Half
from kiosk.errors import DataFileError, KioskError, readable
from kiosk.system.yamlfile import LINE_KEY, hidden_character, line_of, load_yaml
from kiosk.vocabulary import HALVES

CLOSURES_FILE = "closures.yaml"
MAX_CLOSURE_DAYS = 366  # one entry covering more is a typing slip (2027 for 2026)

# When the bus opens, by half-day (the closing time is domain.CLOSING_TIMES').
OPENING_TIMES = {Half.MORNING: dt.time(8, 0), Half.AFTERNOON: dt.time(14, 0)}

WEEKS = 4  # every month has at least four of each weekday: the places a stop can keep

KIND_HOLIDAY = "férié"
KIND_CARNIVAL = "carnaval"
KIND_CLOSURE = "fermeture"


def hours(half: str) -> tuple[dt.time, dt.time]:
    """Opening and closing time of a half-day."""
    return OPENING_TIMES[Half(half)], CLOSING_TIMES[Half(half)]


def hours_text(half: str) -> str:
    """"8 h – 13 h"."""
    start, end = hours(half)

    def one(t: dt.time) -> str:
        return f"{t.hour} h" if t.minute == 0 else f"{t.hour} h {t.minute:02d}"
    return f"{one(start)} – {one(end)}"


# ---------------------------------------------------------------- days off


@dataclass(frozen=True)
class DayOff:
    day: dt.date
    reason: str
    kind: str  # KIND_HOLIDAY, KIND_CARNIVAL or KIND_CLOSURE
    source: str = ""  # the closures file and its line, for a closure

    def describe(self) -> str:
        where = f" ({self.source})" if self.source else ""
        return f"{self.reason}{where}"


def public_holidays(year: int) -> dict[dt.date, str]:
    """Martinique's public holidays of a year, with their French names."""
    import holidays

    found = holidays.France(subdiv="MQ", years=year, language="fr")
    return {day: str(name) for day, name in sorted(found.items())}


def carnival_days(year: int) -> dict[dt.date, str]:
    """Lundi gras, Mardi gras and Mercredi des Cendres: days off by custom in Martinique."""
    from dateutil.easter import easter

    ash_wednesday = easter(year) - dt.timedelta(days=46)
    return {
        ash_wednesday - dt.timedelta(days=2): "Lundi gras",
        ash_wednesday - dt.timedelta(days=1): "Mardi gras",
        ash_wednesday: "Mercredi des Cendres",
    }


def closures_path(data_dir: Path) -> Path:
    """Where the coordinator writes her closure days: `<data dir>/closures.yaml`."""
    return Path(data_dir) / CLOSURES_FILE


def _closure_date(path: Path, entry: Any, where: str, key: str) -> dt.date:
    value = entry.get(key)
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise DataFileError(str(path), f"{where}, champ « {key} » : doit être une date "
                                       "AAAA-MM-JJ", line_of(entry))
    return value


def load_closures(path: Path) -> dict[dt.date, DayOff]:
    """The coordinator's closures (training days, bus maintenance, strikes). A missing file is
    no closure. Format:

        closures:
          - {day: 2026-12-24, reason: "Veille de Noël"}
          - {from: 2027-02-15, to: 2027-02-19, reason: "Entretien du bus"}
    """
    path = Path(path)
    if not path.exists():
        return {}
    data = load_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("closures", []), list):
        raise DataFileError(str(path), "il faut une liste « closures: »", line_of(data))
    unknown = [k for k in data if k not in (LINE_KEY, "closures")]
    if unknown:
        raise DataFileError(str(path), f"clé inconnue « {readable(str(unknown[0]), 40)} » "
                                       "(seule « closures » est possible)", line_of(data))
    found: dict[dt.date, DayOff] = {}
    for index, entry in enumerate(data.get("closures") or [], 1):
        where = f"fermeture n° {index}"
        if not isinstance(entry, dict):
            raise DataFileError(str(path), f"{where} : doit être une suite de « champ: valeur »")
        for key in entry:
            if key not in (LINE_KEY, "day", "from", "to", "reason"):
                raise DataFileError(str(path), f"{where}, champ « {readable(str(key), 40)} » : "
                                               "champ inconnu (day, from, to, reason)",
                                    line_of(entry))
        if "day" in entry:
            if "from" in entry or "to" in entry:
                raise DataFileError(str(path), f"{where} : « day » ou bien « from » et « to », "
                                               "pas les deux", line_of(entry))
            first = last = _closure_date(path, entry, where, "day")
        elif "from" in entry or "to" in entry:
            first = _closure_date(path, entry, where, "from")
            last = _closure_date(path, entry, where, "to")
            if last < first:
                raise DataFileError(str(path), f"{where}, champ « to » : {last} est avant "
                                               f"{first}", line_of(entry))
            if (last - first).days >= MAX_CLOSURE_DAYS:
                raise DataFileError(str(path), f"{where}, champ « to » : plus d'un an de "
                                               "fermeture, vérifiez l'année", line_of(entry))
        else:
            raise DataFileError(str(path), f"{where} : il faut « day » (un jour) ou « from » et "
                                           "« to » (plusieurs jours)", line_of(entry))
        reason = entry.get("reason", "Fermeture")
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 80 \
                or hidden_character(reason):
            raise DataFileError(str(path), f"{where}, champ « reason » : un texte de 80 "
                                           "caractères au plus", line_of(entry))
        source = f"{path.name}, ligne {line_of(entry)}"
        day = first
        while day <= last:
            found.setdefault(day, DayOff(day, " ".join(reason.split()), KIND_CLOSURE, source))
            day += dt.timedelta(days=1)
    return found


def days_off(start: dt.date, end: dt.date,
             closures: Mapping[dt.date, DayOff] | None = None) -> dict[dt.date, DayOff]:
    """Every day from `start` to `end` the bus does not run: holidays, carnival, closures."""
    found: dict[dt.date, DayOff] = {}
    for year in range(start.year, end.year + 1):
        for day, name in public_holidays(year).items():
            found[day] = DayOff(day, name, KIND_HOLIDAY)
        for day, name in carnival_days(year).items():
            found.setdefault(day, DayOff(day, name, KIND_CARNIVAL))
    for day, off in (closures or {}).items():
        found.setdefault(day, off)
    return {d: off for d, off in sorted(found.items()) if start <= d <= end}


# ---------------------------------------------------------------- the planner


# the days as the planning file writes them ("lundi"…), in date.weekday()'s numbers
WEEKDAY_CODES = {name: number for number, name in enumerate(french.weekday_names())}


def parse_weekdays(text: str) -> tuple[int, ...]:
    """"lundi,mardi,mercredi,jeudi" (or "lun,mar") → (0, 1, 2, 3)."""
    days: list[int] = []
    for part in text.split(","):
        word = part.strip().lower()
        matches = [n for name, n in WEEKDAY_CODES.items() if len(word) >= 3
                   and name.startswith(word)]
        if len(matches) != 1:
            raise KioskError(f"--days {readable(text, 60)} : jours de la semaine séparés par des "
                             "virgules, par exemple lundi,mardi,mercredi,jeudi.")
        if matches[0] not in days:
            days.append(matches[0])
    return tuple(sorted(days))


PLACE_PATTERN = re.compile(r"([1-4])\s*(?:er|re|e|ème|eme)?\s+(lundi|mardi|mercredi|jeudi|"
                           r"vendredi|samedi|dimanche)s?", re.IGNORECASE)


def parse_place(text: str) -> tuple[int, int] | None:
    """"4e jeudi" → (4, 3); None when the text is not such a place."""
    match = PLACE_PATTERN.fullmatch(text.strip())
    if match is None:
        return None
    return int(match.group(1)), WEEKDAY_CODES[match.group(2).lower()]


class StopLike(Protocol):
    """What the planner reads of a stop (kiosk.content.itinerary.StopDef, PlannedStop)."""

    @property
    def id(self) -> str: ...
    @property
    def per_month(self) -> int: ...
    @property
    def place(self) -> tuple[int, int] | None: ...


@dataclass(frozen=True)
class PlannedStop:
    """A stop for the planner alone (tests, hand-made calendars)."""

    id: str
    per_month: int = 1
    place: tuple[int, int] | None = None  # (nth, weekday) the coordinator keeps it on


@dataclass(frozen=True)
class Place:
    """A stop's place in every month: the nth weekday, at a half-day."""

    nth: int  # 1 to 4
    weekday: int  # 0 = Monday
    half: str

    def text(self, with_half: bool = False) -> str:
        rank = "1er" if self.nth == 1 else f"{self.nth}e"
        words = f"{rank} {french.weekday_names()[self.weekday]}"
        return f"{words} {HALVES[self.half]}" if with_half else words


@dataclass(frozen=True)
class PlannedPassage:
    day: dt.date
    half: str
    stop_id: str
    place: Place
    moved_from: dt.date | None = None  # its usual day was off
    moved_because: str = ""


@dataclass(frozen=True)
class Missed:
    month: dt.date  # the first of the month
    stop_id: str
    usual_day: dt.date
    reason: str


@dataclass(frozen=True)
class Plan:
    start: dt.date
    end: dt.date
    passages: tuple[PlannedPassage, ...]
    places: Mapping[str, tuple[Place, ...]]
    missed: tuple[Missed, ...]
    days_off: tuple[DayOff, ...]
    halves: tuple[str, ...] = (Half.MORNING.value,)

    def rule(self, stop_id: str) -> str:
        """"le 2e mardi du mois", "les 1er et 3e jeudis du mois"."""
        places = self.places.get(stop_id, ())
        with_half = len(self.halves) > 1
        if not places:
            return ""
        if len(places) == 1:
            return f"le {places[0].text(with_half)} du mois"
        ranks = [("1er" if p.nth == 1 else f"{p.nth}e") for p in places]
        day = french.weekday_names()[places[0].weekday]
        half = f" {HALVES[places[0].half]}" if with_half else ""
        return f"les {' et '.join(ranks)} {day}s{half} du mois"


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (nth - 1))


def _months(start: dt.date, end: dt.date) -> Iterable[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def assign_places(communes: Sequence[tuple[str, Sequence[StopLike]]],
                  weekdays: Sequence[int], halves: Sequence[str]) -> dict[str, tuple[Place, ...]]:
    """Each stop's place(s) in the month. The month's places in order (1st Monday, 1st Tuesday,
    …, 4th Thursday) are shared out so that each commune's passages are evenly apart (a commune
    with two passages gets one in each half of the month), the communes one after the other; a
    stop served twice gets the nth and the (n+2)th of one weekday."""
    slots = [Place(nth, weekday, half) for nth in range(1, WEEKS + 1) for weekday in weekdays
             for half in halves]
    size = len(slots)
    demand = sum(s.per_month for _, stops in communes for s in stops)
    if demand > size:
        raise KioskError(
            f"Trop d'arrêts : {demand} passages par mois demandés, mais {size} demi-journées "
            f"seulement ({WEEKS} semaines × {len(weekdays)} jour(s) × {len(halves)} "
            "demi-journée(s)). Passez des arrêts à « per_month: 0 » ou ajoutez des jours.")
    # each passage's ideal position in the month, from 0 to 1
    targets: list[tuple[float, int, StopLike]] = []
    served = [(c, [s for s in stops if s.per_month > 0]) for c, stops in communes]
    served = [(c, stops) for c, stops in served if stops]
    for index, (_, stops) in enumerate(served):
        passages = [s for round_ in range(max(s.per_month for s in stops))
                    for s in stops if s.per_month > round_]
        phase = index / len(served)
        for rank, stop in enumerate(passages):
            targets.append(((rank + phase) / len(passages), index, stop))
    targets.sort(key=lambda t: (t[0], t[1]))
    taken: dict[int, str] = {}
    places: dict[str, list[int]] = {}

    def nearest(target: float, allowed: Iterable[int]) -> int | None:
        goal = target * size
        options = sorted(allowed, key=lambda p: (abs(p - goal), p))
        return options[0] if options else None

    half_month = size // 2
    index_of = {(p.nth, p.weekday, p.half): i for i, p in enumerate(slots)}
    # the places the coordinator chose first ("place: 4e jeudi": people know that day)
    for _, stops in served:
        for stop in stops:
            if stop.place is None:
                continue
            nth, weekday = stop.place
            wanted = [index_of.get((nth + 2 * k, weekday, halves[0]))
                      for k in range(stop.per_month)]
            if any(p is None or p in taken for p in wanted):
                raise KioskError(f"Arrêt « {stop.id} » : la place « {nth}e "
                                 f"{french.weekday_names()[weekday]} » est déjà prise ou hors "
                                 "des jours de service.")
            for p in wanted:
                assert p is not None
                taken[p] = stop.id
            places[stop.id] = [p for p in wanted if p is not None]
    # stops served twice first: they need two places half a month apart
    for target, _, stop in targets:
        if stop.per_month != 2 or stop.id in places:
            continue
        first = nearest(target % 0.5, [p for p in range(half_month)
                                       if p not in taken and p + half_month not in taken])
        if first is None:  # cannot happen while demand <= size, kept as a clear refusal
            raise KioskError(f"Pas de place pour deux passages par mois à « {stop.id} ».")
        for p in (first, first + half_month):
            taken[p] = stop.id
        places[stop.id] = [first, first + half_month]
    for target, _, stop in targets:
        if stop.id in places:
            continue
        position = nearest(target, [p for p in range(size) if p not in taken])
        assert position is not None  # demand <= size
        taken[position] = stop.id
        places[stop.id] = [position]
    return {sid: tuple(slots[p] for p in sorted(ps)) for sid, ps in places.items()}


def plan(communes: Sequence[tuple[str, Sequence[StopLike]]], start: dt.date, end: dt.date,
         off: Mapping[dt.date, DayOff], weekdays: Sequence[int] = (0, 1, 2, 3),
         halves: Sequence[str] = (Half.MORNING.value,)) -> Plan:
    """The half-days from `start` to `end`: deterministic (the same stops and days off give
    the same plan), one stop per half-day, never on a day off."""
    if start > end:
        raise KioskError(f"--from {start} est après --to {end} : la période est vide.")
    if (end - start).days > 366 * 5:
        raise KioskError("Période trop longue : cinq ans au plus.")
    if not weekdays or not halves:
        raise KioskError("Il faut au moins un jour de la semaine et une demi-journée.")
    places = assign_places(communes, weekdays, halves)
    order = {h: i for i, h in enumerate(halves)}
    passages: list[PlannedPassage] = []
    missed: list[Missed] = []
    for year, month in _months(start, end):
        used: set[tuple[dt.date, str]] = set()
        moved: list[tuple[dt.date, str, Place, DayOff]] = []
        for stop_id, stop_places in places.items():
            for place in stop_places:
                day = nth_weekday(year, month, place.weekday, place.nth)
                if not start <= day <= end:
                    continue
                if day in off:
                    moved.append((day, stop_id, place, off[day]))
                    continue
                used.add((day, place.half))
                passages.append(PlannedPassage(day, place.half, stop_id, place))
        last = calendar.monthrange(year, month)[1]
        free = [(dt.date(year, month, d), h) for d in range(1, last + 1) for h in halves
                if dt.date(year, month, d).weekday() in weekdays]
        free = [(d, h) for d, h in free if start <= d <= end and d not in off
                and (d, h) not in used]
        for day, stop_id, place, why in sorted(moved, key=lambda m: (m[0], order[m[2].half])):
            # the nearest free half-day; on a tie the later one (a passage postponed is still
            # announced on the poster; one brought forward may be missed)
            options = sorted(free, key=lambda c: (abs((c[0] - day).days), -c[0].toordinal(),
                                                  order[c[1]]))
            if not options:
                missed.append(Missed(dt.date(year, month, 1), stop_id, day, why.reason))
                continue
            chosen = options[0]
            free.remove(chosen)
            passages.append(PlannedPassage(chosen[0], chosen[1], stop_id, place, day, why.reason))
    passages.sort(key=lambda p: (p.day, order[p.half]))
    return Plan(start, end, tuple(passages), places, tuple(missed),
                tuple(off[d] for d in sorted(off) if start <= d <= end), tuple(halves))


def schedule_yaml(entries: Iterable[tuple[dt.date, str, str]], header: str) -> str:
    """The schedule file `kiosk init` loads, one flow mapping per half-day."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines.append("schedule:")
    lines += [f"  - {{day: {day.isoformat()}, half: {half}, stop: {stop}}}"
              for day, half, stop in entries]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- expected attendance


@dataclass(frozen=True)
class Expected:
    visitors: int
    basis: str  # what it was computed from: "arrêt, jour et mois", "arrêt et mois", …
    half_days: int  # how many past half-days


@dataclass
class Attendance:
    """Past attendance of each stop, to foresee a planned half-day: the mean visitors of the
    same stop on the same weekday in the same month of the year, else the same stop and month,
    else the same stop and weekday, else the stop."""

    _sums: dict[tuple[Any, ...], list[int]] = field(default_factory=dict)
    service_minutes: float | None = None  # the mean visit at a desk, from the same history

    @classmethod
    def from_history(cls, rows: Iterable[tuple[str, dt.date, int]],
                     service_minutes: float | None = None) -> Attendance:
        """`rows`: (stop id, day, visitors) of every past half-day."""
        result = cls(service_minutes=service_minutes)
        for stop_id, day, visitors in rows:
            for key in ((stop_id, day.weekday(), day.month), (stop_id, None, day.month),
                        (stop_id, day.weekday(), None), (stop_id, None, None)):
                total = result._sums.setdefault(key, [0, 0])
                total[0] += visitors
                total[1] += 1
        return result

    def expect(self, stop_id: str, day: dt.date) -> Expected | None:
        for key, basis in (((stop_id, day.weekday(), day.month), "même jour, même mois"),
                           ((stop_id, None, day.month), "même mois"),
                           ((stop_id, day.weekday(), None), "même jour de la semaine"),
                           ((stop_id, None, None), "toutes les escales")):
            found = self._sums.get(key)
            if found and found[1]:
                return Expected(int(round(found[0] / found[1])), basis, found[1])
        return None

    def animatrices(self, visitors: int, half: str = Half.MORNING.value,
                    desks: int = 4) -> int | None:
        """How many animatrices receive that many visitors within the half-day, at the mean
        visit time of the history (None without it)."""
        if not self.service_minutes:
            return None
        start, end = hours(half)
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        per_desk = max(1.0, minutes / self.service_minutes)
        return max(1, min(desks, math.ceil(visitors / per_desk)))
