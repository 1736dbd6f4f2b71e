"""Widgets of the kiosk: big buttons and tiles, the QR image, the call banner, the PIN pad."""

from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.recycleview import RecycleView
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from screens import theme

Builder.load_file(str(Path(__file__).with_name("widgets.kv")))


class FitLabel(Label):
    """A label that never cuts a word: it wraps at spaces only, and when a word (or, with
    `fit_height`, the whole wrapped text) does not fit its box at the wanted size `want`, it
    takes the largest font size that fits, down to the app's smallest text (smallest_font).

    Kivy's own wrapping cuts a word that is wider than the line ("Accue/il", "Écoute/r") and
    draws a text taller than its widget past the widget's edges; large text made both happen
    on every screen. Sizes are measured with the font's metrics (no texture is drawn), so the
    fit costs a few microseconds per word.
    """

    want = NumericProperty(0)  # the wanted font size in window pixels; 0: font_size as set
    fit_height = BooleanProperty(False)  # the text must also fit the widget's height
    whole_lines = BooleanProperty(False)  # each line of the text fits the width unbroken

    def __init__(self, **kwargs: object) -> None:
        self._measure: CoreLabel | None = None
        self._refit = Clock.create_trigger(self._fit, -1)
        super().__init__(**kwargs)
        for prop in ("want", "fit_height", "whole_lines", "text", "size", "text_size",
                     "font_name", "bold", "line_height"):
            self.fbind(prop, self._refit)
        self._refit()

    def _fit(self, *_args: object) -> None:
        if self.want <= 0:
            return
        self.font_size = self.fitting_size()

    def fitting_size(self) -> float:
        want, text = float(self.want), self.text
        if not text.strip() or self.width <= 1:
            return want
        wrap = self.text_size[0] is not None
        text_box = _TextBox(text, self.font_name, self.bold, want,
                            self.text_size[0] if wrap else self.width,
                            whole=self.whole_lines or not wrap, line_height=self.line_height)
        scale = text_box.word_scale()
        if self.fit_height:
            height = self.text_size[1] if self.text_size[1] is not None else self.height
            floor = smallest_font()
            while scale * want > floor and text_box.height_at(scale) > height * MARGIN:
                scale *= 0.95
        return max(smallest_font(), int(want * scale))


MARGIN = 0.97  # hinting makes a glyph a pixel wider at some sizes than the linear measure


def smallest_font() -> float:
    """How small a fitted text may shrink: the kiosk's 28 px (also in large text, where a word
    that does not fit at 36 px still may go down to 28 rather than be cut), or the console's own
    smaller minimum on the staff screen (a console button sized for its 20 px text must not be
    drawn at 28 px, which cut "Reprendr/e")."""
    from kivy.app import App

    app = App.get_running_app()
    return float(min(getattr(app, "min_font", theme.MIN_FONT) or theme.MIN_FONT, theme.MIN_FONT))


class _TextBox:
    """A text laid out as Kivy does (wrapped at spaces in `width`), measured at `size` with the
    font's metrics; sizes at another scale are taken as proportional."""

    def __init__(self, text: str, font_name: str, bold: bool, size: float, width: float,
                 whole: bool = False, line_height: float = 1.0) -> None:
        core = CoreLabel(font_name=font_name, font_size=size, bold=bold)
        self.width = width * MARGIN
        self.paragraphs = [[p] if whole else p.split() for p in text.split("\n")]
        self.widths = {w: core.get_extents(w)[0] for p in self.paragraphs for w in p}
        self.space = core.get_extents(" ")[0]
        self.line = core.get_extents("ÉgÀy")[1] * max(line_height, 1.0)

    def word_scale(self) -> float:
        """The largest scale (at most 1) at which the longest word holds on a line."""
        longest = max(self.widths.values(), default=0) or 1
        return min(1.0, self.width / longest)

    def height_at(self, s: float) -> float:
        count = 0
        for words in self.paragraphs:
            count += 1
            used = 0.0
            for word in words:
                w = self.widths[word] * s
                if used and used + self.space * s + w > self.width:
                    count += 1
                    used = w
                else:
                    used += (self.space * s if used else 0) + w
        return count * self.line * s


