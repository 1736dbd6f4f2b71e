"""The bus calendar for the people it serves: an iCalendar file (the agglomeration's website,
phones), printable monthly posters (PDF, A4 or A3: the whole territory, then one page per
commune), and a square image of a month for social networks (PNG 1080×1080).

Every passage reads the same everywhere: the day, the hours, the place (with "(sous réserve)"
while the coordinator has not confirmed it) and the commune.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from icalendar import Event

from kiosk import french
from kiosk.content.i18n import at_commune
from kiosk.content.planning import hours, hours_text
from kiosk.core.views import Passage
from kiosk.french import NBSP
from kiosk.output.documents import lines_receipt, wrap_text
from kiosk.output.pdf_layout import (
    AUTHOR,
    CREATOR,
    DARK,
    FONT,
    FONT_BOLD,
    FONTS_DIR,
    INK,
    LIGHT,
    MID,
    MM,
    PALE,
    french_spaces,
    register_fonts,
    text_width,
)
from kiosk.system.clock import instant, zone
from kiosk.system.config import Settings
from kiosk.system.files import write_private

UID_DOMAIN = "bus-plus.espace-sud"
TITLE = "Bus PLUS – Espace Sud"
SLOGAN = "Les services publics près de chez vous"
PNG_SIZE = 1080

# what a planned half-day may add on the staff copy: "≈ 24 visiteurs, 3 animatrices"
StaffNote = Callable[[Passage], str]


def contact_line(settings: Settings) -> str:
    """The line every calendar ends with: the bus's phone (setting `bus_phone`, none until the
    coordinator sets it) and where its calendar is posted (`bus_calendar`)."""
    words = ["Bus PLUS – Espace Sud"]
    if settings.bus_phone:
        words.append(f"tél. {settings.bus_phone}")
    if settings.bus_calendar:
        words.append(f"calendrier {settings.bus_calendar}")
    return " · ".join(words)


def uid(passage: Passage) -> str:
    """Stable across exports: a re-published file updates phone calendars, never duplicates."""
    return f"{passage.day:%Y%m%d}-{passage.half}-{passage.stop_id}@{UID_DOMAIN}"


def location(passage: Passage) -> str:
    return f"{passage.stop_name}, {passage.commune_name}"


def _event(passage: Passage, contact: str, stamp: dt.datetime, timezone: str) -> Event:
    opening, closing = hours(passage.half)
    event = Event()
    event.add("uid", uid(passage))
    event.add("dtstamp", instant(stamp, timezone).astimezone(dt.UTC))
    event.add("dtstart", dt.datetime.combine(passage.day, opening, tzinfo=zone(timezone)))
    event.add("dtend", dt.datetime.combine(passage.day, closing, tzinfo=zone(timezone)))
    event.add("summary", f"Bus PLUS {at_commune(passage.commune_name)}")
    event.add("location", location(passage))
    words = [f"{SLOGAN} : CAF, impôts, retraite, santé, emploi… "
             f"de {hours_text(passage.half)}, sans rendez-vous."]
    if not passage.confirmed:
        words.append("Lieu sous réserve : il peut encore changer.")
    if contact:
        words.append(contact)
    event.add("description", " ".join(words))
    event.add("transp", "TRANSPARENT")
    return event


def ics_bytes(passages: Sequence[Passage], contact: str, stamp: dt.datetime,
              name: str = TITLE, *, timezone: str) -> bytes:
    """An RFC 5545 calendar of the passages, times in the bus's zone (setting `timezone`,
    America/Martinique) with its VTIMEZONE. `stamp` is the wall time in that zone."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//Espace Sud//Borne PLUS//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone)
    for passage in passages:
        cal.add_component(_event(passage, contact, stamp, timezone))
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data


def event_ics(passage: Passage, contact: str, stamp: dt.datetime, *, timezone: str) -> str:
    """One passage as a calendar holding a single VEVENT: what a QR code carries, and what a
    phone camera offers to add to its calendar."""
    return ics_bytes([passage], contact, stamp, timezone=timezone).decode("utf-8")


def write_ics(passages: Sequence[Passage], out: Path, contact: str, stamp: dt.datetime,
              name: str = TITLE, *, timezone: str, replace: bool = False) -> Path:
    return write_private(out, ics_bytes(passages, contact, stamp, name, timezone=timezone),
                         replace=replace)


# ---------------------------------------------------------------- months


