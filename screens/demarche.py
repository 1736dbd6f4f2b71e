"""Démarche: the procedures of the chosen operator as big rows; a tap issues the ticket."""

from __future__ import annotations

from kivy.app import App
from kivy.uix.screenmanager import Screen

from screens.widgets import BigButton


class DemarcheScreen(Screen):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._rows: dict[str, list[BigButton]] = {}  # built once per operator, then reused

    def on_pre_enter(self, *_args: object) -> None:
        app = App.get_running_app()
        operator = app.catalogue.operator(app.operator_id)
        self.ids.nav.title = operator.label if operator else app.t("demarche.title")
        rows = self.ids.rows
        rows.clear_widgets()
        if app.operator_id not in self._rows:
            self._rows[app.operator_id] = [self._row(app, p)
                                           for p in app.catalogue.procedures_of(app.operator_id)]
        buttons = self._rows[app.operator_id]
        rows.cols = 1 if len(buttons) <= 4 else 2
        for button in buttons:
            button.latched = False
            rows.add_widget(button)

    @staticmethod
    def _row(app: App, procedure: object) -> BigButton:
        row = BigButton(name=f"procedure:{procedure.id}", text=procedure.title,  # type: ignore[attr-defined]
                        sub=procedure.summary, font_px=42)  # type: ignore[attr-defined]
        row.bind(on_release=lambda b, pid=procedure.id: DemarcheScreen._chosen(app, b, pid))  # type: ignore[attr-defined]
        return row

    @staticmethod
    def _chosen(app: App, row: BigButton, procedure_id: str) -> None:
        row.latched = True
        app.choose_procedure(procedure_id)  # type: ignore[attr-defined]