class BigButton(ButtonBehavior, BoxLayout):
    """A large rounded button: optional pictogram, a label, an optional second line."""

    text = StringProperty("")
    sub = StringProperty("")
    icon = StringProperty("")
    bg = ColorProperty(theme.PRIMARY)
    bg_pressed = ColorProperty(theme.PRIMARY_PRESSED)
    fg = ColorProperty(theme.ON_DARK)
    font_px = NumericProperty(40)
    vertical = BooleanProperty(False)
    icon_px = NumericProperty(90)
    # the wanted sizes of the two lines (set by kv from font_px and the app's scale), and the
    # one factor that makes both fit the button together, as large as they can be
    title_px = NumericProperty(40)
    sub_px = NumericProperty(29)
    text_scale = NumericProperty(1.0)
    name = StringProperty("")
    value = StringProperty("")  # what the button stands for (a procedure id...), for its handler
    # stays drawn as pressed after the tap, until its screen is left: the visitor sees the
    # choice was taken, and the kiosk draws the next screen without an extra frame between
    latched = BooleanProperty(False)
    shade = ColorProperty(theme.PRIMARY)  # what is drawn; changes only when the colour does

    def __init__(self, **kwargs: object) -> None:
        self._refit = Clock.create_trigger(self._fit_texts, -1)
        super().__init__(**kwargs)
        for prop in ("state", "latched", "bg", "bg_pressed"):
            self.fbind(prop, self._update_shade)
        self._update_shade()
        for prop in ("size", "text", "sub", "title_px", "sub_px"):
            self.fbind(prop, self._refit)

    def on_kv_post(self, base_widget: object) -> None:
        self.ids.title.fbind("width", self._refit)
        self.ids.title.parent.fbind("height", self._refit)

    def _fit_texts(self, *_args: object) -> None:
        """Title and second line shrink together, never below the app's smallest text, until their
        wrapped lines fit the button's height."""
        title = self.ids.title
        width, height = title.width, title.parent.height * MARGIN
        if width <= 1 or not self.text:
            return
        boxes = [(_TextBox(self.text, title.font_name, True, self.title_px, width),
                  self.title_px)]
        if self.sub:
            boxes.append((_TextBox(self.sub, self.ids.subtitle.font_name, False, self.sub_px,
                                   width), self.sub_px))

        floor = smallest_font()

        def drawn(scale: float) -> float:  # what each FitLabel will draw at this scale
            return sum(box.height_at(max(min(scale, box.word_scale()), floor / px))
                       for box, px in boxes)

        scale = 1.0
        while scale > 0.3 and drawn(scale) > height:
            scale *= 0.95
        self.text_scale = scale

    def _update_shade(self, *_args: object) -> None:
        self.shade = self.bg_pressed if self.state == "down" or self.latched else self.bg


class _Hiding:
    """A group of buttons that can be hidden in place: when `shown` is False it is invisible,
    disabled and lets every touch through. (A disabled Kivy widget swallows the touches that
    land on it, and hidden buttons keep their height: they would cover what lies under them.)"""

    shown = BooleanProperty(True)

    def on_touch_down(self, touch):  # type: ignore[no-untyped-def]
        return super().on_touch_down(touch) if self.shown else False  # type: ignore[misc]

    def on_touch_move(self, touch):  # type: ignore[no-untyped-def]
        return super().on_touch_move(touch) if self.shown else False  # type: ignore[misc]

    def on_touch_up(self, touch):  # type: ignore[no-untyped-def]
        return super().on_touch_up(touch) if self.shown else False  # type: ignore[misc]


class HidingBox(_Hiding, BoxLayout):
    pass


class HidingGrid(_Hiding, GridLayout):
    pass


class _SteadyBar:
    """A wide scroll bar that stays visible: no fade animation.

    Kivy's ScrollView fades its bar for half a second after every content change; on a
    software-rendered screen those 30 full redraws per new ticket delayed the console by
    up to two seconds. A bar that stays put also tells staff there is more below.
    """

    def _bind_inactive_bar_color(self, *args: object) -> None:
        self._bar_color = self.bar_inactive_color  # type: ignore[attr-defined]


