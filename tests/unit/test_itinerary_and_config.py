"""The shipped itinerary and the configuration file: valid data, precise errors."""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from kiosk.content.itinerary import load_itinerary
from kiosk.core.context import open_context
from kiosk.errors import DataFileError
from kiosk.system.config import ASSETS_DIR, Settings, load_settings

ESPACE_SUD = {
    "97202": "Les Anses-d'Arlet", "97206": "Le Diamant", "97207": "Ducos",
    "97210": "Le François", "97217": "Le Marin", "97220": "Rivière-Pilote",
    "97221": "Rivière-Salée", "97223": "Saint-Esprit", "97226": "Sainte-Anne",
    "97227": "Sainte-Luce", "97231": "Les Trois-Îlets", "97232": "Le Vauclin",
}


def test_shipped_itinerary_has_the_twelve_communes_with_two_stops_or_more():
    itinerary = load_itinerary(ASSETS_DIR / "itinerary")
    assert {c.insee: c.name for c in itinerary.communes} == ESPACE_SUD
    assert all(len(c.stops) >= 2 for c in itinerary.communes)


def test_shipped_schedule_is_half_days_on_known_stops_and_visits_every_commune():
    itinerary = load_itinerary(ASSETS_DIR / "itinerary")
    stops = {s.id: s.commune_insee for c in itinerary.communes for s in c.stops}
    assert all(slot.stop_id in stops for slot in itinerary.schedule)
    assert {stops[slot.stop_id] for slot in itinerary.schedule} == set(ESPACE_SUD)
    assert all(slot.day.weekday() < 4 for slot in itinerary.schedule)  # Monday to Thursday


def copy_itinerary(tmp_path: Path) -> Path:
    folder = tmp_path / "itinerary"
    shutil.copytree(ASSETS_DIR / "itinerary", folder)
    return folder


def test_a_schedule_on_an_unknown_stop_names_file_line_and_field(tmp_path):
    folder = copy_itinerary(tmp_path)
    path = folder / "schedule.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if "2026-11-26" in line)
    lines[index] = lines[index].replace("stop: francois-dostaly", "stop: atlantis")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as error:
        load_itinerary(folder)
    assert re.search(rf"schedule\.yaml, ligne {index + 1} : demi-journée n° \d+, "
                     r"champ « stop » : arrêt inconnu « atlantis »", error.value.message)


def test_a_bad_insee_code_is_refused(tmp_path):
    folder = copy_itinerary(tmp_path)
    path = folder / "communes.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"97207"', '"7207"'), "utf-8")
    with pytest.raises(DataFileError, match=r"champ « insee » : valeur invalide « 7207 »"):
        load_itinerary(folder)


@pytest.mark.parametrize("old, new, words", [
    ('"97207"', '"97999"', "code INSEE inconnu"),  # a code that does not exist
    ('"97207"', '"97210"', "est celui de Le François"),  # Ducos given Le François's code
    ('name: "Ducos"', 'name: "Le François"', "le code 97207 est celui de Ducos"),  # two names
])
def test_communes_must_be_the_twelve_of_espace_sud(tmp_path, old, new, words):
    """Data that used to pass validation and then broke `kiosk init` on a UNIQUE constraint."""
    folder = copy_itinerary(tmp_path)
    path = folder / "communes.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), "utf-8")
    with pytest.raises(DataFileError, match=words):
        load_itinerary(folder)


def test_config_file_is_read_and_environment_wins(tmp_path):
    config = tmp_path / "kiosk.yaml"
    config.write_text("desks: 3\nidle_seconds: 60\nticket_seconds: 180\n"
                      "return_pass_weeks: 4\ndatabase_url: sqlite:////x.db\n", "utf-8")
    settings = load_settings({"KIOSK_CONFIG": str(config), "KIOSK_DATA_DIR": str(tmp_path),
                              "KIOSK_DATABASE_URL": "postgresql://h/db"})
    assert (settings.desks, settings.idle_seconds, settings.ticket_seconds) == (3, 60, 180)
    assert (settings.return_pass_weeks, Settings().return_pass_weeks) == (4, 8)
    assert settings.effective_database_url == "postgresql://h/db"
    assert settings.data_dir == tmp_path.resolve()


def test_the_bus_zone_is_martinique_unless_the_settings_file_names_another(tmp_path):
    assert load_settings({"KIOSK_DATA_DIR": str(tmp_path)}).timezone == "America/Martinique"
    config = tmp_path / "kiosk.yaml"
    config.write_text("timezone: America/Guadeloupe\n", "utf-8")
    assert load_settings({"KIOSK_CONFIG": str(config)}).timezone == "America/Guadeloupe"
    config.write_text("timezone: UTC\n", "utf-8")
    assert load_settings({"KIOSK_CONFIG": str(config)}).timezone == "UTC"


