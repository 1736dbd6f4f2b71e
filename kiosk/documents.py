"""What the visitor takes home: the checklist of a procedure as an 80 mm receipt, an A4 guide,
a plain text for the phone and its QR code.

No Kivy here. The PDFs are drawn straight on a reportlab canvas from a small layout (measured
lines, checkboxes, a QR code) so that the receipt's height fits its content exactly. The fonts are
the DejaVu files shipped in assets/fonts/ (embedded in every PDF), registered once per process.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.catalogue import Operator, Procedure
from kiosk.config import ASSETS_DIR

MM = 72 / 25.4  # points per millimetre

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONTS_DIR = ASSETS_DIR / "fonts"

HEADER = "Bus PLUS – Espace Sud"
SHORTENED = "Liste raccourcie : demandez la liste complète au bus PLUS."

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")
HALVES = {"morning": "matin", "afternoon": "après-midi"}


@dataclass(frozen=True)
class Slip:
    """The visit the checklist is printed for: ticket, time, where the bus is, when it comes back."""

    number: int | None
    printed_at: dt.datetime
    stop_name: str | None
    commune_name: str | None
    next_passages: tuple[tuple[dt.date, str, str], ...] = ()  # (day, "morning"|"afternoon", stop)


# ---------------------------------------------------------------- French wording


def _day_number(day: int) -> str:
    return "1er" if day == 1 else str(day)


def french_datetime(moment: dt.datetime) -> str:
    """"jeudi 26 novembre 2026, 9 h 05"."""
    return (f"{DAYS[moment.weekday()]} {_day_number(moment.day)} {MONTHS[moment.month - 1]} "
            f"{moment.year}, {moment.hour} h {moment.minute:02d}")


def french_passage(day: dt.date, half: str, stop_name: str) -> str:
    """"mardi 15 décembre, matin – Bourg"."""
    return (f"{DAYS[day.weekday()]} {_day_number(day.day)} {MONTHS[day.month - 1]}, "
            f"{HALVES.get(half, half)} – {stop_name}")


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
            ticket = f"{ticket} – {french_datetime(slip.printed_at)}" if ticket else \
                french_datetime(slip.printed_at)
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
            lines += [f"- {french_passage(*p)}" for p in slip.next_passages]
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


# ---------------------------------------------------------------- QR codes


# A small QR encoder for byte mode. python-qrcode gives the tables and function patterns; its own
# pipeline (bit by bit buffers, polynomial objects, eight full renders to choose the mask) takes
# ~50 ms for the 1000-byte phone text, this one ~5 ms, and the symbols are identical (tested).

_RUNS = re.compile(r"0{5,}|1{5,}")
_FINDER_LIKE = ("10111010000", "00001011101")
_GF_EXP = [0] * 512
_GF_LOG = [0] * 256
_value = 1
for _i in range(255):
    _GF_EXP[_i] = _GF_EXP[_i + 255] = _value
    _GF_LOG[_value] = _i
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D


def _gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _GF_EXP[_GF_LOG[a] + _GF_LOG[b]]


@lru_cache(maxsize=32)
def _rs_table(ec_count: int) -> tuple[int, ...]:
    """For each feedback byte f, the generator polynomial times f, as one integer of ec bytes."""
    generator = [1]
    for i in range(ec_count):
        root = _GF_EXP[i]
        generator = [a ^ _gf_mul(b, root)
                     for a, b in zip([*generator, 0], [0, *generator], strict=True)]
    tail = generator[1:]
    return tuple(int.from_bytes(bytes(_gf_mul(g, f) for g in tail), "big") for f in range(256))


def _rs_remainder(data: bytes, ec_count: int) -> bytes:
    table = _rs_table(ec_count)
    shift = 8 * (ec_count - 1)
    keep = (1 << (8 * ec_count)) - 1
    register = 0
    for byte in data:
        register = ((register << 8) & keep) ^ table[byte ^ (register >> shift)]
    return register.to_bytes(ec_count, "big")


@dataclass(frozen=True)
class _Grid:
    """What does not depend on the data for one QR version and error level. Rows are integers,
    column c being bit size-1-c."""

    size: int
    blocks: tuple[tuple[int, int], ...]  # (data codewords, error correction codewords)
    capacity: int  # data codewords
    perm: tuple[int, ...]  # for each module: its source in (stream bits + "0" + fixed)
    fixed: str  # the function patterns, module by module ("1" dark), version and format light
    masks: tuple[tuple[int, ...], ...]  # [pattern][row]: data modules the pattern flips
    version_info: tuple[int, ...]  # dark version-information modules
    formats: tuple[tuple[int, ...], ...]  # [pattern][row]: dark format modules (+ dark module)


def _bits(row: Sequence[bool | None]) -> int:
    return int("".join("1" if m else "0" for m in row), 2)


@lru_cache(maxsize=16)
def _grid(version: int, level: int) -> _Grid:
    import qrcode
    from qrcode.base import rs_blocks
    from qrcode.util import mask_func

    qr = qrcode.QRCode(version=version, error_correction=level, border=0)
    qr.modules_count = size = version * 4 + 17
    qr.modules = [[None] * size for _ in range(size)]
    qr.setup_position_probe_pattern(0, 0)
    qr.setup_position_probe_pattern(size - 7, 0)
    qr.setup_position_probe_pattern(0, size - 7)
    qr.setup_position_adjust_pattern()
    qr.setup_timing_pattern()
    patterns = [list(row) for row in qr.modules]
    if version >= 7:
        qr.setup_type_number(False)
    with_version = [list(row) for row in qr.modules]
    qr.setup_type_info(True, 0)
    reserved = [list(row) for row in qr.modules]
    version_info = tuple(_bits([p is None and bool(v) for p, v in zip(rp, rv, strict=True)])
                         for rp, rv in zip(patterns, with_version, strict=True))
    formats = []
    for pattern in range(8):
        qr.modules = [list(row) for row in with_version]
        qr.setup_type_info(False, pattern)
        formats.append(tuple(_bits([w is None and bool(m) for w, m in zip(rw, rm, strict=True)])
                             for rw, rm in zip(with_version, qr.modules, strict=True)))
    # the data modules in placement order: two-column zigzag from the bottom right corner
    order: list[int] = []
    upward = True
    col = size - 1
    while col > 0:
        if col == 6:  # the vertical timing pattern
            col -= 1
        for row in (range(size - 1, -1, -1) if upward else range(size)):
            for c in (col, col - 1):
                if reserved[row][c] is None:
                    order.append(row * size + c)
        upward = not upward
        col -= 2
    blocks = tuple((b.data_count, b.total_count - b.data_count)
                   for b in rs_blocks(version, level))
    stream_bits = sum(d + e for d, e in blocks) * 8
    perm = [stream_bits + 1 + p for p in range(size * size)]  # function modules: fixed value
    for k, p in enumerate(order):
        perm[p] = k if k < stream_bits else stream_bits  # remainder bits are light
    masks = []
    for pattern in range(8):
        flips = mask_func(pattern)
        rows = []
        for r in range(size):
            period = "".join("1" if flips(r, c) else "0" for c in range(6))
            data_row = _bits([m is None for m in reserved[r]])
            rows.append(int((period * (size // 6 + 1))[:size], 2) & data_row)
        masks.append(tuple(rows))
    fixed = "".join("1" if m else "0" for row in patterns for m in row)
    return _Grid(size, blocks, sum(d for d, _ in blocks), tuple(perm), fixed, tuple(masks),
                 version_info, tuple(formats))


def _penalty(rows: Sequence[int], size: int) -> int:
    """ISO/IEC 18004 mask penalty, computed exactly as python-qrcode's util.lost_point."""
    lines = [format(r, f"0{size}b") for r in rows]
    lines += ["".join(column) for column in zip(*lines, strict=True)]
    text = "|".join(lines)  # one scan of every row and column; "|" ends runs and patterns
    runs = _RUNS.findall(text)
    points = sum(map(len, runs)) - 2 * len(runs)
    points += 40 * (text.count(_FINDER_LIKE[0]) + text.count(_FINDER_LIKE[1]))
    inner = (1 << (size - 1)) - 1
    for upper, lower in zip(rows, rows[1:], strict=False):
        same = ~(upper ^ lower)
        points += 3 * (same & (same >> 1) & ~(upper ^ (upper >> 1)) & inner).bit_count()
    dark = sum(r.bit_count() for r in rows)
    return points + int(abs(dark / size**2 * 100 - 50) / 5) * 10


