"""The agglomeration's panels: files checked like the catalogue (file, line, field), pictures too
large refused, panels shown only in their dates (and communes), French or Créole texts."""

from __future__ import annotations

import datetime as dt
import io
import logging
import struct
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import Image

from kiosk.content.panels import IMAGE_MAX_BYTES, cached_panels, load_panel, load_panels
from kiosk.errors import DataFileError
from kiosk.system.config import ASSETS_DIR

GOOD = """\
title: Ramassage des déchets
lines:
  - Ordures ménagères le lundi et le jeudi.
  - Sortez le bac la veille au soir.
start: 2026-12-01
end: 2026-12-31
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 92, 54)).save(out, "PNG")
    return out.getvalue()


def giant_png(width: int, height: int) -> bytes:
    """A tiny valid PNG whose header claims WIDTH×HEIGHT pixels (its CRC made right again):
    what a decompression bomb looks like until it is decoded."""
    data = bytearray(png(4, 4))
    assert data[12:16] == b"IHDR"  # after the 8-byte signature and the chunk's length
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def giant_jpeg(width: int, height: int) -> bytes:
    """The same for a JPEG: its start-of-frame marker says WIDTH×HEIGHT."""
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 92, 54)).save(out, "JPEG")
    data = bytearray(out.getvalue())
    frame = data.index(b"\xff\xc0")  # length (2), precision (1), height (2), width (2)
    data[frame + 5:frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def test_a_good_panel_in_french_and_creole(tmp_path):
    (tmp_path / "poubelle.png").write_bytes(png(300, 200))
    path = write(tmp_path, "01-dechets.yaml", GOOD + "image: poubelle.png\ncommunes: [97207]\n"
                 "gcf:\n  title: Ramasaj fatras\n  lines:\n    - Lendi épi jédi.\n"
                 "    - Soti bak-la lavèy oswè.\n")
    panel = load_panel(path)
    assert panel.id == "01-dechets" and panel.image == tmp_path / "poubelle.png"
    assert panel.texts("fr") == ("Ramassage des déchets", (
        "Ordures ménagères le lundi et le jeudi.", "Sortez le bac la veille au soir."))
    assert panel.texts("gcf") == ("Ramasaj fatras", ("Lendi épi jédi.", "Soti bak-la lavèy oswè."))
    # in its dates and at Ducos only
    assert panel.shown_on(dt.date(2026, 12, 1), "97207")
    assert panel.shown_on(dt.date(2026, 12, 31), "97207")
    assert not panel.shown_on(dt.date(2026, 11, 30), "97207")
    assert not panel.shown_on(dt.date(2027, 1, 1), "97207")
    assert not panel.shown_on(dt.date(2026, 12, 10), "97217")
    assert not panel.shown_on(dt.date(2026, 12, 10), None)
    # without Créole, a Créole kiosk shows the French text
    plain = load_panel(write(tmp_path, "02-plain.yaml", GOOD))
    assert plain.texts("gcf") == plain.texts("fr") and plain.image is None


@pytest.mark.parametrize("text, line, words", [
    (GOOD.replace("title:", "titre:"), 1, "champ « titre » : champ inconnu"),
    (GOOD.replace("title: Ramassage des déchets\n", ""), 1, "champ « title » : manquant"),
    (GOOD.replace("  - Sortez le bac la veille au soir.\n", ""), 2,
     "champ « lines » : 1 lignes, il en faut de 2 à 3"),
    (GOOD.replace("lines:\n", "lines:\n  - a\n  - b\n"), 2,
     "champ « lines » : 4 lignes, il en faut de 2 à 3"),
    (GOOD.replace("end: 2026-12-31", "end: 2026-11-30"), 6,
     "champ « end » : le 30/11/2026 est avant le début (01/12/2026)"),
    (GOOD.replace("start: 2026-12-01", "start: demain"), 5,
     "champ « start » : doit être une date AAAA-MM-JJ"),
    (GOOD.replace("start: 2026-12-01", "start: 2026-02-30"), 5, "date impossible"),
    (GOOD + "communes: [97999]\n", 7, "champ « communes » : code INSEE inconnu « 97999 »"),
    (GOOD + "gcf:\n  title: Ramasaj\n  lines: [Yon sèl]\n", 9,
     "panneau en créole (gcf), champ « lines » : 1 lignes"),
    (GOOD + "gcf:\n  titl: Ramasaj\n", 8, "panneau en créole (gcf), champ « titl » : champ inconnu"),
    (GOOD.replace("Ramassage des déchets", "x" * 41), 1, "champ « title » : trop long (41"),
    (GOOD + "image: ../secret.png\n", 7, "champ « image » : nom de fichier invalide"),
    (GOOD + "image: absente.png\n", 7, "champ « image » : « absente.png » introuvable"),
    (GOOD + "image: notes.txt\n", 7, "image PNG ou JPEG"),
    ("title: [\n", 2, "YAML invalide"),
])
def test_a_wrong_file_is_named_with_its_line_and_field(tmp_path, text, line, words):
    path = write(tmp_path, "panneau.yaml", text)
    with pytest.raises(DataFileError) as caught:
        load_panel(path)
    assert caught.value.path == str(path)
    assert caught.value.line == line, caught.value.message
    assert words in caught.value.message
    assert caught.value.message.startswith(f"{path}, ligne {line} : ")


def test_a_picture_too_large_is_refused(tmp_path):
    (tmp_path / "large.png").write_bytes(png(1921, 100))
    (tmp_path / "tall.png").write_bytes(png(100, 2400))
    (tmp_path / "heavy.jpg").write_bytes(b"\xff\xd8" + b"\0" * IMAGE_MAX_BYTES)
    (tmp_path / "cut.png").write_bytes(png(300, 300)[:200])
    (tmp_path / "fake.png").write_bytes(b"not an image at all")
    (tmp_path / "ok.png").write_bytes(png(1920, 1080))
    for name, words in (("large.png", "trop grande (1921×100 pixels ; 1920 pixels de côté"),
                        ("tall.png", "trop grande (100×2400 pixels"),
                        ("heavy.jpg", "trop lourde (2.0 Mo ; 2 Mo au plus)"),
                        ("cut.png", "n'est pas une image lisible"),
                        ("fake.png", "n'est pas une image lisible (PNG ou JPEG)")):
        path = write(tmp_path, "p.yaml", GOOD + f"image: {name}\n")
        with pytest.raises(DataFileError, match="champ « image »") as caught:
            load_panel(path)
        assert words in caught.value.message and caught.value.line == 7
    assert load_panel(write(tmp_path, "p.yaml", GOOD + "image: ok.png\n")).image is not None


def test_a_picture_whose_header_claims_billions_of_pixels_is_refused_quietly(tmp_path):
    # Pillow's Image.open raised DecompressionBombError from 179 million pixels (a traceback
    # in `kiosk panels check`, the kiosk's window stuck) and warned from 89 million
    (tmp_path / "bomb.png").write_bytes(giant_png(60000, 60000))
    (tmp_path / "warned.png").write_bytes(giant_png(10000, 10000))
    (tmp_path / "bomb.jpg").write_bytes(giant_jpeg(65000, 65000))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning on the way either
        for name, size in (("bomb.png", "60000×60000"), ("warned.png", "10000×10000"),
                           ("bomb.jpg", "65000×65000")):
            path = write(tmp_path, "p.yaml", GOOD + f"image: {name}\n")
            with pytest.raises(DataFileError) as caught:
                load_panel(path)
            assert caught.value.message == (
                f"{path}, ligne 7 : panneau, champ « image » : « {name} » trop grande "
                f"({size} pixels ; 1920 pixels de côté au plus)")


def test_a_giant_picture_leaves_the_other_panels_showing_and_is_logged_once(tmp_path, caplog):
    write(tmp_path, "01-dechets.yaml", GOOD)
    (tmp_path / "bomb.png").write_bytes(giant_png(60000, 60000))
    write(tmp_path, "02-geant.yaml", GOOD + "image: bomb.png\n")
    write(tmp_path, "03-fete.yaml", GOOD)
    with caplog.at_level(logging.WARNING, logger="kiosk.content.panels"):
        loaded = cached_panels(tmp_path)
        assert cached_panels(tmp_path) is loaded  # the next turns: not read, not logged again
    assert [p.id for p in loaded.panels] == ["01-dechets", "03-fete"]
    assert [Path(e.path).name for e in loaded.errors] == ["02-geant.yaml"]
    assert [r.getMessage() for r in caplog.records] == [
        f"panel left out: {tmp_path / '02-geant.yaml'}, ligne 7 : panneau, champ « image » : "
        "« bomb.png » trop grande (60000×60000 pixels ; 1920 pixels de côté au plus)"]


def test_a_folder_shows_its_good_panels_and_names_the_bad_ones(tmp_path):
    write(tmp_path, "02-fete.yaml", GOOD.replace("2026-12-01", "2026-12-20"))
    write(tmp_path, "01-dechets.yaml", GOOD)
    write(tmp_path, "03-faux.yaml", GOOD.replace("lines:", "ligne:"))
    write(tmp_path, "notes.txt", "not a panel")
    loaded = load_panels(tmp_path)
    assert [p.id for p in loaded.panels] == ["01-dechets", "02-fete"]  # in their names' order
    assert [Path(e.path).name for e in loaded.errors] == ["03-faux.yaml"]
    assert [p.id for p in loaded.shown_on(dt.date(2026, 12, 10))] == ["01-dechets"]
    assert [p.id for p in loaded.shown_on(dt.date(2026, 12, 24))] == ["01-dechets", "02-fete"]
    assert loaded.shown_on(dt.date(2027, 1, 2)) == ()
    assert load_panels(tmp_path / "absent").panels == ()  # no folder: no panel, no error


def test_a_file_copied_in_shows_at_the_next_read(tmp_path):
    write(tmp_path, "01.yaml", GOOD)
    assert len(cached_panels(tmp_path).panels) == 1
    assert cached_panels(tmp_path) is cached_panels(tmp_path)  # unchanged: not read again
    write(tmp_path, "02.yaml", GOOD)
    assert len(cached_panels(tmp_path).panels) == 2
    (tmp_path / "01.yaml").unlink()
    assert [p.id for p in cached_panels(tmp_path).panels] == ["02"]


def test_the_shipped_panels_are_valid_bilingual_and_last_as_long_as_the_schedule():
    from kiosk.content.itinerary import load_itinerary

    days = [slot.day for slot in load_itinerary(ASSETS_DIR / "itinerary").schedule]
    for folder in (ASSETS_DIR / "panels", ASSETS_DIR / "panels" / "demo"):
        loaded = load_panels(folder)
        assert loaded.errors == () and loaded.panels, folder
        for panel in loaded.panels:
            assert panel.gcf_title, panel.id
            # every half-day the shipped schedule plans, not the day the suite runs
            for day in (min(days), max(days)):
                assert panel.shown_on(day), f"{panel.id}: out of its dates on {day}"


def test_the_console_is_told_which_panel_file_is_refused(tmp_path):
    from kiosk.content.panels import panels_problem

    write(tmp_path, "01-bon.yaml", GOOD)
    assert panels_problem(tmp_path) is None
    write(tmp_path, "02-faux.yaml", GOOD.replace("title:", "titre:"))
    assert panels_problem(tmp_path) == (
        "Panneaux de la borne : le fichier 02-faux.yaml, ligne 1, n'est pas montré (panneau, "
        "champ « titre » : champ inconnu) ; les autres le sont.")
    write(tmp_path, "03-faux.yaml", "title: [\n")
    assert "(et 1 autre(s) : « kiosk panels check »)" in (panels_problem(tmp_path) or "")
