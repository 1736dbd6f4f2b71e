"""`kiosk feedback`: the visitors' "Votre avis" answers of a period, per commune and per stop,
beside the visits served (the same block as `kiosk stats`, alone and quicker)."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk import french
from kiosk.cli.common import json_flag, open_database
from kiosk.system.config import Settings


def _n(value: int) -> str:
    return french.number(value)


def _answers(row: dict[str, Any]) -> str:
    if not row["answers"]:
        return f"aucun avis, {_n(row['served'])} visiteur(s) reçu(s)"
    share = french.percent(row["content_share"])
    return (f"{_n(row['answers'])} avis : content {_n(row['content'])} ({share}), moyen "
            f"{_n(row['moyen'])}, pas content {_n(row['pas_content'])} ; "
            f"{_n(row['served'])} visiteur(s) reçu(s)")


def feedback_lines(feedback: dict[str, Any], top: int | None = None) -> list[str]:
    """The answers in plain French: the total, then communes and stops (the `top` ones with the
    most answers when given, else all, by name)."""
    lines = [f"Avis des visiteurs (borne) : {_answers(feedback)}."]
    for title, rows, place in (("Par commune", feedback["by_commune"], False),
                               ("Par arrêt", feedback["by_stop"], True)):
        if top is not None:
            rows = sorted((r for r in rows if r["answers"]),
                          key=lambda r: (-r["answers"], r["label"]))[:top]
        if not rows:
            continue
        lines.append(f"{title} :")
        lines += [f"  {r['label']}" + (f" ({r['commune']})" if place else "")
                  + f" : {_answers(r)}" for r in rows]
    return lines


def cmd_feedback(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.cli.stats import period_of
    from kiosk.reports.feedback import feedback_report

    period = period_of(args, settings)  # a bad period is refused before the database is opened
    ctx = open_database(settings)
    try:
        report = feedback_report(ctx, period.start, period.end, commune=args.commune).as_json()
    finally:
        ctx.dispose()
    if args.json:
        import json

        print(json.dumps({"period": {**period.as_json(), "commune": args.commune}, **report},
                         ensure_ascii=False))
    else:
        where = f", commune {args.commune}" if args.commune else ""
        print("\n".join([f"{period.label}{where}", *feedback_lines(report)]))
    return 0


def register(sub: Any) -> None:
    from kiosk.cli.stats import add_period_arguments

    p = sub.add_parser("feedback", help="avis des visiteurs (les trois visages de la borne) "
                                        "par commune et par arrêt")
    add_period_arguments(p)
    json_flag(p)
    p.set_defaults(run=cmd_feedback)
