"""Organisme: one big tile per operator (pictogram + two words), "Je ne sais pas / Autre" last."""

from __future__ import annotations

from kivy.app import App
from kivy.uix.screenmanager import Screen

from kiosk.content import i18n
from screens import theme
from screens.widgets import BigButton


class OrganismeScreen(Screen):
    def on_pre_enter(self, *_args: object) -> None:
        grid = self.ids.tiles
        app = App.get_running_app()
        if getattr(self, "_built_for", None) is app.catalogue:
            return  # the tiles are built once per catalogue read
        self._built_for = app.catalogue
        grid.clear_widgets()
        operators = app.catalogue.operators
        for operator in operators:
            other = operator.id == "autre"
            tile = BigButton(
                name=f"operator:{operator.id}", text=i18n.operator_label(operator, app.language),
                vertical=True,
                icon=app.pictogram(operator.pictogram), icon_px=120, font_px=40,
                bg=theme.ACTION if other else theme.PRIMARY,
                bg_pressed=theme.ACTION_PRESSED if other else theme.PRIMARY_PRESSED,
            )
            tile.bind(on_release=lambda _b, op=operator.id: app.path.choose_operator(op))
            grid.add_widget(tile)
        if not getattr(self, "_bound", False):
            self._bound = True
            app.bind(zoom=self._arrange, language=self._name_tiles)
        self._arrange()

    def _name_tiles(self, *_args: object) -> None:
        app = App.get_running_app()
        for tile in self.ids.tiles.children:
            operator = app.catalogue.operator(tile.name.removeprefix("operator:"))
            if operator is not None:
                tile.text = i18n.operator_label(operator, app.language)

    def _arrange(self, *_args: object) -> None:
        """Large text: three columns of wide tiles, the pictogram beside the words (the words
        need the width; four narrow tiles cut "Emploi France Travail" at 1280x800)."""
        app = App.get_running_app()
        grid = self.ids.tiles
        large = app.zoom > 1
        count = len(grid.children)
        grid.cols = (3 if count > 6 else 2) if large else (4 if count > 9 else 3)
        for tile in grid.children:
            tile.vertical = not large
