"""Démarche: the procedures of the chosen operator as big rows; a tap issues the ticket."""

from __future__ import annotations

from kivy.app import App
from kivy.factory import Factory
from kivy.uix.screenmanager import Screen

from kiosk import i18n
from screens.widgets import BigButton


class DemarcheScreen(Screen):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        # one set of rows, refilled for each operator: memory stays that of the longest list
        # (each row holds two wide text textures) however many operators the morning visits
        self._rows: list[BigButton] = []
        nav = self.ids.nav
        # right after "Accueil" (the last of Kivy's children is the leftmost)
        nav.add_widget(Factory.BackButton(), index=len(nav.children) - 1)

    def on_pre_enter(self, *_args: object) -> None:
        app = App.get_running_app()
        operator = app.catalogue.operator(app.operator_id)
        self.ids.nav.title = (i18n.operator_label(operator, app.language) if operator
                              else app.t("demarche.title"))
        procedures = app.catalogue.procedures_of(app.operator_id)
        while len(self._rows) < len(procedures):
            row = BigButton(font_px=42)
            row.bind(on_release=self._chosen)
            self._rows.append(row)
        rows = self.ids.rows
        rows.clear_widgets()
        for row, procedure in zip(self._rows, procedures, strict=False):
            row.name = f"procedure:{procedure.id}"
            row.value = procedure.id
            row.text = i18n.procedure_title(procedure, app.language)
            row.sub = i18n.procedure_summary(procedure, app.language)
            row.latched = False
            rows.add_widget(row)
        self._arrange()

    def on_kv_post(self, base_widget: object) -> None:
        super().on_kv_post(base_widget)
        App.get_running_app().bind(zoom=self._arrange, u=self._arrange)

    def _arrange(self, *_args: object) -> None:
        """One column while it leaves each row room for its two lines. Large text wraps each
        row on two or three lines: from three procedures on, two columns give them the height."""
        rows = self.ids.rows
        app = App.get_running_app()
        # 1280x800 (u = 0.67): four full-width rows leave the summary one line, not its two
        one_column = 2 if app.zoom > 1 else (4 if app.u > 0.9 else 3)
        rows.cols = 1 if len(rows.children) <= one_column else 2

    @staticmethod
    def _chosen(row: BigButton) -> None:
        row.latched = True
        App.get_running_app().choose_procedure(row.value)  # type: ignore[attr-defined]
