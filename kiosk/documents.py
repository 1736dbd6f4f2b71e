"""What the visitor takes home: the checklist of a procedure as an 80 mm receipt, an A4 guide,
a plain text for the phone and its QR code.

No Kivy here. The PDFs are drawn straight on a reportlab canvas from a small layout (measured
lines, checkboxes, a QR code) so that the receipt's height fits its content exactly. Fonts, greys
and typography are shared with the partners' report (kiosk/pdf_layout.py); the QR encoder is in
kiosk/qr.py, French dates in kiosk/french.py, the owner-only file writer in kiosk/files.py.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk import french
from kiosk.catalogue import Operator, Procedure
from kiosk.files import write_private
from kiosk.pdf_layout import (
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
from kiosk.qr import qr_modules

SHORTENED = "Liste raccourcie : demandez la liste complète au bus PLUS."


@dataclass(frozen=True)
class Slip:
    """The visit the checklist is printed for: ticket, time, where the bus is, when it comes back."""

    number: int | None
    printed_at: dt.datetime
    stop_name: str | None
    commune_name: str | None
    next_passages: tuple[tuple[dt.date, str, str], ...] = ()  # (day, "morning"|"afternoon", stop)


def _where(slip: Slip) -> str | None:
    if slip.stop_name and slip.commune_name:
        return f"{slip.stop_name} ({slip.commune_name})"
    return slip.stop_name or slip.commune_name


# ---------------------------------------------------------------- phone text


def phone_text(procedure: Procedure, operator: Operator, slip: Slip, limit: int = 1000) -> str:
    """The checklist as plain text for a phone camera, at most `limit` bytes of UTF-8.

    When too long: pitfalls go first (from the last), then steps, then trailing documents, then
    the optional lines; a last line then says the list was shortened. The title, the ticket
    number and the official link always stay.
    """
    docs, steps, pits = list(procedure.documents), list(procedure.steps), list(procedure.pitfalls)
    where = _where(slip)
    extras = {"date": True, "where": where is not None, "online": True,
              "passages": bool(slip.next_passages), "verified": True}

    def render(shortened: bool) -> str:
        lines = [HEADER, procedure.title, operator.name]
        ticket = f"Ticket n° {slip.number}" if slip.number is not None else ""
        if extras["date"]:
            ticket = f"{ticket} – {french.date_and_time(slip.printed_at)}" if ticket else \
                french.date_and_time(slip.printed_at)
        if ticket:
            lines.append(ticket)
        if extras["where"]:
            lines.append(f"Arrêt : {where}")
        if docs:
            lines += ["", "Papiers à apporter :"] + [f"- {d}" for d in docs]
        if steps:
            lines += ["", "Étapes :"] + [f"{i}. {s}" for i, s in enumerate(steps, 1)]
        if extras["online"]:
            lines += ["", f"À faire en ligne : {procedure.online}"]
        if pits:
            lines += ["", "Attention :"] + [f"- {p}" for p in pits]
        lines += ["", f"Site officiel : {procedure.url}"]
        if extras["passages"]:
            lines += ["", "Prochains passages du bus ici :"]
            lines += [f"- {french.passage(*p)}" for p in slip.next_passages]
        if extras["verified"]:
            lines += ["", f"Vérifié le {procedure.verified_on:%d/%m/%Y}"]
        if shortened:
            lines += ["", SHORTENED]
        return "\n".join(lines)

    def fits(text: str) -> bool:
        return len(text.encode("utf-8")) <= limit

    text = render(False)
    if fits(text):
        return text
    for items in (pits, steps, docs):
        while items:
            items.pop()
            text = render(True)
            if fits(text):
                return text
    for key in ("verified", "passages", "online", "where", "date"):
        extras[key] = False
        text = render(True)
        if fits(text):
            return text
    raise ValueError(f"limite de {limit} octets trop petite pour le titre, le numéro et le lien")




# ---------------------------------------------------------------- layout

_URL_BREAK = re.compile(r"[^/?&=]*[/?&=]*")  # not after "-": readers would take it for a hyphen


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
    small: float
    heading: float
    section: float
    number: float
    title: float
    leading: float
    qr: float
    space: float
    page_numbers: bool

    @property
    def width(self) -> float:
        return self.page_width - 2 * self.margin_x


RECEIPT = _Style(
    page_width=80 * MM, page_height=None, margin_x=4 * MM, margin_top=4 * MM,
    margin_bottom=5 * MM, body=9.5, small=9, heading=12, section=11, number=40, title=12,
    leading=1.22, qr=30 * MM, space=2.2 * MM, page_numbers=False,
)
A4 = _Style(
    page_width=210 * MM, page_height=297 * MM, margin_x=20 * MM, margin_top=18 * MM,
    margin_bottom=18 * MM, body=12.5, small=11, heading=16, section=15, number=56, title=17,
    leading=1.3, qr=42 * MM, space=4 * MM, page_numbers=True,
)


_width = text_width


def _split_long(word: str, font: str, size: float, width: float) -> list[str]:
    """Cut a word wider than the line (a long link): after / ? & = first, else anywhere."""
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
        for word in french_spaces(text).split(" "):
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

    def item(self, text: str, marker: str | None = None, box: bool = False) -> None:
        """A list entry with a hanging indent after a drawn checkbox or a marker ("1.", "•")."""
        s = self.style
        size = s.body
        indent = size * 1.55 if box else _width("10. ", FONT_BOLD, size)
        made = self.lines([(FONT, text)], size, indent=indent)
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

    def qr(self, text: str) -> None:
        s = self.style
        modules = qr_modules(text)
        self.blocks.append(_Block(s.qr, [_Qr((s.page_width - s.qr) / 2, 0.0, s.qr, modules)]))


def _build(procedure: Procedure, operator: Operator, slip: Slip, style: _Style) -> _Layout:
    register_fonts()
    s = style
    lay = _Layout(style)
    lay.lines([(FONT_BOLD, HEADER)], s.heading, center=True)
    if slip.number is not None:
        lay.space(s.space / 2)
        lay.lines([(FONT, "Ticket n°")], s.body, center=True)
        lay.lines([(FONT_BOLD, str(slip.number))], s.number, center=True)
    lay.lines([(FONT, french.date_and_time(slip.printed_at))], s.body, center=True)
    where = _where(slip)
    if where:
        lay.lines([(FONT, "Arrêt :"), (FONT_BOLD, where)], s.body, center=True)
    lay.rule()
    lay.lines([(FONT, operator.name)], s.body)
    lay.lines([(FONT_BOLD, procedure.title)], s.title)

    lay.section("Papiers à apporter")
    for document in procedure.documents:
        lay.item(document, box=True)
    lay.section("Étapes")
    for number, step in enumerate(procedure.steps, 1):
        lay.item(step, marker=f"{number}.")
    lay.space(s.space)
    lay.lines([(FONT_BOLD, "À faire en ligne :"), (FONT, procedure.online)], s.body)
    if procedure.pitfalls:
        lay.section("Attention")
        for pitfall in procedure.pitfalls:
            lay.item(pitfall, marker="•")
    lay.section("Site officiel")
    lay.lines([(FONT, procedure.url)], s.body, keep_with_next=True)  # the link with its QR
    lay.space(s.space / 2)
    lay.blocks[-1].keep_with_next = True
    lay.qr(procedure.url)
    if slip.next_passages:
        lay.section("Prochains passages du bus ici")
        for passage in slip.next_passages:
            lay.item(french.passage(*passage), marker="•")
    for block in reversed(lay.blocks):  # the footer never stands alone on a page
        block.keep_with_next = True
        if block.items:
            break
    lay.rule()
    lay.blocks[-1].keep_with_next = True
    lay.lines([(FONT, f"Vérifié le {procedure.verified_on:%d/%m/%Y}")], s.small, center=True)
    return lay


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
    number = f" – ticket n° {slip.number}" if slip.number is not None else ""
    return f"{procedure.title}{number}"


def receipt_pdf(procedure: Procedure, operator: Operator, slip: Slip, out: Path) -> Path:
    """The checklist on one 80 mm wide page exactly as tall as its content (owner-only file)."""
    data, _height = _draw(_build(procedure, operator, slip, RECEIPT), _title(procedure, slip))
    return write_private(out, data)


def a4_pdf(procedure: Procedure, operator: Operator, slip: Slip, out: Path) -> Path:
    """The same checklist on A4 pages, in larger type, flowing over pages when needed."""
    data, _height = _draw(_build(procedure, operator, slip, A4), _title(procedure, slip))
    return write_private(out, data)


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
