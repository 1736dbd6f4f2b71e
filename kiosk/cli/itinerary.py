"""`kiosk itinerary plan|export|review`: the coordinator plans the bus's half-days, hands the
calendar to the people it serves, and steers it by attendance. (`itinerary list` is in
content.py, which registers these beside it.)"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from kiosk import french
from kiosk.cli.common import (
    DATE,
    emit,
    half_label,
    json_flag,
    open_database,
    out_arguments,
    out_file,
)
from kiosk.content import planning
from kiosk.content.itinerary import load_itinerary
from kiosk.core import views
from kiosk.errors import KioskError
from kiosk.reports.periods import DATE_HELP, Period
from kiosk.reports.statistics import stopover_rows
from kiosk.reports.stop_review import UNSERVED_OVER, stop_review
from kiosk.system.clock import local_now
from kiosk.system.config import ASSETS_DIR, Settings

HISTORY_YEARS = 3  # expected attendance reads this much history


def _period(args: argparse.Namespace) -> tuple[dt.date, dt.date]:
    start: dt.date = args.start
    end: dt.date = args.to
    if start > end:
        raise KioskError(f"--from {start:%Y-%m-%d} est après --to {end:%Y-%m-%d} : "
                         "la période est vide.")
    return start, end


def _halves(text: str) -> tuple[str, ...]:
    return {"morning": ("morning",), "afternoon": ("afternoon",),
            "both": ("morning", "afternoon")}[text]


def _attendance(settings: Settings, before: dt.date) -> planning.Attendance | None:
    """The history's attendance, or None when there is no database yet."""
    try:
        ctx = open_database(settings)
    except KioskError:
        return None
    try:
        rows = stopover_rows(ctx, Period.between(
            before.replace(year=before.year - HISTORY_YEARS, day=1), before))
    finally:
        ctx.dispose()
    service = sum(r.counts.service_seconds for r in rows)
    count = sum(r.counts.service_count for r in rows)
    return planning.Attendance.from_history(
        ((r.stop_id, r.day, r.counts.visits) for r in rows),
        service / count / 60 if count else None)


