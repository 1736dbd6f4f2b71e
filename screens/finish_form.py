"""Finishing a visit: one or more demandes (operator, procedure, outcome, partner when
redirected) and the optional anonymous profile (age band, gender, commune of residence).
Prefilled with the ticket's procedure and the stopover's commune, so the common case is two
taps: an outcome, then "Enregistrer".

Every choice of closed vocabulary (outcomes, age bands, genders, residence answers) is a button
built from kiosk.vocabulary: the form cannot spell a code another way than the database does."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.togglebutton import ToggleButton

from kiosk.services import DemandeInput
from kiosk.vocabulary import AGE_BANDS, GENDERS, OUTCOMES, RESIDENCE_ANSWERS

NOT_ASKED = "Ne pas renseigner"


def capitalised(label: str) -> str:
    return label[:1].upper() + label[1:]


class FormToggle(ToggleButton):
    """A toggle of the form; `name` lets the tests find it (`age:60-74`, `outcome:solved`)."""

    name = StringProperty("")
    code = StringProperty("")


def vocabulary_toggles(box: Any, prefix: str, vocabulary: Any, group: str,
                       on_choose: Any) -> list[FormToggle]:
    """One toggle per code of a vocabulary, in its order; on_choose(code or "") on each tap."""
    toggles = []
    for code, label in vocabulary.items():
        toggle = FormToggle(text=capitalised(label), name=f"{prefix}:{code}", code=code,
                            group=group)
        toggle.bind(on_release=lambda t: on_choose(t.code if t.state == "down" else ""))
        box.add_widget(toggle)
        toggles.append(toggle)
    return toggles


class DemandeRow(BoxLayout):
    operator_label = StringProperty("")
    procedure_label = StringProperty("")
    outcome = StringProperty("")
    partner = StringProperty("")
    index = NumericProperty(0)
    form = ObjectProperty(None)

    def __init__(self, procedure_id: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.set_procedure(procedure_id)

    def on_kv_post(self, *_args: object) -> None:
        self._outcomes = vocabulary_toggles(self.ids.outcomes, "outcome", OUTCOMES,
                                            f"outcome-{id(self)}", self._choose_outcome)

    def _choose_outcome(self, code: str) -> None:
        # an outcome cannot be unset by a second tap: a demande always ends one way
        self.outcome = code or self.outcome

    def on_outcome(self, *_args: object) -> None:
        for toggle in self._outcomes:
            toggle.state = "down" if toggle.code == self.outcome else "normal"

    @property
    def catalogue(self):  # type: ignore[no-untyped-def]
        return App.get_running_app().catalogue

    def set_procedure(self, procedure_id: str) -> None:
        procedure = self.catalogue.procedure(procedure_id)
        self.procedure_id = procedure_id
        self.operator_label = self.catalogue.operator(procedure.operator_id).label
        self.procedure_label = procedure.title

    def operator_labels(self) -> list[str]:
        return [o.label for o in self.catalogue.operators]

    def procedure_labels(self) -> list[str]:
        operator = next(o for o in self.catalogue.operators if o.label == self.operator_label)
        return [p.title for p in self.catalogue.procedures_of(operator.id)]

    def choose_operator(self, label: str) -> None:
        operator = next(o for o in self.catalogue.operators if o.label == label)
        if self.catalogue.procedure(self.procedure_id).operator_id != operator.id:
            self.set_procedure(self.catalogue.procedures_of(operator.id)[0].id)

    def choose_procedure(self, title: str) -> None:
        operator = next(o for o in self.catalogue.operators if o.label == self.operator_label)
        procedure = next(p for p in self.catalogue.procedures_of(operator.id) if p.title == title)
        self.set_procedure(procedure.id)

    def value(self) -> DemandeInput:
        return DemandeInput(self.procedure_id, self.outcome,
                            self.partner.strip() or None if self.outcome == "redirected" else None)


class FinishForm(ModalView):
    number = NumericProperty(0)
    procedure_id = StringProperty("")
    age_band = StringProperty("")
    gender = StringProperty("")
    # an INSEE code, RESIDENCE_OTHER, RESIDENCE_UNSAID, or "" (not asked: NULL)
    residence = StringProperty("")
    residence_label = StringProperty(NOT_ASKED)
    error = StringProperty("")

    def on_kv_post(self, *_args: object) -> None:
        vocabulary_toggles(self.ids.ages, "age", AGE_BANDS, "age",
                           lambda code: setattr(self, "age_band", code))
        vocabulary_toggles(self.ids.genders, "gender", GENDERS, "gender",
                           lambda code: setattr(self, "gender", code))
        app = App.get_running_app()
        stopover = app.board.queue.stopover if app.board is not None else None
        self.choose_residence(stopover.commune_insee if stopover is not None else "")
        self.add_demande(self.procedure_id)

    # ------------------------------------------------------------ residence

    def residence_choices(self) -> list[tuple[str, str]]:
        """(label, code): the itinerary's communes, then "Autre commune", "Non dit", and
        "Ne pas renseigner" (nothing recorded)."""
        app = App.get_running_app()
        choices = [(label, code) for code, label in app.communes]
        choices += [(capitalised(label), code) for code, label in RESIDENCE_ANSWERS.items()]
        choices.append((NOT_ASKED, ""))
        return choices

    def choose_residence(self, code: str) -> None:
        labels = {code: label for label, code in self.residence_choices()}
        if code not in labels:  # a commune left the itinerary: ask rather than guess
            code = ""
        self.residence = code
        self.residence_label = labels[code]

    def ask_residence(self) -> None:
        # the console's kept chooser: its fifteen buttons are built once per session
        console = App.get_running_app().manager.get_screen("console")
        console.chooser("residence", "Commune de résidence de la personne").fill(
            self.residence_choices(), self.choose_residence).open(animation=False)

    # ------------------------------------------------------------ demandes

    def add_demande(self, procedure_id: str | None = None) -> None:
        rows = self.ids.rows
        row = DemandeRow(procedure_id or self.procedure_id, form=self, index=len(rows.children))
        rows.add_widget(row)

    def remove_demande(self, row: DemandeRow) -> None:
        if len(self.ids.rows.children) > 1:
            self.ids.rows.remove_widget(row)

    def rows(self) -> list[DemandeRow]:
        return list(reversed(self.ids.rows.children))

    def save(self) -> None:
        rows = self.rows()
        missing = [i for i, row in enumerate(rows, 1) if not row.outcome]
        if missing:
            self.error = f"Choisissez le résultat de la demande {missing[0]}."
            return
        App.get_running_app().finish([row.value() for row in rows], self.age_band or None,
                                     self.gender or None, self.residence or None)
        self.dismiss()
