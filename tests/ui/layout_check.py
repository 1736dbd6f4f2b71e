"""A generic look at what is on screen, as a visitor with poor sight would look at it.

`layout_problems(app)` walks the widgets the visitor can see (the current screen, the call banner
when it shows, an open modal such as the PIN pad) and returns one French-free, plain line per
problem, so a failing test prints every fault of a screen at once:

- a label's text does not fit its widget (the texture is larger: Kivy draws it past the edges);
- a word is cut across two lines ("Accue/il"), or a line of the text is dropped;
- a text smaller than the kiosk's minimum size;
- a text outside its button, or outside the window;
- two visible buttons or texts overlap;
- a button smaller than a 15 mm touch target.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kivy.core.window import Window
from kivy.graphics import Color, InstructionGroup, Rectangle
from kivy.graphics.instructions import CanvasBase
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.relativelayout import RelativeLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from screens import theme
from screens.theme import Colour

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in window pixels
SLACK = 1.0  # rounding of Kivy's pixel positions


@dataclass
class _Item:
    widget: Widget
    rect: Rect
    what: str


def target_px(window_width: int) -> int:
    """15 mm in pixels: 84 px on a 15.6" 1920x1080 panel; 64 px on a 14" 1280x800 panel."""
    return 84 if window_width >= 1920 else 64


def _window_rect(widget: Widget, x: float, y: float, w: float, h: float) -> Rect:
    x0, y0 = widget.to_window(x, y)
    return (x0, y0, x0 + w, y0 + h)


def _widget_rect(widget: Widget) -> Rect:
    return _window_rect(widget, widget.x, widget.y, widget.width, widget.height)


def _text_rect(label: Label) -> Rect:
    # where Kivy's Label rule draws the texture: centred on the widget, whatever its size
    tw, th = label.texture_size
    return _window_rect(label, label.center_x - tw / 2, label.center_y - th / 2, tw, th)


def _inside(inner: Rect, outer: Rect) -> bool:
    return (inner[0] >= outer[0] - SLACK and inner[1] >= outer[1] - SLACK
            and inner[2] <= outer[2] + SLACK and inner[3] <= outer[3] + SLACK)


def _overlap(a: Rect, b: Rect) -> bool:
    return (min(a[2], b[2]) - max(a[0], b[0]) > SLACK
            and min(a[3], b[3]) - max(a[1], b[1]) > SLACK)


def _clip(a: Rect, b: Rect) -> Rect | None:
    r = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return r if r[2] - r[0] > SLACK and r[3] - r[1] > SLACK else None


def _name(widget: Widget) -> str:
    text = getattr(widget, "text", "") or ""
    name = getattr(widget, "name", "") or ""
    short = text.replace("\n", " / ")[:40]
    return f"{type(widget).__name__}({name or short!r})"


def _visible(root: Widget) -> Iterator[tuple[Widget, Widget | None, Rect | None]]:
    """(widget, its nearest button ancestor, its scroll view's visible rect) for what shows."""

    def walk(widget: Widget, button: Widget | None, clip: Rect | None
             ) -> Iterator[tuple[Widget, Widget | None, Rect | None]]:
        if widget.opacity <= 0.01 or not getattr(widget, "shown", True):
            return
        yield widget, button, clip
        if isinstance(widget, ButtonBehavior):
            button = widget
        if isinstance(widget, ScrollView):
            clip = _widget_rect(widget) if clip is None else _clip(_widget_rect(widget), clip)
            if clip is None:
                return
        for child in reversed(widget.children):
            yield from walk(child, button, clip)

    yield from walk(root, None, None)


def _drawn_lines(label: Label) -> list[str]:
    label.texture_update()  # the lines Kivy really draws, with the current sizes
    return ["".join(word.text for word in line.words) for line in label._label._cached_lines]


def _label_problems(label: Label, button: Widget | None,
                    min_font: float = theme.MIN_FONT) -> list[str]:
    problems = []
    who = _name(label)
    width, height = label.size
    tw, th = label.texture_size
    if tw > width + SLACK or th > height + SLACK:
        problems.append(f"{who}: text {tw:.0f}x{th:.0f} larger than its widget "
                        f"{width:.0f}x{height:.0f}")
    if label.font_size < min_font - 0.5:
        problems.append(f"{who}: font {label.font_size:.1f} px < {min_font:.0f}")
    words = label.text.split()
    drawn: list[str] = []
    for line in _drawn_lines(label):
        for token in line.split():
            if token not in words:
                problems.append(f"{who}: word cut across lines ({token!r})")
            drawn.append(token)
    if "".join(drawn) != "".join(words):
        problems.append(f"{who}: text drawn is {' '.join(drawn)!r}, not the whole text")
    text = _text_rect(label)
    if not _inside(text, (0, 0, Window.width, Window.height)):
        problems.append(f"{who}: text outside the window {tuple(round(v) for v in text)}")
    if button is not None and not _inside(text, _widget_rect(button)):
        problems.append(f"{who}: text outside its button {_name(button)}")
    return problems


def layout_problems(app: Widget, min_target: int | None = None,
                    min_font: float = theme.MIN_FONT) -> list[str]:
    """Every visible fault of what the visitor sees now (empty list: the screen is fine).
    `min_target` and `min_font` are the kiosk's own unless a preview window is checked."""
    min_target = min_target if min_target is not None else target_px(Window.width)
    roots: list[Widget] = [app.manager.current_screen]
    # what the app lays over the screens when it shows: the call banner, warnings
    roots += [c for c in app.root.children if c is not app.manager and c.opacity > 0.01
              and getattr(c, "shown", True) and any(isinstance(w, Label) for w in c.walk())]
    roots += [c for c in Window.children if isinstance(c, ModalView)]
    window = (0.0, 0.0, float(Window.width), float(Window.height))
    problems: list[str] = []
    for root in roots:
        items: list[_Item] = []
        for widget, button, clip in _visible(root):
            if isinstance(widget, ButtonBehavior) and widget is not root:
                rect = _widget_rect(widget)
                if min(widget.size) < min_target - SLACK:
                    problems.append(f"{_name(widget)}: touch target {widget.width:.0f}x"
                                    f"{widget.height:.0f} < {min_target} px")
                shown = rect if clip is None else _clip(rect, clip)
                if shown is None:
                    continue
                if clip is None and not _inside(rect, window):
                    problems.append(f"{_name(widget)}: button outside the window")
                items.append(_Item(widget, shown, "button"))
            elif isinstance(widget, Label) and widget.text.strip():
                problems += _label_problems(widget, button, min_font)
                if button is None:
                    text = _text_rect(widget)
                    shown = text if clip is None else _clip(text, clip)
                    if shown is not None:
                        items.append(_Item(widget, shown, "text"))
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                if _overlap(a.rect, b.rect):
                    problems.append(f"{_name(a.widget)} overlaps {_name(b.widget)}")
    return problems


# ------------------------------------------------------------ contrast and physical sizes

# The bus's screens are 15.6" panels; 16:9 at 15.6" is 345 mm wide. A window of another width
# on the same panel (1280x800 shown on it) has fewer pixels per millimetre.
PANEL_WIDTH_MM = 345.0
MIN_TARGET_MM = 15.0
MIN_CONTRAST = 7.0  # WCAG AAA, for every text


def px_per_mm(window_width: int, panel_width_mm: float = PANEL_WIDTH_MM) -> float:
    return window_width / panel_width_mm


def target_mm_px(window_width: int) -> int:
    """15 mm in pixels on the 15.6" panel: 84 px at 1920 wide, 56 px at 1280 wide."""
    return math.ceil(MIN_TARGET_MM * px_per_mm(window_width) - 1e-9)


def _instructions(group: Any) -> Iterator[Any]:
    """The widget's own instructions: not its children's canvases (nested in its canvas), and
    its canvas.before only where it is (the widget's canvas holds it too)."""
    for instruction in getattr(group, "children", []):
        if isinstance(instruction, CanvasBase):
            continue
        yield instruction
        if isinstance(instruction, InstructionGroup):
            yield from _instructions(instruction)


def _drawn_rects(widget: Widget, own_text: bool) -> Iterator[tuple[Colour, Rect]]:
    """(colour, window rect) of each rectangle the widget paints under its children (for the
    label itself, all but its own text: a Kivy Button paints its background in its canvas)."""
    groups = [widget.canvas.before, widget.canvas]
    text = widget.texture if own_text else None
    local = isinstance(widget, RelativeLayout)  # a Screen draws in its own coordinates
    for group in groups:
        colour: Colour = (1.0, 1.0, 1.0, 1.0)
        for instruction in _instructions(group):
            if isinstance(instruction, Color):
                colour = tuple(instruction.rgba)  # type: ignore[assignment]
            elif isinstance(instruction, Rectangle):
                if text is not None and instruction.texture is text:
                    continue
                x, y = instruction.pos
                if local:
                    x, y = widget.to_parent(x, y)
                x0, y0 = widget.to_window(x, y)
                w, h = instruction.size
                yield colour, (x0, y0, x0 + w, y0 + h)


def _over(top: Colour, alpha: float, bottom: Colour) -> Colour:
    a = top[3] * alpha
    return (top[0] * a + bottom[0] * (1 - a), top[1] * a + bottom[1] * (1 - a),
            top[2] * a + bottom[2] * (1 - a), 1.0)


def _chain(widget: Widget) -> list[Widget]:
    chain = []
    node: Any = widget
    while node is not None and node is not Window:
        chain.append(node)
        node = node.parent
    return chain[::-1]  # from the window down to the widget


def text_contrast(label: Label) -> tuple[float, Colour, Colour]:
    """(contrast ratio, text colour, background colour) of a label as drawn: the colours of the
    rectangles painted under the middle of its text by its ancestors (blended with their
    opacity over the window's colour), and its own colour blended over that."""
    tx0, ty0, tx1, ty1 = _text_rect(label)
    cx, cy = (tx0 + tx1) / 2, (ty0 + ty1) / 2
    background: Colour = tuple(Window.clearcolor)  # type: ignore[assignment]
    background = (*background[:3], 1.0)
    opacity = 1.0
    for node in _chain(label):
        opacity *= node.opacity
        for colour, (x0, y0, x1, y1) in _drawn_rects(node, own_text=node is label):
            if x0 <= cx <= x1 and y0 <= cy <= y1:
                background = _over(colour, opacity, background)
    text = _over(tuple(label.color), opacity, background)  # type: ignore[arg-type]
    return theme.contrast(text, background), text, background


def _inactive(widget: Widget) -> bool:
    # WCAG leaves the text of an inactive control out of the contrast rule: "Prendre un ticket"
    # greyed out while the bus is closed is meant to look unavailable
    return any(getattr(node, "disabled", False) for node in _chain(widget))


def contrast_problems(app: Widget, minimum: float = MIN_CONTRAST) -> list[str]:
    """Every visible text whose contrast with what is painted behind it is below `minimum`."""
    roots: list[Widget] = [app.manager.current_screen]
    roots += [c for c in app.root.children if c is not app.manager and c.opacity > 0.01
              and getattr(c, "shown", True)]
    roots += [c for c in Window.children if isinstance(c, ModalView)]
    problems = []
    for root in roots:
        for widget, _button, _clip in _visible(root):
            if not isinstance(widget, Label) or not widget.text.strip() or _inactive(widget):
                continue
            ratio, text, background = text_contrast(widget)
            if ratio < minimum - 0.005:
                problems.append(f"{_name(widget)}: contrast {ratio:.2f}:1 < {minimum:g}:1 "
                                f"(text {_hex(text)} on {_hex(background)})")
    return problems


def _hex(colour: Colour) -> str:
    return "#" + "".join(f"{round(c * 255):02X}" for c in colour[:3])


# the buttons of the top bars: their few words stay on one line ("Texte plus / grand" is read
# as two things)
ONE_LINE_BUTTONS = ("listen", "zoom", "language", "home", "back")


def one_line_problems(app: Widget, names: tuple[str, ...] = ONE_LINE_BUTTONS) -> list[str]:
    problems = []
    for widget, _button, _clip in _visible(app.manager.current_screen):
        if isinstance(widget, ButtonBehavior) and getattr(widget, "name", "") in names:
            title = widget.ids.get("title") if hasattr(widget, "ids") else None
            if title is not None and title.text.strip() and len(_drawn_lines(title)) > 1:
                problems.append(f"{_name(widget)}: its title wraps on "
                                f"{len(_drawn_lines(title))} lines")
    return problems