def cmd_plan(args: argparse.Namespace, settings: Settings) -> int:
    start, end = _period(args)
    folder = settings.effective_itinerary_dir
    if not (folder / "communes.yaml").exists() and settings.itinerary_dir is None:
        folder = ASSETS_DIR / "itinerary"  # an empty <data dir>/itinerary/ waiting for the plan
    closures_file = planning.closures_path(settings.data_dir)
    closures = planning.load_closures(closures_file)
    current = load_itinerary(folder, check_days_off=False)
    weekdays = planning.parse_weekdays(args.days)
    halves = _halves(args.half)
    off = planning.days_off(start, end, closures)
    plan = planning.plan([(c.insee, c.stops) for c in current.communes], start, end, off,
                         weekdays, halves)
    stops = {s.id: (s, c.name) for c in current.communes for s in c.stops}
    attendance = _attendance(settings, min(start, local_now(settings.timezone).date()))
    # the half-days already announced outside the period stay as they are
    kept = [s for s in current.schedule if not start <= s.day <= end]
    kept_off = planning.days_off(min((s.day for s in kept), default=start),
                                 max((s.day for s in kept), default=start), closures)
    for slot in kept:
        if slot.day in kept_off:
            raise KioskError(
                f"Le passage du {french.short_date(slot.day)} ({slot.stop_id}), hors de la période, tombe "
                f"un jour sans bus ({kept_off[slot.day].describe()}) : élargissez --from/--to.")
    rows: list[dict[str, Any]] = []
    for p in plan.passages:
        stop, commune = stops[p.stop_id]
        expected = attendance.expect(p.stop_id, p.day) if attendance else None
        helpers = (attendance.animatrices(expected.visitors, p.half, settings.desks)
                   if attendance and expected else None)
        rows.append({
            "day": p.day.isoformat(), "half": p.half, "stop": p.stop_id, "commune": commune,
            "place": stop.shown_name, "confirmed": stop.confirmed, "rule": plan.rule(p.stop_id),
            "moved_from": p.moved_from.isoformat() if p.moved_from else None,
            "moved_because": p.moved_because or None,
            "expected_visitors": expected.visitors if expected else None,
            "expected_basis": expected.basis if expected else None,
            "animatrices": helpers,
        })
    missed = [{"month": m.month.isoformat()[:7], "stop": m.stop_id,
               "usual_day": m.usual_day.isoformat(), "reason": m.reason} for m in plan.missed]
    written = None
    if args.out is not None:
        out = Path(args.out)
        entries = sorted([(s.day, s.half, s.stop_id) for s in kept]
                         + [(p.day, p.half, p.stop_id) for p in plan.passages],
                         key=lambda e: (e[0], e[1] != "morning"))
        header = (f"Half-days of the PLUS bus, planned by `kiosk itinerary plan` from {start} "
                  f"to {end}\n(half-days outside that period kept from the previous schedule).\n"
                  "Each entry: day (YYYY-MM-DD), half (morning|afternoon), stop (id from "
                  "communes.yaml).\nNo passage on Martinique's public holidays, the carnival "
                  "days, nor the closures of\n<data dir>/closures.yaml.")
        from kiosk.system.files import write_private

        own = settings.data_dir / "itinerary"
        if out.parent.resolve() == own.resolve() and not own.exists() and settings.data_dir.is_dir():
            own.mkdir(mode=0o700)  # the coordinator's itinerary folder, which `kiosk init` reads
        out_file(args, "yaml")
        target_communes = out.parent / "communes.yaml"
        copy_communes = not target_communes.exists()
        if not copy_communes and target_communes.resolve() != (folder / "communes.yaml").resolve():
            # a schedule needs its stops: another communes.yaml beside it must know them all
            other = load_itinerary(out.parent, check_days_off=False) \
                if (out.parent / "schedule.yaml").exists() else None
            known = {s.id for c in other.communes for s in c.stops} if other else set(stops)
            unknown = sorted({e[2] for e in entries} - known)
            if unknown:
                raise KioskError(f"{target_communes} ne connaît pas les arrêts "
                                 f"{', '.join(unknown[:5])} : écrivez le planning ailleurs.")
        write_private(out, planning.schedule_yaml(entries, header).encode("utf-8"),
                      replace=args.force)
        if copy_communes:
            # `kiosk init` reads a folder: the stops the plan names go beside it
            write_private(target_communes, (folder / "communes.yaml").read_bytes())
        written = str(out)
    data = {"from": start.isoformat(), "to": end.isoformat(), "passages": rows,
            "missed": missed, "kept": len(kept), "out": written,
            "days_off": [{"day": d.day.isoformat(), "reason": d.reason, "kind": d.kind}
                         for d in plan.days_off]}
    emit(args, data, _plan_text(rows, missed, plan, len(kept), written, attendance is not None))
    return 0


def _plan_text(rows: list[dict[str, Any]], missed: list[dict[str, Any]],
               plan: planning.Plan, kept: int, written: str | None, history: bool) -> str:
    lines = [f"Planning du {french.short_date(plan.start)} au {french.short_date(plan.end)} : "
             f"{len(rows)} demi-journées."]
    month = ""
    for r in rows:
        day = dt.date.fromisoformat(r["day"])
        if french.month_year(day) != month:
            month = french.month_year(day)
            lines += ["", month.capitalize()]
        expected = ""
        if r["expected_visitors"] is not None:
            expected = f"  ≈ {r['expected_visitors']} visiteurs"
            if r["animatrices"]:
                expected += f", {r['animatrices']} animatrice(s)"
        moved = (f"  (au lieu du {french.day_slash_month(dt.date.fromisoformat(r['moved_from']))} : "
                 f"{r['moved_because']})" if r["moved_from"] else "")
        lines.append(f"  {french.weekday_names()[day.weekday()][:3]}. {french.day_slash_month(day)} "
                     f"{half_label(r['half'])}  {r['commune']} – {r['place']}{expected}{moved}")
    lines += ["", "Jours sans bus dans la période :"]
    lines += [f"  {french.short_date(d.day)} {d.describe()}" for d in plan.days_off
              if d.day.weekday() < 5] or ["  aucun"]
    lines += ["", "Place de chaque arrêt dans le mois :"]
    lines += [f"  {sid} : {plan.rule(sid)}" for sid in plan.places]
    for m in missed:
        lines.append(f"ATTENTION {m['month']} : pas de passage pour {m['stop']} (le "
                     f"{french.day_slash_month(dt.date.fromisoformat(m['usual_day']))} : "
                     f"{m['reason']}), aucune demi-journée libre ce mois-là.")
    if not history:
        lines.append("Pas d'historique (pas de base) : fréquentation attendue inconnue.")
    if written:
        lines.append(f"Écrit : {written} ({kept} demi-journées gardées hors de la période). "
                     "« kiosk init » le charge.")
    else:
        lines.append("Rien d'écrit : ajoutez --out FICHIER pour enregistrer ce planning.")
    return "\n".join(lines)


