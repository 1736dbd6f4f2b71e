"""`kiosk stats`: the coordinator's figures for a period, as a French summary or as JSON.

The period options (`add_period_arguments`, `period_of`) are shared with `kiosk export`.
"""

from __future__ import annotations

import argparse
from typing import Any

from kiosk import french
from kiosk.cli.common import DATE, MONTH, QUARTER, YEAR, json_flag, open_database
from kiosk.exports.figures import HEADLINE, headline_value
from kiosk.reports.periods import Period, period_from_options
from kiosk.reports.statistics import compute
from kiosk.system.clock import local_now
from kiosk.system.config import Settings

TOP = 5


def add_period_arguments(p: argparse.ArgumentParser) -> None:
    """--from/--to, --month, --quarter, --year (exactly one way) and --commune."""
    p.add_argument("--from", dest="start", type=DATE, metavar="DATE",
                   help="premier jour (AAAA-MM-JJ ou jj/mm/aaaa)")
    p.add_argument("--to", dest="end", type=DATE, metavar="DATE",
                   help="dernier jour inclus (par défaut : aujourd'hui)")
    p.add_argument("--month", type=MONTH, metavar="AAAA-MM", help="un mois, par exemple 2026-10")
    p.add_argument("--quarter", type=QUARTER, metavar="AAAA-Tn",
                   help="un trimestre, par exemple 2026-T3")
    p.add_argument("--year", type=YEAR, metavar="AAAA", help="une année, par exemple 2026")
    p.add_argument("--commune", metavar="INSEE", help="une seule commune (code INSEE)")


def period_of(args: argparse.Namespace, settings: Settings) -> Period:
    """The period the options give (each already read by its argparse type; "today" in the
    bus's zone); an ambiguous one is a one-line KioskError."""
    return period_from_options(month=args.month, quarter=args.quarter, year=args.year,
                               start=args.start, end=args.end,
                               today=local_now(settings.timezone).date())


def _n(value: float | int | None, decimals: int = 0) -> str:
    return "–" if value is None else french.number(value, decimals)


def _plural(count: int, word: str) -> str:
    return f"{_n(count)} {word}{'s' if count > 1 else ''}"


def _share(part: int, whole: int) -> str:
    return french.percent(part / whole) if whole else "–"


