"""Opening and closing a half-day on the console, and its summary.

- Opening: the commune, then its stop, and the half-day; today's planned stop comes first and
  is already chosen, and the half-day follows the clock: two taps on a planned day. A bar then
  offers "Annuler" for a few seconds (a slip costs nothing; the core refuses once a ticket was
  taken).
- Closing: the confirmation says how many still wait (they will be counted "non reçus"); a
  visit in progress is said before, not refused after. The half-day's summary then shows, stays
  reachable ("Dernière demi-journée") and prints on A4 or on the receipt printer.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.togglebutton import ToggleButton

from kiosk.apps import console_words as words
from kiosk.core.halfday import summary_text
from kiosk.vocabulary import HALVES, RETURN_CODE_ALPHABET, RETURN_CODE_LENGTH


class ChoiceToggle(ToggleButton):
    """One choice among several (a commune, a stop, the half-day, a role); `name` lets the
    tests find it, `code` is what it stands for."""

    name = StringProperty("")
    code = StringProperty("")


class OpenDialog(ModalView):
    """Commune → stop, the half-day, then "Ouvrir"."""

    planned_text = StringProperty("")
    commune = StringProperty("")
    stop = StringProperty("")
    half = StringProperty("morning")
    stop_label = StringProperty("")
    suggested_stop = StringProperty("")

    def prepare(self, choices: Any) -> OpenDialog:
        self.choices = choices
        suggested = choices.suggested
        self.half = choices.half
        self.commune = suggested.commune_insee if suggested else ""
        self.stop = suggested.stop_id if suggested else ""
        self.suggested_stop = suggested.stop_id if suggested else ""
        if suggested is not None:
            when = HALVES.get(suggested.half, suggested.half)
            self.planned_text = words.planned_today(when, suggested.commune_name,
                                                    suggested.stop_name)
        else:
            self.planned_text = words.NOTHING_PLANNED_TODAY
        box = self.ids.communes
        box.clear_widgets()
        for commune in choices.communes:
            if not commune.stops:
                continue
            toggle = Factory.ChoiceToggle(text=commune.name, name=f"commune:{commune.insee}",
                                          code=commune.insee, group="open-commune")
            toggle.bind(on_release=lambda t: self.choose_commune(t.code))
            box.add_widget(toggle)
        self.ids.halves.clear_widgets()
        for code, label in HALVES.items():
            toggle = Factory.ChoiceToggle(text=label.capitalize(), name=f"half:{code}",
                                          code=code, group="open-half")
            toggle.bind(on_release=lambda t: setattr(self, "half", t.code))
            self.ids.halves.add_widget(toggle)
        self._show_stops()
        self._mark()
        return self

    def choose_planned(self) -> None:
        suggested = self.choices.suggested
        if suggested is not None:
            self.commune, self.stop = suggested.commune_insee, suggested.stop_id
            self._show_stops()
            self._mark()

    def choose_commune(self, insee: str) -> None:
        if insee != self.commune:
            self.commune, self.stop = insee, ""
        self._show_stops()
        self._mark()

    def choose_stop(self, stop_id: str) -> None:
        self.stop = stop_id
        self._mark()

    def on_half(self, *_args: object) -> None:
        if "halves" in self.ids:
            self._mark()

    def _commune(self) -> Any:
        return next((c for c in self.choices.communes if c.insee == self.commune), None)

    def _show_stops(self) -> None:
        box = self.ids.stops
        box.clear_widgets()
        commune = self._commune()
        if commune is None:
            return
        stops = list(commune.stops)
        if len(stops) == 1 and not self.stop:  # one stop: nothing to choose
            self.stop = stops[0][0]
        for stop_id, name in stops:
            toggle = Factory.ChoiceToggle(text=name, name=f"stop:{stop_id}", code=stop_id,
                                          group="open-stop")
            toggle.bind(on_release=lambda t: self.choose_stop(t.code))
            box.add_widget(toggle)

    def _mark(self) -> None:
        for box, value in ((self.ids.communes, self.commune), (self.ids.stops, self.stop),
                           (self.ids.halves, self.half)):
            for toggle in box.children:
                toggle.state = "down" if toggle.code == value else "normal"
        commune = self._commune()
        name = next((n for s, n in commune.stops if s == self.stop), "") if commune else ""
        self.stop_label = (f"{commune.name} – {name}, {HALVES.get(self.half, self.half)}"
                           if name else "")

    def confirm(self) -> None:
        if not self.stop:
            return
        self.dismiss(animation=False)
        App.get_running_app().console.open_stopover(self.stop, self.half)


class CloseDialog(ModalView):
    """Asked before closing: who still waits, or which visit must be finished first."""

    title = StringProperty("")
    text = StringProperty("")
    blocked = BooleanProperty(False)

    def prepare(self, check: Any) -> CloseDialog:
        self.title, self.text = words.closing_question(check)
        self.blocked = bool(check.in_service)
        return self

    def confirm(self) -> None:
        self.dismiss(animation=False)
        App.get_running_app().console.close_stopover()


class SummaryLine(BoxLayout):
    left = StringProperty("")
    right = StringProperty("")
    bold = BooleanProperty(False)


class SummaryView(ModalView):
    """A half-day's figures; "Imprimer" on A4 or on the receipt printer."""

    title = StringProperty("")
    hours = StringProperty("")
    status = StringProperty("")
    status_is_error = BooleanProperty(False)
    summary = ObjectProperty(None, allownone=True)
    lines = ListProperty([])
    unserved = NumericProperty(0)  # who waited in vain: "Prioritaire au prochain passage"

    def show(self, summary: Any) -> SummaryView:
        app = App.get_running_app()
        self.summary = summary
        self.unserved = summary.unserved
        text = summary_text(summary, app.catalogue)
        self.title = words.summary_title(text.title)
        self.hours = text.hours
        self.status = ""
        rows: list[tuple[str, str, bool]] = list((a, b, False) for a, b in text.figures)
        rows.append((words.BY_OPERATOR, "", True))
        rows += [(a, b, False) for a, b in text.organisms] or [(words.NO_VISITOR, "", False)]
        rows.append((words.DEMANDES_BY_OUTCOME, "", True))
        rows += [(a, b, False) for a, b in text.demandes] or [(words.NO_DEMANDE, "", False)]
        self.lines = rows
        figures, details = self.ids.figures, self.ids.details
        figures.clear_widgets()
        details.clear_widgets()
        split = len(text.figures)
        for index, (left, right, bold) in enumerate(rows):
            target = figures if index < split else details
            target.add_widget(SummaryLine(left=left, right=right, bold=bold))
        return self

    def print_returns(self) -> None:
        """A slip "Prioritaire au prochain passage" for each visitor left unserved."""
        self.print_it("returns")

    def print_it(self, fmt: str) -> None:
        app = App.get_running_app()
        if self.summary is None:
            return
        self.status = words.PRINTING
        self.status_is_error = False

        def done(outcome: Any) -> None:
            self.status = outcome.message
            self.status_is_error = not outcome.ok

        def failed(exc: BaseException) -> None:
            self.status = getattr(exc, "message", None) or words.print_failed(exc)
            self.status_is_error = True

        if fmt == "returns":
            app.worker.submit(app.service.print_return_passes, self.summary.stopover.id,
                              on_done=done, on_error=failed)
            return
        app.worker.submit(app.service.print_summary, self.summary.stopover.id, fmt,
                          on_done=done, on_error=failed)


