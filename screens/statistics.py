"""The coordinator's Statistiques: a period, its headline figures beside the previous period and
the same period a year before, three charts, and the export to a USB key.

Everything is read through kiosk.apps.console.StaffService as the JSON object of
docs/statistics-json.md. The computation and the export run on this screen's own worker thread,
not on the console's: the queue keeps refreshing (its worker polls every half second) while a
year of history is counted or a PDF is written. Only the coordinator reaches this screen, and
the core refuses anyone else as well.

Its size: the Statistiques screen with its export and stop-review dialogs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import Screen
from kivy.uix.togglebutton import ToggleButton

from kiosk import french
from kiosk.apps import console_words_coordinator as words
from kiosk.apps.console import EXPORT_FORMATS, PERIOD_CHOICES
from kiosk.errors import KioskError
from kiosk.exports.figures import HEADLINE
from kiosk.vocabulary import STOP_MARKS
from screens import charts, theme
from screens.finish_form import FormToggle
from screens.worker import Worker

# (label, key in the report and in each comparison column): the headline figures that have
# words for the console's narrow table
COUNTS = tuple((figure.short, figure.key) for figure in HEADLINE if figure.short)


def count_text(value: Any) -> str:
    return "–" if value is None else french.number(value)


def minutes_text(value: Any) -> str:
    return "–" if value is None else words.minutes(french.number(value, 1))


def decimal_text(value: Any) -> str:
    return "–" if value is None else french.number(value, 1)


def headline_rows(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(what, this period, previous period, a year before), as the screen shows them."""
    comparison = report.get("comparison", {})
    previous = comparison.get("previous", {})
    before = comparison.get("year_before", {})
    wait = report.get("wait", {})
    rows = [(label, count_text(report.get(key)), count_text(previous.get(key)),
             count_text(before.get(key))) for label, key in COUNTS]
    # the itinerary's steering number, read under the visits it divides
    rows.insert(1, (words.PER_HALF_DAY, decimal_text(report.get("visitors_per_half_day")),
                    decimal_text(previous.get("visitors_per_half_day")),
                    decimal_text(before.get("visitors_per_half_day"))))
    rows.append((words.WAIT_MEAN, minutes_text(wait.get("mean_minutes")),
                 minutes_text(previous.get("wait_mean_minutes")),
                 minutes_text(before.get("wait_mean_minutes"))))
    rows.append((words.WAIT_MEDIAN, minutes_text(wait.get("median_minutes")),
                 minutes_text(previous.get("wait_median_minutes")),
                 minutes_text(before.get("wait_median_minutes"))))
    return rows


def month_bars(report: dict[str, Any]) -> tuple[str, list[tuple[str, int, str]]]:
    """Visits per month; within a single month, per weekday (one bar says nothing)."""
    breakdowns = report.get("breakdowns", {})
    months = breakdowns.get("by_month", [])
    if len(months) <= 1:
        return (words.VISITS_BY_WEEKDAY,
                [(r["label"], r["visits"], count_text(r["visits"]))
                 for r in breakdowns.get("by_weekday", [])])
    years = {r["key"][:4] for r in months}
    bars = []
    for r in months:
        name = french.month_abbreviations()[int(r["key"][5:7]) - 1]
        label = name if len(years) == 1 else f"{name} {r['key'][2:4]}"
        bars.append((label, r["visits"], count_text(r["visits"])))
    return words.VISITS_BY_MONTH, bars


