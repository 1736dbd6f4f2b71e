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


# ---------------------------------------------------------------- the console's words in one place

# The staff console's screens: their French is in kiosk/apps/console_words.py and
# console_words_coordinator.py, never in the screens themselves.
STAFF_KV = ("staff_console", "staff_login", "halfday", "finish_form", "team", "statistics")
STAFF_PY = STAFF_KV + ("staff_app", "charts")
ACCENTED = set("àâäçéèêëîïôöùûüÿœæ")
# small words no identifier or English log line of these files is made of
FRENCH_WORDS = {"le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "au", "aux", "et",
                "ou", "en", "pour", "par", "sur", "avec", "vous", "votre", "son", "sa", "ses",
                "il", "elle", "ne", "pas", "quel", "quelle", "ex"}
# literals that look like words and are not texts of the console, with the reason
NOT_TEXTS = {
    "Roboto": "Kivy's default font, when the chart is drawn without an app",
    "AZERTYUIOP": "a row of the on-screen keyboard (team.py KEY_ROWS)",
    "QSDFGHJKLM": "a row of the on-screen keyboard (team.py KEY_ROWS)",
    "WXCVBN-'": "a row of the on-screen keyboard (team.py KEY_ROWS)",
    "ÉÈÊËÀÂÇÎÏÔÙÛ": "the accented keys of the on-screen keyboard (team.py KEY_ROWS)",
}


def looks_french(text: str) -> bool:
    """An accented letter, a small French word, or a text that starts with a capitalised word
    ("Pause", "Profil anonyme", "1. Touchez…") or one in capitals ("PRIORITAIRE"); code's
    strings are lower case ("down", "call_next") or CamelCase class names ("QueueRow")."""
    if text in NOT_TEXTS:
        return False
    if any(char.lower() in ACCENTED for char in text):
        return True
    if any(word.lower() in FRENCH_WORDS for word in re.findall(r"[^\W\d_]+", text)):
        return True
    return re.match(r"[\W\d]*(?:[A-Z][a-z]{2,}|[A-Z]{4,})\b", text) is not None


def kv_literals(source: str) -> list[tuple[int, str]]:
    """The quoted strings of a kv file's rules, without its comments."""
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        line = re.sub(r"\s#\s.*$", "", line)
        found += [(number, single or double)
                  for single, double in re.findall(r"'([^'\n]*)'|\"([^\"\n]*)\"", line)]
    return found


def py_literals(source: str) -> list[tuple[int, str]]:
    """The string literals of a Python module (f-strings' fixed parts included), without its
    docstrings, its `__all__` and the English of its log lines."""
    import ast

    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skipped.add(id(node.value))  # a docstring
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id in ("log", "logging")):
            skipped |= {id(inner) for arg in node.args for inner in ast.walk(arg)}
        if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets):
            skipped |= {id(inner) for inner in ast.walk(node.value)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in skipped]


def staff_french(screens: Path) -> list[str]:
    found = []
    for name in STAFF_KV:
        path = screens / f"{name}.kv"
        found += [f"{path.name}:{line}: {text!r}"
                  for line, text in kv_literals(path.read_text("utf-8")) if looks_french(text)]
    for name in STAFF_PY:
        path = screens / f"{name}.py"
        found += [f"{path.name}:{line}: {text!r}"
                  for line, text in py_literals(path.read_text("utf-8")) if looks_french(text)]
    return found


def test_the_staff_screens_spell_no_french_of_their_own():
    """A console text goes to kiosk/apps/console_words.py (or console_words_coordinator.py for
    Statistiques and Équipe), where a newcomer looks for it; the screen reads it from there."""
    assert staff_french(SCREENS) == []


@pytest.mark.parametrize("text, french", [
    ("Annuler", True), ("Retour à la file", True), ("au", True), ("Par arrêt", True),
    ("  (vous)", True), ("3. Code de ", True), ("Statistiques", True), ("Terminer…", True),
    ("Attente moyenne", True), ("Poste 1", True), ("Imprimer (A4)", True), ("QueueRow", False),
    ("PRIORITAIRE", True), ("AZERTYUIOP", False),
    ("down", False), ("call_next", False), ("print:a4", False), ("OK", False), ("←", False),
    ("console-statistics", False), ("{commune} – {place}", False), ("Roboto", False),
])
def test_the_scan_tells_french_from_code(text, french):
    assert looks_french(text) is french


def test_the_scan_finds_a_french_text_in_a_kv_rule_and_in_python(tmp_path):
    for name in STAFF_KV:
        (tmp_path / f"{name}.kv").write_text("#:import words kiosk.apps.console_words\n", "utf-8")
    for name in STAFF_PY:
        (tmp_path / f"{name}.py").write_text('"""Un docstring à garder."""\n', "utf-8")
    (tmp_path / "team.kv").write_text("# l'équipe\n<X>:\n    text: 'Équipe'  # it's here\n",
                                      "utf-8")
    (tmp_path / "charts.py").write_text(
        'log.info("chart drawn")\nEMPTY = f"{n} à montrer"\n', "utf-8")
    assert staff_french(tmp_path) == ["team.kv:3: 'Équipe'", "charts.py:2: ' à montrer'"]


def test_every_console_word_a_kv_file_reads_exists():
    from kiosk.apps import console_words, console_words_coordinator

    modules = {"words": console_words, "coordinator_words": console_words_coordinator}
    read = [(alias, name) for kv in STAFF_KV
            for alias, name in re.findall(r"\b(words|coordinator_words)\.(\w+)",
                                          (SCREENS / f"{kv}.kv").read_text("utf-8"))]
    assert len(read) > 80
    assert [f"{alias}.{name}" for alias, name in read if not hasattr(modules[alias], name)] == []
