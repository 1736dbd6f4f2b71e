"""What the visitor takes home: the checklist of a procedure as an 80 mm receipt or an A4 guide
(the same words cut into QR codes for the phone are in kiosk/output/phone.py).

No Kivy here. The PDFs are drawn straight on a reportlab canvas from a small layout (measured
lines, checkboxes, a QR code) so that the receipt's height fits its content exactly. Fonts, greys
and typography are shared with the partners' report (kiosk/output/pdf_layout.py); the QR encoder is in
kiosk/output/qr.py, French dates in kiosk/french.py, the owner-only file writer in kiosk/system/files.py.

One text path (issue 17): every house PDF — the receipt, the A4 checklist, the return slip, the
half-day summary (kiosk/core/halfday.py), the calendar posters and passages receipt
(kiosk/exports/calendar.py) — cuts its lines with this module's wrap_text(), the small engine
below; the passages receipt is laid out and measured by it too (lines_receipt). The half-day
summary's two columns (a label, its figure on the right) are still drawn by halfday.py. Measured
against an equivalent Platypus flow (tests/perf/receipt_bench.py, three real checklists, December
2026, loaded 2-core machine): 19-48 ms a receipt here, 15-43 ms with Platypus, the same within the
noise; this engine's height, known before drawing, is the drawn page to 0.01 mm (300.73, 387.10,
450.25 mm), while a Platypus page cut at the sum of its wrapOn() heights spilled onto a second page
for all three (its frame pads 6 pt on each side) and holds only once those paddings are allowed
for. A receipt printer feeds exactly the height it is told, and the checkboxes, the QR beside or
under its link, French no-break spaces and numbers kept whole are already here: the engine stays.
The partners' report (kiosk/exports/pdf_report.py) stays on Platypus: a multi-page report with
tables, headers and page breaks is what Platypus is for, and its height matters to no printer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk import french
from kiosk.content import i18n
from kiosk.content.catalogue import Operator, Procedure
from kiosk.content.i18n import at_commune
from kiosk.content.itinerary import UNCONFIRMED
from kiosk.french import NBSP
from kiosk.output.pdf_layout import (
    AUTHOR,
    CREATOR,
    FONT,
    FONT_BOLD,
    HEADER,
    MM,
    french_spaces,
    register_fonts,
    text_width,
)
from kiosk.output.qr import qr_modules
from kiosk.system.files import write_private
from kiosk.vocabulary import HALVES

TO_CONFIRM = "À confirmer avec l'animatrice"
REQUIRED = "(obligatoire)"
DEFAULT_CALENDAR = "en mairie et sur espacesud.fr"


@dataclass(frozen=True)
class Visit:
    """A planned half-day of the bus: when, and where (the stop and its commune). `confirmed`
    False: the coordinator has not confirmed the place yet, the slip says "sous réserve"."""

    day: dt.date
    half: str  # "morning" | "afternoon"
    stop_name: str
    commune_name: str | None = None
    confirmed: bool = True


@dataclass(frozen=True)
class Slip:
    """The visit the checklist is printed for: ticket, time, where the bus is, when and where it
    comes back, and how to reach the bus (phone, where its calendar is posted)."""

    number: int | None
    printed_at: dt.datetime
    stop_name: str | None
    commune_name: str | None
    # Visit, or (day, "morning"|"afternoon", stop name) for a stop of this slip's commune
    next_passages: tuple[Visit | tuple[dt.date, str, str], ...] = ()
    bus_phone: str = ""
    calendar: str = DEFAULT_CALENDAR
    # "Prioritaire au prochain passage" (kiosk/core/return_passes.py): the code she shows when she
    # comes back, that next passage (None: none planned while the code serves), and the last day
    # the code serves, in this slip's commune only
    return_code: str = ""
    return_visit: Visit | None = None
    return_valid_until: dt.date | None = None
    # The visitor's language: in Créole ("gcf") the headings and a line on how to use the list
    # are Créole; the papers and steps stay in French, the words of the operators' counters.
    language: str = "fr"

    def heading(self, key: str, **values: object) -> str:
        return i18n.t(f"checklist.{key}", self.language, **values)

    @property
    def visits(self) -> tuple[Visit, ...]:
        return tuple(p if isinstance(p, Visit) else Visit(p[0], p[1], p[2], self.commune_name)
                     for p in self.next_passages)


def where_line(slip: Slip) -> str | None:
    if slip.stop_name and slip.commune_name:
        return f"{slip.stop_name} ({_joined(slip.commune_name)})"
    return slip.stop_name or (_joined(slip.commune_name) if slip.commune_name else None)


def _joined(name: str) -> str:
    """A name that no line break may cut ("Le Marin", "Les Trois-Îlets")."""
    return name.replace(" ", NBSP)


_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_UNITS = r"h\b|€|%|euros?\b|ans?\b|mois\b|jours?\b|semaines?\b|heures?\b|minutes?\b"
_NUMBER_SPACES = re.compile(rf"(?<=\d) (?=\d|{_UNITS}|{_MONTHS})|(?<=\bh) (?=\d)|(?<=\bn°) ")


def keep_numbers(text: str) -> str:
    """No line break inside a number: "05 96 12 34 56", "9 h 05", "15 décembre", "100 €",
    "2 mois"."""
    return _NUMBER_SPACES.sub(NBSP, text)


def passage_line(visit: Visit, joined: bool = False) -> str:
    """"mardi 15 décembre, matin : au Marin, Duprey, parking du quartier": when, and the place by
    its commune and stop (two stops of one commune are told apart)."""
    when = f"{french.day_and_month(visit.day)}, {HALVES.get(visit.half, visit.half)}"
    commune = at_commune(visit.commune_name) if visit.commune_name else ""
    if joined:  # a printed line never breaks inside "au Marin"
        commune = commune.replace(" ", NBSP)
    place = f"{commune}, {visit.stop_name}" if commune else visit.stop_name
    # the read model may have said it in the stop's name already (itinerary.shown_name)
    reserve = "" if visit.confirmed or UNCONFIRMED in visit.stop_name else f" ({UNCONFIRMED})"
    return f"{when} : {place}{reserve}"


def checked_line(procedure: Procedure) -> str:
    """"Vérifié le 20/11/2026", or "À confirmer avec l'animatrice" for an entry nobody could
    check against its official source: a slip never carries a date it did not earn."""
    if procedure.verified_on is None:
        return TO_CONFIRM
    return f"Vérifié le {french.short_date(procedure.verified_on)}"


def contact_lines(slip: Slip, under_heading: bool = False) -> list[str]:
    """How to reach the bus after the visit: its phone (when the coordinator set one) and where
    its calendar is posted. `under_heading`: printed under "Joindre le bus PLUS", the phone line
    is shorter (one line on the receipt)."""
    phone = "Téléphone" if under_heading else "Téléphone du bus PLUS"
    lines = [f"{phone} : {slip.bus_phone}"] if slip.bus_phone else []
    if slip.calendar:
        lines.append(f"Calendrier des passages : {slip.calendar}")
    return lines


def document_line(procedure: Procedure, index: int) -> str:
    """A paper to bring, "(obligatoire)" after it when the official source makes it so."""
    text = procedure.documents[index]
    return f"{text} {REQUIRED}" if procedure.is_required(index) else text


# ---------------------------------------------------------------- layout

# a link or a domain wider than the line breaks after / ? & = or a dot; not after "-": readers
# would take it for a hyphen
_URL_BREAK = re.compile(r"[^/?&=.]*[/?&=.]*")


@dataclass(frozen=True)
class _Text:
    x: float
    baseline: float  # from the top of its block
    segments: tuple[tuple[str, str], ...]  # (font, text), drawn one after the other
    size: float


@dataclass(frozen=True)
class _Box:
    x: float
    top: float
    size: float


@dataclass(frozen=True)
class _Qr:
    x: float
    top: float
    size: float
    modules: tuple[tuple[bool, ...], ...]


@dataclass(frozen=True)
class _Rule:
    x0: float
    x1: float
    y: float


@dataclass
class _Block:
    """A piece of the layout never cut by a page break."""

    height: float
    items: list[_Text | _Box | _Qr | _Rule] = field(default_factory=list)
    keep_with_next: bool = False


@dataclass(frozen=True)
class _Style:
    page_width: float
    page_height: float | None  # None: the page is as tall as its content (receipt)
    margin_x: float
    margin_top: float
    margin_bottom: float
    body: float
    paper: float  # the papers to bring: what the visitor reads most, never under 11 pt
    small: float
    heading: float
    section: float
    number: float
    title: float
    leading: float
    qr: float
    space: float
    page_numbers: bool
    qr_beside: bool = False  # the link's QR on the right of the link, not under it

    @property
    def width(self) -> float:
        return self.page_width - 2 * self.margin_x


# 80 mm paper, 72 mm printable: 4 mm margins each side.
RECEIPT = _Style(
    page_width=80 * MM, page_height=None, margin_x=4 * MM, margin_top=4 * MM,
    margin_bottom=5 * MM, body=10.5, paper=12, small=10, heading=12, section=12, number=40,
    title=13, leading=1.22, qr=30 * MM, space=2.2 * MM, page_numbers=False,
)
A4 = _Style(
    page_width=210 * MM, page_height=297 * MM, margin_x=20 * MM, margin_top=16 * MM,
    margin_bottom=14 * MM, body=12.5, paper=13.5, small=11, heading=16, section=15, number=48,
    title=17, leading=1.3, qr=36 * MM, space=3.5 * MM, page_numbers=True, qr_beside=True,
)
# A long guide takes the first of these that fits it on one sheet (a4_pdf).
A4_STYLES = (
    A4,
    dataclasses.replace(A4, margin_x=16 * MM, margin_top=13 * MM, margin_bottom=12 * MM,
                        body=11.5, paper=12.5, small=10.5, heading=14, section=13.5, number=36,
                        title=15, leading=1.22, qr=32 * MM, space=2.8 * MM),
    dataclasses.replace(A4, margin_x=13 * MM, margin_top=11 * MM, margin_bottom=10 * MM,
                        body=10.5, paper=11.5, small=10, heading=13, section=12.5, number=30,
                        title=14, leading=1.17, qr=30 * MM, space=2.2 * MM),
    dataclasses.replace(A4, margin_x=12 * MM, margin_top=10 * MM, margin_bottom=9 * MM,
                        body=10, paper=11, small=9.5, heading=12, section=12, number=26,
                        title=13, leading=1.13, qr=28 * MM, space=1.8 * MM),
)


@lru_cache(maxsize=8192)
def _width(text: str, font: str, size: float) -> float:
    """Word widths, asked again and again while a layout tries its lines (and A4 its styles)."""
    return text_width(text, font, size)


def _split_long(word: str, font: str, size: float, width: float) -> list[str]:
    """Cut a word wider than the line (a long link): after / ? & = . first, else anywhere."""
    pieces: list[str] = []
    current = ""
    for part in (p for p in _URL_BREAK.findall(word) if p):
        if _width(current + part, font, size) <= width:
            current += part
            continue
        if current:
            pieces.append(current)
            current = ""
        while _width(part, font, size) > width:
            cut = len(part)
            while cut > 1 and _width(part[:cut], font, size) > width:
                cut -= 1
            pieces.append(part[:cut])
            part = part[cut:]
        current = part
    if current:
        pieces.append(current)
    return pieces


def _wrap(runs: Sequence[tuple[str, str]], size: float, width: float) -> list[list[tuple[str, str]]]:
    """Greedy line breaking at spaces (words stay whole); runs are (font, text) joined by spaces."""
    lines: list[list[tuple[str, str]]] = []
    line: list[tuple[str, str]] = []
    used = 0.0
    for font, text in runs:
        for word in keep_numbers(french_spaces(text)).split(" "):
            if not word:
                continue
            word_width = _width(word, font, size)
            gap = _width(" ", font, size) if line else 0.0
            if used + gap + word_width <= width:
                if line and line[-1][0] == font:
                    line[-1] = (font, f"{line[-1][1]} {word}")
                else:
                    line.append((font, f" {word}" if line else word))
                used += gap + word_width
                continue
            if line:
                lines.append(line)
            line, used = [], 0.0
            pieces = [word] if word_width <= width else _split_long(word, font, size, width)
            for piece in pieces[:-1]:
                lines.append([(font, piece)])
            line, used = [(font, pieces[-1])], _width(pieces[-1], font, size)
    if line:
        lines.append(line)
    return lines


def wrap_text(text: str, font: str, size: float, width: float,
              max_lines: int | None = None) -> list[str]:
    """One run of text cut into lines no wider than `width` points, as the checklists cut theirs
    (French no-break spaces, numbers kept whole, a long link cut after / ? & = .): the one
    wrapping of every house PDF (half-day summary, calendar posters and receipt). Past
    `max_lines`, the last line kept ends with "…"."""
    lines = ["".join(piece for _font, piece in line) for line in _wrap([(font, text)], size, width)]
    if max_lines is None or len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while last and _width(last + "…", font, size) > width:
        last = last[:-1]
    return [*lines[:max_lines - 1], last.rstrip() + "…"]


class _Layout:
    def __init__(self, style: _Style) -> None:
        self.style = style
        self.blocks: list[_Block] = []

    def space(self, height: float) -> None:
        self.blocks.append(_Block(height))

    def rule(self) -> None:
        s = self.style
        self.blocks.append(_Block(s.space, [_Rule(s.margin_x, s.page_width - s.margin_x,
                                                   s.space / 2)]))

    def lines(self, runs: Sequence[tuple[str, str]], size: float, center: bool = False,
              indent: float = 0.0, keep_with_next: bool = False) -> list[_Block]:
        """A paragraph: one block per line, so that a long one may flow over two A4 pages."""
        s = self.style
        height = size * s.leading
        made = []
        for line in _wrap(runs, size, s.width - indent):
            x = s.margin_x + indent
            if center:
                x = (s.page_width - sum(_width(t, f, size) for f, t in line)) / 2
            block = _Block(height, [_Text(x, size * 0.93 + (height - size) / 2, tuple(line), size)],
                           keep_with_next)
            made.append(block)
            self.blocks.append(block)
        return made

    def section(self, title: str) -> None:
        s = self.style
        self.space(s.space)
        self.lines([(FONT_BOLD, title)], s.section, keep_with_next=True)

    def item(self, runs: Sequence[tuple[str, str]], marker: str | None = None,
             box: bool = False, size: float | None = None) -> None:
        """A list entry with a hanging indent after a drawn checkbox or a marker ("1.", "•")."""
        s = self.style
        size = size or s.body
        indent = size * 1.55 if box else _width("10. ", FONT_BOLD, size)
        made = self.lines(runs, size, indent=indent)
        for block in made[:-1]:  # an entry is never cut by a page break
            block.keep_with_next = True
        first = made[0]
        if box:
            side = size * 0.95
            first.items.append(_Box(s.margin_x + size * 0.1,
                                    (first.height - side) / 2 + size * 0.04, side))
        elif marker:
            baseline = first.items[0].baseline if isinstance(first.items[0], _Text) else 0.0
            first.items.append(_Text(s.margin_x, baseline, ((FONT_BOLD, marker),), size))
        # a little air between entries so that each checkbox line reads as one thing
        self.space(size * 0.25)

    def link(self, url: str, heading: str = "Site officiel") -> None:
        """"Site officiel", the link, and its QR code: under the link on the receipt; on its
        right on A4, where height is what a single sheet lacks."""
        s = self.style
        if not s.qr_beside:
            self.section(heading)
            self.lines([(FONT, url)], s.body, keep_with_next=True)
            self.space(s.space / 2)
            self.blocks[-1].keep_with_next = True
            self.blocks.append(_Block(s.qr, [_Qr((s.page_width - s.qr) / 2, 0.0, s.qr,
                                                 qr_modules(url))]))
            return
        self.space(s.space)
        gap = 5 * MM
        text = _Layout(dataclasses.replace(s, page_width=s.page_width - s.qr - gap,
                                           margin_x=s.margin_x))
        text.lines([(FONT_BOLD, heading)], s.section)
        text.lines([(FONT, url)], s.body)
        text.lines([(FONT, "ou scannez ce code avec votre téléphone")], s.small)
        items: list[_Text | _Box | _Qr | _Rule] = []
        y = 0.0
        for block in text.blocks:
            items += [dataclasses.replace(i, baseline=i.baseline + y) for i in block.items
                      if isinstance(i, _Text)]
            y += block.height
        items.append(_Qr(s.page_width - s.margin_x - s.qr, 0.0, s.qr, qr_modules(url)))
        self.blocks.append(_Block(max(y, s.qr), items))


def _build(procedure: Procedure, operator: Operator, slip: Slip, style: _Style) -> _Layout:
    register_fonts()
    s = style
    lay = _Layout(style)
    lay.lines([(FONT_BOLD, HEADER)], s.heading, center=True)
    if slip.number is not None:
        lay.space(s.space / 2)
        lay.lines([(FONT, slip.heading("ticket", number="").strip())], s.body, center=True)
        lay.lines([(FONT_BOLD, str(slip.number))], s.number, center=True)
    lay.lines([(FONT, french.date_and_time(slip.printed_at))], s.body, center=True)
    if slip.return_code:
        _return_block(lay, slip)
    where = where_line(slip)
    if where:
        lay.lines([(FONT, slip.heading("stop")), (FONT_BOLD, where)], s.body, center=True)
    lay.rule()
    lay.lines([(FONT, operator.name)], s.body)
    lay.lines([(FONT_BOLD, procedure.title)], s.title)

    lay.section(slip.heading("papers"))
    if slip.language != i18n.DEFAULT_LANGUAGE:
        lay.lines([(FONT, slip.heading("how_to_use"))], s.small)
    for index, document in enumerate(procedure.documents):
        mark = [(FONT_BOLD, REQUIRED)] if procedure.is_required(index) else []
        lay.item([(FONT, document), *mark], box=True, size=s.paper)
    if procedure.pitfalls:
        lay.section(slip.heading("pitfalls"))
        for pitfall in procedure.pitfalls:
            lay.item([(FONT, pitfall)], marker="•")
    lay.section(slip.heading("steps"))
    for number, step in enumerate(procedure.steps, 1):
        lay.item([(FONT, step)], marker=f"{number}.")
    lay.space(s.space)
    lay.lines([(FONT_BOLD, slip.heading("online")), (FONT, procedure.online)], s.body)
    lay.link(procedure.url, slip.heading("official_site").rstrip(" :"))
    if slip.next_passages:
        lay.section(slip.heading("next_passages"))
        for visit in slip.visits:
            lay.item([(FONT, passage_line(visit, joined=True))], marker="•")
    contact = contact_lines(slip, under_heading=True)
    if contact:
        lay.section(slip.heading("contact"))
        for line in contact:
            lay.lines([(FONT, line)], s.body)
    for block in reversed(lay.blocks):  # the footer never stands alone on a page
        block.keep_with_next = True
        if block.items:
            break
    lay.rule()
    lay.blocks[-1].keep_with_next = True
    lay.lines([(FONT_BOLD if procedure.to_confirm else FONT, checked_line(procedure))], s.small,
              center=True)
    return lay


RETURN_TITLE = "Prioritaire au prochain passage"


def spaced_code(code: str) -> str:
    """"ACD 479": a return code in two halves, easier to copy and to read aloud."""
    half = len(code) // 2
    return f"{code[:half]} {code[half:]}"


def _return_block(lay: _Layout, slip: Slip) -> None:
    """Above everything on the slip of a visitor left unserved at closing: when to come back,
    and the code that puts her first."""
    s = lay.style
    lay.rule()
    lay.lines([(FONT_BOLD, RETURN_TITLE.upper())], s.title, center=True)
    if slip.return_visit is not None:
        lay.lines([(FONT, "Revenez le "), (FONT_BOLD, passage_line(slip.return_visit, True))],
                  s.body, center=True)
    else:
        lay.lines([(FONT, "Revenez au prochain passage du bus dans votre commune (calendrier "
                          "ci-dessous).")], s.body, center=True)
    lay.lines([(FONT, "Montrez ce ticket à l'animatrice : vous passerez en premier.")], s.body,
              center=True)
    lay.lines([(FONT, "Code :")], s.body, center=True)
    # on one line: two halves of three, large, never cut
    lay.lines([(FONT_BOLD, spaced_code(slip.return_code).replace(" ", NBSP))], s.title * 1.8,
              center=True)
    if slip.return_valid_until is not None and slip.commune_name:
        lay.lines([(FONT_BOLD, keep_numbers(return_validity(slip.commune_name,
                                                            slip.return_valid_until)) + ".")],
                  s.body, center=True)
    lay.rule()


def return_validity(commune_name: str, valid_until: dt.date) -> str:
    """"Valable à Ducos jusqu'au jeudi 21 janvier 2027": where and until when a return code
    gives a ticket (kiosk/core/return_passes.py), on the slip and on the console."""
    return f"Valable {at_commune(commune_name)} jusqu'au {french.day_and_date(valid_until)}"


def _paginate(layout: _Layout) -> list[list[tuple[float, _Block]]]:
    """Place blocks top-down; on A4 a block that does not fit starts a new page, and a section
    title never stays alone at the bottom of a page."""
    s = layout.style
    if s.page_height is None:
        pages: list[list[tuple[float, _Block]]] = [[]]
        y = s.margin_top
        for block in layout.blocks:
            pages[0].append((y, block))
            y += block.height
        return pages
    room = s.page_height - s.margin_top - s.margin_bottom - (s.small * 2 if s.page_numbers else 0)
    pages = [[]]
    y = 0.0
    blocks = layout.blocks
    for i, block in enumerate(blocks):
        need = block.height
        j = i
        while blocks[j].keep_with_next and j + 1 < len(blocks):
            j += 1
            need += blocks[j].height
        starts_chain = i == 0 or not blocks[i - 1].keep_with_next
        if pages[-1] and y + (need if starts_chain and need <= room else block.height) > room:
            pages.append([])
            y = 0.0
        if not pages[-1] and not block.items:
            continue  # no blank space at the top of a page
        pages[-1].append((s.margin_top + y, block))
        y += block.height
    return pages


def _content_height(pages: list[list[tuple[float, _Block]]], style: _Style) -> float:
    last_y, last = pages[-1][-1]
    return last_y + last.height + style.margin_bottom


def _draw(layout: _Layout, title: str) -> tuple[bytes, float]:
    """Render the layout; returns the PDF and its (first) page height in points."""
    from reportlab.pdfgen.canvas import Canvas

    s = layout.style
    pages = _paginate(layout)
    page_height = s.page_height or _content_height(pages, s)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(s.page_width, page_height), pageCompression=1,
                    pdfVersion=(1, 4), initialFontName=FONT, initialFontSize=s.body, lang="fr")
    canvas.setTitle(title)
    canvas.setAuthor(AUTHOR)
    canvas.setCreator(CREATOR)
    for number, page in enumerate(pages, 1):
        for top, block in page:
            for item in block.items:
                if isinstance(item, _Text):
                    x = item.x
                    y = page_height - top - item.baseline
                    for font, text in item.segments:
                        canvas.setFont(font, item.size)
                        canvas.drawString(x, y, text)
                        x += _width(text, font, item.size)
                elif isinstance(item, _Box):
                    canvas.setLineWidth(0.9)
                    canvas.rect(item.x, page_height - top - item.top - item.size, item.size,
                                item.size, stroke=1, fill=0)
                elif isinstance(item, _Rule):
                    canvas.setLineWidth(0.6)
                    canvas.setDash(2, 2)
                    y = page_height - top - item.y
                    canvas.line(item.x0, y, item.x1, y)
                    canvas.setDash()
                else:
                    _draw_qr(canvas, item, page_height - top)
        if s.page_numbers and len(pages) > 1:
            canvas.setFont(FONT, s.small)
            canvas.drawCentredString(s.page_width / 2, s.margin_bottom,
                                     f"page {number} / {len(pages)}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue(), page_height


def lines_receipt(lines: Sequence[tuple[str, str, float]], title: str,
                  width_mm: float) -> tuple[bytes, float]:
    """A receipt of plain lines, (font, text, size) each, a text that does not fit wrapped on
    the next lines and an empty text a space of that size: the PDF and its page height in
    millimetres, measured by the engine that draws it (what the printer must feed)."""
    register_fonts()
    layout = _Layout(dataclasses.replace(RECEIPT, page_width=width_mm * MM))
    for font, text, size in lines:
        if text:
            layout.lines([(font, text)], size)
        else:
            layout.space(size * RECEIPT.leading)
    data, height = _draw(layout, title)
    return data, height / MM


def _draw_qr(canvas: Any, qr: _Qr, top_y: float) -> None:
    """Dark modules as one filled path, each horizontal run of dark modules one rectangle."""
    module = qr.size / len(qr.modules)
    path = canvas.beginPath()
    for r, row in enumerate(qr.modules):
        y = top_y - qr.top - (r + 1) * module
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            path.rect(qr.x + start * module, y, (c - start) * module, module)
    canvas.drawPath(path, stroke=0, fill=1)


def _title(procedure: Procedure, slip: Slip) -> str:
    if slip.return_code:
        return f"{RETURN_TITLE} – {procedure.title} – code {slip.return_code}"
    number = f" – ticket n° {slip.number}" if slip.number is not None else ""
    return f"{procedure.title}{number}"


def receipt_pdf(procedure: Procedure, operator: Operator, slip: Slip, out: Path, *,
                replace: bool = False) -> Path:
    """The checklist on one 80 mm wide page exactly as tall as its content (owner-only file;
    a file already there is replaced only with `replace`)."""
    return printed_receipt(procedure, operator, slip, out, replace=replace)[0]


def printed_receipt(procedure: Procedure, operator: Operator, slip: Slip,
                    out: Path, *, replace: bool = False) -> tuple[Path, float]:
    """receipt_pdf(), with the page height in millimetres that the drawing measured: what the
    receipt printer must feed (nothing to read back from the file)."""
    data, height = _draw(_build(procedure, operator, slip, RECEIPT), _title(procedure, slip))
    return write_private(out, data, replace=replace), height / MM


def a4_layout(procedure: Procedure, operator: Operator, slip: Slip) -> _Layout:
    """The first A4 style (A4_STYLES) that puts the whole guide on one sheet; the last one, over
    several pages, when none does."""
    for style in A4_STYLES:
        layout = _build(procedure, operator, slip, style)
        if len(_paginate(layout)) == 1:
            return layout
    return layout


def a4_pdf(procedure: Procedure, operator: Operator, slip: Slip, out: Path, *,
           replace: bool = False) -> Path:
    """The same checklist on one A4 sheet: larger type, tighter when the guide is long (never
    under 11 pt for the papers); over pages only for a list no catalogue entry reaches."""
    data, _height = _draw(a4_layout(procedure, operator, slip), _title(procedure, slip))
    return write_private(out, data, replace=replace)


_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")


def page_size_mm(pdf: Path) -> tuple[float, float]:
    """Width and height of the first page of a PDF, in millimetres (read from its MediaBox)."""
    found = _MEDIABOX.search(Path(pdf).read_bytes())
    if found is None:
        raise ValueError(f"{pdf} : pas de MediaBox, ce n'est pas un PDF lisible")
    x0, y0, x1, y1 = (float(v) for v in found.groups())
    return abs(x1 - x0) / MM, abs(y1 - y0) / MM


def page_height_mm(pdf: Path) -> float:
    """The page height of a PDF in millimetres: what the receipt printer must feed."""
    return page_size_mm(pdf)[1]


def receipt_height_mm(procedure: Procedure, operator: Operator, slip: Slip) -> float:
    """The page height receipt_pdf() gives this checklist, in millimetres, without drawing it
    (page_height_mm(pdf) reads the same value back from a written receipt)."""
    pages = _paginate(_build(procedure, operator, slip, RECEIPT))
    return _content_height(pages, RECEIPT) / MM