def months_of(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day of every month from `start` to `end`."""
    months = []
    day = start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _weeks(month: dt.date, weekdays: Sequence[int]) -> list[list[dt.date | None]]:
    """The month's weeks that hold one of `weekdays`, each the dates of those weekdays (None
    outside the month)."""
    rows = []
    for week in calendar.Calendar().monthdatescalendar(month.year, month.month):
        cells: list[dt.date | None] = [week[w] if week[w].month == month.month else None
                                       for w in weekdays]
        if any(cells):
            rows.append(cells)
    return rows


def _service_days(passages: Sequence[Passage]) -> list[int]:
    """Monday to Thursday, plus any other weekday a passage falls on."""
    return sorted({0, 1, 2, 3} | {p.day.weekday() for p in passages})


# ---------------------------------------------------------------- PDF posters


def _fit(text: str, font: str, size: float, width: float, smallest: float) -> float:
    while size > smallest and text_width(text, font, size) > width:
        size -= 0.5
    return size


def _poster_page(c: object, month: dt.date, passages: Sequence[Passage], heading: str,
                 contact: str, page_w: float, page_h: float, one_commune: bool,
                 staff_note: StaffNote | None, off: Mapping[dt.date, str]) -> None:
    from reportlab.pdfgen.canvas import Canvas

    assert isinstance(c, Canvas)
    margin = 12 * MM
    width = page_w - 2 * margin
    top = page_h - margin
    # the header: who, which month, where
    c.setFillColorRGB(*INK)
    c.setFont(FONT_BOLD, 15)
    c.drawString(margin, top - 15, TITLE)
    c.setFont(FONT, 12)
    c.drawRightString(page_w - margin, top - 15, SLOGAN)
    title = f"{french.month_year(month).capitalize()} – {heading}"
    size = _fit(title, FONT_BOLD, 30, width, 18)
    c.setFont(FONT_BOLD, size)
    c.drawString(margin, top - 22 - size, title)
    y = top - 30 - size
    c.setFont(FONT, 13)
    c.drawString(margin, y - 13, french_spaces(
        "Sans rendez-vous, le matin de 8 h à 13 h : CAF, impôts, retraite, santé, emploi…"))
    y -= 24
    # the grid: one column per service day, one row per week
    days = _service_days(passages)
    weeks = _weeks(month, days)
    footer = 30 * MM
    col_w = width / len(days)
    head_h = 9 * MM
    row_h = (y - footer - head_h) / max(len(weeks), 1)
    c.setFillColorRGB(*DARK)
    c.rect(margin, y - head_h, width, head_h, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(FONT_BOLD, 15)
    for i, w in enumerate(days):
        c.drawCentredString(margin + (i + 0.5) * col_w, y - head_h + 2.7 * MM,
                            french.weekday_names()[w].capitalize())
    y -= head_h
    by_day: dict[dt.date, list[Passage]] = {}
    for p in passages:
        by_day.setdefault(p.day, []).append(p)
    place_size = 15.0 if one_commune else 12.0
    for row in weeks:
        for i, day in enumerate(row):
            x = margin + i * col_w
            found = by_day.get(day, []) if day else []
            if day is None:
                c.setFillColorRGB(*PALE)
                c.rect(x, y - row_h, col_w, row_h, stroke=0, fill=1)
            c.setStrokeColorRGB(*MID)
            c.setLineWidth(0.8)
            c.rect(x, y - row_h, col_w, row_h, stroke=1, fill=0)
            if day is None:
                continue
            c.setFillColorRGB(*(INK if found else MID))
            c.setFont(FONT_BOLD, 20)
            c.drawString(x + 2.5 * MM, y - 9 * MM, french.day_number(day.day))
            if day in off and not found:  # why the bus does not come: people ask
                c.setFont(FONT, 11)
                for k, line in enumerate(wrap_text(f"Pas de bus : {off[day]}", FONT, 11,
                                               col_w - 5 * MM, 3)):
                    c.drawString(x + 2.5 * MM, y - 16 * MM - k * 13, line)
            inner = col_w - 5 * MM
            line_y = y - 16 * MM
            for p in found[:2]:
                c.setFillColorRGB(*INK)
                if not one_commune:
                    size = _fit(p.commune_name, FONT_BOLD, 14, inner, 9)
                    c.setFont(FONT_BOLD, size)
                    c.drawString(x + 2.5 * MM, line_y, p.commune_name)
                    line_y -= size + 3
                for line in wrap_text(p.stop_name, FONT, place_size, inner, 4 if one_commune else 3):
                    c.setFont(FONT, place_size)
                    c.drawString(x + 2.5 * MM, line_y, line)
                    line_y -= place_size + 2
                c.setFont(FONT_BOLD, place_size)
                c.drawString(x + 2.5 * MM, line_y, hours_text(p.half))
                line_y -= place_size + 4
                if staff_note is not None:
                    c.setFillColorRGB(*DARK)
                    c.setFont(FONT, 10)
                    for line in wrap_text(staff_note(p), FONT, 10, inner, 2):
                        c.drawString(x + 2.5 * MM, line_y, line)
                        line_y -= 12
        y -= row_h
    # the footer: the bus's contact, what "sous réserve" means
    c.setFillColorRGB(*INK)
    c.setStrokeColorRGB(*LIGHT)
    c.line(margin, footer - 4 * MM, page_w - margin, footer - 4 * MM)
    if contact:
        size = _fit(contact, FONT_BOLD, 16, width, 10)
        c.setFont(FONT_BOLD, size)
        c.drawString(margin, footer - 12 * MM, contact)
    c.setFont(FONT, 12)
    if any(not p.confirmed for p in passages):
        c.drawString(margin, footer - 19 * MM, french_spaces(
            "« sous réserve » : lieu encore à confirmer, il peut changer."))
    c.setFont(FONT, 10)
    c.setFillColorRGB(*DARK)
    c.drawString(margin, footer - 25 * MM, "Pas de passage les jours fériés ni pendant le "
                                           "carnaval.")
    if staff_note is not None:
        c.drawRightString(page_w - margin, footer - 25 * MM, "Copie de l'équipe")


def write_pdf(passages: Sequence[Passage], out: Path, start: dt.date, end: dt.date,
              contact: str, paper: str = "a4", commune: tuple[str, str] | None = None,
              staff_note: StaffNote | None = None,
              off: Mapping[dt.date, str] | None = None, *, replace: bool = False) -> Path:
    """Monthly posters: for each month, the whole territory then one page per commune (only
    that commune's page when `commune` is given). A3 is the same page enlarged."""
    from reportlab.lib.pagesizes import A3, A4
    from reportlab.pdfgen.canvas import Canvas

    register_fonts()
    size = A3 if paper == "a3" else A4
    scale = size[0] / A4[0]
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=size, invariant=True)
    c.setAuthor(AUTHOR)
    c.setCreator(CREATOR)
    c.setTitle(f"{TITLE} – calendrier des passages")
    communes = sorted({(p.commune_insee, p.commune_name) for p in passages},
                      key=lambda x: x[1])
    if commune is not None:
        communes = [commune]
    for month in months_of(start, end):
        mine = [p for p in passages if (p.day.year, p.day.month) == (month.year, month.month)]
        pages: list[tuple[str, list[Passage], bool]] = []
        if commune is None:
            pages.append(("tout l'Espace Sud", mine, False))
        for insee, name in communes:
            pages.append((name, [p for p in mine if p.commune_insee == insee], True))
        for heading, shown, one in pages:
            c.saveState()
            c.scale(scale, scale)
            _poster_page(c, month, shown, heading, contact, A4[0], A4[1], one, staff_note,
                         off or {})
            c.restoreState()
            c.showPage()
    c.save()
    return write_private(out, buffer.getvalue(), replace=replace)