def _capacity(version: int, level: int) -> int:
    from qrcode.util import BIT_LIMIT_TABLE

    return int(BIT_LIMIT_TABLE[level][version])


def _qr_size(length: int) -> tuple[int, int, int]:
    """The smallest (version, level, count bits) holding `length` bytes: level M, else L."""
    from qrcode.constants import ERROR_CORRECT_L, ERROR_CORRECT_M

    for level in (ERROR_CORRECT_M, ERROR_CORRECT_L):
        for version in range(1, 41):
            count_bits = 8 if version < 10 else 16
            if 4 + count_bits + 8 * length <= _capacity(version, level):
                return version, level, count_bits
    raise ValueError(f"texte trop long pour un QR code ({length} octets)")


def prepare_qr(text: str) -> None:
    """Build ahead of time the symbol layout a text of this length needs (~50 ms the first time
    for each size), so that the visitor's QR code is drawn without that wait."""
    version, level, _bits = _qr_size(len(text.encode("utf-8")))
    _grid(version, level)


@lru_cache(maxsize=64)
def _qr_rows(text: str) -> tuple[int, tuple[int, ...]]:
    """The symbol of `text` (byte mode, UTF-8, level M, else L) without quiet zone:
    (size, rows as integers)."""
    from operator import itemgetter

    payload = text.encode("utf-8")
    version, level, count_bits = _qr_size(len(payload))
    grid = _grid(version, level)
    size = grid.size
    # mode 0100, count, bytes, terminator, zero bits to a byte, then 0xEC 0x11 pad codewords
    limit = grid.capacity * 8
    value = (((0b0100 << count_bits) | len(payload)) << (8 * len(payload))) | \
        int.from_bytes(payload, "big")
    length = 4 + count_bits + 8 * len(payload)
    tail = min(limit - length, 4)
    tail += -(length + tail) % 8
    value <<= tail
    length += tail
    codewords = value.to_bytes(length // 8, "big")
    codewords += bytes((0xEC, 0x11) * grid.capacity)[: grid.capacity - len(codewords)]
    # split in blocks, add error correction, interleave
    data_blocks, ec_blocks = [], []
    offset = 0
    for data_count, ec_count in grid.blocks:
        block = codewords[offset:offset + data_count]
        offset += data_count
        data_blocks.append(block)
        ec_blocks.append(_rs_remainder(block, ec_count))
    stream = bytearray()
    for blocks in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in blocks)):
            stream.extend(b[i] for b in blocks if i < len(b))
    bits = format(int.from_bytes(stream, "big"), f"0{len(stream) * 8}b")
    flat = "".join(itemgetter(*grid.perm)(bits + "0" + grid.fixed))
    raw = [int(flat[r * size:(r + 1) * size], 2) for r in range(size)]
    # choose the mask as the library does: lowest penalty, format and version modules light
    best, best_points = 0, -1
    for pattern in range(8):
        points = _penalty([r ^ m for r, m in zip(raw, grid.masks[pattern], strict=True)], size)
        if best_points < 0 or points < best_points:
            best, best_points = pattern, points
    rows = tuple(r ^ m | v | f for r, m, v, f in
                 zip(raw, grid.masks[best], grid.version_info, grid.formats[best], strict=True))
    return size, rows


