"""Finishing a visit: one or more demandes (organism and procedure, outcome, partner when
redirected) and the optional anonymous profile (age band, gender, commune of residence).

Counted in taps from "Terminer…": the ticket's procedure is already the first demande, so a visit
solved on site is 3 taps ("Terminer…", "Réglé sur place", "Enregistrer"). "+ Ajouter une
demande" adds a row with NO procedure and opens the organism tiles at once: organism, procedure,
outcome, partner tile, so a second demande redirected to the CAF costs 5 more (8 in all). Nothing
is guessed: a new row copies nothing, no outcome and no partner is preselected, and "Enregistrer"
names what is missing.

Partners are the catalogue's list (assets/catalogue/partners.yaml); only "Autre" is typed, on a
Kivy on-screen keyboard (VKeyboard, azerty) that the form shows itself: the console may run on a
touch screen with no physical keyboard, and Kivy's window keyboard mode is global (it would also
give the visitor kiosk a keyboard). A physical keyboard still types into the same field.

Every choice of closed vocabulary (outcomes, age bands, genders, residence answers) is a button
built from kiosk.vocabulary: the form cannot spell a code another way than the database does.

Names the tests find: the first demande's widgets are `demarche`, `outcome:<code>` and
`partner:<id>`; the n-th's (n >= 2) `demarche<n>`, `outcome<n>:<code>`, `partner<n>:<id>`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.togglebutton import ToggleButton
from kivy.uix.vkeyboard import VKeyboard

from kiosk.apps import console_words as words
from kiosk.core.services import DemandeInput
from kiosk.vocabulary import AGE_BANDS, GENDERS, OUTCOMES, RESIDENCE_ANSWERS
from screens.widgets import BigButton

CHECK = "✓ "


def capitalised(label: str) -> str:
    return label[:1].upper() + label[1:]


class FormToggle(ToggleButton):
    """A toggle of the form; `name` lets the tests find it (`age:60-74`, `outcome:solved`).
    Chosen, it is filled, bold and ticked; the others stay white with a grey outline."""

    name = StringProperty("")
    code = StringProperty("")
    label = StringProperty("")


def vocabulary_toggles(box: Any, prefix: str, vocabulary: Any, group: str,
                       on_choose: Any) -> list[FormToggle]:
    """One toggle per code of a vocabulary, in its order; on_choose(code or "") on each tap."""
    toggles = []
    for code, label in vocabulary.items():
        toggle = FormToggle(label=capitalised(label), name=f"{prefix}:{code}", code=code,
                            group=group)
        toggle.bind(on_release=lambda t: on_choose(t.code if t.state == "down" else ""))
        box.add_widget(toggle)
        toggles.append(toggle)
    return toggles


def _app() -> Any:
    return App.get_running_app()


class DemandeRow(BoxLayout):
    """One demande: what (organism and procedure), how it ended, and where it was sent."""

    procedure_id = StringProperty("")
    demarche_text = StringProperty("")
    outcome = StringProperty("")
    partner_id = StringProperty("")
    partner = StringProperty("")  # what is recorded: the partner's label, or the typed name
    index = NumericProperty(0)
    form = ObjectProperty(None)

    def __init__(self, procedure_id: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.set_procedure(procedure_id)

    @property
    def suffix(self) -> str:
        return "" if self.index == 0 else str(self.index + 1)

    def on_kv_post(self, *_args: object) -> None:
        self.ids.demarche.name = f"demarche{self.suffix}"
        self._outcomes = vocabulary_toggles(self.ids.outcomes, f"outcome{self.suffix}", OUTCOMES,
                                            f"outcome-{id(self)}", self._choose_outcome)
        partners = self.ids.partners
        self._partners = []
        for partner in _app().catalogue.partners:
            toggle = FormToggle(label=partner.label, name=f"partner{self.suffix}:{partner.id}",
                                code=partner.id, group=f"partner-{id(self)}",
                                allow_no_selection=False)
            toggle.bind(on_release=lambda t: self.choose_partner(t.code))
            partners.add_widget(toggle)
            self._partners.append(toggle)
        self._partner_box = self.ids.partner_box
        self.remove_widget(self._partner_box)  # shown only for a redirected demande

    # ------------------------------------------------------------ what

    def set_procedure(self, procedure_id: str) -> None:
        catalogue = _app().catalogue
        procedure = catalogue.procedure(procedure_id) if procedure_id else None
        if procedure is None:
            self.procedure_id = ""
            self.demarche_text = words.CHOOSE_PROCEDURE
            return
        self.procedure_id = procedure.id
        operator = catalogue.operator(procedure.operator_id)
        self.demarche_text = f"{operator.label if operator else ''} – {procedure.title}"
        if self.form is not None:
            self.form.error = ""

    def ask_demarche(self) -> None:
        demarche_chooser().ask(self.set_procedure)

    # ------------------------------------------------------------ how it ended

    def _choose_outcome(self, code: str) -> None:
        # an outcome cannot be unset by a second tap: a demande always ends one way
        self.outcome = code or self.outcome
        self.on_outcome()

    def on_outcome(self, *_args: object) -> None:
        for toggle in self._outcomes:
            toggle.state = "down" if toggle.code == self.outcome else "normal"
        shown = self._partner_box.parent is not None
        if (self.outcome == "redirected") != shown:
            if shown:
                self.remove_widget(self._partner_box)
            else:
                self.add_widget(self._partner_box)
                # the tiles just appeared under the row: bring them into view
                Clock.schedule_once(lambda _dt: self.form.show_row(self), 0)
        if self.form is not None:
            self.form.error = ""

    # ------------------------------------------------------------ where it was sent

    def choose_partner(self, partner_id: str) -> None:
        partner = next(p for p in _app().catalogue.partners if p.id == partner_id)
        if partner.typed:
            typed = self.partner if self.partner_id == partner.id else ""
            PartnerKeyboard(text=typed, on_done=lambda text: self._typed(partner.id, text)).open(
                animation=False)
        else:
            self.partner_id, self.partner = partner.id, partner.label
        self.on_partner_id()

    def _typed(self, partner_id: str, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.partner_id, self.partner = partner_id, text
        self.on_partner_id()

    def on_partner_id(self, *_args: object) -> None:
        for toggle, partner in zip(self._partners, _app().catalogue.partners, strict=True):
            chosen = toggle.code == self.partner_id
            toggle.state = "down" if chosen else "normal"
            # the typed name shows on its tile: what will be recorded is what is seen
            toggle.label = (f"{partner.label} : {self.partner}" if chosen and partner.typed
                            else partner.label)
        if self.form is not None:
            self.form.error = ""

    # ------------------------------------------------------------ the record

    def missing(self) -> list[str]:
        missing = []
        if not self.procedure_id:
            missing.append(words.MISSING_PROCEDURE)
        if not self.outcome:
            missing.append(words.MISSING_OUTCOME)
        elif self.outcome == "redirected" and not self.partner_id:
            missing.append(words.MISSING_PARTNER)
        return missing

    def value(self) -> DemandeInput:
        return DemandeInput(self.procedure_id, self.outcome,
                            self.partner if self.outcome == "redirected" else None)


class FinishForm(ModalView):
    number = NumericProperty(0)
    procedure_id = StringProperty("")
    age_band = StringProperty("")
    gender = StringProperty("")
    # an INSEE code, RESIDENCE_OTHER, RESIDENCE_UNSAID, or "" (not asked: NULL)
    residence = StringProperty("")
    residence_label = StringProperty(words.NOT_ASKED)
    error = StringProperty("")

    def on_kv_post(self, *_args: object) -> None:
        vocabulary_toggles(self.ids.ages, "age", AGE_BANDS, "age",
                           lambda code: setattr(self, "age_band", code))
        vocabulary_toggles(self.ids.genders, "gender", GENDERS, "gender",
                           lambda code: setattr(self, "gender", code))
        # left alone, nothing is recorded: the stopover's commune taken for an answer skewed
        # every residence figure
        self.choose_residence("")
        self.ids.rows.add_widget(DemandeRow(self.procedure_id, form=self, index=0))

    # ------------------------------------------------------------ residence

    def residence_choices(self) -> list[tuple[str, str]]:
        """(label, code): the itinerary's communes, then "Autre commune", "Non dit", and
        "Ne pas renseigner" (nothing recorded)."""
        app = _app()
        choices = [(label, code) for code, label in app.communes]
        choices += [(capitalised(label), code) for code, label in RESIDENCE_ANSWERS.items()]
        choices.append((words.NOT_ASKED, ""))
        return choices

    def choose_residence(self, code: str) -> None:
        labels = {code: label for label, code in self.residence_choices()}
        if code not in labels:  # a commune left the itinerary: ask rather than guess
            code = ""
        self.residence = code
        self.residence_label = labels[code]

    def ask_residence(self) -> None:
        # the console's kept chooser: its fifteen buttons are built once per session
        console = _app().manager.get_screen("console")
        console.chooser("residence", words.RESIDENCE_QUESTION).fill(
            self.residence_choices(), self.choose_residence).open(animation=False)

    # ------------------------------------------------------------ demandes

    def add_demande(self) -> None:
        """A new row with nothing chosen, and the organism tiles open for it at once."""
        row = DemandeRow("", form=self, index=len(self.ids.rows.children))
        self.ids.rows.add_widget(row)
        self.error = ""
        Clock.schedule_once(lambda _dt: self.show_row(row), 0)
        row.ask_demarche()

    def remove_demande(self, row: DemandeRow) -> None:
        if len(self.ids.rows.children) > 1:
            self.ids.rows.remove_widget(row)
            for index, kept in enumerate(self.rows()):  # names follow the numbers shown
                if kept.index != index:
                    kept.index = index
                    kept.ids.demarche.name = f"demarche{kept.suffix}"
                    for toggle in kept._outcomes:
                        toggle.name = f"outcome{kept.suffix}:{toggle.code}"
                    for toggle in kept._partners:
                        toggle.name = f"partner{kept.suffix}:{toggle.code}"

    def rows(self) -> list[DemandeRow]:
        return list(reversed(self.ids.rows.children))

    def show_row(self, row: DemandeRow) -> None:
        if row.parent is not None:
            self.ids.scroll.scroll_to(row, padding=0, animate=False)

    def save(self) -> None:
        for number, row in enumerate(self.rows(), 1):
            missing = row.missing()
            if missing:
                self.error = words.demande_incomplete(number, missing)
                self.show_row(row)
                return
        self.error = ""
        _app().console.finish([row.value() for row in self.rows()], self.age_band or None,
                      self.gender or None, self.residence or None)
        self.dismiss()


# ---------------------------------------------------------------- organism, then procedure


class DemarcheChooser(ModalView):
    """The organisms as tiles, then the chosen organism's procedures; it scrolls inside itself
    and never runs past the window. One per console: its tiles are built once."""

    title = StringProperty("")
    operator_id = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_choose: Callable[[str], None] | None = None
        app = _app()
        self._operator_tiles = []
        for operator in app.catalogue.operators:
            tile = BigButton(text=operator.label, icon=app.pictogram(operator.pictogram),
                             vertical=True, font_px=26, icon_px=56, name=f"organism:{operator.id}",
                             value=operator.id, size_hint_y=None)
            tile.bind(on_release=lambda t: self.show_procedures(t.value))
            self._operator_tiles.append(tile)
        self._procedure_tiles: dict[str, list[BigButton]] = {}

    def ask(self, on_choose: Callable[[str], None]) -> None:
        self._on_choose = on_choose
        self.show_operators()
        self.open(animation=False)

    def _fill(self, tiles: list[BigButton], cols: int, height: float) -> None:
        grid = self.ids.tiles
        grid.cols = cols
        grid.clear_widgets()
        for tile in tiles:
            tile.height = height * _app().u
            grid.add_widget(tile)
        self.ids.scroll.scroll_y = 1

    def show_operators(self) -> None:
        self.operator_id = ""
        self.title = words.WHICH_OPERATOR
        self._fill(self._operator_tiles, 4, 205)

    def show_procedures(self, operator_id: str) -> None:
        catalogue = _app().catalogue
        tiles = self._procedure_tiles.get(operator_id)
        if tiles is None:
            tiles = self._procedure_tiles[operator_id] = []
            for procedure in catalogue.procedures_of(operator_id):
                tile = BigButton(text=procedure.title, font_px=26, name=f"choice:{procedure.id}",
                                 value=procedure.id, size_hint_y=None)
                tile.bind(on_release=lambda t: self.chosen(t.value))
                tiles.append(tile)
        operator = catalogue.operator(operator_id)
        self.operator_id = operator_id
        self.title = words.which_procedure(operator.label if operator else "")
        self._fill(tiles, 2, 130)

    def chosen(self, procedure_id: str) -> None:
        self.dismiss(animation=False)
        if self._on_choose is not None:
            self._on_choose(procedure_id)


def demarche_chooser() -> DemarcheChooser:
    app = _app()
    chooser = getattr(app, "_demarche_chooser", None)
    if chooser is None:
        chooser = app._demarche_chooser = DemarcheChooser()
    return chooser


# ---------------------------------------------------------------- the typed partner


class FormKeyboard(VKeyboard):
    """Kivy's on-screen keyboard laid in the dialog (not docked to the window, not movable):
    its keys are redrawn to the size the layout gives it."""

    name = StringProperty("form_keyboard")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(layout="azerty", **kwargs)
        self.do_translation = self.do_rotation = self.do_scale = False
        self.bind(size=self._redraw)

    def _redraw(self, *_args: object) -> None:
        if self.layout in self.available_layouts:
            self.refresh(True)


class PartnerKeyboard(ModalView):
    """"Autre" partner: its name typed on the on-screen keyboard (or a physical one)."""

    text = StringProperty("")
    ready = BooleanProperty(False)

    def __init__(self, on_done: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_done = on_done

    def on_kv_post(self, *_args: object) -> None:
        keyboard = FormKeyboard(size_hint=(1, 1))
        keyboard.bind(on_textinput=self._on_textinput, on_key_down=self._on_key_down)
        self.ids.keyboard_box.add_widget(keyboard)
        self.keyboard = keyboard

    def on_open(self) -> None:
        field = self.ids.field
        field.cursor = (len(field.text), 0)
        field.focus = True  # a physical keyboard types here too

    def _on_textinput(self, _keyboard: Any, text: str) -> None:
        self.ids.field.insert_text(text)

    def _on_key_down(self, _keyboard: Any, keycode: str | None, text: str | None,
                     _modifiers: Any) -> None:
        field = self.ids.field
        if keycode == "backspace":
            field.do_backspace()
        elif keycode == "enter":
            self.done()
        elif keycode == "escape":
            self.dismiss(animation=False)
        elif text:  # a window without text events sends letters as key presses
            field.insert_text(text)

    def done(self) -> None:
        text = " ".join(self.ids.field.text.split())
        if not text:
            self.ids.field.hint_text = words.TYPE_PARTNER_NAME
            return
        self.dismiss(animation=False)
        self._on_done(text[:120])


__all__ = ["FinishForm", "DemandeRow", "DemarcheChooser", "PartnerKeyboard", "FormKeyboard"]
