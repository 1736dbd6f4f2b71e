"""Bar charts drawn with Kivy's own graphics (rectangles and text textures): no plotting library
on the bus PC. Sizes follow the app's scale, so a chart reads the same at 1280x800 and 1920x1080.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Line, Rectangle
from kivy.properties import BooleanProperty, ColorProperty, ListProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.apps import console_words_coordinator as words
from screens import theme


class BarChart(Widget):
    """`bars`: [(label, value, value_text)], drawn in their order; vertical bars by default,
    horizontal (label on the left) when the labels are long names."""

    title = StringProperty("")
    bars = ListProperty([])
    horizontal = BooleanProperty(False)
    colour = ColorProperty(theme.PRIMARY)
    # the bars drawn in `alert_colour` (by index): the waits over 30 minutes
    alerts = ListProperty([])
    alert_colour = ColorProperty(theme.PRIORITY)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._redraw = Clock.create_trigger(self._draw, 0)
        for prop in ("pos", "size", "bars", "title", "horizontal", "colour", "alerts"):
            self.fbind(prop, self._redraw)

    # ------------------------------------------------------------ text

    @staticmethod
    def _scale() -> float:
        app = App.get_running_app()
        return float(getattr(app, "k", 1.0)) if app is not None else 1.0

    def _text(self, text: str, px: float, bold: bool = False,
              width: float | None = None) -> Any:
        app = App.get_running_app()
        font = (app.font_bold if bold else app.font_regular) if app is not None else "Roboto"
        label = CoreLabel(text=text, font_size=max(15.0, px * self._scale()), font_name=font,
                          color=theme.TEXT, halign="center",
                          text_size=(width, None) if width else (None, None))
        label.refresh()
        return label.texture

    def _blit(self, texture: Any, x: float, y: float) -> None:
        Color(1, 1, 1, 1)
        Rectangle(texture=texture, pos=(round(x), round(y)), size=texture.size)

    # ------------------------------------------------------------ drawing

    def _draw(self, *_args: object) -> None:
        self.canvas.clear()
        if self.width < 10 or self.height < 10:
            return
        k = self._scale()
        with self.canvas:
            title = self._text(self.title, 26, bold=True)
            top = self.top - title.height
            self._blit(title, self.x, top)
            area_top = top - 10 * k
            if not any(value for _label, value, _text in self.bars):
                empty = self._text(words.NOTHING_TO_SHOW, 22)
                self._blit(empty, self.x, area_top - empty.height - 20 * k)
                return
            if self.horizontal:
                self._draw_rows(area_top, k)
            else:
                self._draw_columns(area_top, k)

    def _colour(self, index: int) -> tuple[float, ...]:
        return tuple(self.alert_colour if index in self.alerts else self.colour)

    def _draw_columns(self, area_top: float, k: float) -> None:
        count = len(self.bars)
        slot = self.width / count
        labels = [self._text(label, 21, width=max(slot - 6 * k, 20)) for label, _v, _t in self.bars]
        label_height = max(t.height for t in labels)
        values = [self._text(text, 22, bold=True) for _label, _v, text in self.bars]
        value_height = max(t.height for t in values)
        base = self.y + label_height + 8 * k
        room = area_top - base - value_height - 6 * k
        biggest = max(value for _label, value, _text in self.bars) or 1
        bar_width = min(slot * 0.7, 120 * k)
        Color(*theme.MUTED_TEXT)
        Line(points=[self.x, base, self.right, base], width=max(1.0, 1.5 * k))
        for index, ((_label, value, _text), label, text) in enumerate(
                zip(self.bars, labels, values, strict=True)):
            centre = self.x + slot * (index + 0.5)
            height = max(0.0, room * value / biggest)
            Color(*self._colour(index))
            Rectangle(pos=(centre - bar_width / 2, base), size=(bar_width, height))
            self._blit(text, centre - text.width / 2, base + height + 4 * k)
            self._blit(label, centre - label.width / 2, self.y + label_height - label.height)

    def _draw_rows(self, area_top: float, k: float) -> None:
        count = len(self.bars)
        row = (area_top - self.y) / count
        labels = [self._text(label, 21) for label, _v, _t in self.bars]
        values = [self._text(text, 21, bold=True) for _label, _v, text in self.bars]
        label_width = min(max(t.width for t in labels), self.width * 0.42)
        value_width = max(t.width for t in values)
        left = self.x + label_width + 12 * k
        room = self.right - left - value_width - 12 * k
        biggest = max(value for _label, value, _text in self.bars) or 1
        bar_height = max(4.0, min(row * 0.72, 44 * k))
        for index, ((_label, value, _text), label, text) in enumerate(
                zip(self.bars, labels, values, strict=True)):
            middle = area_top - row * (index + 0.5)
            width = max(0.0, room * value / biggest)
            # a label too long for its column is cut, not drawn over the bar
            shown = label if label.width <= label_width else self._text(
                self._shortened(self.bars[index][0], label_width, label.width), 21)
            self._blit(shown, left - 12 * k - shown.width, middle - shown.height / 2)
            Color(*self._colour(index))
            Rectangle(pos=(left, middle - bar_height / 2), size=(width, bar_height))
            self._blit(text, left + width + 8 * k, middle - text.height / 2)

    @staticmethod
    def _shortened(text: str, room: float, width: float) -> str:
        keep = max(3, int(len(text) * room / width) - 1)
        return text[:keep].rstrip() + "…"
