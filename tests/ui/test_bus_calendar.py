""""Quand revient le bus ?" on the real kiosk: two taps from Accueil to the next passages in a
commune ("sous réserve" beside an unconfirmed place), read aloud, printed on the receipt printer,
and a QR code holding the next passage as a calendar event, read back by zbar."""

from __future__ import annotations

import subprocess

from icalendar import Calendar
from PIL import Image
from pyzbar import pyzbar


def test_two_taps_to_the_next_passages_then_paper_or_phone(kiosk_app, tmp_path):
    k = kiosk_app
    assert k.find("bus_calendar").text == "Quand revient le bus ?"
    k.shot("bus-calendar-accueil")
    k.tap("bus_calendar")                                          # tap 1
    k.wait(lambda: k.screen == "bus_communes")
    tiles = k.app.manager.current_screen.ids.tiles
    k.wait(lambda: len(tiles.children) == 12, what="twelve communes")
    k.shot("bus-calendar-communes")
    assert "Touchez votre commune : Ducos, Le Diamant" in k.app.path.spoken_screen()
    k.tap("commune:97210")                                         # tap 2: Le François
    k.wait(lambda: k.screen == "bus_passages")
    screen = k.app.manager.current_screen
    k.wait(lambda: screen.has_passages, what="passages")
    assert screen.title == "Le bus revient au François"
    lines = screen.passages_text.split("\n\n")  # normal text: a blank line between them
    assert len(lines) == 3
    assert all("de 8 h à 13 h :\nDostaly, parking de l'école (sous réserve)" in line
               for line in lines)
    assert lines[0].startswith("jeudi ")  # the 4th Thursday of the month, said in words
    spoken = k.app.path.spoken_screen()
    assert spoken.startswith("Le bus revient au François. jeudi") and "touchez : Imprimer" in spoken
    k.shot("bus-calendar-passages")

    k.tap("print_passages")
    k.wait(lambda: screen.message == "C'est imprimé ! Prenez votre papier.", what="printed")
    printed = sorted((tmp_path / "printed").glob("*.pdf"))
    assert printed
    text = " ".join(subprocess.run(["pdftotext", str(printed[-1]), "-"], capture_output=True,
                                   text=True, check=True, timeout=30).stdout.split())
    assert "Le bus revient au François" in text and "(sous" in text and "8 h – 13 h" in text

    k.tap("passage_qr")
    k.wait(lambda: bool(screen.qr_matrix), what="QR code")
    path = k.shot("bus-calendar-qr")
    with Image.open(path) as image:
        assert len(pyzbar.decode(image.convert("L"), symbols=[pyzbar.ZBarSymbol.QRCODE])) == 1
    # the bytes as a phone gets them (pyzbar hands over zbar's guess of a charset: Shift-JIS
    # for this short UTF-8 text)
    raw = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", str(path)], capture_output=True,
                         check=True, timeout=30).stdout
    events = Calendar.from_ical(raw.decode("utf-8")).walk("VEVENT")
    assert len(events) == 1
    assert str(events[0]["UID"]).endswith("-morning-francois-dostaly@bus-plus.espace-sud")
    assert str(events[0]["LOCATION"]) == \
        "Dostaly, parking de l'école (sous réserve), Le François"
    start = events[0].decoded("DTSTART")
    assert (start.hour, start.utcoffset().total_seconds()) == (12, 0)  # 8:00 in Martinique

    k.tap("back")
    k.wait(lambda: k.screen == "bus_communes")
    k.tap("home")
    k.wait(lambda: k.screen == "accueil")
