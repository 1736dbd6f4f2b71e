"""What the three exports read the same way from the statistics JSON (docs/statistics-json.md):
the headline figures and their labels, changes against the comparison periods, the period text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from kiosk import french

TOP = 15  # rows kept in the report's long tables; the rest is summed in one "autres" row


class Figure(NamedTuple):
    """A headline figure: its key in the statistics JSON, its words in the exports and the
    terminal, its decimals, and its shorter words in the console's narrow table ("": not there)."""

    key: str
    label: str
    decimals: int
    short: str = ""


# The headline figures, once: the PDF, the XLSX, `kiosk stats` and the console read them here.
HEADLINE = (
    Figure("visits", "Visites (tickets pris)", 0, "Visites"),
    Figure("served", "Visiteurs reçus", 0, "Reçues"),
    Figure("absent", "Absents à l'appel", 0, "Absentes"),
    Figure("cancelled", "Tickets annulés", 0),
    Figure("unserved", "Non reçus à la fermeture", 0, "Non reçues"),
    Figure("demandes", "Demandes traitées", 0, "Demandes"),
    Figure("solved", "… réglées sur place", 0, "  réglées sur place"),
    Figure("redirected", "… orientées vers un partenaire", 0, "  orientées"),
    Figure("follow_up", "… à suivre", 0, "  à suivre"),
    Figure("stopovers", "Demi-journées d'ouverture", 0),
    Figure("visitors_per_half_day", "Visiteurs par demi-journée", 1),
    Figure("wait_mean_minutes", "Attente moyenne (min)", 1),
    Figure("wait_median_minutes", "Attente médiane (min)", 1),
)


def headline_value(report: dict[str, Any], key: str) -> Any:
    """A headline figure of the period, with the comparison blocks' flat names for the waits."""
    if key == "wait_mean_minutes":
        return report["wait"]["mean_minutes"]
    if key == "wait_median_minutes":
        return report["wait"]["median_minutes"]
    return report[key]



def change(now: float | int | None, before: float | int | None) -> float | None:
    """Relative change from `before` to `now`; None when there is nothing to compare with."""
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before


def _date(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def period_text(period: dict[str, Any]) -> str:
    """"du 1er juillet 2026 au 30 septembre 2026"."""
    return f"du {french.long_date(_date(period['from']))} au {french.long_date(_date(period['to']))}"


def commune_name(report: dict[str, Any]) -> str | None:
    code = report["period"].get("commune")
    if code is None:
        return None
    for row in report["breakdowns"].get("by_commune", []):
        if row["key"] == code:
            return str(row["label"])
    return str(code)


def top_rows(rows: Sequence[dict[str, Any]], value: str, keep: int = TOP,
             sums: Sequence[str] = ()) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The `keep` largest rows by `value` (ties by label), and one row adding up the others."""
    ordered = sorted(rows, key=lambda r: (-(r.get(value) or 0), str(r.get("label"))))
    if len(ordered) <= keep + 1:
        return ordered, None
    rest = ordered[keep:]
    other: dict[str, Any] = {"key": None, "label": f"autres ({len(rest)})"}
    for name in {value, *sums}:
        other[name] = sum(r.get(name) or 0 for r in rest)
    return ordered[:keep], other