@lru_cache(maxsize=8)  # ~130 kB each for a 1000-byte text
def _qr_modules(text: str) -> tuple[tuple[bool, ...], ...]:
    size, rows = _qr_rows(text)
    width = size + 8
    lines = tuple(tuple(map(bool, format(r << 4, f"0{width}b").encode().translate(_TO_BITS)))
                  for r in rows)
    quiet = (False,) * width
    return (quiet,) * 4 + lines + (quiet,) * 4


_TO_BITS = bytes.maketrans(b"01", b"\x00\x01")


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code of `text` (byte mode, UTF-8; error correction M, L if M cannot hold it) as rows
    of modules, True for dark, the 4-module quiet zone included."""
    return [list(row) for row in _qr_modules(text)]


def qr_png(text: str, out: Path, box_size: int = 10) -> Path:
    """Write the QR code of `text` as a black and white PNG, `box_size` pixels per module."""
    from PIL import Image

    size, rows = _qr_rows(text)
    width = size + 8
    pad = -width % 8
    full = (1 << width) - 1
    # Mode "1" packs 8 pixels a byte, leftmost first; a set bit is white.
    white = b"".join((((~(r << 4)) & full) << pad | ((1 << pad) - 1)).to_bytes((width + pad) // 8, "big")
                     for r in rows)
    quiet = b"\xff" * ((width + pad) // 8)
    image = Image.frombytes("1", (width, width), quiet * 4 + white + quiet * 4)
    image = image.resize((width * box_size, width * box_size), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return _write_private(out, buffer.getvalue())


# ---------------------------------------------------------------- files


def _write_private(out: Path, data: bytes) -> Path:
    """Write `data` to `out` atomically, readable by the owner only (0o600)."""
    out = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)  # mkstemp makes it 0o600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(out, 0o600)
    return out


@lru_cache(maxsize=1)
def register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(FONTS_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONTS_DIR / "DejaVuSans-Bold.ttf")))


# ---------------------------------------------------------------- layout

# French typography: no line may start with « : ; ! ? » nor end with «.
_NBSP_BEFORE = re.compile(r" ([:;!?»])")
_NBSP_AFTER = re.compile(r"([«°]) ")
_URL_BREAK = re.compile(r"[^/?&=]*[/?&=]*")  # not after "-": readers would take it for a hyphen


def _french_spaces(text: str) -> str:
    return _NBSP_AFTER.sub("\\1\u00a0", _NBSP_BEFORE.sub("\u00a0\\1", text))


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


def _width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(text, font, size))


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
        for word in _french_spaces(text).split(" "):
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
        modules = _qr_modules(text)
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
    lay.lines([(FONT, french_datetime(slip.printed_at))], s.body, center=True)
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
            lay.item(french_passage(*passage), marker="•")
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
    canvas.setAuthor("Bus PLUS – Espace Sud")
    canvas.setCreator("Borne PLUS")
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
    return _write_private(out, data)


def a4_pdf(procedure: Procedure, operator: Operator, slip: Slip, out: Path) -> Path:
    """The same checklist on A4 pages, in larger type, flowing over pages when needed."""
    data, _height = _draw(_build(procedure, operator, slip, A4), _title(procedure, slip))
    return _write_private(out, data)


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
