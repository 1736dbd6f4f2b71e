"""Login: tap your name, choose your desk, type your PIN."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from screens import theme
from screens.widgets import BigButton


class LoginScreen(Screen):
    chosen = NumericProperty(0)
    chosen_name = StringProperty("")
    desk = NumericProperty(1)
    pin = StringProperty("")

    def on_pre_enter(self, *_args: object) -> None:
        app = App.get_running_app()
        app.load_members()
        self.pin = ""
        self.chosen = 0
        self.chosen_name = ""

    def on_kv_post(self, *_args: object) -> None:
        App.get_running_app().bind(members=lambda *_a: self.fill())

    def fill(self) -> None:
        app = App.get_running_app()
        box = self.ids.names
        box.clear_widgets()
        for member in app.members:
            button = BigButton(name=f"staff:{member['name']}", text=member["name"],
                               sub="coordination" if member["role"] == "coordinator" else "",
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
        app = App.get_running_app()
        if not self.chosen:
            app.say("Touchez d'abord votre nom.", error=True)
            return
        pin, self.pin = self.pin, ""
        app.login(self.chosen, pin, self.desk)