class ReturnCodeDialog(ModalView):
    """The visitor is back with her "Prioritaire au prochain passage" slip: the animatrice types
    its code (keys on screen, or the laptop's keyboard) and she gets a priority ticket."""

    code = StringProperty("")
    error = StringProperty("")
    wait_left = NumericProperty(0)  # seconds before "Valider" takes a code again

    def prepare(self) -> ReturnCodeDialog:
        self.code, self.error = "", ""
        keys = self.ids.code_keys
        if not keys.children:
            for char in RETURN_CODE_ALPHABET:
                keys.add_widget(Factory.CodeKey(text=char, name=f"code:{char}",
                                                on_release=lambda b: self.press(b.text)))
        return self

    @staticmethod
    def spaced(code: str) -> str:
        """"ACD 479": the code in two halves, as on the slip; underscores for what is missing."""
        padded = code.ljust(RETURN_CODE_LENGTH, "_")
        half = RETURN_CODE_LENGTH // 2
        return f"{' '.join(padded[:half])}   {' '.join(padded[half:])}"

    def press(self, char: str) -> None:
        char = char.upper()
        if char in RETURN_CODE_ALPHABET and len(self.code) < RETURN_CODE_LENGTH:
            self.code += char
            self.error = ""

    def erase(self) -> None:
        self.code = self.code[:-1]
        self.error = ""

    def on_open(self) -> None:
        Window.bind(on_textinput=self._typed, on_key_down=self._key)

    def on_dismiss(self) -> None:
        Window.unbind(on_textinput=self._typed, on_key_down=self._key)

    def _typed(self, _window: Any, text: str) -> None:
        for char in text:
            self.press(char)

    def _key(self, _window: Any, key: int, *_args: Any) -> bool:
        if key == 8:  # backspace
            self.erase()
            return True
        if key == 13 and len(self.code) == RETURN_CODE_LENGTH:  # enter
            self.confirm()
            return True
        return False

    def confirm(self) -> None:
        if len(self.code) != RETURN_CODE_LENGTH or self.wait_left > 0:
            return
        App.get_running_app().console.use_return_code(
            self.code, given=lambda: self.dismiss(animation=False), refused=self._refused)

    def _refused(self, why: str, wait_seconds: int) -> None:
        """Why, in the dialog; after too many wrong codes in a row, "Valider (5 s)" counts the
        wait down, inactive: a tap before its end would only be refused and said again."""
        self.error = why
        Clock.unschedule(self._tick)
        self.wait_left = max(0, wait_seconds)
        if self.wait_left:
            Clock.schedule_interval(self._tick, 1.0)

    def _tick(self, _dt: float) -> bool:
        self.wait_left = max(0, self.wait_left - 1)
        return self.wait_left > 0  # False stops the interval


class UndoBar(BoxLayout):
    """"Escale ouverte à … — Annuler", over the console's bottom lines while the presenter
    offers it (kiosk/apps/presenter.py: its text, its time)."""

    text = StringProperty("")

    def show(self, text: str) -> None:
        """The bar with `text`; none without."""
        self.text = text
        if text and self.parent is None:
            Window.add_widget(self)
        elif not text and self.parent is not None:
            self.parent.remove_widget(self)

    def undo(self) -> None:
        App.get_running_app().console.undo_open_stopover()


__all__ = ["ChoiceToggle", "OpenDialog", "CloseDialog", "SummaryView", "UndoBar",
           "ReturnCodeDialog"]