# ---------------------------------------------------------------- export


def _first_of_next_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.exports import calendar as cal

    out = out_file(args, args.format)
    today = local_now(settings.timezone).date()
    if args.format == "png":
        start = args.start or _first_of_next_month(today)
        start = start.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    else:
        start = args.start or today
        end = args.to or start + dt.timedelta(days=366)
    if start > end:
        raise KioskError(f"--from {start:%Y-%m-%d} est après --to {end:%Y-%m-%d} : "
                         "la période est vide.")
    ctx = open_database(settings)
    try:
        commune = None
        if args.commune is not None:
            names = {c.insee: c.name for c in views.itinerary_listing(ctx, limit=0)}
            if args.commune not in names:
                raise KioskError(f"--commune {args.commune} : commune inconnue (code INSEE, voir "
                                 "« kiosk itinerary list »).")
            commune = (args.commune, names[args.commune])
        passages = views.planned_passages(ctx, start, end, commune[0] if commune else None)
        staff_note = None
        if args.staff:
            attendance = _attendance(settings, today)

            def staff_note(p: views.Passage) -> str:
                expected = attendance.expect(p.stop_id, p.day) if attendance else None
                if expected is None:
                    return "fréquentation : pas d'historique"
                helpers = attendance.animatrices(expected.visitors, p.half, settings.desks) \
                    if attendance else None
                return (f"≈ {expected.visitors} visiteurs"
                        + (f", {helpers} animatrice(s)" if helpers else ""))
        if args.format == "ics":
            cal.write_ics(passages, out, cal.contact_line(settings), local_now(settings.timezone),
                          f"{cal.TITLE} – {commune[1]}" if commune else cal.TITLE,
                          timezone=settings.timezone, replace=args.force)
        elif args.format == "png":
            cal.write_png(passages, out, start, cal.contact_line(settings),
                          commune[1] if commune else "tout l'Espace Sud", replace=args.force)
        else:
            off = planning.days_off(start, end, planning.load_closures(
                planning.closures_path(settings.data_dir)))
            cal.write_pdf(passages, out, start, end, cal.contact_line(settings), args.paper, commune,
                          staff_note, {d: o.reason for d, o in off.items()},
                          replace=args.force)
    finally:
        ctx.dispose()
    emit(args, {"out": str(out), "format": args.format, "passages": len(passages),
                "from": start.isoformat(), "to": end.isoformat()},
         f"{out} : {len(passages)} passage(s) du {french.short_date(start)} au {french.short_date(end)}.")
    return 0


# ---------------------------------------------------------------- review


