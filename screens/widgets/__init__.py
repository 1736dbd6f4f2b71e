"""Widgets of the kiosk: big buttons and tiles, the QR image, the call banner, the PIN pad."""

from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
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
from kivy.uix.modalview import ModalView
from kivy.uix.recycleview import RecycleView
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from screens import theme

Builder.load_file(str(Path(__file__).with_name("widgets.kv")))


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
    name = StringProperty("")
    value = StringProperty("")  # what the button stands for (a procedure id...), for its handler
    # stays drawn as pressed after the tap, until its screen is left: the visitor sees the
    # choice was taken, and the kiosk draws the next screen without an extra frame between
    latched = BooleanProperty(False)
    shade = ColorProperty(theme.PRIMARY)  # what is drawn; changes only when the colour does

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        for prop in ("state", "latched", "bg", "bg_pressed"):
            self.fbind(prop, self._update_shade)
        self._update_shade()

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
    """An invisible corner: a press held for `hold_seconds` fires on_long_press (staff exit)."""

    hold_seconds = NumericProperty(3.0)
    on_long_press = ObjectProperty(None)
    _event = None

    def on_touch_down(self, touch: object) -> bool:
        if self.collide_point(*touch.pos):  # type: ignore[attr-defined]
            self._cancel()
            self._event = Clock.schedule_once(self._fire, self.hold_seconds)
            touch.grab(self)  # type: ignore[attr-defined]
            return True
        return False

    def on_touch_up(self, touch: object) -> bool:
        if touch.grab_current is self:  # type: ignore[attr-defined]
            touch.ungrab(self)  # type: ignore[attr-defined]
            self._cancel()
            return True
        return False

    def _cancel(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def _fire(self, _dt: float) -> None:
        self._event = None
        if self.on_long_press is not None:
            self.on_long_press()
