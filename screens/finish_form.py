"""Finishing a visit: one or more demandes (operator, procedure, outcome, partner when
redirected) and the optional anonymous profile. Prefilled with the ticket's procedure, so the
common case is two taps: an outcome, then "Enregistrer"."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from kiosk.services import DemandeInput


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
    error = StringProperty("")

    def on_kv_post(self, *_args: object) -> None:
        self.add_demande(self.procedure_id)

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
                                     self.gender or None)
        self.dismiss()
