"""A half-day's summary in words: what the console shows when a stopover closes, and the same
lines printed on A4 or on the 80 mm receipt printer (kiosk/output/pdf_layout.py's fonts and greys)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from kiosk import french
from kiosk.content.catalogue import Catalogue
from kiosk.core.views import StopoverSummary
from kiosk.output.documents import wrap_text
from kiosk.output.pdf_layout import (
    CREATOR,
    FONT,
    FONT_BOLD,
    HEADER,
    INK,
    MID,
    MM,
    register_fonts,
    text_width,
)
from kiosk.output.printing import RECEIPT_WIDTH_MM
from kiosk.vocabulary import HALVES, OUTCOMES

FORMATS = ("a4", "receipt")


@dataclass(frozen=True)
class SummaryText:
    title: str  # "Ducos – Bourg, jeudi 26 novembre 2026, matin"
    hours: str  # "Ouverte à 8 h 02, fermée à 12 h 40"
    figures: tuple[tuple[str, str], ...]  # (what, how many)
    organisms: tuple[tuple[str, str], ...]  # (organism, "5 visiteurs, 3 reçus")
    demandes: tuple[tuple[str, str], ...]  # (outcome, how many)


def _minutes(value: float | None) -> str:
    return "–" if value is None else f"{french.number(value, 0)} min"


def _people(n: int, one: str, many: str) -> str:
    return f"{french.number(n)} {one if n <= 1 else many}"  # French: 0 and 1 are singular


def summary_text(summary: StopoverSummary, catalogue: Catalogue) -> SummaryText:
    s = summary.stopover
    title = (f"{s.commune_name} – {s.stop_name}, {french.day_and_date(s.day)}, "
             f"{HALVES.get(s.half, s.half)}")
    hours = f"Ouverte à {french.time_of_day(s.opened_at)}"
    hours += (f", fermée à {french.time_of_day(s.closed_at)}" if s.closed_at
              else ", toujours ouverte")
    figures = [
        ("Visiteurs", french.number(summary.visitors)),
        ("Reçus", french.number(summary.served)),
        ("Absents à l'appel", french.number(summary.absent)),
        ("Tickets annulés", french.number(summary.cancelled)),
        ("Non reçus (encore là à la fermeture)", french.number(summary.unserved)),
    ]
    if summary.still_open:
        figures.append(("Encore en attente ou en visite", french.number(summary.still_open)))
    figures += [
        ("Attente moyenne", _minutes(summary.wait_mean_minutes)),
        ("Attente la plus longue", _minutes(summary.wait_max_minutes)),
        ("Demandes enregistrées", french.number(summary.demandes)),
    ]
    organisms = []
    for row in summary.by_organism:
        operator = catalogue.operator(row.operator_id)
        organisms.append((operator.name if operator else row.operator_id,
                          f"{_people(row.visitors, 'visiteur', 'visiteurs')}, "
                          f"{_people(row.served, 'reçu', 'reçus')}"))
    demandes = [(OUTCOMES[code], french.number(n)) for code, n in summary.by_outcome]
    return SummaryText(title, hours, tuple(figures), tuple(organisms), tuple(demandes))


def summary_lines(text: SummaryText) -> list[tuple[str, str, bool]]:
    """(left, right, bold) lines, top to bottom: what both PDFs print."""
    lines: list[tuple[str, str, bool]] = [("Bilan de la demi-journée", "", True),
                                          (text.title, "", False), (text.hours, "", False),
                                          ("", "", False)]
    lines += [(what, value, False) for what, value in text.figures]
    lines += [("", "", False), ("Par organisme", "", True)]
    lines += [(what, value, False) for what, value in text.organisms] or [("Aucun visiteur", "",
                                                                           False)]
    lines += [("", "", False), ("Demandes par résultat", "", True)]
    lines += [(what, value, False) for what, value in text.demandes] or [("Aucune demande", "",
                                                                          False)]
    return lines


def summary_pdf(text: SummaryText, out: Path, fmt: str = "a4") -> tuple[Path, float | None]:
    """The summary on one A4 page, or on an 80 mm receipt as long as its lines: the PDF and, for
    the receipt, its page height in millimetres (what the printer must feed; None for A4)."""
    from reportlab.pdfgen.canvas import Canvas

    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}")
    register_fonts()
    receipt = fmt == "receipt"
    size = 8.5 if receipt else 12.0
    leading = size * 1.35
    margin = (3 if receipt else 20) * MM
    width = (RECEIPT_WIDTH_MM if receipt else 210) * MM
    inner = width - 2 * margin
    # a right-hand value keeps its own column; the label wraps in what is left
    rows: list[tuple[str, str, bool]] = []
    for left, right, bold in summary_lines(text):
        font = FONT_BOLD if bold else FONT
        room = inner - (text_width(right, FONT_BOLD, size) + 3 * MM if right else 0)
        pieces = wrap_text(left, font, size, room) or [""]
        rows += [(piece, right if i == len(pieces) - 1 else "", bold)
                 for i, piece in enumerate(pieces)]
    height = (len(rows) + 2) * leading + 2 * margin if receipt else 297 * MM
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(f"Bilan – {text.title}")
    canvas.setAuthor(HEADER)
    canvas.setCreator(CREATOR)
    y = height - margin - size
    canvas.setFillColorRGB(*MID)
    canvas.setFont(FONT, size * 0.8)
    canvas.drawString(margin, y, HEADER)
    y -= leading * 1.5
    canvas.setFillColorRGB(*INK)
    for left, right, bold in rows:
        if y < margin:  # A4: never happens with 12 organisms; a safeguard, not a layout
            canvas.showPage()
            y = height - margin - size
        canvas.setFont(FONT_BOLD if bold else FONT, size)
        canvas.drawString(margin, y, left)
        if right:
            canvas.setFont(FONT_BOLD, size)
            canvas.drawRightString(width - margin, y, right)
        y -= leading
    canvas.save()
    out.write_bytes(buffer.getvalue())
    return out, (height / MM if receipt else None)
