"""The XLSX workbook: a "Résumé" sheet with the comparison columns, one sheet per breakdown with
native charts on the main ones, and the anonymous rows in "Demandes" when they fit in a sheet.

XlsxWriter in constant_memory mode: each row is flushed to disk once the next one starts, so a
million rows take ~25 MB; the price is that every sheet is written top to bottom, row after row
(charts only reference cell ranges, so they can be added at any time). Numbers, dates and times
are real cells with formats (0.0, 0 %, dd/mm/yyyy, hh:mm): French Excel and LibreOffice show
decimal commas by themselves. Texts go through write_string, never as formulas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from kiosk import french
from kiosk.exports.columns import COLUMNS, Labels, row_values
from kiosk.exports.figures import HEADLINE, change, commune_name, headline_value, period_text
from kiosk.reports.rows import DemandeRow
from kiosk.system.files import private_output
from kiosk.vocabulary import HALVES

Progress = Callable[[int, int], None]
EXCEL_ROWS = 1_048_576
PROGRESS_EVERY = 2000

# (sheet, breakdown, columns as (title, json key, kind), chart) — kind: text, int, float, minutes
VISIT_COLUMNS = (("Demi-journées", "stopovers", "int"), ("Visites", "visits", "int"),
                 ("Reçus", "served", "int"), ("Absents", "absent", "int"),
                 ("Annulés", "cancelled", "int"), ("Non reçus à la fermeture", "unserved", "int"),
                 ("En cours", "in_progress", "int"), ("Demandes", "demandes", "int"),
                 ("Visiteurs par demi-journée", "visitors_per_half_day", "float"),
                 ("Attente moyenne (min)", "wait_mean_minutes", "float"))
FEEDBACK_COLUMNS = (("Content", "content", "int"), ("Moyen", "moyen", "int"),
                    ("Pas content", "pas_content", "int"), ("Avis", "answers", "int"),
                    ("Part de contents", "content_share", "percent"),
                    ("Visiteurs reçus", "served", "int"))
DEMANDE_COLUMNS = (("Demandes", "demandes", "int"), ("Réglées sur place", "solved", "int"),
                   ("Orientées", "redirected", "int"), ("À suivre", "follow_up", "int"))


class _Formats:
    def __init__(self, book: Any) -> None:
        font = {"font_name": "Calibri", "font_size": 11}
        self.title = book.add_format({**font, "bold": True, "font_size": 16})
        self.bold = book.add_format({**font, "bold": True})
        self.header = book.add_format({**font, "bold": True, "bg_color": "#D9D9D9", "bottom": 1,
                                       "text_wrap": True, "valign": "top"})
        self.text = book.add_format(font)
        self.int = book.add_format({**font, "num_format": "0"})
        self.float = book.add_format({**font, "num_format": "0.0"})
        self.percent = book.add_format({**font, "num_format": "0 %"})
        self.signed = book.add_format({**font, "num_format": "+0 %;-0 %;0 %"})
        self.date = book.add_format({**font, "num_format": "dd/mm/yyyy"})
        self.time = book.add_format({**font, "num_format": "hh:mm"})
        self.note = book.add_format({**font, "italic": True, "text_wrap": True})

    def of(self, kind: str) -> Any:
        return {"int": self.int, "float": self.float, "minutes": self.float, "percent": self.percent,
                "date": self.date, "time": self.time}.get(kind, self.text)


def _put(sheet: Any, row: int, col: int, value: Any, kind: str, f: _Formats) -> None:
    if value is None:
        sheet.write_blank(row, col, None, f.of(kind))
    elif kind in ("int", "float", "minutes", "percent") and isinstance(value, int | float):
        sheet.write_number(row, col, value, f.of(kind))
    elif kind == "date" and isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), f.date)
    elif kind == "time" and isinstance(value, dt.time):
        sheet.write_datetime(row, col, value, f.time)
    else:
        sheet.write_string(row, col, str(value), f.text)


def _table(sheet: Any, f: _Formats, first_row: int, header: Sequence[str],
           rows: Sequence[Sequence[Any]], kinds: Sequence[str]) -> int:
    """Write a header and rows from `first_row`; returns the row after the last."""
    for c, title in enumerate(header):
        sheet.write_string(first_row, c, title, f.header)
    for r, values in enumerate(rows, first_row + 1):
        for c, (value, kind) in enumerate(zip(values, kinds, strict=True)):
            _put(sheet, r, c, value, kind, f)
    return first_row + 1 + len(rows)


def _chart(book: Any, sheet: Any, name: str, kind: str, first: int, last: int,
           series: Sequence[tuple[str, int]], anchor: str, title: str,
           subtype: str | None = None, size: tuple[int, int] = (640, 320)) -> None:
    """A native chart over rows first..last (0-based, inclusive): categories in column A,
    one series per (title, column). Greys, for a printed workbook too."""
    if last < first:
        return
    options: dict[str, Any] = {"type": kind}
    if subtype:
        options["subtype"] = subtype
    chart = book.add_chart(options)
    greys = ["#595959", "#BFBFBF", "#8C8C8C"]
    for i, (series_name, column) in enumerate(series):
        entry: dict[str, Any] = {
            "name": series_name,
            "categories": [name, first, 0, last, 0],
            "values": [name, first, column, last, column],
            "border": {"color": "#000000", "width": 0.75},
        }
        if kind == "pie":
            entry["points"] = [{"fill": {"color": g}} for g in ("#404040", "#BFBFBF", "#808080",
                                                               "#E0E0E0", "#202020")]
            entry["data_labels"] = {"percentage": True, "category": True, "leader_lines": True}
        else:
            entry["fill"] = {"color": greys[i % len(greys)]}
            if len(series) == 1:
                entry["data_labels"] = {"value": True}
        chart.add_series(entry)
    chart.set_title({"name": title, "name_font": {"size": 12}})
    if len(series) == 1 and kind != "pie":
        chart.set_legend({"none": True})
    elif kind != "pie":
        chart.set_legend({"position": "top"})
    if kind == "bar":
        chart.set_y_axis({"reverse": True})  # first row at the top, as in the table
    chart.set_size({"width": size[0], "height": size[1]})
    sheet.insert_chart(anchor, chart)


def _visit_sheet(book: Any, f: _Formats, name: str, first_title: str, rows: Sequence[dict[str, Any]],
                 extra: Sequence[tuple[str, str, str]] = (), before: Sequence[tuple[str, str, str]] = (),
                 chart: tuple[str, str] | None = None) -> Any:
    columns = [(first_title, "label", "text"), *before, *VISIT_COLUMNS, *extra]
    sheet = book.add_worksheet(name)
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, len(columns) - 1, 13)
    sheet.freeze_panes(1, 1)
    _table(sheet, f, 0, [c[0] for c in columns], [[r.get(c[1]) for c in columns] for r in rows],
           [c[2] for c in columns])
    if chart is not None:
        kind, title = chart
        visits_col = [c[1] for c in columns].index("visits")
        height = max(320, 22 * len(rows) + 80) if kind == "bar" else 320
        _chart(book, sheet, name, kind, 1, len(rows), [("Visites", visits_col)],
               f"B{len(rows) + 4}", title, size=(720, height))
    return sheet


def _simple_sheet(book: Any, f: _Formats, name: str, sections: Sequence[tuple[str, Sequence[dict[str, Any]],
                  Sequence[tuple[str, str, str]]]], total: int | None = None) -> Any:
    """Several small tables one under the other (title, rows, columns); a "Part" column when
    `total` is given (share of the visits)."""
    sheet = book.add_worksheet(name)
    sheet.set_column(0, 0, 38)
    sheet.set_column(1, 6, 14)
    row = 0
    for title, rows, columns in sections:
        sheet.write_string(row, 0, title, f.bold)
        row += 1
        header = [c[0] for c in columns]
        values = [[r.get(c[1]) for c in columns] for r in rows]
        kinds = [c[2] for c in columns]
        if total is not None:
            header.append("Part")
            values = [[*v, (r["visits"] / total) if total else None] for v, r in zip(values, rows,
                                                                                       strict=True)]
            kinds.append("percent")
        row = _table(sheet, f, row, header, values, kinds) + 1
    return sheet


def _summary(book: Any, f: _Formats, report: dict[str, Any], made_on: dt.date) -> None:
    sheet = book.add_worksheet("Résumé")
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 7, 15)
    period = report["period"]
    previous, year_before = report["comparison"]["previous"], report["comparison"]["year_before"]
    sheet.write_string(0, 0, f"Bus PLUS – Espace Sud : rapport d'activité, {period['label']}", f.title)
    sheet.write_string(1, 0, "Période", f.bold)
    sheet.write_string(1, 1, period_text(period), f.text)
    sheet.write_string(2, 0, "Du", f.bold)
    _put(sheet, 2, 1, dt.date.fromisoformat(period["from"]), "date", f)
    sheet.write_string(3, 0, "Au", f.bold)
    _put(sheet, 3, 1, dt.date.fromisoformat(period["to"]), "date", f)
    sheet.write_string(4, 0, "Commune", f.bold)
    sheet.write_string(4, 1, commune_name(report) or "toutes les communes", f.text)
    sheet.write_string(5, 0, "Établi le", f.bold)
    _put(sheet, 5, 1, made_on, "date", f)
    header = ["Indicateur", period["label"], previous["label"], "Écart", "Évolution",
              year_before["label"], "Écart", "Évolution"]
    rows = []
    for key, label, _decimals, _short in HEADLINE:
        now = headline_value(report, key)
        before, last_year = previous.get(key), year_before.get(key)
        rows.append([label, now, before, None if now is None or before is None else now - before,
                     change(now, before), last_year,
                     None if now is None or last_year is None else now - last_year,
                     change(now, last_year)])
    kinds_of = {f.key: ("float" if f.decimals else "int") for f in HEADLINE}
    sheet.write_string(7, 0, header[0], f.header)
    for c, title in enumerate(header[1:], 1):
        sheet.write_string(7, c, title, f.header)
    for r, (values, (key, *_)) in enumerate(zip(rows, HEADLINE, strict=True), 8):
        kind = kinds_of[key]
        for c, (value, k) in enumerate(zip(values, ["text", kind, kind, kind, "signed", kind,
                                                    kind, "signed"], strict=True)):
            if k == "signed":
                if value is None:
                    sheet.write_blank(r, c, None, f.signed)
                else:
                    sheet.write_number(r, c, value, f.signed)
            else:
                _put(sheet, r, c, value, k, f)
    row = 8 + len(rows) + 1
    wait, service = report["wait"], report["service"]
    facts = [("Visiteurs appelés (attente mesurée)", wait["count"], "int"),
             ("Attente moyenne (min)", wait["mean_minutes"], "float"),
             ("Attente médiane (min)", wait["median_minutes"], "float"),
             ("9 sur 10 attendent moins de (min)", wait["p90_minutes"], "float"),
             ("Attente la plus longue (min)", wait["max_minutes"], "float"),
             ("Part des attentes de plus de 30 min", wait["over_30_share"], "percent"),
             ("Visiteurs reçus (durée mesurée)", service["count"], "int"),
             ("Durée moyenne d'un accueil (min)", service["mean_minutes"], "float"),
             ("9 accueils sur 10 durent moins de (min)", service["p90_minutes"], "float"),
             ("Encore en cours (escale ouverte)", report.get("in_progress"), "int")]
    sheet.write_string(row, 0, "Attente et accueil", f.header)
    sheet.write_string(row, 1, period["label"], f.header)
    for r, (label, value, kind) in enumerate(facts, row + 1):
        sheet.write_string(r, 0, label, f.text)
        _put(sheet, r, 1, value, kind, f)
    note_row = row + len(facts) + 2
    sheet.write_string(note_row, 0, "Une visite est un ticket pris ; une visite reçue peut compter "
                       "plusieurs demandes. Heures de la Martinique. Données anonymes.", f.note)


def write_xlsx(report: dict[str, Any], rows: Iterable[DemandeRow] | None, out: Path, labels: Labels,
               total_rows: int = 0, progress: Progress | None = None,
               made_on: dt.date | None = None, *, replace: bool = False) -> Path:
    """Write the workbook (owner-only, renamed into place when complete). `rows` are the
    anonymous rows for the "Demandes" sheet; when `total_rows` would not fit in a sheet they are
    not read and the sheet says to use the CSV export."""
    import xlsxwriter

    made = made_on or dt.datetime.fromisoformat(report["generated_at"]).date()
    b = report["breakdowns"]
    with private_output(Path(out), "wb", replace=replace) as handle:
        book = xlsxwriter.Workbook(handle, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False,
                                            "in_memory": False})
        book.set_properties({"title": f"Rapport d'activité – {report['period']['label']}",
                             "author": "Bus PLUS – Espace Sud", "company": "Borne PLUS"})
        f = _Formats(book)
        _summary(book, f, report, made)
        _visit_sheet(book, f, "Communes", "Commune", b.get("by_commune", []),
                     before=(("Code INSEE", "key", "text"),), chart=("column", "Visites par commune"))
        _visit_sheet(book, f, "Arrêts", "Arrêt", b.get("by_stop", []),
                     before=(("Commune", "commune", "text"),),
                     extra=(("File la plus longue", "peak_queue_max", "int"),),
                     chart=("bar", "Visites par arrêt"))
        stopovers = [{**s, "day": dt.date.fromisoformat(s["day"]), "half": HALVES.get(s["half"], s["half"])}
                     for s in b.get("stopovers", [])]
        sheet = book.add_worksheet("Escales")
        sheet.set_column(0, 1, 12)
        sheet.set_column(2, 3, 30)
        sheet.set_column(4, 11, 12)
        escale_columns = (("Date", "day", "date"), ("Demi-journée", "half", "text"),
                          ("Arrêt", "stop_label", "text"), ("Commune", "commune", "text"),
                          ("Visites", "visits", "int"), ("Reçus", "served", "int"),
                          ("Absents", "absent", "int"), ("Annulés", "cancelled", "int"),
                          ("Non reçus à la fermeture", "unserved", "int"),
                          ("Demandes", "demandes", "int"), ("File la plus longue", "peak_queue", "int"))
        sheet.freeze_panes(1, 0)
        _table(sheet, f, 0, [c[0] for c in escale_columns],
               [[s.get(c[1]) for c in escale_columns] for s in stopovers], [c[2] for c in escale_columns])
        _visit_sheet(book, f, "Mois", "Mois", b.get("by_month", []),
                     chart=("column", "Visites par mois"))
        _visit_sheet(book, f, "Jours", "Jour", b.get("by_weekday", []) + b.get("by_half", []))
        hours = b.get("by_hour", [])
        sheet = book.add_worksheet("Heures")
        sheet.set_column(0, 2, 22)
        _table(sheet, f, 0, ["Heure d'arrivée", "Visites", "Attente moyenne (min)"],
               [[h["label"], h["visits"], h.get("wait_mean_minutes")] for h in hours],
               ["text", "int", "float"])
        buckets = b.get("wait_buckets", [])
        count = report["wait"]["count"]
        sheet = book.add_worksheet("Attente")
        sheet.set_column(0, 2, 20)
        _table(sheet, f, 0, ["Attente", "Visiteurs appelés", "Part"],
               [[w["label"], w["visits"], w["visits"] / count if count else None] for w in buckets],
               ["text", "int", "percent"])
        _chart(book, sheet, "Attente", "column", 1, len(buckets), [("Visiteurs", 1)], "E2",
               "Attente avant d'être appelé")
        service = {r["key"]: r for r in b.get("service_by_operator", [])}
        operators = [{**r, "service_visits": service.get(r["key"], {}).get("visits"),
                      "service_mean": service.get(r["key"], {}).get("mean_minutes"),
                      "service_p90": service.get(r["key"], {}).get("p90_minutes")}
                     for r in b.get("demandes_by_operator", [])]
        op_columns = (("Organisme", "label", "text"), *DEMANDE_COLUMNS,
                      ("Visiteurs reçus", "service_visits", "int"),
                      ("Durée moyenne d'accueil (min)", "service_mean", "float"),
                      ("9 sur 10 en moins de (min)", "service_p90", "float"))
        sheet = book.add_worksheet("Organismes")
        sheet.set_column(0, 0, 44)
        sheet.set_column(1, 7, 14)
        _table(sheet, f, 0, [c[0] for c in op_columns], [[r.get(c[1]) for c in op_columns]
                                                         for r in operators], [c[2] for c in op_columns])
        _chart(book, sheet, "Organismes", "bar", 1, len(operators),
               [("Réglées sur place", 2), ("Orientées", 3), ("À suivre", 4)],
               f"B{len(operators) + 4}", "Demandes par organisme et par issue", subtype="stacked",
               size=(760, max(320, 24 * len(operators) + 90)))
        _simple_sheet(book, f, "Démarches", [("Demandes par démarche", b.get("demandes_by_procedure", []),
                                              (("Démarche", "label", "text"),
                                               ("Organisme", "operator", "text"), *DEMANDE_COLUMNS))])
        outcomes = b.get("demandes_by_outcome", [])
        sheet = _simple_sheet(book, f, "Résultats", [("Issue des demandes", outcomes,
                                                      (("Issue", "label", "text"),
                                                       ("Demandes", "demandes", "int")))])
        _chart(book, sheet, "Résultats", "pie", 2, len(outcomes) + 1, [("Demandes", 1)], "D2",
               "Issue des demandes")
        _simple_sheet(book, f, "Orientations", [("Demandes orientées, par partenaire",
                                                  b.get("redirected_to", []),
                                                  (("Partenaire", "label", "text"),
                                                   ("Demandes", "demandes", "int")))])
        visits = report["visits"]
        count_col = (("Visites", "visits", "int"),)
        _simple_sheet(book, f, "Profil", [("Tranche d'âge", b.get("age_band", []),
                                           (("Tranche d'âge", "label", "text"), *count_col)),
                                          ("Genre", b.get("gender", []),
                                           (("Genre", "label", "text"), *count_col))], total=visits)
        _simple_sheet(book, f, "Résidence", [("Commune de résidence", b.get("residence", []),
                                              (("Commune", "label", "text"), *count_col)),
                                             ("Résidence et commune de l'arrêt",
                                              b.get("residence_vs_stop", []),
                                              (("", "label", "text"), *count_col))], total=visits)
        _simple_sheet(book, f, "Canal", [("Ticket pris à", b.get("by_channel", []),
                                          (("Canal", "label", "text"), *count_col)),
                                         ("Langue", b.get("by_language", []),
                                          (("Langue", "label", "text"), *count_col))], total=visits)
        feedback = report.get("feedback") or {"by_commune": [], "by_stop": []}
        _simple_sheet(book, f, "Avis", [("Avis des visiteurs par commune (borne, anonymes)",
                                         feedback["by_commune"],
                                         (("Commune", "label", "text"), *FEEDBACK_COLUMNS)),
                                        ("Par arrêt", feedback["by_stop"],
                                         (("Arrêt", "label", "text"),
                                          ("Commune", "commune", "text"), *FEEDBACK_COLUMNS))])
        _demandes_sheet(book, f, rows, labels, total_rows, progress)
        book.close()
    return Path(out)


def _demandes_sheet(book: Any, f: _Formats, rows: Iterable[DemandeRow] | None, labels: Labels,
                    total: int, progress: Progress | None) -> None:
    sheet = book.add_worksheet("Demandes")
    if rows is None or total + 1 > EXCEL_ROWS:
        sheet.set_column(0, 0, 100)
        sheet.write_string(0, 0, f"{french.number(total)} lignes : trop pour une feuille Excel "
                           f"(au plus {french.number(EXCEL_ROWS - 1)}). Utilisez l'export CSV "
                           "(kiosk export --format csv) pour le détail des demandes.", f.note)
        return
    for c, column in enumerate(COLUMNS):
        sheet.set_column(c, c, column.width)
        sheet.write_string(0, c, column.name, f.header)
    sheet.freeze_panes(1, 0)
    # one writer per column, chosen once: a million rows make 25 million cells
    writers: list[Callable[[int, int, Any], Any]] = []
    for column in COLUMNS:
        if column.kind == "date":
            writers.append(lambda r, c, v: sheet.write_datetime(
                r, c, dt.datetime.combine(v, dt.time()), f.date))
        elif column.kind == "time":
            writers.append(lambda r, c, v: sheet.write_datetime(r, c, v, f.time))
        elif column.kind == "int":
            writers.append(lambda r, c, v: sheet.write_number(r, c, v, f.int))
        elif column.kind == "minutes":
            writers.append(lambda r, c, v: sheet.write_number(r, c, v, f.float))
        else:
            writers.append(lambda r, c, v: sheet.write_string(r, c, str(v)))
    done = 0
    for done, row in enumerate(rows, 1):
        if done >= EXCEL_ROWS:  # more rows than announced: stop at the sheet's end
            break
        for c, (value, write) in enumerate(zip(row_values(row, labels), writers, strict=True)):
            if value is not None:
                write(done, c, value)
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, max(total, done))
    sheet.autofilter(0, 0, max(done, 1), len(COLUMNS) - 1)
    if progress is not None:
        progress(done, max(total, done))
