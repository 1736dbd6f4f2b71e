"""The partners' report: 2 to 6 A4 pages in French, read from the statistics JSON
(docs/statistics-json.md), never from the database.

Made to be printed in black and white and photocopied: charts in greys with black outlines and
their values written on the bars, so nothing relies on colour; type of 9 pt and more; the DejaVu
fonts embedded. Long lists (stops, procedures) keep their 15 largest rows and one "autres" row,
so the report stays within 6 pages for the whole itinerary.

Its size: one report of 2 to 6 pages, its tables and charts; build_story is still too long (issue
17).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kiosk import french
from kiosk.exports.figures import (
    HEADLINE,
    change,
    commune_name,
    headline_value,
    period_text,
    top_rows,
)
from kiosk.output.pdf_layout import (
    AUTHOR,
    CREATOR,
    DARK,
    FONT,
    FONT_BOLD,
    HEADER,
    LIGHT,
    MID,
    MM,
    PALE,
    register_fonts,
)
from kiosk.system.files import write_private

BODY = 10.0
SMALL = 9.0
PAGE_W, PAGE_H = 210 * MM, 297 * MM
MARGIN = 16 * MM
WIDTH = PAGE_W - 2 * MARGIN


def _color(rgb: tuple[float, float, float]) -> Any:
    from reportlab.lib.colors import Color

    return Color(*rgb)


def _n(value: float | int | None, decimals: int = 0) -> str:
    return "–" if value is None else french.number(value, decimals)


def _minutes(value: float | None) -> str:
    return "–" if value is None else f"{french.number(value, 1)}\u00a0min"


def _share(part: float | int | None, whole: float | int | None) -> str:
    if part is None or not whole:
        return "–"
    return french.percent(part / whole)


def short_operator(name: str) -> str:
    """"MMPH – Maison Martiniquaise…" → "MMPH", "CGSS de la Martinique (Assurance maladie)" →
    "CGSS de la Martinique": enough beside a procedure or on a chart axis."""
    return name.split(" – ")[0].split(" (")[0]


def short_stop(row: dict[str, Any]) -> str:
    """"Ducos – Bourg" for the stop "Bourg, place de la mairie" of Ducos: stop names repeat from
    one commune to the next, so a chart names the commune too."""
    place = str(row["label"]).split(",")[0]
    return f"{row['commune']} – {place}" if row.get("commune") else place


# ---------------------------------------------------------------- styles and flowables


def _styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    black = _color((0, 0, 0))
    base = ParagraphStyle("body", fontName=FONT, fontSize=BODY, leading=BODY * 1.3, textColor=black)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=SMALL, leading=SMALL * 1.25),
        "cell": ParagraphStyle("cell", parent=base, fontSize=SMALL, leading=SMALL * 1.2),
        "num": ParagraphStyle("num", parent=base, fontSize=SMALL, leading=SMALL * 1.2, alignment=TA_RIGHT),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=20, leading=25,
                                spaceAfter=2 * MM),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=12, leading=16),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=14, leading=18,
                             spaceBefore=5 * MM, spaceAfter=2 * MM, keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=11, leading=14,
                             spaceBefore=3 * MM, spaceAfter=1.5 * MM, keepWithNext=1),
    }


def _escape(text: Any) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float],
           styles: dict[str, Any], total: Sequence[Any] | None = None,
           first_numeric: int = 1) -> Any:
    """A table: text columns left, numbers (from column `first_numeric`) right, a grey header,
    thin rules, and an optional bold last row (a total or "autres")."""
    from reportlab.platypus import Paragraph, Table, TableStyle

    def cell(value: Any, column: int, bold: bool = False) -> Any:
        text = _escape(value).replace("\n", "<br/>")  # headers break where they are told
        if bold:
            text = f"<b>{text}</b>"
        return Paragraph(text, styles["num" if column >= first_numeric else "cell"])

    data = [[cell(h, i, bold=True) for i, h in enumerate(header)]]
    data += [[cell(v, i) for i, v in enumerate(row)] for row in rows]
    if total is not None:
        data.append([cell(v, i, bold=True) for i, v in enumerate(total)])
    table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),  # the cells are paragraphs, but the table
        ("FONTSIZE", (0, 0), (-1, -1), SMALL),  # sets its own font first: Helvetica by default
        ("BACKGROUND", (0, 0), (-1, 0), _color(LIGHT)),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, _color((0, 0, 0))),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, _color(MID)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for r in range(2, len(data), 2):  # zebra rows: the eye follows a line across, even in grey
        commands.append(("BACKGROUND", (0, r), (-1, r), _color(PALE)))
    if total is not None:
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, _color((0, 0, 0))))
    table.setStyle(TableStyle(commands))
    return table


def _bar_chart(labels: Sequence[str], series: Sequence[Sequence[float]], *, horizontal: bool,
               width: float, height: float, value_format: Callable[[float], str],
               names: Sequence[str] = (), stacked: bool = False, label_width: float = 0.0) -> Any:
    """A grey bar chart with its values written on the bars (readable without colour)."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.shapes import Drawing, Rect, String

    fills = [DARK, LIGHT, MID] if len(series) > 1 else [MID]
    legend_h = 7 * MM if names else 0
    drawing = Drawing(width, height + legend_h, initialFontName=FONT, initialFontSize=SMALL)
    chart: Any = HorizontalBarChart() if horizontal else VerticalBarChart()
    top = max([sum(values) for values in zip(*series, strict=True)] if stacked
              else [max(s) for s in series if s] or [0])
    if horizontal:
        chart.x, chart.y = label_width, 4
        chart.width, chart.height = width - label_width - 14 * MM, height - 8
        chart.categoryAxis.reverseDirection = 1  # first row at the top, like the table
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.labels.dx = -3
    else:
        chart.x, chart.y = 12 * MM, 12 * MM
        chart.width, chart.height = width - 14 * MM, height - 18 * MM
        chart.categoryAxis.labels.boxAnchor = "n"
        chart.categoryAxis.labels.dy = -3
    chart.data = [list(s) for s in series]
    chart.categoryAxis.categoryNames = list(labels)
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = SMALL
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = SMALL
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(top * 1.12, 1)
    chart.valueAxis.labelTextFormat = lambda v: french.number(v)
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = _color(LIGHT)
    chart.valueAxis.gridStrokeWidth = 0.3
    if horizontal:
        chart.valueAxis.visible = 0  # the values are on the bars
    chart.barSpacing = 1
    chart.groupSpacing = 4
    if stacked:
        chart.categoryAxis.style = "stacked"
    for i, rgb in enumerate(fills[: len(series)]):
        chart.bars[i].fillColor = _color(rgb)
        chart.bars[i].strokeColor = _color((0, 0, 0))
        chart.bars[i].strokeWidth = 0.5
    if not stacked:
        chart.barLabelFormat = value_format
        chart.barLabels.fontName = FONT
        chart.barLabels.fontSize = SMALL
        chart.barLabels.boxAnchor = "w" if horizontal else "s"
        chart.barLabels.dx = 3 if horizontal else 0
        chart.barLabels.dy = 0 if horizontal else 2
    drawing.add(chart)
    if stacked:
        _stack_labels(drawing, chart, series, horizontal, value_format)
    if names:
        x = chart.x
        for name, rgb in zip(names, fills, strict=False):
            drawing.add(Rect(x, height + 1.5 * MM, 3.5 * MM, 3.5 * MM, fillColor=_color(rgb),
                             strokeColor=_color((0, 0, 0)), strokeWidth=0.5))
            text = String(x + 5 * MM, height + 2.2 * MM, name, fontName=FONT, fontSize=SMALL)
            drawing.add(text)
            from kiosk.output.pdf_layout import text_width

            x += 5 * MM + text_width(name, FONT, SMALL) + 6 * MM
    return drawing


