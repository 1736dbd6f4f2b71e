"""Login: tap your name, choose your desk, type your PIN."""

from __future__ import annotations

from kivy.app import App
from kivy.core.window import Window
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.apps import console_words as words
from kiosk.domain import Role
from screens import theme
from screens.widgets import BigButton


class LoginScreen(Screen):
    chosen = NumericProperty(0)
    chosen_name = StringProperty("")
    desk = NumericProperty(1)
    pin = StringProperty("")

    def on_pre_enter(self, *_args: object) -> None:
        App.get_running_app().console.load_members()
        self.pin = ""
        self.chosen = 0
        self.chosen_name = ""
        self.fill()  # no name left highlighted from the previous session

    def on_kv_post(self, *_args: object) -> None:
        App.get_running_app().bind(members=lambda *_a: self.fill())

    # the PIN can also be typed on the laptop's keyboard: digits, Backspace, Enter
    def on_enter(self, *_args: object) -> None:
        Window.bind(on_key_down=self._key)

    def on_leave(self, *_args: object) -> None:
        Window.unbind(on_key_down=self._key)

    def _key(self, _window: object, key: int, _scancode: int, codepoint: str | None,
             _modifiers: object) -> bool:
        if codepoint and codepoint.isdigit():
            self.press(codepoint)
        elif key == 8:
            self.press("←")
        elif key in (13, 271):
            self.press("OK")
        else:
            return False
        return True

    def fill(self) -> None:
        app = App.get_running_app()
        if self.chosen and all(m["id"] != self.chosen for m in app.members):
            self.chosen = 0  # disabled meanwhile: her name is gone, so is the choice
            self.chosen_name = ""
            self.pin = ""
        if len(app.members) == 1 and not self.chosen:  # one account: nothing to choose
            self.chosen = app.members[0]["id"]
            self.chosen_name = app.members[0]["name"]
        box = self.ids.names
        box.clear_widgets()
        for member in app.members:
            button = BigButton(name=f"staff:{member['name']}", text=member["name"],
                               sub=words.COORDINATION_MARK if member["role"] == Role.COORDINATOR else "",
                               font_px=36, size_hint_y=None, height=110 * app.u,
                               bg=theme.ACTION if member["id"] == self.chosen else theme.PRIMARY)
            button.bind(on_release=lambda _b, m=member: self.choose(m))
            box.add_widget(button)

    def choose(self, member: dict) -> None:
        self.chosen = member["id"]
        self.chosen_name = member["name"]
        self.pin = ""
        self.fill()

    def press(self, key: str) -> None:
        if key == "←":
            self.pin = self.pin[:-1]
        elif key == "OK":
            self.submit()
        elif len(self.pin) < 8:
            self.pin += key

    def submit(self) -> None:
        pin = self.pin
        if self.chosen:  # else the PIN typed stays, and the console asks for her name
            self.pin = ""
        App.get_running_app().console.login(self.chosen, pin, self.desk)
