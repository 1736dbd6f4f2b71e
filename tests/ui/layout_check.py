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

from collections.abc import Iterator
from dataclasses import dataclass

from kivy.core.window import Window
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from screens import theme

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