def summary(report: dict[str, Any]) -> str:
    """The report in plain French for a terminal: headline figures beside the previous period
    and the year before, then waits, places, operators and outcomes."""
    period = report["period"]
    previous, before = report["comparison"]["previous"], report["comparison"]["year_before"]
    where = (f"{period['commune_label']}, {period['commune']}" if period["commune"]
             else "toutes communes")
    lines = [f"Statistiques du bus PLUS : {period['label']} ({where})", ""]
    heads = [period["label"], previous["label"], before["label"]]
    width = max(24, *(len(h) + 2 for h in heads))
    lines.append(" " * 31 + "".join(h.rjust(width) for h in heads))
    for figure in HEADLINE:
        values = (headline_value(report, figure.key), previous[figure.key], before[figure.key])
        lines.append(figure.label.ljust(31)
                     + "".join(_n(v, figure.decimals).rjust(width) for v in values))
    if report["in_progress"]:
        lines.append(f"(dont {report['in_progress']} visite(s) en cours : escale ouverte)")

    wait, service = report["wait"], report["service"]
    lines.append("")
    if wait["count"]:
        lines.append(
            f"Attente ({_n(wait['count'])} personnes appelées) : moyenne {_n(wait['mean_minutes'], 1)}"
            f" min, médiane {_n(wait['median_minutes'], 1)} min, 9 sur 10 en moins de "
            f"{_n(wait['p90_minutes'], 1)} min, maximum {_n(wait['max_minutes'], 1)} min ; "
            f"{french.percent(wait['over_30_share'])} au-delà de 30 min.")
        buckets = report["breakdowns"]["wait_buckets"]
        lines.append("  " + ", ".join(f"{b['label']} : {b['visits']}" for b in buckets))
    else:
        lines.append("Attente : personne n'a été appelé sur la période.")
    if service["count"]:
        lines.append(f"Durée des visites ({_n(service['count'])}) : moyenne "
                     f"{_n(service['mean_minutes'], 1)} min, 9 sur 10 en moins de "
                     f"{_n(service['p90_minutes'], 1)} min.")

    b = report["breakdowns"]
    languages = [t for t in b.get("by_language", []) if t["visits"]]
    total = sum(t["visits"] for t in languages)
    if total:  # the language chosen at the kiosk ("Kréyòl"), as the ticket records it
        lines.append("Langue à la borne : " + ", ".join(
            f"{t['label']} {_n(t['visits'])} ({_share(t['visits'], total)})" for t in languages)
            + ".")
    communes = sorted((c for c in b["by_commune"] if c["visits"]),
                      key=lambda c: (-c["visits"], c["label"]))[:TOP]
    if communes:
        lines += ["", "Communes les plus fréquentées :"]
        lines += [f"  {c['label']} : {_plural(c['visits'], 'visite')}, "
                  f"{_plural(c['stopovers'], 'demi-journée')}, "
                  f"{_n(c['visitors_per_half_day'], 1)} par demi-journée"
                  for c in communes]
    empty = [c["label"] for c in b["by_commune"] if not c["stopovers"]]
    if empty and not period["commune"]:
        lines.append(f"  Sans escale : {', '.join(empty)}")
    stops = sorted(b["by_stop"], key=lambda s: (-s["visits"], s["label"]))[:TOP]
    if stops:
        lines += ["", "Arrêts les plus fréquentés :"]
        lines += [f"  {s['label']} ({s['commune']}) : {_plural(s['visits'], 'visite')}, "
                  f"{_n(s['visitors_per_half_day'], 1)} par demi-journée, file d'attente "
                  f"jusqu'à {s['peak_queue_max']}" for s in stops]
    operators = sorted(b["demandes_by_operator"], key=lambda o: (-o["demandes"], o["label"]))
    if operators:
        lines += ["", "Demandes par organisme :"]
        lines += [f"  {o['label']} : {_n(o['demandes'])} (réglées {_n(o['solved'])}, orientées "
                  f"{_n(o['redirected'])}, à suivre {_n(o['follow_up'])})" for o in operators]
    if report["demandes"]:
        lines += ["", "Résultat des demandes : " + ", ".join(
            f"{o['label'].lower()} {_n(o['demandes'])} ({_share(o['demandes'], report['demandes'])})"
            for o in b["demandes_by_outcome"])]
        partners = b["redirected_to"][:TOP]
        if partners:
            lines.append("  Orientées vers : " + ", ".join(
                f"{p['label']} {_n(p['demandes'])}" for p in partners))
    returns = report.get("return_passes")
    if returns and returns["given"]:
        lines += ["", f"Prioritaires au prochain passage : {_n(returns['given'])} code(s) donné(s) "
                      f"aux personnes non reçues, {_n(returns['came_back'])} revenue(s) "
                      f"({_share(returns['came_back'], returns['given'])})."]
    if "feedback" in report:
        from kiosk.cli.feedback import feedback_lines

        lines += ["", *feedback_lines(report["feedback"], top=TOP)]
    return "\n".join(lines)


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    period = period_of(args, settings)  # refuse a bad period before touching the database
    ctx = open_database(settings)
    try:
        report = compute(ctx, period, commune=args.commune).as_json()
    finally:
        ctx.dispose()
    if args.json:
        import json

        print(json.dumps(report, ensure_ascii=False))
    else:
        print(summary(report))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("stats", help="chiffres d'une période : visites, demandes, attente…")
    add_period_arguments(p)
    json_flag(p)
    p.set_defaults(run=cmd_stats)
