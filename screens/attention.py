"""What keeps a visitor's taps meaning what she meant: the screen manager that ignores a tap on a
screen that just appeared, the calm warning before a screen closes by itself, and a short note
(a sound that failed) that never takes a touch.

A double tap is two taps 80 to 350 ms apart: the first one changes the screen, the second one
would land on whatever the new screen has at the same place (a procedure, "Non merci"). So the
manager drops every touch that begins within `guard_seconds` of a change of screen, once, for
every button of every screen, instead of each button defending itself.
"""

from __future__ import annotations

import time
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import ScreenManager

GUARD_SECONDS = 0.5  # a double tap is at most ~350 ms; a deliberate next tap comes after ~1 s
_IGNORED = "borne_plus_ignored"  # touch.ud key: the whole touch (down, move, up) is dropped

Builder.load_string("""
#:import theme screens.theme

<IdleWarning>:
    opacity: 1 if self.shown else 0
    canvas.before:
        Color:
            rgba: (0, 0, 0, .35) if self.shown else (0, 0, 0, 0)
        Rectangle:
            pos: self.pos
            size: self.size
    BoxLayout:
        orientation: 'vertical'
        size_hint: .62, None
        height: self.minimum_height
        pos_hint: {'center_x': .5, 'center_y': .5}
        padding: 50 * app.u
        spacing: 24 * app.u
        canvas.before:
            Color:
                rgba: theme.PANEL
            RoundedRectangle:
                pos: self.pos
                size: self.size
                radius: [28 * app.u]
        KLabel:
            text: root.title
            font_name: app.font_bold
            halign: 'center'
            font_size: max(app.min_font, 54 * app.k)
        KLabel:
            text: root.text
            halign: 'center'
            font_size: max(app.min_font, 42 * app.k)

# under the "Écouter" button just pressed, where the visitor is looking
<SoundNote>:
    size_hint: .42, None
    height: self.texture_size[1] + 40 * app.u
    pos_hint: {'right': .985, 'top': .87}
    text_size: self.width - 60 * app.u, None
    halign: 'center'
    valign: 'middle'
    font_size: max(app.min_font, 38 * app.k)
    font_name: app.font_bold
    color: theme.ON_DARK
    opacity: 1 if self.shown else 0
    canvas.before:
        Color:
            rgba: theme.ERROR if self.shown else (0, 0, 0, 0)
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [20 * app.u]
""")


class GuardedScreenManager(ScreenManager):
    """A ScreenManager that does not take a tap on a screen that just appeared as a command.

    Every change of `current` starts a quiet time of `guard_seconds`; `hold(seconds)` makes one
    longer (after an automatic return to Accueil, the visitor's finger was on its way to a button
    of the screen that went away). A touch that begins in the quiet time is dropped whole: its
    move and its release too, even if they come later. A touch that began on the screen that was
    left is dropped too: a button grabs its touch, and Kivy would hand it the release even after
    its screen went away ("Je ne sais pas" pressed twice gave two tickets that way).
    """

    guard_seconds = NumericProperty(GUARD_SECONDS)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._quiet_until = 0.0
        self.ignored = 0  # touches dropped, for the tests and the log
        self._pressing: list[Any] = []  # touches down on the current screen, not yet up
        self.fbind("current", self._appeared)

    def _appeared(self, *_args: Any) -> None:
        self.hold(self.guard_seconds)
        pressing, self._pressing = self._pressing, []
        for touch in pressing:
            touch.ud[_IGNORED] = True
            for ref in list(touch.grab_list):
                widget = ref()
                if widget is None:
                    continue
                touch.ungrab(widget)
                if hasattr(widget, "_do_release"):
                    widget._do_release()  # drawn pressed no more

    def content_changed(self) -> None:
        """The current screen showed other buttons where the finger was (a group of procedures
        opened into its procedures): the same quiet time as a new screen."""
        self._appeared()

    def hold(self, seconds: float) -> None:
        self._quiet_until = max(self._quiet_until, time.monotonic() + seconds)

    @property
    def settled(self) -> bool:
        """True once a tap on the current screen counts."""
        return time.monotonic() >= self._quiet_until

    def on_touch_down(self, touch: Any) -> bool:
        if not self.settled:
            touch.ud[_IGNORED] = True
            self.ignored += 1
            return True
        self._pressing.append(touch)
        return bool(super().on_touch_down(touch))

    def on_touch_move(self, touch: Any) -> bool:
        if touch.ud.get(_IGNORED):
            return True
        return bool(super().on_touch_move(touch))

    def on_touch_up(self, touch: Any) -> bool:
        if touch in self._pressing:
            self._pressing.remove(touch)
        if touch.ud.get(_IGNORED):
            return True
        return bool(super().on_touch_up(touch))


class IdleWarning(FloatLayout):
    """"Cet écran va se fermer. Touchez l'écran pour le garder." over the whole screen, a few
    seconds before an automatic return to Accueil. Shown, it takes every touch: the tap keeps the
    screen (`on_keep`) and does nothing else, so it cannot press a button the visitor can't see
    under the panel. Hidden, it lets every touch through."""

    shown = BooleanProperty(False)
    title = StringProperty("")
    text = StringProperty("")
    on_keep = ObjectProperty(None)

    def on_touch_down(self, touch: Any) -> bool:
        if not self.shown:
            return False
        touch.ud[_IGNORED] = True
        self.shown = False
        if self.on_keep is not None:
            self.on_keep()
        return True

    def on_touch_move(self, touch: Any) -> bool:
        return bool(touch.ud.get(_IGNORED))

    def on_touch_up(self, touch: Any) -> bool:
        return bool(touch.ud.get(_IGNORED))


class SoundNote(Label):
    """A short red line at the bottom of any screen ("Le son ne marche pas sur cette borne…").
    It never takes a touch: the buttons under it still work."""

    shown = BooleanProperty(False)

    def on_touch_down(self, touch: Any) -> bool:
        return False

    def on_touch_move(self, touch: Any) -> bool:
        return False

    def on_touch_up(self, touch: Any) -> bool:
        return False
