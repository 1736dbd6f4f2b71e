""""Écouter" without a window (kiosk/apps/reading.py): the words read on each screen and the
voice that reads them. The UI tests check the same through the real kiosk."""

from __future__ import annotations

import pytest

from kiosk.apps.reading import Shown, spoken, voice
from kiosk.content.catalogue import load_catalogue
from kiosk.system.config import ASSETS_DIR


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(ASSETS_DIR / "catalogue")


def test_the_voice_follows_the_language_and_the_creole_setting():
    assert voice("fr", "ht") == ("fr", None)
    assert voice("gcf", "ht") == ("gcf", "ht")
    assert voice("gcf", "fr") == ("fr", None)  # the French text, in the French voice


def test_accueil_says_where_the_bus_is_what_to_tap_and_the_calls_last(catalogue):
    text = spoken(Shown("accueil", stop_name="Bourg, place de la mairie", commune_name="Ducos",
                        is_open=True, calls=((12, 2), (11, 1))), catalogue, "fr")
    assert text.startswith("Bonjour et bienvenue dans le bus PLUS. Aujourd'hui, le bus est à "
                           "Ducos")
    assert "touchez le grand bouton vert" in text and "Donnez votre avis" in text
    assert text.endswith("Derniers appels : numéro 12 au poste 2, numéro 11 au poste 1.")
    closed = spoken(Shown("accueil"), catalogue, "fr")
    assert "Le bus n'est pas encore ouvert" in closed and "Donnez votre avis" not in closed


def test_each_screen_reads_what_it_shows_with_no_sign_for_the_eye(catalogue):
    organisme = spoken(Shown("organisme"), catalogue, "fr")
    assert organisme.startswith("Pour quel organisme venez-vous ?") and "Électricité" in organisme
    demarche = spoken(Shown("demarche", operator_id="edf",
                            procedure_titles=("Ouvrir un contrat", "Payer ma facture")),
                      catalogue, "fr")
    assert demarche == "Électricité EDF. Touchez votre démarche : Ouvrir un contrat, Payer ma facture."
    ticket = spoken(Shown("ticket", ticket={"number": 7, "ahead": 2, "wait": [5, 10]}),
                    catalogue, "fr")
    assert ticket.startswith("Votre numéro est le 7.") and "N°" not in ticket and "/" not in ticket
    assert "Votre liste tient en 2 codes" in spoken(Shown("qr", qr_count=2), catalogue, "fr")
    assert spoken(Shown("qr", qr_count=1), catalogue, "fr").startswith("Scannez ce code")
    assert spoken(Shown("bus_communes", bus_words="Touchez votre commune."), catalogue,
                  "fr") == "Touchez votre commune."


def test_in_kreyol_the_same_screen_reads_in_kreyol(catalogue):
    text = spoken(Shown("accueil", stop_name="Bourg", commune_name="Ducos", is_open=True),
                  catalogue, "gcf")
    assert text.startswith("Bonjou é byenvini adan bis PLUS-la. Jodi-a, bis-la an Ducos")
