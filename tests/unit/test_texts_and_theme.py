"""Every text key the screens use exists in French; every colour pair reaches 7:1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.content import i18n
from screens import theme

SCREENS = Path(__file__).resolve().parents[2] / "screens"


def used_keys() -> set[str]:
    found = set()
    for path in list(SCREENS.glob("*.kv")) + list(SCREENS.glob("**/*.kv")) + list(SCREENS.glob("*.py")):
        found |= set(re.findall(r"""\bt\(\s*['"]([a-z_]+\.[a-z_.]+|app_title)['"]""", path.read_text("utf-8")))
    return found


def test_every_text_used_by_the_screens_exists_in_french():
    keys = used_keys()
    assert len(keys) > 20
    missing = sorted(keys - i18n.keys("fr"))
    assert missing == []


def test_texts_fill_their_placeholders():
    assert i18n.t("banner.call", number=12, desk=2) == "N° 12  →  Poste 2"
    assert i18n.t("no.such.key") == "no.such.key"


def test_french_dates_are_plain_words():
    import datetime as dt

    assert i18n.short_day(dt.date(2026, 12, 15)) == "mardi 15 décembre"
    assert i18n.short_day(dt.date(2027, 2, 1)) == "lundi 1er février"
    assert i18n.half_label("afternoon") == "après-midi"


@pytest.mark.parametrize("pair", sorted(theme.PAIRS))
def test_colour_pairs_reach_seven_to_one(pair):
    text, background = theme.PAIRS[pair]
    assert theme.contrast(text, background) >= 7.0, pair


def test_contrast_formula_matches_the_reference_values():
    assert theme.contrast(theme.hex_colour("#000000"), theme.hex_colour("#FFFFFF")) == pytest.approx(21.0)
    assert theme.contrast(theme.hex_colour("#777777"), theme.hex_colour("#FFFFFF")) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("name, said", [
    ("Ducos", "à Ducos"), ("Le François", "au François"), ("Le Marin", "au Marin"),
    ("Les Trois-Îlets", "aux Trois-Îlets"), ("Les Anses-d'Arlet", "aux Anses-d'Arlet"),
    ("Sainte-Luce", "à Sainte-Luce"), ("Saint-Esprit", "au Saint-Esprit"),
    ("Le Vauclin", "au Vauclin"), ("Le Diamant", "au Diamant"), ("La Trinité", "à la Trinité"),
])
def test_communes_take_the_right_french_preposition(name, said):
    assert i18n.at_commune(name) == said


def test_every_commune_of_the_round_has_its_preposition_in_the_table():
    from kiosk.content.itinerary import ESPACE_SUD

    assert set(ESPACE_SUD.values()) <= set(i18n.AT_COMMUNE_FR)
