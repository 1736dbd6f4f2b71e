""""Quand revient le bus ?": an elderly visitor learns in two taps when the bus comes back to
her commune (a tile per commune, then its next three passages), and leaves with it on paper (a
receipt) or in her phone (a QR code holding a calendar event the camera offers to add)."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.content import i18n
from screens.widgets import BigButton

PASSAGES = 3


class BusCommunesScreen(Screen):
    def on_pre_enter(self, *_args: object) -> None:
        grid = self.ids.tiles
        if grid.children:
            return  # the communes do not change while the kiosk runs
        app = App.get_running_app()
        app.db.submit(app.service.bus_communes, on_done=self._fill)

    def _fill(self, communes: Any) -> None:
        app = App.get_running_app()
        grid = self.ids.tiles
        grid.clear_widgets()
        for insee, name in communes:
            tile = BigButton(name=f"commune:{insee}", text=name, font_px=40, value=insee)
            tile.bind(on_release=lambda b, n=name: self._chosen(b.value, n))
            grid.add_widget(tile)
        app.bind(zoom=self._arrange)
        self._arrange()

    def _arrange(self, *_args: object) -> None:
        app = App.get_running_app()
        self.ids.tiles.cols = 3 if app.zoom > 1 else 4

    def _chosen(self, insee: str, name: str) -> None:
        app = App.get_running_app()
        screen = app.manager.get_screen("bus_passages")
        screen.show(insee, name)
        app.path.go("bus_passages")

    def spoken(self, language: str) -> str:
        names = ", ".join(b.text for b in reversed(self.ids.tiles.children))
        return i18n.t("bus_calendar.read_communes", language, names=names)


class BusPassagesScreen(Screen):
    title = StringProperty("")
    message = StringProperty("")
    passages_text = StringProperty("")
    has_passages = BooleanProperty(False)
    busy = BooleanProperty(False)
    qr_matrix = ListProperty([])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        nav = self.ids.nav
        nav.add_widget(Factory.BusBackButton(), index=len(nav.children) - 1)
        self.insee = ""
        self.commune = ""
        self._passages: tuple[Any, ...] = ()
        self._asked = 0

    def show(self, insee: str, commune: str) -> None:
        app = App.get_running_app()
        self.insee, self.commune = insee, commune
        self._passages = ()
        self.qr_matrix = []
        self.has_passages = False
        self.busy = False
        self.message = ""
        self.passages_text = app.t("common.wait_please")
        self._write_title()
        self._asked += 1
        asked = self._asked
        app.db.submit(app.service.bus_passages, insee, PASSAGES,
                      on_done=lambda found: self._shown(asked, found),
                      on_error=lambda _exc: self._failed(asked))

    def on_kv_post(self, base_widget: object) -> None:
        super().on_kv_post(base_widget)
        App.get_running_app().bind(language=lambda *_: self._write(),
                                   zoom=lambda *_: self._write())

    def _write_title(self) -> None:
        app = App.get_running_app()
        self.title = app.t("bus_calendar.next_at",
                           at_commune=i18n.at_commune(self.commune, app.language))

    def _shown(self, asked: int, found: Any) -> None:
        if asked != self._asked:
            return
        self._passages = tuple(found)
        self.has_passages = bool(found)
        self._write()

    def _failed(self, asked: int) -> None:
        if asked == self._asked:
            self.passages_text = App.get_running_app().t("common.trouble")

    def lines(self, language: str) -> list[str]:
        return [i18n.t("bus_calendar.passage", language,
                       day=i18n.short_day(p.day, language),
                       hours=i18n.t(f"bus_calendar.hours.{p.half}", language),
                       place=p.stop_name)
                for p in self._passages]

    def _write(self) -> None:
        if not self.commune:
            return
        app = App.get_running_app()
        self._write_title()
        lines = self.lines(app.language)
        # a blank line between passages, but not in large text: the three must fit the screen
        gap = "\n" if app.zoom > 1 else "\n\n"
        self.passages_text = gap.join(lines) if lines else app.t("bus_calendar.none")

    def print_passages(self) -> None:
        app = App.get_running_app()
        if self.busy or not self._passages:
            return
        self.busy = True
        self.message = app.t("ticket.printing")
        asked = self._asked

        def printed(outcome: Any) -> None:
            if asked != self._asked:
                return
            self.busy = False
            if outcome.ok:
                self.message = app.t("bus_calendar.printed")
            else:  # no printer: the phone's calendar instead
                self.message = app.t("bus_calendar.print_failed")
                self.show_qr()

        def failed(_exc: BaseException) -> None:
            printed(type("Outcome", (), {"ok": False})())

        app.device.submit(app.service.print_passages, self.insee, self.commune,
                          on_done=printed, on_error=failed)

    def show_qr(self) -> None:
        app = App.get_running_app()
        if not self._passages:
            return
        asked = self._asked
        app.db.submit(app.service.passage_qr, self._passages[0],
                      on_done=lambda matrix: self._qr(asked, matrix))

    def _qr(self, asked: int, matrix: Any) -> None:
        if asked == self._asked:
            self.qr_matrix = [list(row) for row in matrix]

    def spoken(self, language: str) -> str:
        lines = self.lines(language)
        title = i18n.t("bus_calendar.next_at", language,
                       at_commune=i18n.at_commune(self.commune, language))
        if not lines:
            return f"{title}. {i18n.t('bus_calendar.none', language)}"
        return f"{title}. " + " ".join(line + "." for line in lines) + " " + \
            i18n.t("bus_calendar.read_actions", language)