# ---------------------------------------------------------------- PNG for social networks


def png_bytes(passages: Sequence[Passage], month: dt.date, contact: str,
              heading: str = "tout l'Espace Sud") -> bytes:
    """A 1080×1080 image of one month's passages, a line each, large enough for a phone."""
    from PIL import Image, ImageDraw, ImageFont

    def font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
        name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
        return ImageFont.truetype(str(FONTS_DIR / name), size)

    def fit(text: str, bold: bool, size: int, width: int, smallest: int) -> ImageFont.FreeTypeFont:
        while size > smallest and draw.textlength(text, font=font(bold, size)) > width:
            size -= 1
        return font(bold, size)

    image = Image.new("RGB", (PNG_SIZE, PNG_SIZE), "white")
    draw = ImageDraw.Draw(image)
    margin = 60
    width = PNG_SIZE - 2 * margin
    band = 200
    draw.rectangle((0, 0, PNG_SIZE, band), fill=(38, 38, 38))
    draw.text((margin, 36), TITLE, font=font(True, 44), fill="white")
    title = f"{french.month_year(month).capitalize()} – {heading}"
    draw.text((margin, 104), title, font=fit(title, True, 52, width, 30), fill="white")
    shown = sorted((p for p in passages if (p.day.year, p.day.month) ==
                    (month.year, month.month)), key=lambda p: (p.day, p.half != "morning"))
    y = band + 24
    draw.text((margin, y), "Sans rendez-vous, de 8 h à 13 h :", font=font(False, 34), fill="black")
    y += 58
    bottom = PNG_SIZE - 130
    if not shown:
        draw.text((margin, y + 40), "Pas de passage prévu ce mois-ci.", font=font(True, 44),
                  fill="black")
    one_commune = len({p.commune_insee for p in shown}) <= 1
    row = min(110 if one_commune else 90, (bottom - y) // max(len(shown), 1))
    big = max(20, min(44 if one_commune else 34, int(row * 0.42)))
    small = max(17, int(big * 0.78))
    day_w = int(width * 0.30)
    for i, p in enumerate(shown):
        top = y + i * row
        if i % 2 == 0:
            draw.rectangle((margin - 14, top - 6, PNG_SIZE - margin + 14, top + row - 8),
                           fill=(236, 236, 236))
        day = f"{french.weekday_names()[p.day.weekday()][:3]}. {french.day_number(p.day.day)}"
        draw.text((margin, top), day, font=font(True, big), fill="black")
        if one_commune:
            words = p.stop_name
            draw.text((margin + day_w, top), words, font=fit(words, True, big, width - day_w, 18),
                      fill="black")
            draw.text((margin + day_w, top + big + 6), hours_text(p.half), font=font(False, small),
                      fill="black")
        else:
            draw.text((margin + day_w, top), p.commune_name,
                      font=fit(p.commune_name, True, big, width - day_w, 18), fill="black")
            draw.text((margin + day_w, top + big + 4), p.stop_name,
                      font=fit(p.stop_name, False, small, width - day_w, 14), fill=(40, 40, 40))
    draw.line((margin, bottom + 10, PNG_SIZE - margin, bottom + 10), fill=(150, 150, 150), width=3)
    if contact:
        draw.text((margin, bottom + 28), contact, font=fit(contact, True, 30, width, 16),
                  fill="black")
    note = "Pas de passage les jours fériés ni pendant le carnaval."
    if any(not p.confirmed for p in shown):
        note = "« sous réserve » : lieu encore à confirmer. " + note
    draw.text((margin, bottom + 74), note, font=fit(note, False, 24, width, 14), fill=(60, 60, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def write_png(passages: Sequence[Passage], out: Path, month: dt.date, contact: str,
              heading: str = "tout l'Espace Sud", *, replace: bool = False) -> Path:
    return write_private(out, png_bytes(passages, month, contact, heading), replace=replace)


# ---------------------------------------------------------------- the kiosk: "Quand revient le bus ?"


def event_qr_text(passage: Passage, stamp: dt.datetime, *, timezone: str) -> str:
    """One passage as the shortest calendar a phone camera offers to add: times in UTC (no
    VTIMEZONE to carry), no description; the same UID as the published calendar's. The hours
    and `stamp` are wall times in the bus's zone (setting `timezone`)."""
    from icalendar import Calendar

    here = zone(timezone)
    opening, closing = hours(passage.half)
    cal = Calendar()
    cal.add("prodid", "-//Espace Sud//Borne PLUS//FR")
    cal.add("version", "2.0")
    event = Event()
    event.add("uid", uid(passage))
    event.add("dtstamp", instant(stamp, timezone).astimezone(dt.UTC))
    event.add("dtstart", dt.datetime.combine(passage.day, opening, tzinfo=here).astimezone(dt.UTC))
    event.add("dtend", dt.datetime.combine(passage.day, closing, tzinfo=here).astimezone(dt.UTC))
    event.add("summary", f"Bus PLUS {at_commune(passage.commune_name)}")
    event.add("location", location(passage))
    cal.add_component(event)
    text: str = cal.to_ical().decode("utf-8")
    return text


def passages_receipt(passages: Sequence[Passage], commune_name: str, contact: str,
                     out: Path, width_mm: float) -> tuple[Path, float]:
    """The next passages in a commune on the 80 mm receipt printer: (file, page height in mm)."""
    register_fonts()
    inner = (width_mm - 8) * MM  # the receipt's 4 mm margins
    # "Le bus revient aux Anses-d'Arlet" is 91 mm at 14 pt: it wraps, never inside "aux Anses"
    heading = f"Le bus revient {at_commune(commune_name).replace(' ', NBSP)}"
    lines: list[tuple[str, str, float]] = [(FONT_BOLD, TITLE, 12), (FONT_BOLD, heading, 14),
                                           ("", "", 6)]
    for p in passages:
        lines.append((FONT_BOLD, french.day_and_date(p.day).capitalize(), 13))
        lines.append((FONT, hours_text(p.half), 12))
        lines += [(FONT, line, 12) for line in wrap_text(p.stop_name, FONT, 12, inner, 3)]
        lines.append(("", "", 6))
    if not passages:
        lines.append((FONT, "Pas de passage prévu pour le moment.", 12))
    lines.append((FONT, "Sans rendez-vous, de 8 h à 13 h.", 11))
    lines += [(FONT, line, 10) for line in wrap_text(contact, FONT, 10, inner, 3)]
    data, height_mm = lines_receipt(lines, heading.replace(NBSP, " "), width_mm)
    return write_private(out, data), height_mm