def test_default_database_is_a_file_in_the_data_dir(tmp_path):
    settings = load_settings({"KIOSK_DATA_DIR": str(tmp_path)})
    assert settings.effective_database_url == f"sqlite:///{tmp_path.resolve()}/kiosk.sqlite3"


@pytest.mark.parametrize("text, expected", [
    ("desks: quatre\n", r"kiosk\.yaml, ligne 1 : « desks » : valeur de type invalide"),
    ("colour: red\n", r"clé inconnue « colour »"),
    ("idle_seconds: 2\n", r"« idle_seconds » : entre 10 et 600"),
    ("ticket_seconds: 10\n", r"« ticket_seconds » : entre 30 et 900"),
    ("printer: laser\n", r"« printer » : « file » ou « cups »"),
    ("desks: 2\nreturn_pass_weeks: 0\n",
     r"kiosk\.yaml, ligne 2 : « return_pass_weeks » : entre 1 et 52 semaines$"),
    ("return_pass_weeks: 53\n", r"« return_pass_weeks » : entre 1 et 52 semaines"),
    ("return_pass_weeks: huit\n", r"« return_pass_weeks » : valeur de type invalide"),
    ("desks: [1\n", r"YAML invalide"),
    ("desks: 2\ntimezone: Amerique/Martinique\n",
     r"kiosk\.yaml, ligne 2 : « timezone » : fuseau horaire inconnu « Amerique/Martinique » "
     r"\(par exemple America/Martinique\)$"),
    # the PC's own zone under another name, a folder of zones, a data file, a path: none is a zone
    ("timezone: localtime\n", r"ligne 1 : « timezone » : fuseau horaire inconnu « localtime »"),
    ("timezone: America\n", r"« timezone » : fuseau horaire inconnu « America »"),
    ("timezone: zone.tab\n", r"« timezone » : fuseau horaire inconnu"),
    ("timezone: ../../etc/passwd\n", r"« timezone » : fuseau horaire inconnu"),
    ("timezone: -4\n", r"« timezone » : valeur de type invalide"),
])
def test_a_bad_config_file_names_the_key(tmp_path, text, expected):
    config = tmp_path / "kiosk.yaml"
    config.write_text(text, "utf-8")
    with pytest.raises(DataFileError) as error:
        load_settings({"KIOSK_CONFIG": str(config)})
    assert re.search(expected, error.value.message), error.value.message


def test_a_missing_config_file_is_named(tmp_path):
    with pytest.raises(DataFileError, match="introuvable"):
        load_settings({"KIOSK_CONFIG": str(tmp_path / "nope.yaml")})


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_open_data_dir_is_made_owner_only_at_start_and_the_log_says_so_once(
        tmp_path, database_url, caplog):
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, 0o755)  # made by hand, or by a version that left it to the umask
    settings = Settings(data_dir=data, database_url=database_url)
    with caplog.at_level(logging.WARNING, logger="borne-plus"):
        open_context(settings).dispose()
        open_context(settings).dispose()  # the next start: nothing left to say
    assert mode_of(data) == 0o700
    said = [r.getMessage() for r in caplog.records if "dossier de données" in r.getMessage()]
    assert said == [f"dossier de données {data} : ouvert aux autres comptes (0755), désormais "
                    "réservé à son propriétaire (0700)"]


@pytest.mark.parametrize("mode", [0o500, 0o1777])
def test_an_owner_only_or_a_shared_data_dir_is_left_as_it_is_and_nothing_is_said(
        tmp_path, database_url, caplog, mode):
    """0500: owner-only already (tightening never widens). 1777: a shared folder like /tmp or
    the tests' TMPDIR (a worker's data dir): closing it would lock every other account out."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    os.chmod(data, mode)
    try:
        with caplog.at_level(logging.WARNING, logger="borne-plus"):
            open_context(Settings(data_dir=data, database_url=database_url)).dispose()
        assert mode_of(data) == mode
        assert not [r for r in caplog.records if "dossier de données" in r.getMessage()]
    finally:
        os.chmod(data, 0o700)


def test_the_folder_made_for_a_new_sqlite_file_is_owner_only(tmp_path):
    folder = tmp_path / "elsewhere" / "bus"
    ctx = open_context(Settings(data_dir=tmp_path / "data",
                                database_url=f"sqlite:///{folder / 'kiosk.sqlite3'}"))
    ctx.dispose()
    assert mode_of(folder) == 0o700 and mode_of(folder / "kiosk.sqlite3") == 0o600
