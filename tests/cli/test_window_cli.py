"""`kiosk panels check` as the animatrice uses it after copying files from a USB key, and
`kiosk feedback` as the coordinator and scripts read the visitors' answers."""

from __future__ import annotations

import datetime as dt

from kiosk.core import services
from kiosk.core.context import open_context
from kiosk.system.config import Settings
from tests.cli.runner import Kiosk, make_env
from tests.conftest import DEFAULT_NOW, Clock

PANEL = """\
title: {title}
lines:
  - Ordures ménagères le lundi et le jeudi.
  - Sortez le bac la veille au soir.
start: {start}
end: {end}
"""


def test_panels_check_says_what_shows_today_and_names_each_wrong_file(tmp_path):
    kiosk = Kiosk(make_env(tmp_path, None))  # no database needed, none is made
    today = DEFAULT_NOW.date()  # the suite's Thursday, which the CLI reads (tests/cli/runner.py)
    # the shipped examples, while the data dir has no panels folder
    shipped = kiosk.json("panels", "check")
    assert shipped["folder"].endswith("assets/panels") and shipped["errors"] == []
    assert {p["file"] for p in shipped["panels"] if p["shown"]} >= {"calendrier-du-bus.yaml"}

    folder = tmp_path / "data" / "panels"
    folder.mkdir(parents=True)
    (folder / "01-dechets.yaml").write_text(PANEL.format(
        title="Ramassage des déchets", start=today, end=today + dt.timedelta(days=30)), "utf-8")
    (folder / "02-plus-tard.yaml").write_text(PANEL.format(
        title="Fête de la commune", start=today + dt.timedelta(days=3),
        end=today + dt.timedelta(days=4)), "utf-8")
    text = kiosk("panels", "check").stdout
    assert f"{folder} : 2 panneau(x) valide(s), 1 montré(s)" in text
    assert "01-dechets.yaml : « Ramassage des déchets » — montré jusqu'au" in text
    assert "02-plus-tard.yaml : « Fête de la commune » — pas encore : à partir du" in text
    later = kiosk.json("panels", "check", "--day", str(today + dt.timedelta(days=3)))
    assert [p["file"] for p in later["panels"] if p["shown"]] == ["01-dechets.yaml",
                                                                  "02-plus-tard.yaml"]

    # two wrong files: each named with its line and field; one line on stderr; exit 2
    (folder / "03-faux.yaml").write_text(
        PANEL.format(title="Faux", start=today, end=today).replace("lines:", "lignes:"), "utf-8")
    (folder / "04-photo.yaml").write_text(
        PANEL.format(title="Photo", start=today, end=today) + "image: absente.jpg\n", "utf-8")
    refused = kiosk("panels", "check", expect=2)
    assert f"REFUSÉ {folder / '03-faux.yaml'}, ligne 2 : panneau, champ « lignes » : champ " \
           "inconnu" in refused.stdout
    assert f"REFUSÉ {folder / '04-photo.yaml'}, ligne 7 : panneau, champ « image » : " \
           "« absente.jpg » introuvable à côté du fichier" in refused.stdout
    assert "1 montré(s)" in refused.stdout  # the good ones still show
    assert refused.stderr.count("\n") == 1
    assert refused.stderr.startswith(f"kiosk: {folder / '03-faux.yaml'}, ligne 2 : ")
    assert "(et 1 autre(s), listés ci-dessus)" in refused.stderr
    data = kiosk.json("panels", "check", expect=2)
    assert [(e["file"].rsplit("/", 1)[1], e["line"]) for e in data["errors"]] == [
        ("03-faux.yaml", 2), ("04-photo.yaml", 7)]
    kiosk("panels", "check", str(tmp_path / "nowhere"), expect=2)


def test_panels_check_refuses_a_giant_picture_in_one_line(tmp_path):
    from tests.unit.test_panels import giant_png

    kiosk = Kiosk(make_env(tmp_path, None))
    folder = tmp_path / "cle"
    folder.mkdir()
    (folder / "01-dechets.yaml").write_text(PANEL.format(
        title="Ramassage des déchets", start="2026-01-01", end="2027-12-31"), "utf-8")
    (folder / "geant.png").write_bytes(giant_png(60000, 60000))
    (folder / "02-geant.yaml").write_text(PANEL.format(
        title="Géant", start="2026-01-01", end="2027-12-31") + "image: geant.png\n", "utf-8")
    refused = kiosk("panels", "check", str(folder), "--day", "2026-12-01", expect=2)
    assert refused.stderr == (f"kiosk: {folder / '02-geant.yaml'}, ligne 7 : panneau, champ "
                              "« image » : « geant.png » trop grande (60000×60000 pixels ; 1920 "
                              "pixels de côté au plus)\n")
    assert f"{folder} : 1 panneau(x) valide(s), 1 montré(s)" in refused.stdout


def test_feedback_gives_the_answers_per_commune_and_stop(tmp_path, database_url):
    ctx = open_context(Settings(data_dir=tmp_path / "data", database_url=database_url))
    ctx.clock = Clock()  # the suite's Thursday, as the CLI reads it
    try:
        services.open_stopover(ctx, "ducos-bourg")
        assert services.record_feedback(ctx, "content")
        assert not services.record_feedback(ctx, "pas_content")  # the same visitor, at once
    finally:
        ctx.dispose()
    kiosk = Kiosk(make_env(tmp_path, database_url))
    today = DEFAULT_NOW.date().isoformat()  # the suite's Thursday (tests/cli/runner.py)
    data = kiosk.json("feedback", "--from", today)
    assert data["period"]["from"] == today
    assert (data["content"], data["moyen"], data["pas_content"], data["answers"]) == (1, 0, 0, 1)
    assert data["by_stop"][0]["key"] == "ducos-bourg" and data["by_stop"][0]["served"] == 0
    text = kiosk("feedback", "--from", today, "--commune", "97207").stdout
    assert "Avis des visiteurs (borne) : 1 avis : content 1 (100\u00a0%), moyen 0, pas content 0" in text
    assert "  Bourg, place de la mairie (Ducos) : 1 avis" in text
    refused = kiosk("feedback", "--from", today, "--commune", "97999", expect=2)
    assert refused.stderr == ("kiosk: --commune 97999 : commune inconnue (code INSEE, voir "
                              "« kiosk itinerary list »).\n")