def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    start, end = _period(args)
    period = Period.between(start, end)
    ctx = open_database(settings)
    try:
        rows, under, over = stop_review(ctx, period, args.under, args.over, args.unserved)
    finally:
        ctx.dispose()
    lines = [f"Arrêts {period.label} (comparé aux {period.days} jours d'avant) ; seuils : moins "
             f"de {french.number(under, 1)} visiteurs par demi-journée = « sous », plus de "
             f"{french.number(over, 1)} ou plus de {french.number(args.unserved, 1)} non "
             "reçus = « au-dessus »."]
    lines.append(f"{'commune – arrêt':<52} {'demi-j.':>7} {'visit./dj':>9} {'dem./dj':>8} "
                 f"{'non reçus':>9} {'tendance':>9}  repère")

    def num(value: float | None) -> str:
        return "–" if value is None else french.number(value, 1)
    for r in rows:
        name = f"{r['commune']} – {r['place']}"
        if len(name) > 52:
            name = name[:51] + "…"
        lines.append(f"{name:<52} {r['half_days']:>7} {num(r['visitors_per_half_day']):>9} "
                     f"{num(r['demandes_per_half_day']):>8} {r['unserved']:>9} "
                     f"{french.signed_percent(r['trend']):>9}  {r['mark'] or ''}")
    emit(args, {"from": start.isoformat(), "to": end.isoformat(),
                "previous": period.previous().as_json(),
                "thresholds": {"under": under, "over": over,
                               "unserved": args.unserved},
                "stops": rows}, "\n".join(lines))
    return 0


def _threshold(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"seuil invalide « {text[:20]} » : un nombre") from None
    if not 0 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"seuil invalide « {text[:20]} » : entre 0 et 1000")
    return value


def register_actions(it: Any) -> None:
    """The planning commands, under the existing `kiosk itinerary` group."""
    p = it.add_parser("plan", help="planifier les demi-journées du bus sur une période")
    p.add_argument("--from", dest="start", type=DATE, required=True, metavar="DATE",
                   help=f"premier jour ({DATE_HELP})")
    p.add_argument("--to", type=DATE, required=True, metavar="DATE",
                   help="dernier jour inclus")
    out_arguments(p, "fichier schedule.yaml à écrire (sinon : aperçu seulement)",
                  required=False)
    p.add_argument("--days", default="lundi,mardi,mercredi,jeudi", metavar="JOURS",
                   help="jours de service, séparés par des virgules")
    p.add_argument("--half", default="morning", choices=["morning", "afternoon", "both"])
    json_flag(p)
    p.set_defaults(run=cmd_plan)

    p = it.add_parser("export", help="calendrier des passages : ICS, affiches PDF, image PNG")
    p.add_argument("--format", required=True, choices=["ics", "pdf", "png"])
    out_arguments(p, "fichier à écrire (.ics, .pdf ou .png selon le format)")
    p.add_argument("--commune", metavar="INSEE", help="une seule commune (code INSEE)")
    p.add_argument("--from", dest="start", type=DATE, metavar="DATE",
                   help=f"premier jour ({DATE_HELP} ; défaut : aujourd'hui, ou le mois "
                        "prochain pour l'image)")
    p.add_argument("--to", type=DATE, metavar="DATE",
                   help="dernier jour inclus (défaut : un an après --from)")
    p.add_argument("--paper", default="a4", choices=["a4", "a3"], help="PDF : A4 ou A3")
    p.add_argument("--staff", action="store_true",
                   help="PDF : copie de l'équipe, avec la fréquentation attendue")
    json_flag(p)
    p.set_defaults(run=cmd_export)

    p = it.add_parser("review", help="fréquentation de chaque arrêt, pour ajuster le planning")
    p.add_argument("--from", dest="start", type=DATE, required=True, metavar="DATE",
                   help=f"premier jour ({DATE_HELP})")
    p.add_argument("--to", type=DATE, required=True, metavar="DATE",
                   help="dernier jour inclus")
    p.add_argument("--under", type=_threshold, metavar="N",
                   help="repère « sous » : moins de N visiteurs par demi-journée "
                        "(défaut : la moitié de l'arrêt médian)")
    p.add_argument("--over", type=_threshold, metavar="N",
                   help="repère « au-dessus » : plus de N visiteurs par demi-journée "
                        "(défaut : une fois et demie l'arrêt médian)")
    p.add_argument("--unserved", type=_threshold, default=UNSERVED_OVER, metavar="N",
                   help="repère « au-dessus » aussi : plus de N non reçus par demi-journée (3)")
    json_flag(p)
    p.set_defaults(run=cmd_review)

