"""The bus's wall clock: the local time of the configured zone (setting `timezone`, America/
Martinique by default), whatever zone the PC itself is set to.

A bus PC left in UTC recorded an 08:35 visit at "12:35" and opened a 10:00 stopover as an
afternoon (issue #18): the system's local time is never read, only the instant (UTC), turned into
the zone's wall time here. Records keep that wall time naive; Martinique has had no daylight
saving since 1980, so each one names a single instant (db/models.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable

DEFAULT_TIMEZONE = "America/Martinique"

# "localtime" is a link to /etc/localtime on Debian: the PC's own zone, the very thing avoided
_NOT_A_ZONE = frozenset({"localtime"})


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _NOT_A_ZONE


def known_zone(name: str) -> bool:
    """Is `name` an IANA zone this machine can read ("America/Martinique", "UTC")? Not a path,
    not a data file of the zone folder (zone.tab), not the PC's own zone under another name."""
    if name not in _known_zones():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # not found, not a TZif file, unreadable
        return False
    return True


def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)  # cached by the zoneinfo module itself


def system_instant() -> dt.datetime:
    """Now, as an aware UTC instant: the one place the machine's clock is read (a test of the
    command line sets its own here)."""
    return dt.datetime.now(dt.UTC)


def local_now(timezone: str) -> dt.datetime:
    """The wall time in `timezone` now, naive, to the second (as the records keep it)."""
    return system_instant().astimezone(zone(timezone)).replace(tzinfo=None, microsecond=0)


def wall_clock(timezone: str) -> Callable[[], dt.datetime]:
    """A clock for the context (kiosk.core.context): `local_now` in that zone."""
    return functools.partial(local_now, timezone)


def instant(wall_time: dt.datetime, timezone: str) -> dt.datetime:
    """A record's naive wall time as the instant it names (aware). An aware time is kept:
    `astimezone` on a naive one would read it in the PC's zone."""
    if wall_time.tzinfo is not None:
        return wall_time
    return wall_time.replace(tzinfo=zone(timezone))
