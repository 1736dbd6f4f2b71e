"""Colours and sizes of the kiosk (no Kivy import: the contrast test reads this module).

Every text colour is paired with its background and checked at >= 7:1 (WCAG AAA) by a test.
"""

from __future__ import annotations

Colour = tuple[float, float, float, float]


def hex_colour(value: str) -> Colour:
    value = value.lstrip("#")
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, 1.0)


BACKGROUND = hex_colour("#FFFFFF")
TEXT = hex_colour("#1A1A1A")
MUTED_TEXT = hex_colour("#3D3D3D")
PRIMARY = hex_colour("#0B3D91")       # dark blue: organism tiles, procedure rows
PRIMARY_PRESSED = hex_colour("#062866")
ACTION = hex_colour("#0A5C36")        # dark green: "Prendre un ticket"
ACTION_PRESSED = hex_colour("#063D24")
ON_DARK = hex_colour("#FFFFFF")
PANEL = hex_colour("#EEF2F8")         # light panel behind the calls band
BANNER = hex_colour("#FFD400")        # yellow call banner, black text
ON_BANNER = hex_colour("#000000")
PRIORITY = hex_colour("#7A1F5C")      # plum: priority ticket button and badge
PRIORITY_PRESSED = hex_colour("#541540")
ERROR = hex_colour("#9B1C1C")
# "Votre avis": the three faces, drawn on white (PANEL while pressed)
FACE_CONTENT = ACTION
FACE_MOYEN = hex_colour("#5C4000")   # dark amber
FACE_PAS_CONTENT = ERROR
FACE_BORDER = hex_colour("#8A94A6")

# (text, background) pairs that appear on screen
PAIRS = {
    "text on background": (TEXT, BACKGROUND),
    "muted text on background": (MUTED_TEXT, BACKGROUND),
    "text on panel": (TEXT, PANEL),
    "white on primary": (ON_DARK, PRIMARY),
    "white on primary pressed": (ON_DARK, PRIMARY_PRESSED),
    "white on action": (ON_DARK, ACTION),
    "white on priority": (ON_DARK, PRIORITY),
    "black on banner": (ON_BANNER, BANNER),
    "error on background": (ERROR, BACKGROUND),
    "primary on background": (PRIMARY, BACKGROUND),  # an information panel's title
    "content face on background": (FACE_CONTENT, BACKGROUND),
    "moyen face on background": (FACE_MOYEN, BACKGROUND),
    "pas content face on background": (FACE_PAS_CONTENT, BACKGROUND),
    "content face on panel": (FACE_CONTENT, PANEL),
    "moyen face on panel": (FACE_MOYEN, PANEL),
    "pas content face on panel": (FACE_PAS_CONTENT, PANEL),
}


def relative_luminance(colour: Colour) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Colour, b: Colour) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# Sizes are in "design pixels" of a 1920x1080 screen; the app scales them to the window.
# 15 mm on a 15.6" 1920x1080 panel is 84 px: every touch target is at least MIN_TARGET.
DESIGN_HEIGHT = 1080
PX_PER_MM_15_6_INCH_1080P = 1920 / 344.2
MIN_TARGET = 120
MIN_FONT = 28