def operator_bars(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    rows = sorted(report.get("breakdowns", {}).get("demandes_by_operator", []),
                  key=lambda r: (-r["demandes"], r["label"]))
    return [(r["label"], r["demandes"], count_text(r["demandes"])) for r in rows]


def wait_bars(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(r["label"], r["visits"], count_text(r["visits"]))
            for r in report.get("breakdowns", {}).get("wait_buckets", [])]


def short_label(column: dict[str, Any]) -> str:
    """A column head that fits a figure's width: "T3 2026", "juil. 2026", "2026", or the dates
    ("01/07/26 – 15/08/26") for chosen days."""
    try:
        start = dt.date.fromisoformat(str(column.get("from")))
        end = dt.date.fromisoformat(str(column.get("to")))
    except ValueError:
        return str(column.get("label", ""))
    next_day = end + dt.timedelta(days=1)
    if start.day == 1 and next_day.day == 1:
        months = (next_day.year - start.year) * 12 + next_day.month - start.month
        if months == 12 and start.month == 1:
            return str(start.year)
        if months == 3 and start.month % 3 == 1:
            return words.quarter((start.month - 1) // 3 + 1, start.year)
        if months == 1:
            return f"{french.month_abbreviations()[start.month - 1]} {start.year}"
    return f"{french.tiny_date(start)} – {french.tiny_date(end)}"


def progress_fraction(*args: Any) -> float | None:
    """The exporter's progress, as a fraction: `(fraction)` or `(done, total)`."""
    numbers = [a for a in args if isinstance(a, (int, float)) and not isinstance(a, bool)]
    if len(numbers) >= 2 and numbers[1]:
        return max(0.0, min(1.0, numbers[0] / numbers[1]))
    if len(numbers) == 1:
        return max(0.0, min(1.0, float(numbers[0])))
    return None



class PeriodToggle(ToggleButton):
    """A toggle of the Statistiques screen: `name` for the tests, `code` for the handler,
    `label` shown (styled in statistics.kv)."""

    name = StringProperty("")
    code = StringProperty("")
    label = StringProperty("")

class FigureCell(Label):
    """One cell of the headline table; the heads and comparison columns are muted. A figure is
    one line (shortened rather than overflowing); a head wraps."""

    muted = BooleanProperty(False)
    header = BooleanProperty(False)


# ---------------------------------------------------------------- date picker


class DateStepper(BoxLayout):
    """A date chosen with − and + on day, month and year: no keyboard on the bus."""

    date = ObjectProperty(dt.date(2000, 1, 1))  # set from the service's clock on build
    caption = StringProperty("")
    # what the three steppers show, set from `date` (kv does not watch a date's attributes)
    day_text = StringProperty("")
    month_text = StringProperty("")
    year_text = StringProperty("")

    def on_date(self, *_args: object) -> None:
        self.day_text = str(self.date.day)
        self.month_text = french.month_names()[self.date.month - 1]
        self.year_text = str(self.date.year)

    def step(self, part: str, delta: int) -> None:
        day, month, year = self.date.day, self.date.month, self.date.year
        if part == "day":
            self.date = self.date + dt.timedelta(days=delta)
            return
        if part == "month":
            month += delta
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        else:
            year += delta
        self.date = _clamped(year, month, day)


def _clamped(year: int, month: int, day: int) -> dt.date:
    """The day of that month, or its last day (31 January + 1 month = 28/29 February)."""
    while True:
        try:
            return dt.date(year, month, day)
        except ValueError:
            day -= 1


# ---------------------------------------------------------------- the screen


class StatisticsScreen(Screen):
    choice = StringProperty("this_quarter")
    report = DictProperty({})
    period_text = StringProperty("")
    status = StringProperty("")
    status_is_error = BooleanProperty(False)
    computing = BooleanProperty(False)

    def on_kv_post(self, *_args: object) -> None:
        self.period: Any = None
        self._asked = 0
        self._worker: Worker | None = None
        self._export: ExportDialog | None = None
        self._review: StopReviewView | None = None
        self._cells: list[Any] = []
        for key, label in PERIOD_CHOICES:
            toggle = Factory.PeriodToggle(label=label, name=f"period:{key}", code=key)
            toggle.bind(on_release=lambda t: self.choose(t.code))
            self.ids.periods.add_widget(toggle)
        today = App.get_running_app().service.now().date()
        self.ids.date_from.date = today.replace(day=1)
        self.ids.date_to.date = today
        self._build_table()
        self.bind(choice=self._show_choice)
        self._show_choice()

    @property
    def worker(self) -> Worker:
        """Its own thread, started at first use: never the console's queue worker."""
        if self._worker is None:
            self._worker = Worker("console-statistics")
        return self._worker

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def submit(self, fn: Callable[..., Any], on_done: Callable[[Any], None],
               on_error: Callable[[BaseException], None]) -> None:
        self.worker.submit(fn, on_done=on_done, on_error=on_error)

    # ------------------------------------------------------------ entering

    def on_pre_enter(self, *_args: object) -> None:
        app = App.get_running_app()
        if not app.console.is_coordinator:  # the button is hidden; a stray way in is turned back
            Clock.schedule_once(lambda _dt: app.console.back_to_queue(), 0)
            return
        self.load()

    # ------------------------------------------------------------ period

    def _show_choice(self, *_args: object) -> None:
        for toggle in self.ids.periods.children:
            toggle.state = "down" if toggle.code == self.choice else "normal"

    def choose(self, choice: str) -> None:
        self.choice = choice
        if choice != "dates":
            self.load()
            return
        # chosen dates start from the period on screen, and wait for "Afficher"
        period = self.report.get("period", {})
        try:
            self.ids.date_from.date = dt.date.fromisoformat(str(period.get("from")))
            self.ids.date_to.date = dt.date.fromisoformat(str(period.get("to")))
        except ValueError:
            pass

    def load(self) -> None:
        """Count the chosen period on the statistics worker; only the last answer is shown."""
        app = App.get_running_app()
        service, staff_id, choice = app.service, app.staff_id, self.choice
        start, end = self.ids.date_from.date, self.ids.date_to.date
        self._asked += 1
        asked = self._asked
        self.computing = True
        self.say(words.COMPUTING)

        def job() -> tuple[Any, dict[str, Any]]:
            period = service.period(choice, start, end)
            return period, service.statistics(staff_id, period)

        self.submit(job, on_done=lambda result: self._computed(asked, result),
                    on_error=lambda exc: self._failed(asked, exc))

    def _computed(self, asked: int, result: tuple[Any, dict[str, Any]]) -> None:
        if asked != self._asked:
            return
        self.computing = False
        self.period, self.report = result
        self.say(words.computed_at(self._when(self.report.get("generated_at"))))

    def _failed(self, asked: int, exc: BaseException) -> None:
        if asked != self._asked:
            return
        self.computing = False
        self.say(exc.message if isinstance(exc, KioskError)
                 else words.computation_failed(str(exc).splitlines()[0][:120]), error=True)

    @staticmethod
    def _when(stamp: Any) -> str:
        try:
            return french.date_and_time(dt.datetime.fromisoformat(str(stamp)))
        except ValueError:
            return str(stamp)

    def say(self, text: str, error: bool = False) -> None:
        self.status = text
        self.status_is_error = error

    # ------------------------------------------------------------ showing

    def _build_table(self) -> None:
        for index in range(4):  # the column heads: up to three lines each
            cell = FigureCell(bold=True, muted=True, header=True,
                              halign="left" if index == 0 else "right")
            self.ids.heads.add_widget(cell)
            self._cells.append(cell)
        for index in range(4 * len(headline_rows({}))):
            cell = FigureCell(bold=index % 4 == 1, muted=index % 4 >= 2,
                              halign="left" if index % 4 == 0 else "right")
            self.ids.figures.add_widget(cell)
            self._cells.append(cell)

    def on_report(self, *_args: object) -> None:
        report = self.report
        period = report.get("period", {})
        comparison = report.get("comparison", {})
        label = str(period.get("label", ""))
        self.period_text = words.period_heading(label, self._date(period.get("from")),
                                                self._date(period.get("to")))
        header = words.figure_heads(short_label(period),
                                    short_label(comparison.get("previous", {})),
                                    short_label(comparison.get("year_before", {})))
        texts = header + [text for row in headline_rows(report) for text in row]
        for cell, text in zip(self._cells, texts, strict=True):
            cell.text = text
        title, bars = month_bars(report)
        self.ids.months.title = title
        self.ids.months.bars = bars
        self.ids.operators.bars = operator_bars(report)
        self.ids.waits.bars = wait_bars(report)
        self.ids.waits.alerts = [len(self.ids.waits.bars) - 1]  # over 30 minutes

    @staticmethod
    def _date(iso: Any) -> str:
        try:
            return french.short_date(dt.date.fromisoformat(str(iso)))
        except ValueError:
            return str(iso or "")

    # ------------------------------------------------------------ export

    def ask_review(self) -> None:
        if self.period is None or self.computing:
            self.say(words.WAIT_FOR_COMPUTATION, error=True)
            return
        if self._review is None:
            self._review = StopReviewView()
        self._review.show(self)

    def ask_export(self) -> None:
        if self.period is None or self.computing:
            self.say(words.WAIT_BEFORE_EXPORT, error=True)
            return
        if self._export is None:
            self._export = ExportDialog(screen=self)
        self._export.prepare(self.period, dict(self.report))
        self._export.open(animation=False)


def review_cells(row: dict[str, Any]) -> list[str]:
    """A stop's line of the "Par arrêt" table, in the words of `kiosk itinerary review`."""
    def one(value: Any) -> str:
        return "–" if value is None else decimal_text(value)

    trend = row.get("trend")
    mark = STOP_MARKS.get(row.get("mark") or "", "")
    return [f"{row['commune']} – {row['place']}", count_text(row["half_days"]),
            one(row["visitors_per_half_day"]), one(row["demandes_per_half_day"]),
            count_text(row["unserved"]),
            "–" if trend is None else french.signed_percent(trend), mark]


REVIEW_HEADS = words.REVIEW_HEADS
REVIEW_WIDTHS = [4.4, 1.4, 1.4, 1.4, 1.1, 1.1, 1.8]


class StopReviewView(ModalView):
    """"Par arrêt": the attendance of every stop over the period on screen, to change a stop's
    frequency before the next plan (the same table as `kiosk itinerary review`)."""

    title = StringProperty("")
    status = StringProperty("")

    def show(self, screen: StatisticsScreen) -> None:
        app = App.get_running_app()
        period = screen.period
        self.title = words.by_stop_title(period.label if period else None)
        self.status = words.COMPUTING
        table = self.ids.review_table
        table.clear_widgets()
        self.open(animation=False)
        service, staff_id = app.service, app.staff_id
        screen.submit(lambda: service.stop_review(staff_id, period), on_done=self._fill,
                      on_error=lambda exc: setattr(
                          self, "status", getattr(exc, "message", None) or str(exc)))

    def _fill(self, rows: list[dict[str, Any]]) -> None:
        app = App.get_running_app()
        table = self.ids.review_table
        table.clear_widgets()

        def cell(text: str, index: int, **kwargs: Any) -> FigureCell:
            # the stop's name gets the room; a head wraps on two lines
            return FigureCell(text=text, halign="left" if index in (0, 6) else "right",
                              size_hint=(REVIEW_WIDTHS[index], None), height=62 * app.u,
                              **kwargs)

        for index, head in enumerate(REVIEW_HEADS):
            table.add_widget(cell(head, index, header=True, muted=True, bold=True))
        for row in rows:
            for index, text in enumerate(review_cells(row)):
                # the stop's name wraps on two lines rather than losing its middle
                table.add_widget(cell(text, index, bold=index == 6 and bool(text),
                                      header=index == 0))
        served = sum(1 for r in rows if r["half_days"])
        self.status = words.review_status(served, len(rows))


class ExportDialog(ModalView):
    """Format, then folder (USB keys first), then "Exporter": a progress bar, and at the end the
    full path of the file written, or one line saying what went wrong."""

    screen = ObjectProperty(None)
    period_label = StringProperty("")
    fmt = StringProperty("xlsx")
    folder = StringProperty("")
    progress = NumericProperty(0.0)
    running = BooleanProperty(False)
    result = StringProperty("")
    result_is_error = BooleanProperty(False)
    written = StringProperty("")
    report: dict[str, Any] | None = None

    def on_kv_post(self, *_args: object) -> None:
        for fmt, label in EXPORT_FORMATS:
            toggle = Factory.PeriodToggle(label=label, name=f"format:{fmt}", code=fmt,
                                          group="export-format")
            toggle.bind(on_release=lambda t: setattr(self, "fmt", t.code))
            self.ids.formats.add_widget(toggle)
        self.bind(fmt=self._show_format)
        self._show_format()

    def _show_format(self, *_args: object) -> None:
        for toggle in self.ids.formats.children:
            toggle.state = "down" if toggle.code == self.fmt else "normal"

    def prepare(self, period: Any, report: dict[str, Any] | None = None) -> None:
        self.period = period
        self.report = report  # what the screen shows: the file says the same
        self.period_label = getattr(period, "label", "")
        self.progress = 0.0
        self.result = words.LOOKING_FOR_KEYS
        self.result_is_error = False
        self.written = ""
        app = App.get_running_app()
        service, staff_id = app.service, app.staff_id
        self.ids.folders.clear_widgets()
        self.screen.submit(lambda: service.export_folders(staff_id),
                           on_done=self._show_folders, on_error=self._failed)

    def _show_folders(self, folders: Any) -> None:
        box = self.ids.folders
        box.clear_widgets()
        self.folder = str(folders[0].path) if folders else ""
        for index, folder in enumerate(folders):
            toggle = Factory.FolderToggle(label=folder.label, name=f"folder:{index}",
                                          code=str(folder.path))
            toggle.bind(on_release=lambda t: setattr(self, "folder", t.code))
            box.add_widget(toggle)
        self._show_folder()
        if not self.running:
            keys = sum(1 for f in folders if f.removable)
            self.result = words.keys_found(keys)

    def on_folder(self, *_args: object) -> None:
        self._show_folder()

    def _show_folder(self) -> None:
        for toggle in self.ids.folders.children:
            toggle.state = "down" if toggle.code == self.folder else "normal"

    def start(self) -> None:
        if self.running or not self.folder:
            return
        app = App.get_running_app()
        service, staff_id = app.service, app.staff_id
        period, fmt, folder, report = self.period, self.fmt, Path(self.folder), self.report
        self.running = True
        self.progress = 0.0
        self.written = ""
        self.result = words.EXPORTING
        self.result_is_error = False

        def moved(*args: Any) -> None:  # on the statistics worker: hand it to the Kivy thread
            fraction = progress_fraction(*args)
            if fraction is not None:
                Clock.schedule_once(lambda _dt: setattr(self, "progress", fraction), 0)

        self.screen.submit(lambda: service.export(staff_id, period, fmt, folder, moved, report),
                           on_done=self._done, on_error=self._failed)

    def _done(self, path: Any) -> None:
        self.running = False
        self.progress = 1.0
        self.written = str(path)
        self.result = words.file_written(path)
        self.result_is_error = False

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        self.result_is_error = True
        if isinstance(exc, KioskError):
            self.result = exc.message
        elif isinstance(exc, OSError):
            self.result = words.write_failed(exc.strerror or exc)
        else:
            self.result = words.export_failed(str(exc).splitlines()[0][:120])


__all__ = ["StatisticsScreen", "ExportDialog", "DateStepper", "FormToggle", "charts", "theme"]
