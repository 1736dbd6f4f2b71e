"""The console: the live queue on the left, my desk and its actions on the right."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import Screen

from screens import theme
from screens.widgets import BigButton


class QueueRow(ButtonBehavior, BoxLayout):
    """One waiting ticket: number, pictogram, procedure, time waited, priority badge."""

    number = NumericProperty(0)
    title = StringProperty("")
    icon = StringProperty("")
    waited = StringProperty("")
    priority = BooleanProperty(False)
    selected = BooleanProperty(False)

    def on_release(self) -> None:
        App.get_running_app().select(self.number)


class Chooser(ModalView):
    """A list of big choices in a modal: desks to transfer to, procedures, stops.

    One chooser per purpose lives as long as the console, and its buttons are reused from one
    opening to the next: building 37 procedure buttons at every "Nouveau ticket" took half a
    second and left their textures behind (about 90 MB after ten openings)."""

    title = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._buttons: list[BigButton] = []
        self._values: list[object] = []
        self._on_choose: Callable[[Any], None] | None = None

    def fill(self, choices: list[tuple[str, object]], on_choose: Callable[[Any], None]) -> Chooser:
        app = App.get_running_app()
        self._on_choose = on_choose
        self._values = [value for _label, value in choices]
        while len(self._buttons) < len(choices):
            button = BigButton(font_px=30, size_hint_y=None)
            button.bind(on_release=self._chosen)
            self._buttons.append(button)
        shown = self._buttons[:len(choices)]
        for index, (button, (label, value)) in enumerate(zip(shown, choices, strict=True)):
            button.text = label
            button.name = f"choice:{value}"
            button.value = str(index)
            button.latched = False
            button.height = 90 * app.u
        box = self.ids.choices
        if list(reversed(box.children)) != shown:
            box.clear_widgets()
            for button in shown:
                box.add_widget(button)
        box.parent.scroll_y = 1  # each opening starts at the top of the list
        return self

    def _chosen(self, button: BigButton) -> None:
        self.dismiss(animation=False)
        if self._on_choose is not None:
            self._on_choose(self._values[int(button.value)])


class ConsoleScreen(Screen):
    """The queue is a RecycleView: only the rows on screen exist, so a long morning queue costs
    the memory of ten rows, not of sixty (each row is half a megabyte of widgets and textures)."""

    def on_kv_post(self, *_args: object) -> None:
        self._choosers: dict[str, Chooser] = {}
        self._dialogs: dict[str, Any] = {}
        app = App.get_running_app()
        self._statistics = BigButton(name="statistics", text="Statistiques", font_px=26,
                                     size_hint_x=None, width=280 * app.u,
                                     bg=theme.ACTION, bg_pressed=theme.ACTION_PRESSED)
        app.bind(u=lambda _a, u: setattr(self._statistics, "width", 280 * u))
        self._statistics.bind(on_release=lambda _b: app.open_statistics())
        self._team = BigButton(name="team", text="Équipe", font_px=26, size_hint_x=None,
                               width=200 * app.u, bg=theme.ACTION,
                               bg_pressed=theme.ACTION_PRESSED)
        app.bind(u=lambda _a, u: setattr(self._team, "width", 200 * u))
        self._team.bind(on_release=lambda _b: app.open_team())

    def on_pre_enter(self, *_args: object) -> None:
        # the coordinator's button exists only for her: an animatrice has nothing to find
        app = App.get_running_app()
        bar = self.ids.topbar
        for button in (self._team, self._statistics):
            if app.is_coordinator and button.parent is None:
                bar.add_widget(button, index=1)  # just before "Déconnexion"
            elif not app.is_coordinator and button.parent is not None:
                bar.remove_widget(button)

    def chooser(self, purpose: str, title: str) -> Chooser:
        """The chooser kept for this purpose, retitled."""
        chooser = self._choosers.get(purpose)
        if chooser is None:
            chooser = self._choosers[purpose] = Chooser()
        chooser.title = title
        return chooser

    def ask_transfer(self) -> None:
        app = App.get_running_app()
        desks = [(f"Poste {d.id}" + (f" – {d.staff_name}" if d.staff_name else ""), d.id)
                 for d in (app.board.desks if app.board else ()) if d.id != app.desk]
        self.chooser("transfer", "Envoyer la personne au poste…").fill(
            desks, app.transfer).open(animation=False)

    def ask_new_ticket(self, priority: bool = False) -> None:
        app = App.get_running_app()
        choices = [(f"{app.catalogue.operator(p.operator_id).label} – {p.title}", p.id)
                   for p in app.catalogue.procedures]
        title = "Nouveau ticket prioritaire pour…" if priority else "Nouveau ticket pour…"
        self.chooser("new_ticket", title).fill(
            choices, lambda pid: app.new_ticket(pid, priority)).open(animation=False)

    def ask_finish(self) -> None:
        from screens.finish_form import FinishForm

        app = App.get_running_app()
        if app.current:
            FinishForm(procedure_id=app.current["procedure_id"],
                       number=app.current["number"]).open(animation=False)

    def stopover_button(self) -> None:
        """Closing: what it will do is asked first (screens/halfday.py); opening: commune,
        stop and half-day, today's planned stop already chosen."""
        from screens.halfday import CloseDialog, OpenDialog

        app = App.get_running_app()
        if app.is_open:
            dialog = self._dialogs.get("close") or self._dialogs.setdefault("close", CloseDialog())
            app.run_job(app.service.closing_check,
                        on_done=lambda check: dialog.prepare(check).open(animation=False))
            return
        dialog = self._dialogs.get("open") or self._dialogs.setdefault("open", OpenDialog())
        app.run_job(app.service.open_choices,
                    on_done=lambda choices: dialog.prepare(choices).open(animation=False))


__all__ = ["ConsoleScreen", "QueueRow", "Chooser", "theme"]
