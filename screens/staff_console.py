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

from kiosk.apps import console_words as words
from screens import theme
from screens.widgets import BigButton


class QueueRow(ButtonBehavior, BoxLayout):
    """One waiting ticket: number, pictogram, procedure, time waited, priority badge."""

    number = NumericProperty(0)
    title = StringProperty("")
    icon = StringProperty("")
    waited = StringProperty("")
    priority = BooleanProperty(False)
    creole = BooleanProperty(False)  # taken in Kréyòl
    selected = BooleanProperty(False)

    def on_release(self) -> None:
        App.get_running_app().console.select(self.number)


class Chooser(ModalView):
    """A list of big choices in a modal: desks to transfer to, procedures, stops.

    One chooser per purpose lives as long as the console, and its buttons are reused from one
    opening to the next: building 37 procedure buttons at every "Nouveau ticket" took half a
    second and left their textures behind (about 90 MB after ten openings)."""

    title = StringProperty("")
    cancel_text = StringProperty(words.CANCEL)
    cols = NumericProperty(1)  # the twelve organisms in two columns: all seen without scrolling

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._buttons: list[BigButton] = []
        self._values: list[object] = []
        self._on_choose: Callable[[Any], None] | None = None
        self._on_cancel: Callable[[], None] | None = None

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
        self._on_cancel = None
        self.dismiss(animation=False)
        if self._on_choose is not None:
            self._on_choose(self._values[int(button.value)])

    def bind_cancel(self, on_cancel: Callable[[], None] | None) -> None:
        """What the bottom button does besides closing (e.g. back to the organisms)."""
        self._on_cancel = on_cancel

    def cancel(self) -> None:
        on_cancel, self._on_cancel = self._on_cancel, None
        self.dismiss(animation=False)
        if on_cancel is not None:
            on_cancel()


class ConsoleScreen(Screen):
    """The queue is a RecycleView: only the rows on screen exist, so a long morning queue costs
    the memory of ten rows, not of sixty (each row is half a megabyte of widgets and textures)."""

    def on_kv_post(self, *_args: object) -> None:
        self._choosers: dict[str, Chooser] = {}
        self._dialogs: dict[str, Any] = {}
        app = App.get_running_app()
        self._statistics = BigButton(name="statistics", text=words.STATISTICS, font_px=26,
                                     size_hint_x=None, width=280 * app.u,
                                     bg=theme.ACTION, bg_pressed=theme.ACTION_PRESSED)
        app.bind(u=lambda _a, u: setattr(self._statistics, "width", 280 * u))
        self._statistics.bind(on_release=lambda _b: app.console.open_statistics())
        self._team = BigButton(name="team", text=words.TEAM, font_px=26, size_hint_x=None,
                               width=200 * app.u, bg=theme.ACTION,
                               bg_pressed=theme.ACTION_PRESSED)
        app.bind(u=lambda _a, u: setattr(self._team, "width", 200 * u))
        self._team.bind(on_release=lambda _b: app.console.open_team())

    def on_pre_enter(self, *_args: object) -> None:
        # the coordinator's button exists only for her: an animatrice has nothing to find
        coordinator = App.get_running_app().console.is_coordinator
        bar = self.ids.topbar
        for button in (self._team, self._statistics):
            if coordinator and button.parent is None:
                bar.add_widget(button, index=1)  # just before "Déconnexion"
            elif not coordinator and button.parent is not None:
                bar.remove_widget(button)

    def chooser(self, purpose: str, title: str) -> Chooser:
        """The chooser kept for this purpose, retitled."""
        chooser = self._choosers.get(purpose)
        if chooser is None:
            chooser = self._choosers[purpose] = Chooser()
        chooser.title = title
        chooser.cancel_text = words.CANCEL
        chooser.cols = 1
        chooser.bind_cancel(None)
        return chooser

    def ask_transfer(self) -> None:
        """The desks that can receive the visitor now (none: the presenter says so)."""
        console = App.get_running_app().console
        desks = console.transfer_desks()
        if desks:
            self.chooser("transfer", words.TRANSFER_TO).fill(
                desks, console.transfer).open(animation=False)

    def ask_new_ticket(self, priority: bool = False) -> None:
        """As at the kiosk: the organism, then its procedure (one list of 37 is too long)."""
        app = App.get_running_app()
        choices = [(o.label, o.id) for o in app.catalogue.operators
                   if app.catalogue.procedures_of(o.id)]
        chooser = self.chooser("new_ticket", words.new_ticket_question(priority))
        chooser.cols = 2
        chooser.fill(choices, lambda oid: self._ask_procedure(oid, priority)).open(animation=False)

    def _ask_procedure(self, operator_id: str, priority: bool) -> None:
        app = App.get_running_app()
        procedures = app.catalogue.procedures_of(operator_id)
        if len(procedures) == 1:  # nothing to choose ("Autre demande")
            app.console.new_ticket(procedures[0].id, priority)
            return
        operator = app.catalogue.operator(operator_id)
        chooser = self.chooser("procedure", words.which_procedure(operator.label if operator
                                                                  else ""))
        chooser.cancel_text = words.BACK_TO_OPERATORS
        chooser.fill([(p.title, p.id) for p in procedures],
                     lambda pid: app.console.new_ticket(pid, priority))
        chooser.bind_cancel(lambda: self.ask_new_ticket(priority))
        chooser.open(animation=False)

    def ask_print(self, ticket: Any) -> None:
        """The visitor leaves with a slip, as at the kiosk."""
        app = App.get_running_app()
        chooser = self.chooser("print", words.print_question(ticket.number,
                                                             ticket.people_ahead))
        chooser.cancel_text = words.NO_THANKS
        chooser.fill([(words.PRINT_SLIP, "print")],
                     lambda _v: app.console.print_slip(ticket.procedure_id, ticket.number))
        chooser.open(animation=False)

    def ask_reopen(self, question: str, reopen: Any) -> None:
        """The half-day was closed already: reopening it is chosen here, in words of its own."""
        chooser = self.chooser("reopen", question)
        chooser.cancel_text = words.CANCEL
        chooser.fill([(words.REOPEN_HALF_DAY, "reopen")], lambda _v: reopen())
        chooser.open(animation=False)

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
            app.console.run_job(app.service.closing_check,
                        on_done=lambda check: dialog.prepare(check).open(animation=False))
            return
        dialog = self._dialogs.get("open") or self._dialogs.setdefault("open", OpenDialog())
        app.console.run_job(app.service.open_choices,
                    on_done=lambda choices: dialog.prepare(choices).open(animation=False))

    def ask_return_code(self) -> None:
        """"Code retour": the visitor is back with her "Prioritaire au prochain passage" slip."""
        from screens.halfday import ReturnCodeDialog

        dialog = self._dialogs.get("return_code") or self._dialogs.setdefault(
            "return_code", ReturnCodeDialog())
        dialog.prepare().open(animation=False)


__all__ = ["ConsoleScreen", "QueueRow", "Chooser", "theme"]
