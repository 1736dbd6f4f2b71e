"""QR codes for the visitor's phone: a small, fast encoder for byte mode (UTF-8 text).

Used by the checklists (kiosk/output/documents.py), the kiosk's QR screen and `kiosk checklist --qr`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kiosk.system.files import write_private

# A small QR encoder for byte mode. python-qrcode gives the tables and function patterns; its own
# pipeline (bit by bit buffers, polynomial objects, eight full renders to choose the mask) takes
# ~50 ms for the 1000-byte phone text, this one ~1 ms (the eight mask penalties on whole-matrix
# integers), and the symbols are identical (tested).

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
    masks_whole: tuple[tuple[int, int], ...]  # [pattern]: the mask as _whole() packs it, and
    # the same of its transpose (columns as rows)


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
    masks_whole = []
    for mask in masks:
        flat = "".join(format(r, f"0{size}b") for r in mask)
        masks_whole.append((_whole(flat, size), _whole(_transposed(flat, size), size)))
    return _Grid(size, blocks, sum(d for d, _ in blocks), tuple(perm), fixed, tuple(masks),
                 version_info, tuple(formats), tuple(masks_whole))


def _whole(flat: str, size: int) -> int:
    """A matrix ("1" dark, row after row) as one integer: each row followed by a light separator
    bit, so that one integer operation works on every row at once and no run nor pattern crosses
    from a row to the next (the separator is neither dark nor, in the light complement, light)."""
    return int("0".join(flat[r * size:(r + 1) * size] for r in range(size)) + "0", 2)


def _transposed(flat: str, size: int) -> str:
    return "".join(flat[c::size] for c in range(size))


@lru_cache(maxsize=16)
def _penalty_masks(size: int) -> tuple[int, int]:
    """In the _whole() packing: every module; the top-left modules of every 2x2 block (a module
    with a right-hand neighbour and a row under it: the first row is the highest)."""
    width = size + 1
    row = ((1 << size) - 1) << 1
    every = sum(row << (r * width) for r in range(size))
    pairs_row = ((1 << (size - 1)) - 1) << 2  # not the last column (the lowest module)
    pairs = sum(pairs_row << (r * width) for r in range(1, size))  # not the last row
    return every, pairs


def _runs_and_finders(dark: int, every: int) -> int:
    """Rules 1 and 3 over every row of a _whole() matrix at once."""
    points = 0
    light = dark ^ every
    for ones in (dark, light):
        # five in a row: ones at j..j+4; the modules of such runs; each run counted once
        five = ones & ones >> 1 & ones >> 2 & ones >> 3 & ones >> 4
        runs = five | five << 1 | five << 2 | five << 3 | five << 4
        points += runs.bit_count() - 2 * (runs & ~(runs << 1)).bit_count()
    for pattern in _FINDER_LIKE:  # read left to right: the first module is the highest bit
        found = every
        for k, module in enumerate(pattern):
            found &= (dark if module == "1" else light) >> (len(pattern) - 1 - k)
        points += 40 * found.bit_count()
    return points


def _penalty(dark: int, dark_t: int, size: int) -> int:
    """ISO/IEC 18004 mask penalty, computed exactly as python-qrcode's util.lost_point, on the
    _whole() packing of the matrix and of its transpose: ~40 integer operations instead of a
    scan of every row and column."""
    every, pairs = _penalty_masks(size)
    points = _runs_and_finders(dark, every) + _runs_and_finders(dark_t, every)
    # at a block's top-left module: the one under it, and the right-hand one, alike
    same_below = ~(dark ^ dark << (size + 1))
    same_right = ~(dark ^ dark << 1)
    points += 3 * (same_below & same_below << 1 & same_right & pairs).bit_count()
    share = dark.bit_count() / size**2 * 100
    return points + int(abs(share - 50) / 5) * 10


def _capacity(version: int, level: int) -> int:
    from qrcode.util import BIT_LIMIT_TABLE

    return int(BIT_LIMIT_TABLE[level][version])


# The largest symbol a common phone reads from the kiosk's screen: 117 modules (125 with the quiet
# zone). Shown 600 px tall on a 14" 1280x800 panel, a module is 4.8 px, 1.1 mm; 7 px, 1.3 mm on a
# 15.6" 1920x1080 one (tests/ui/test_phone_codes.py decodes both screenshots with zbar).
SCREEN_VERSION = 25


def _count_bits(version: int) -> int:
    return 8 if version < 10 else 16


def capacity_bytes(version: int = SCREEN_VERSION) -> int:
    """The UTF-8 bytes one symbol of this version holds at level L: what one phone code may
    carry (kiosk/output/documents.py splits a longer checklist over several codes)."""
    from qrcode.constants import ERROR_CORRECT_L

    return (_capacity(version, ERROR_CORRECT_L) - 4 - _count_bits(version)) // 8


def _qr_size(length: int) -> tuple[int, int, int]:
    """The (version, level, count bits) for `length` bytes: the smallest version at level M, unless
    that is larger than SCREEN_VERSION while level L fits in it (a screen is never dirty: a symbol
    the phone reads beats error correction it does not need); beyond, level M, else L."""
    from qrcode.constants import ERROR_CORRECT_L, ERROR_CORRECT_M

    def smallest(level: int, versions: range) -> tuple[int, int, int] | None:
        for version in versions:
            if 4 + _count_bits(version) + 8 * length <= _capacity(version, level):
                return version, level, _count_bits(version)
        return None

    found = (smallest(ERROR_CORRECT_M, range(1, SCREEN_VERSION + 1))
             or smallest(ERROR_CORRECT_L, range(1, SCREEN_VERSION + 1))
             or smallest(ERROR_CORRECT_M, range(SCREEN_VERSION + 1, 41))
             or smallest(ERROR_CORRECT_L, range(SCREEN_VERSION + 1, 41)))
    if found is None:
        raise ValueError(f"texte trop long pour un QR code ({length} octets)")
    return found


def qr_version(text: str) -> int:
    """The version (size) of the symbol qr_matrix(text) draws: 21 + 4 x (version - 1) modules."""
    return _qr_size(len(text.encode("utf-8")))[0]


def prepare_qr(text: str) -> None:
    """Build ahead of time the symbol layout a text of this length needs (~50 ms the first time
    for each size), so that the visitor's QR code is drawn without that wait."""
    version, level, _bits = _qr_size(len(text.encode("utf-8")))
    _grid(version, level)


