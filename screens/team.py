"""The coordinator's Équipe screen: the staff accounts (add, disable or enable, a new PIN) and the
checks of the catalogue and of the itinerary, said in words.

Everything goes through kiosk.apps.console.StaffService, which refuses anyone but a coordinator; the
screen is reached only from her console. The console is used by touch: names are typed on an
on-screen keyboard and PINs on a PIN pad, twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import Screen

from kiosk.apps import console_words_coordinator as words
from kiosk.domain import Role
from kiosk.vocabulary import ROLES
from screens import theme
from screens.halfday import ChoiceToggle  # noqa: F401  (kv rules: the role toggles)
from screens.widgets import BigButton

KEY_ROWS = ("AZERTYUIOP", "QSDFGHJKLM", "WXCVBN-'", "ÉÈÊËÀÂÇÎÏÔÙÛ")
WORD_STARTS = " -'"


def typed(name: str, key: str) -> str:
    """A key added to a name: a capital at the start of each part ("Marie-Claire N'Guessan"),
    small letters elsewhere, a single space between words."""
    if key == " ":
        return name if not name or name.endswith(" ") else name + " "
    capital = not name or name[-1] in WORD_STARTS
    return name + (key.upper() if capital else key.lower())


class MemberRow(BoxLayout):
    member_id = 0
    name_text = StringProperty("")
    role_text = StringProperty("")
    active = BooleanProperty(True)
    is_me = BooleanProperty(False)


class NameDialog(ModalView):
    """A name on the on-screen keyboard, and the role."""

    name_text = StringProperty("")
    role = StringProperty(Role.ANIMATRICE.value)

    def on_kv_post(self, *_args: object) -> None:
        self.on_done: Callable[[str, str], None] | None = None
        for row in KEY_ROWS:
            line = BoxLayout(spacing=8 * App.get_running_app().u)
            for key in row:
                button = Factory.KeyButton(text=key, name=f"key:{key}")
                button.bind(on_release=lambda b: self.press(b.text))
                line.add_widget(button)
            self.ids.keyboard.add_widget(line)
        for code, label in ROLES.items():
            toggle = Factory.ChoiceToggle(text=label.capitalize(), name=f"role:{code}",
                                          code=code, group="team-role")
            toggle.bind(on_release=lambda t: setattr(self, "role", t.code))
            self.ids.roles.add_widget(toggle)
        self.bind(role=self._mark)
        self._mark()
        self.on_name_text()

    def on_name_text(self, *_args: object) -> None:
        # set here, not by a kv rule: the rule's `disabled` did not follow the typed name
        if "next_button" in self.ids:
            self.ids.next_button.disabled = not self.name_text.strip()

    def _mark(self, *_args: object) -> None:
        for toggle in self.ids.roles.children:
            toggle.state = "down" if toggle.code == self.role else "normal"

    def ask(self, on_done: Callable[[str, str], None]) -> None:
        self.name_text = ""
        self.role = Role.ANIMATRICE
        self.on_done = on_done
        self.open(animation=False)

    def press(self, key: str) -> None:
        if len(self.name_text) < 80:
            self.name_text = typed(self.name_text, key)

    def erase(self) -> None:
        self.name_text = self.name_text[:-1]

    def next(self) -> None:
        if not self.name_text.strip():
            return
        self.dismiss(animation=False)
        if self.on_done is not None:
            self.on_done(self.name_text.strip(), self.role)


class PinDialog(ModalView):
    """A PIN typed twice on the pad; the core compares them (and says if they differ)."""

    title = StringProperty("")
    prompt = StringProperty("")
    entered = StringProperty("")

    def ask(self, title: str, on_done: Callable[[str, str], None]) -> None:
        self.title = title
        self.first: str | None = None
        self.entered = ""
        self.prompt = words.PIN_PROMPT
        self.on_done = on_done
        self.open(animation=False)

    def press(self, digit: str) -> None:
        if len(self.entered) < 8:
            self.entered += digit

    def erase(self) -> None:
        self.entered = self.entered[:-1]

    def validate(self) -> None:
        if len(self.entered) < 4:
            self.prompt = words.PIN_TOO_SHORT
            return
        if self.first is None:
            self.first, self.entered = self.entered, ""
            self.prompt = words.PIN_AGAIN
            return
        first, again = self.first, self.entered
        self.dismiss(animation=False)
        self.on_done(first, again)


class TeamScreen(Screen):
    checks_catalogue = StringProperty("")
    checks_itinerary = StringProperty("")
    catalogue_ok = BooleanProperty(True)
    itinerary_ok = BooleanProperty(True)

    def on_kv_post(self, *_args: object) -> None:
        self._names: NameDialog | None = None
        self._pins: PinDialog | None = None

    def on_pre_enter(self, *_args: object) -> None:
        app = App.get_running_app()
        if not app.console.is_coordinator:  # the button is hidden; a stray way in is turned back
            Clock.schedule_once(lambda _dt: app.console.back_to_queue(), 0)
            return
        app.console.say("")
        self.reload()

    def reload(self, *_args: object) -> None:
        app = App.get_running_app()
        app.console.run_job(app.service.team, app.staff_id, on_done=self._show)

    def _show(self, members: Any) -> None:
        app = App.get_running_app()
        box = self.ids.members
        box.clear_widgets()
        for member in members:
            row = MemberRow(name_text=member.name, role_text=ROLES.get(member.role, member.role),
                            active=member.active, is_me=member.id == app.staff_id)
            row.member_id = member.id
            pin = BigButton(name=f"pin:{member.name}", text=words.NEW_PIN, font_px=24,
                            size_hint_x=None, width=230 * app.u)
            pin.bind(on_release=lambda _b, m=member: self.ask_pin(m.id, m.name))
            toggle = BigButton(name=f"toggle:{member.name}",
                               text=words.DISABLE if member.active else words.ENABLE,
                               font_px=24, size_hint_x=None, width=210 * app.u,
                               bg=theme.ERROR if member.active else theme.ACTION)
            toggle.disabled = member.id == app.staff_id  # never lock oneself out
            toggle.bind(on_release=lambda _b, m=member: self.toggle(m.id, m.name, m.active))
            row.add_widget(pin)
            row.add_widget(toggle)
            box.add_widget(row)

    # ------------------------------------------------------------ accounts

    def ask_new_member(self) -> None:
        if self._names is None:
            self._names = NameDialog()
        self._names.ask(self._named)

    def _named(self, name: str, role: str) -> None:
        app = App.get_running_app()

        def pins(pin: str, again: str) -> None:
            app.console.run_job(app.service.add_member, app.staff_id, name, role, pin, again,
                                on_done=self.reload,
                                done_message=lambda m: words.member_added(
                                    m.name, ROLES.get(m.role, m.role)))

        self._pin_dialog().ask(words.pin_title(name), pins)

    def _pin_dialog(self) -> PinDialog:
        if self._pins is None:
            self._pins = PinDialog()
        return self._pins

    def ask_pin(self, member_id: int, name: str) -> None:
        app = App.get_running_app()

        def pins(pin: str, again: str) -> None:
            app.console.run_job(app.service.set_member_pin, app.staff_id, member_id, pin, again,
                                on_done=self.reload,
                                done_message=words.pin_saved(name))

        self._pin_dialog().ask(words.new_pin_title(name), pins)

    def toggle(self, member_id: int, name: str, active: bool) -> None:
        app = App.get_running_app()
        if active:
            app.console.run_job(app.service.disable_member, app.staff_id, member_id, on_done=self.reload,
                                done_message=words.member_disabled(name))
        else:
            app.console.run_job(app.service.enable_member, app.staff_id, member_id, on_done=self.reload,
                                done_message=words.member_enabled(name))

    # ------------------------------------------------------------ checks

    def run_checks(self) -> None:
        app = App.get_running_app()
        self.checks_catalogue = words.CHECKING
        self.checks_itinerary = ""
        app.console.run_job(app.service.run_checks, app.staff_id, on_done=self._checked)

    def _checked(self, checks: Any) -> None:
        self.checks_catalogue, self.catalogue_ok = checks.catalogue.text, checks.catalogue.ok
        self.checks_itinerary, self.itinerary_ok = checks.itinerary.text, checks.itinerary.ok


__all__ = ["TeamScreen", "NameDialog", "PinDialog", "MemberRow", "typed"]
