"""What the PDFs of the kiosk share: the embedded DejaVu fonts, millimetres, the greys, French
typography. The checklists (kiosk/output/documents.py) draw on a canvas; the partners' report
(kiosk/exports/pdf_report.py) uses Platypus; both look like one family and print well in black and
white (dark greys and patterns, never colour alone).
"""

from __future__ import annotations

import re
from functools import lru_cache

from kiosk.system.config import ASSETS_DIR

MM = 72 / 25.4  # points per millimetre

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONTS_DIR = ASSETS_DIR / "fonts"

HEADER = "Bus PLUS – Espace Sud"
AUTHOR = "Bus PLUS – Espace Sud"
CREATOR = "Borne PLUS"

# Greys as (r, g, b) 0–1: the ink of a text, rules, and chart fills that stay apart once photocopied.
INK = (0.0, 0.0, 0.0)
DARK = (0.25, 0.25, 0.25)
MID = (0.55, 0.55, 0.55)
LIGHT = (0.82, 0.82, 0.82)
PALE = (0.93, 0.93, 0.93)

# French typography: no line may start with « : ; ! ? » nor end with «.
_NBSP_BEFORE = re.compile(r" ([:;!?»])")
_NBSP_AFTER = re.compile(r"([«°]) ")


def french_spaces(text: str) -> str:
    """Spaces that must not break (before : ; ! ? », after « °) made no-break."""
    return _NBSP_AFTER.sub("\\1\u00a0", _NBSP_BEFORE.sub("\u00a0\\1", text))


def text_width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(text, font, size))


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register the DejaVu fonts with reportlab once per process (embedded in every PDF)."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(FONTS_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONTS_DIR / "DejaVuSans-Bold.ttf")))
    # Platypus paragraphs switch to the bold face for <b>: map the family so they find it
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT)
    addMapping(FONT, 1, 1, FONT_BOLD)
