"""Démarche: the procedures of the chosen operator as big rows; a tap issues the ticket."""

from __future__ import annotations

from kivy.app import App
from kivy.uix.screenmanager import Screen

from screens.widgets import BigButton


class DemarcheScreen(Screen):
    def on_pre_enter(self, *_args: object) -> None:
        app = App.get_running_app()
        operator = app.catalogue.operator(app.operator_id)
        self.ids.nav.title = operator.label if operator else app.t("demarche.title")
        rows = self.ids.rows
        rows.clear_widgets()
        procedures = app.catalogue.procedures_of(app.operator_id)
        rows.cols = 1 if len(procedures) <= 4 else 2
        for procedure in procedures:
            row = BigButton(name=f"procedure:{procedure.id}", text=procedure.title,
                            sub=procedure.summary, font_px=42)
            row.bind(on_release=lambda _b, pid=procedure.id: app.choose_procedure(pid))
            rows.add_widget(row)