@lru_cache(maxsize=64)
def _qr_rows(text: str) -> tuple[int, tuple[int, ...]]:
    """The symbol of `text` (byte mode, UTF-8, level as _qr_size() says) without quiet zone:
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
    whole, whole_t = _whole(flat, size), _whole(_transposed(flat, size), size)
    best, best_points = 0, -1
    for pattern in range(8):
        mask, mask_t = grid.masks_whole[pattern]
        points = _penalty(whole ^ mask, whole_t ^ mask_t, size)
        if best_points < 0 or points < best_points:
            best, best_points = pattern, points
    rows = tuple(r ^ m | v | f for r, m, v, f in
                 zip(raw, grid.masks[best], grid.version_info, grid.formats[best], strict=True))
    return size, rows


@lru_cache(maxsize=8)  # ~130 kB each for a 1000-byte text
def qr_modules(text: str) -> tuple[tuple[bool, ...], ...]:
    size, rows = _qr_rows(text)
    width = size + 8
    lines = tuple(tuple(map(bool, format(r << 4, f"0{width}b").encode().translate(_TO_BITS)))
                  for r in rows)
    quiet = (False,) * width
    return (quiet,) * 4 + lines + (quiet,) * 4


_TO_BITS = bytes.maketrans(b"01", b"\x00\x01")


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code of `text` (byte mode, UTF-8; error correction as _qr_size() chooses) as rows
    of modules, True for dark, the 4-module quiet zone included."""
    return [list(row) for row in qr_modules(text)]


def qr_png(text: str, out: Path, box_size: int = 10, *, replace: bool = False) -> Path:
    """Write the QR code of `text` as a black and white PNG, `box_size` pixels per module (a
    file already there is replaced only with `replace`)."""
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
    return write_private(out, buffer.getvalue(), replace=replace)



def codes_png(texts: Sequence[str], out: Path, box_size: int = 6, *,
              replace: bool = False) -> Path:
    """Write the phone codes of one checklist as one PNG: a single code as qr_png() draws it;
    several side by side, "Code 1 sur 2" written over each (DejaVu Sans Bold)."""
    if len(texts) == 1:
        return qr_png(texts[0], out, box_size, replace=replace)
    from PIL import Image, ImageDraw, ImageFont

    from kiosk.system.config import ASSETS_DIR

    images = []
    for text in texts:
        modules = qr_modules(text)
        width = len(modules)
        pixels = bytes(0 if dark else 255 for row in modules for dark in row)
        image = Image.frombytes("L", (width, width), pixels)
        images.append(image.resize((width * box_size, width * box_size),
                                   Image.Resampling.NEAREST))
    label = 16 * box_size // 2
    font = ImageFont.truetype(str(ASSETS_DIR / "fonts" / "DejaVuSans-Bold.ttf"), label)
    gap = 8 * box_size
    side = max(i.width for i in images)
    sheet = Image.new("L", (len(images) * side + (len(images) - 1) * gap, side + 2 * label), 255)
    draw = ImageDraw.Draw(sheet)
    for number, image in enumerate(images, 1):
        x = (number - 1) * (side + gap)
        draw.text((x + side // 2, label), f"Code {number} sur {len(images)}", fill=0, font=font,
                  anchor="mm")
        sheet.paste(image, (x + (side - image.width) // 2, 2 * label))
    buffer = io.BytesIO()
    sheet.convert("1").save(buffer, format="PNG")
    return write_private(out, buffer.getvalue(), replace=replace)