def _stack_labels(drawing: Any, chart: Any, series: Sequence[Sequence[float]], horizontal: bool,
                  value_format: Callable[[float], str]) -> None:
    """Write each segment's value inside it when it is wide enough, white on the darkest grey."""
    from reportlab.graphics.shapes import String

    from kiosk.output.pdf_layout import text_width

    count = len(series[0]) if series else 0
    if not count or not horizontal:
        return
    scale = chart.width / chart.valueAxis.valueMax
    band = chart.height / count
    for c in range(count):
        start = 0.0
        y = chart.y + chart.height - (c + 0.5) * band - SMALL * 0.35
        for s, values in enumerate(series):
            value = values[c]
            size = value * scale
            text = value_format(value)
            if value and text_width(text, FONT, SMALL) + 4 <= size:
                colour = _color((1, 1, 1)) if s == 0 else _color((0, 0, 0))
                drawing.add(String(chart.x + (start + size / 2) * 1, y, text, fontName=FONT,
                                   fontSize=SMALL, fillColor=colour, textAnchor="middle"))
            start += size


# ---------------------------------------------------------------- the report


def build_story(report: dict[str, Any], made_on: dt.date, styles: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer

    P = Paragraph
    b = report["breakdowns"]
    period = report["period"]
    previous = report["comparison"]["previous"]
    year_before = report["comparison"]["year_before"]
    story: list[Any] = []
    where = commune_name(report)
    story.append(P(_escape(HEADER), styles["subtitle"]))
    story.append(P(f"Rapport d'activité – {_escape(period['label'])}", styles["title"]))
    scope = f"Commune de {_escape(where)}" if where else "Toutes les communes de l'itinéraire"
    story.append(P(f"Période {period_text(period)} · {scope}", styles["subtitle"]))
    story.append(P(f"Établi le {french.long_date(made_on)}", styles["small"]))
    story.append(Spacer(1, 3 * MM))

    # headline figures with the two comparisons
    story.append(P("Chiffres clés", styles["h2"]))
    rows = []
    for key, label, decimals, _short in HEADLINE:
        now = headline_value(report, key)
        before, last_year = previous.get(key), year_before.get(key)
        rows.append([label, _n(now, decimals), _n(before, decimals),
                     french.signed_percent(change(now, before)), _n(last_year, decimals),
                     french.signed_percent(change(now, last_year))])
    header = ["", _escape(period["label"]), _escape(previous["label"]), "évolution",
              _escape(year_before["label"]), "sur un an"]
    story.append(_table(header, rows, [58 * MM, 24 * MM, 24 * MM, 19 * MM, 24 * MM, 19 * MM],
                        styles))
    wait, service = report["wait"], report["service"]
    facts = (f"Attente : moyenne {_minutes(wait['mean_minutes'])}, médiane "
             f"{_minutes(wait['median_minutes'])}, 9 visiteurs sur 10 attendent moins de "
             f"{_minutes(wait['p90_minutes'])}, au plus {_minutes(wait['max_minutes'])} ; "
             f"{_share(wait['over_30_share'], 1)} ont attendu plus de 30 minutes. "
             f"Durée d'un accueil : {_minutes(service['mean_minutes'])} en moyenne "
             f"({_minutes(service['p90_minutes'])} pour 9 sur 10).")
    story.append(Spacer(1, 2 * MM))
    story.append(P(facts, styles["body"]))
    story.append(Spacer(1, 1.5 * MM))
    story.append(P("Une visite est un ticket pris ; une visite reçue peut compter plusieurs "
                   "demandes. Heures de la Martinique. Aucune donnée nominative n'est enregistrée.",
                   styles["small"]))

    # visits per month
    months = b.get("by_month", [])
    if months:
        story.append(P("Visites par mois", styles["h2"]))
        story.append(_bar_chart([r["label"] for r in months], [[r["visits"] for r in months]],
                                horizontal=False, width=WIDTH, height=62 * MM,
                                value_format=lambda v: french.number(v)))

    # communes
    story.append(CondPageBreak(120 * MM))
    story.append(P("Par commune", styles["h2"]))
    communes = b.get("by_commune", [])
    story.append(_table(
        ["Commune", "Demi-\njournées", "Visites", "Visiteurs par demi-journée", "Demandes",
         "Attente moyenne"],
        [[r["label"], _n(r["stopovers"]), _n(r["visits"]), _n(r["visitors_per_half_day"], 1),
          _n(r["demandes"]), _minutes(r["wait_mean_minutes"])] for r in communes],
        [46 * MM, 28 * MM, 20 * MM, 34 * MM, 22 * MM, 26 * MM], styles,
        total=["Total", _n(report["stopovers"]), _n(report["visits"]),
               _n(report["visitors_per_half_day"], 1), _n(report["demandes"]),
               _minutes(wait["mean_minutes"])]))
    if communes:
        ordered = sorted(communes, key=lambda r: (-r["visits"], r["label"]))
        story.append(Spacer(1, 3 * MM))
        story.append(KeepTogether([
            P("Visites par commune", styles["h3"]),
            _bar_chart([r["label"] for r in ordered], [[r["visits"] for r in ordered]],
                       horizontal=True, width=WIDTH, height=len(ordered) * 5.2 * MM + 6,
                       value_format=lambda v: french.number(v), label_width=42 * MM)]))

    # stops
    stops = b.get("by_stop", [])
    if stops:
        story.append(CondPageBreak(90 * MM))
        kept, other = top_rows(stops, "visits", sums=("stopovers", "demandes"))
        title = "Par arrêt" if other is None else f"Par arrêt : les {len(kept)} plus fréquentés"
        story.append(P(title, styles["h2"]))
        rows = [[r["label"], r.get("commune", ""), _n(r["stopovers"]), _n(r["visits"]),
                 _n(r["visitors_per_half_day"], 1), _n(r.get("peak_queue_max"))] for r in kept]
        total = None
        if other is not None:
            per_half = other["visits"] / other["stopovers"] if other["stopovers"] else None
            total = [other["label"], "", _n(other["stopovers"]), _n(other["visits"]),
                     _n(per_half, 1), ""]
        story.append(_table(["Arrêt", "Commune", "Demi-\njournées", "Visites",
                             "Visiteurs par demi-journée", "File la plus longue"],
                            rows, [50 * MM, 30 * MM, 28 * MM, 18 * MM, 26 * MM, 24 * MM], styles,
                            total=total, first_numeric=2))
        story.append(Spacer(1, 3 * MM))
        # the itinerary's steering number, busiest first (the table above is by visits)
        chart_rows = sorted(kept, key=lambda r: (-(r["visitors_per_half_day"] or 0), r["label"]))
        story.append(KeepTogether([
            P("Visiteurs par demi-journée, par arrêt", styles["h3"]),
            _bar_chart([short_stop(r)[:34] for r in chart_rows],
                       [[r["visitors_per_half_day"] or 0 for r in chart_rows]],
                       horizontal=True, width=WIDTH, height=len(chart_rows) * 5.2 * MM + 6,
                       value_format=lambda v: french.number(v, 1), label_width=58 * MM)]))

    # demandes
    story.append(CondPageBreak(110 * MM))
    story.append(P("Demandes par organisme", styles["h2"]))
    operators = b.get("demandes_by_operator", [])
    ordered_ops = sorted(operators, key=lambda r: (-r["demandes"], r["label"]))
    story.append(_table(
        ["Organisme", "Demandes", "Réglées sur place", "Orientées", "À suivre", "Part réglée"],
        [[r["label"], _n(r["demandes"]), _n(r["solved"]), _n(r["redirected"]), _n(r["follow_up"]),
          _share(r["solved"], r["demandes"])] for r in ordered_ops],
        [64 * MM, 22 * MM, 26 * MM, 22 * MM, 20 * MM, 22 * MM], styles,
        total=["Total", _n(report["demandes"]), _n(report["solved"]), _n(report["redirected"]),
               _n(report["follow_up"]), _share(report["solved"], report["demandes"])]))
    if ordered_ops:
        story.append(Spacer(1, 3 * MM))
        story.append(KeepTogether([
            P("Issue des demandes, par organisme", styles["h3"]),
            _bar_chart([short_operator(r["label"])[:30] for r in ordered_ops],
                       [[r["solved"] for r in ordered_ops], [r["redirected"] for r in ordered_ops],
                        [r["follow_up"] for r in ordered_ops]],
                       horizontal=True, stacked=True, width=WIDTH,
                       height=len(ordered_ops) * 5.6 * MM + 6,
                       names=["réglées sur place", "orientées", "à suivre"],
                       value_format=lambda v: french.number(v), label_width=55 * MM)]))
    redirected = b.get("redirected_to", [])
    if redirected:
        kept_r, other_r = top_rows(redirected, "demandes", keep=10)
        story.append(KeepTogether([
            P("Orientées vers", styles["h3"]),
            _table(["Partenaire", "Demandes", "Part des orientations"],
                   [[r["label"], _n(r["demandes"]), _share(r["demandes"], report["redirected"])]
                    for r in kept_r], [80 * MM, 24 * MM, 36 * MM], styles,
                   total=None if other_r is None else
                   [other_r["label"], _n(other_r["demandes"]),
                    _share(other_r["demandes"], report["redirected"])])]))
    procedures = b.get("demandes_by_procedure", [])
    if procedures:
        kept_p, other_p = top_rows(procedures, "demandes", sums=("solved", "redirected", "follow_up"))
        story.append(KeepTogether([
            P("Démarches les plus demandées", styles["h3"]),
            _table(["Démarche", "Organisme", "Demandes", "Réglées", "Orientées"],
                   [[r["label"], short_operator(str(r.get("operator", ""))), _n(r["demandes"]),
                     _n(r["solved"]), _n(r["redirected"])] for r in kept_p],
                   [76 * MM, 38 * MM, 22 * MM, 18 * MM, 22 * MM], styles, first_numeric=2,
                   total=None if other_p is None else
                   [other_p["label"], "", _n(other_p["demandes"]), _n(other_p["solved"]),
                    _n(other_p["redirected"])])]))

    # waiting and service times
    story.append(CondPageBreak(110 * MM))
    story.append(P("Attente avant d'être appelé", styles["h2"]))
    buckets = b.get("wait_buckets", [])
    story.append(P(f"Sur {_n(wait['count'])} visiteurs appelés : moyenne "
                   f"{_minutes(wait['mean_minutes'])}, médiane {_minutes(wait['median_minutes'])}, "
                   f"9 sur 10 en moins de {_minutes(wait['p90_minutes'])}, plus longue attente "
                   f"{_minutes(wait['max_minutes'])}.", styles["body"]))
    if buckets:
        count = wait["count"] or 0
        story.append(_bar_chart([r["label"] for r in buckets], [[r["visits"] for r in buckets]],
                                horizontal=False, width=WIDTH, height=58 * MM,
                                value_format=lambda v: f"{french.number(v)} ({_share(v, count)})"))
    hours = b.get("by_hour", [])
    if hours:
        story.append(KeepTogether([
            P("Arrivées et attente selon l'heure d'arrivée", styles["h3"]),
            _table(["Heure d'arrivée", "Visites", "Attente moyenne"],
                   [[r["label"], _n(r["visits"]), _minutes(r.get("wait_mean_minutes"))] for r in hours],
                   [40 * MM, 24 * MM, 30 * MM], styles)]))
    service_rows = b.get("service_by_operator", [])
    if service_rows:
        ordered_s = sorted(service_rows, key=lambda r: (-r["visits"], r["label"]))
        story.append(KeepTogether([
            P("Durée de l'accueil par organisme", styles["h3"]),
            _table(["Organisme", "Visiteurs reçus", "Durée moyenne", "9 sur 10 en moins de"],
                   [[r["label"], _n(r["visits"]), _minutes(r["mean_minutes"]),
                     _minutes(r["p90_minutes"])] for r in ordered_s],
                   [70 * MM, 28 * MM, 28 * MM, 36 * MM], styles)]))

    # profile
    story.append(CondPageBreak(80 * MM))
    story.append(P("Qui vient ? (réponses facultatives et anonymes)", styles["h2"]))
    visits = report["visits"]
    blocks = []
    for key, title in (("age_band", "Âge"), ("gender", "Genre"),
                       ("residence_vs_stop", "Commune de résidence"), ("by_channel", "Ticket pris à")):
        rows_p = b.get(key, [])
        if rows_p:
            blocks.append([P(title, styles["h3"]), _table(
                ["", "Visites", "Part"],
                [[r["label"], _n(r["visits"]), _share(r["visits"], visits)] for r in rows_p],
                [48 * MM, 18 * MM, 16 * MM], styles)])
    if blocks:
        from reportlab.platypus import Table

        pairs = [blocks[i:i + 2] + [[]] * (2 - len(blocks[i:i + 2])) for i in range(0, len(blocks), 2)]
        grid = Table(pairs, colWidths=[WIDTH / 2, WIDTH / 2], hAlign="LEFT")
        grid.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                       ("FONTNAME", (0, 0), (-1, -1), FONT)])
        story.append(grid)

    # the visitors' opinion ("Votre avis" on the kiosk)
    feedback = report.get("feedback")
    if feedback is not None:
        story.append(CondPageBreak(35 * MM))
        story.append(P("Avis des visiteurs (trois visages sur la borne, anonymes)", styles["h2"]))
        if feedback["answers"]:
            story.append(P(
                f"{_n(feedback['answers'])} avis pour {_n(feedback['served'])} visiteurs reçus : "
                f"content {_n(feedback['content'])} ({_share(feedback['content'], feedback['answers'])}), "
                f"moyen {_n(feedback['moyen'])}, pas content {_n(feedback['pas_content'])}. "
                "Un avis par appui ; un second appui dans les 20 secondes n'est pas compté.",
                styles["body"]))
            # the communes in one paragraph, not a table: the report stays within six pages
            rows_f = sorted((r for r in feedback["by_commune"] if r["answers"]),
                            key=lambda r: (-r["answers"], r["label"]))
            if len(rows_f) > 1:
                story.append(P("Par commune (part de contents, nombre d'avis) : " + " · ".join(
                    f"{_escape(r['label'])} {_share(r['content'], r['answers'])} "
                    f"({_n(r['answers'])})" for r in rows_f) + ".", styles["body"]))
        else:
            story.append(P("Aucun avis donné sur la période.", styles["body"]))
    return story


