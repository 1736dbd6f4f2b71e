"""Steering the itinerary: per stop, the visitors a half-day brings and the people left unserved
(`kiosk itinerary review`, the console's "Par arrêt")."""

from __future__ import annotations

from typing import Any

from kiosk.core.context import Context
from kiosk.reports.periods import Period
from kiosk.reports.statistics import stopover_rows
from kiosk.vocabulary import (
    STOP_MARKS,
)

UNDER, OVER = STOP_MARKS  # "sous", "au-dessus"


# more people left unserved than this per half-day marks a stop "au-dessus" whatever its visits
UNSERVED_OVER = 3.0


def stop_review(ctx: Context, period: Period, under: float | None = None,
                over: float | None = None, unserved_over: float = UNSERVED_OVER,
                ) -> tuple[list[dict[str, Any]], float, float]:
    """Per stop: half-days served, visitors and demandes per half-day, people unserved at
    closing, the trend against the previous period of the same length, and a mark when the stop
    is under or over the thresholds (so that the coordinator changes its frequency)."""
    now = stopover_rows(ctx, period)
    before = stopover_rows(ctx, period.previous())
    from kiosk.core import views

    listing = views.itinerary_listing(ctx, limit=0)
    names = {sid: (name, c.name) for c in listing for sid, name in c.stops}

    def roll(rows: Any) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for r in rows:
            acc = found.setdefault(r.stop_id, [0, 0, 0, 0])
            acc[0] += 1
            acc[1] += r.counts.visits
            acc[2] += r.counts.demandes
            acc[3] += r.counts.unserved
        return found

    current, previous = roll(now), roll(before)
    # without thresholds given: half and one and a half times the median stop of the period
    rates = sorted(v[1] / v[0] for v in current.values() if v[0])
    median = rates[len(rates) // 2] if rates else 0.0
    under = round(median / 2, 1) if under is None else under
    over = round(median * 1.5, 1) if over is None else over
    labels = {r.stop_id: (r.stop_label, r.commune) for r in (*now, *before)}
    result = []
    for stop_id in sorted(set(current) | set(names), key=lambda s: (names.get(s, labels.get(
            s, ("", "")))[1], s)):
        halfdays, visits, demandes, unserved = current.get(stop_id, [0, 0, 0, 0])
        place, commune = names.get(stop_id, labels.get(stop_id, (stop_id, "")))
        per = round(visits / halfdays, 1) if halfdays else None
        old = previous.get(stop_id)
        old_per = old[1] / old[0] if old and old[0] else None
        trend = round(per / old_per - 1, 3) if per is not None and old_per else None
        unserved_per = round(unserved / halfdays, 1) if halfdays else None
        mark = None
        if per is not None:
            if per < under:
                mark = UNDER
            elif per > over or (unserved_per or 0) > unserved_over:
                mark = OVER
        result.append({
            "stop": stop_id, "place": place, "commune": commune, "half_days": halfdays,
            "visitors_per_half_day": per,
            "demandes_per_half_day": round(demandes / halfdays, 1) if halfdays else None,
            "unserved": unserved, "unserved_per_half_day": unserved_per,
            "previous_visitors_per_half_day": round(old_per, 1) if old_per else None,
            "trend": trend, "mark": mark,
        })
    return result, under, over
