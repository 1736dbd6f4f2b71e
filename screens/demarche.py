"""Démarche: the procedures of the chosen operator as big rows; a tap issues the ticket.

An operator with more procedures than a screen holds readably (catalogue.ROWS_PER_SCREEN at
1280×800) names a group for each: the screen first shows the groups, as rows of the same kind,
then the chosen group's procedures; "Retour" goes back one step (the groups, then the organisms).
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.content import i18n
from screens.widgets import BigButton

GROUP = "group:"  # a row's value when it opens a group rather than taking a ticket


class DemarcheScreen(Screen):
    group = StringProperty("")  # the open group of a grouped operator ("": the groups)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        # one set of rows, refilled for each operator: memory stays that of the longest list
        # (each row holds two wide text textures) however many operators the morning visits
        self._rows: list[BigButton] = []
        self._seen: tuple[int, str] = (-1, "")  # (visitor flow, operator) the group belongs to
        nav = self.ids.nav
        # right after "Accueil" (the last of Kivy's children is the leftmost)
        nav.add_widget(Factory.BackButton(), index=len(nav.children) - 1)

    def _groups(self) -> tuple[tuple[str, tuple[Any, ...]], ...]:
        app = App.get_running_app()
        groups = app.catalogue.groups_of(app.operator_id)
        return groups if len(groups) > 1 else ()

    def on_pre_enter(self, *_args: object) -> None:
        app = App.get_running_app()
        seen = (app.path.flow, app.operator_id)
        if seen != self._seen:  # another visitor, or another organism: start from the groups
            self._seen, self.group = seen, ""
        self.fill()

    def fill(self) -> None:
        app = App.get_running_app()
        operator = app.catalogue.operator(app.operator_id)
        title = (i18n.operator_label(operator, app.language) if operator
                 else app.t("demarche.title"))
        groups = self._groups()
        if groups and not self.group:
            entries = [(f"{GROUP}{name}", f"group:{name}", i18n.group_label(name, app.language),
                        ", ".join(i18n.procedure_title(p, app.language) for p in procs))
                       for name, procs in groups]
        else:
            procedures = dict(groups).get(self.group) if groups else None
            if procedures is None:
                procedures = app.catalogue.procedures_of(app.operator_id)
                self.group = ""
            else:
                title = i18n.group_label(self.group, app.language)
            entries = [(p.id, f"procedure:{p.id}", i18n.procedure_title(p, app.language),
                        i18n.procedure_summary(p, app.language)) for p in procedures]
        self.ids.nav.title = title
        while len(self._rows) < len(entries):
            row = BigButton(font_px=42)
            row.bind(on_release=self._chosen)
            self._rows.append(row)
        rows = self.ids.rows
        rows.clear_widgets()
        for row, (value, name, text, sub) in zip(self._rows, entries, strict=False):
            row.name, row.value, row.text, row.sub = name, value, text, sub
            row.latched = False
            rows.add_widget(row)
        self._arrange()

    def shown_titles(self, language: str) -> list[str]:
        """What the rows say, in order, in `language`: what "Écouter" reads."""
        app = App.get_running_app()
        titles = []
        for row in reversed(self.ids.rows.children):
            if row.value.startswith(GROUP):
                titles.append(i18n.group_label(row.value[len(GROUP):], language))
            else:
                procedure = app.catalogue.procedure(row.value)
                titles.append(i18n.procedure_title(procedure, language) if procedure
                              else row.text)
        return titles

    def back(self) -> None:
        """"Retour": from a group's procedures to the groups, else to the organisms."""
        app = App.get_running_app()
        if self.group and not getattr(app, "busy", False):
            self.group = ""
            self.fill()
            app.manager.content_changed()
            return
        app.path.go_back("organisme")

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

    def _chosen(self, row: BigButton) -> None:
        app = App.get_running_app()
        if row.value.startswith(GROUP):
            # the group's procedures appear where the finger is: a fast second tap must not
            # take a ticket for a procedure the visitor never saw
            self.group = row.value[len(GROUP):]
            self.fill()
            app.manager.content_changed()
            return
        row.latched = True
        app.path.choose_procedure(row.value)