def render_pdf(report: dict[str, Any], made_on: dt.date | None = None) -> bytes:
    """The report as PDF bytes."""
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import SimpleDocTemplate

    register_fonts()
    made = made_on or dt.datetime.fromisoformat(report["generated_at"]).date()
    label = report["period"]["label"]
    styles = _styles()

    class NumberedCanvas(Canvas):
        """Writes "page n / N" once every page is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self.setFont(FONT, SMALL)
                self.setFillGray(0.25)
                self.drawString(MARGIN, 9 * MM, f"{HEADER} · rapport d'activité, {label}")
                self.drawRightString(PAGE_W - MARGIN, 9 * MM, f"page {number} / {total}")
                super().showPage()
            super().save()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=(PAGE_W, PAGE_H), leftMargin=MARGIN,
                            rightMargin=MARGIN, topMargin=14 * MM, bottomMargin=16 * MM,
                            title=f"Rapport d'activité – {label}", author=AUTHOR, creator=CREATOR,
                            lang="fr",
                            # else each page opens in Helvetica, a font not embedded
                            initialFontName=FONT, initialFontSize=BODY)
    doc.build(build_story(report, made, styles), canvasmaker=NumberedCanvas)
    return buffer.getvalue()


def write_pdf(report: dict[str, Any], out: Path, made_on: dt.date | None = None, *,
              replace: bool = False) -> Path:
    """Write the partners' report (owner-only, atomic) from the statistics JSON."""
    return write_private(Path(out), render_pdf(report, made_on), replace=replace)