class SteadyScrollView(_SteadyBar, ScrollView):
    pass


class SteadyRecycleView(_SteadyBar, RecycleView):
    """A long list whose rows exist only while visible (the console's queue)."""


class QRCodeImage(Widget):
    """Draws a QR matrix as a texture with sharp (nearest) modules."""

    matrix = ListProperty([])
    texture = ObjectProperty(None, allownone=True)

    def on_matrix(self, _instance: object, matrix: list[list[bool]]) -> None:
        if not matrix:
            self.texture = None
            return
        size = len(matrix)
        pixels = bytearray()
        for row in reversed(matrix):  # textures start at the bottom
            for dark in row:
                pixels += b"\x00\x00\x00" if dark else b"\xff\xff\xff"
        texture = Texture.create(size=(size, size), colorfmt="rgb")
        texture.mag_filter = "nearest"
        texture.min_filter = "nearest"
        texture.blit_buffer(bytes(pixels), colorfmt="rgb", bufferfmt="ubyte")
        self.texture = texture


class CallBanner(BoxLayout):
    """The yellow call band over every screen. It never takes a touch: the banner appears
    whenever a call comes, often while a finger is already on its way to a button under it,
    and that tap must do what the visitor meant. A tap on it also closes it early, so she
    sees the screen she is using (the next call in line, if any, follows)."""

    text = StringProperty("")
    sub = StringProperty("")
    shown = BooleanProperty(False)
    on_dismiss = ObjectProperty(None)

    def on_touch_down(self, touch: object) -> bool:
        if self.shown and self.collide_point(*touch.pos):  # type: ignore[attr-defined]
            if self.on_dismiss is not None:
                self.on_dismiss()
        return False  # the touch goes on to the screen under the banner


class PinPad(ModalView):
    """Digits only: the staff PIN to leave kiosk mode. `check` says whether a PIN is right."""

    entered = StringProperty("")
    message = StringProperty("")
    check = ObjectProperty(None)
    on_success = ObjectProperty(None)

    def press(self, digit: str) -> None:
        if len(self.entered) < 8:
            self.entered += digit
        self.message = ""

    def erase(self) -> None:
        self.entered = self.entered[:-1]

    def validate(self) -> None:
        pin, self.entered = self.entered, ""
        if self.check is not None and self.check(pin):
            self.dismiss()
            if self.on_success is not None:
                Clock.schedule_once(lambda _dt: self.on_success(), 0)
        else:
            from kivy.app import App

            self.message = App.get_running_app().t("staff.pin_wrong")


class CornerHotspot(Widget):
    """An invisible corner: a press held for `hold_seconds` fires on_long_press (staff exit).

    The corner lies over the left end of "Accueil" (its house): a short tap goes through to the
    button under it, as the visitor expects; only a press held long enough is the staff's, and
    then the button under it lets go without acting (it would close the PIN pad just opened)."""

    hold_seconds = NumericProperty(3.0)
    on_long_press = ObjectProperty(None)
    _event = None
    _touch: object = None

    def on_touch_down(self, touch: object) -> bool:
        if self.collide_point(*touch.pos):  # type: ignore[attr-defined]
            self._cancel()
            self._touch = touch
            self._event = Clock.schedule_once(self._fire, self.hold_seconds)
            touch.grab(self)  # type: ignore[attr-defined]
        return False  # the button under the corner gets the tap too

    def on_touch_up(self, touch: object) -> bool:
        if touch.grab_current is self:  # type: ignore[attr-defined]
            touch.ungrab(self)  # type: ignore[attr-defined]
            self._cancel()
        return False

    def _cancel(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        self._touch = None

    def _fire(self, _dt: float) -> None:
        self._event = None
        touch, self._touch = self._touch, None
        for ref in list(getattr(touch, "grab_list", ())):
            widget = ref() if callable(ref) else ref
            if isinstance(widget, ButtonBehavior):
                touch.ungrab(widget)  # type: ignore[attr-defined]
                widget._do_release()  # drawn released; no on_release when the finger lifts
        if self.on_long_press is not None:
            self.on_long_press()
