"""What the fuzz harness found, each pinned by a focused test (all failed before their fix)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fuzz.harness import check, run_cli

ROOT = Path(__file__).resolve().parents[2]
LONG = "9" * 5000  # a "path" or a "month" no system and no period can hold


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("KIOSK_DATABASE_URL", "KIOSK_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("argv", [
    ["init", "\u202eevil"],               # argparse quoted stray arguments raw
    ["queue", "a\nb", "\x1b[31m"],
    ["stats", "--month", "\u202eevil"],   # the period's messages quoted the value raw
    ["stats", "--month", LONG],           # ... and whole: a 5 000-character line
    ["export", "--year", "\u2066x", "--format", "csv", "--out", "x.csv"],
])
def test_refusals_quote_hostile_values_escaped_on_one_short_line(env, argv):
    outcome = run_cli(argv)
    check(outcome)
    assert outcome.code == 2 and ("\\u" in outcome.stderr or "…" in outcome.stderr)


@pytest.mark.parametrize("argv", [
    ["catalogue", "check", LONG],
    ["checklist", "caf-rsa", "--out", LONG],
    ["checklist", "caf-rsa", "--out", f"/tmp/{'x' * 300}/a.pdf"],
    ["export", "--year", "2026", "--format", "csv", "--out", LONG],
    ["backup", "--out", LONG],
    ["restore", LONG, "--yes"],
])
def test_a_path_the_system_cannot_hold_is_refused_before_any_look_at_it(env, argv):
    # each raised OSError (File name too long) from the first exists()/is_dir(): a traceback
    outcome = run_cli(argv)
    check(outcome)
    assert outcome.code == 2 and "trop long" in outcome.stderr
    assert not (env / "data").exists()


@pytest.mark.parametrize("variable", ["KIOSK_DATA_DIR", "KIOSK_CONFIG"])
def test_an_environment_path_the_system_cannot_hold_is_one_line(env, monkeypatch, variable):
    monkeypatch.setenv(variable, str(env / ("x" * 300)))
    outcome = run_cli(["queue"])
    check(outcome)
    assert outcome.code == 2 and "nom trop long" in outcome.stderr


def _config(env: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    (env / "config.yaml").write_text(text, "utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(env / "config.yaml"))


@pytest.mark.parametrize("line, words", [
    ('data_dir: "a\\0b"', "« data_dir » : caractère invisible ou de contrôle (U+0000)"),
    ('database_url: "sqlite:///\\0"', "« database_url » : caractère invisible"),  # ValueError
    ('printer_queue: "\\ud800"', "« printer_queue » : caractère invisible ou de contrôle (U+D800)"),
    ('staff_exit_pin: "12\\t34"', "U+0009"),
    (f'catalogue_dir: "{"x" * 300}"', "« catalogue_dir » : nom trop long"),  # OSError later
])
def test_settings_refuse_invisible_characters_and_impossible_paths(env, monkeypatch, line, words):
    _config(env, monkeypatch, line + "\n")
    for argv in (["queue"], ["init"]):
        outcome = run_cli(argv)
        check(outcome)
        assert outcome.code == 2 and words in outcome.stderr and "ligne 1" in outcome.stderr
    assert not (env / "data").exists()


@pytest.mark.parametrize("title", ["Aide\\x01 logement", "Aide\\u202e logement",
                                   "Aide\\ud800 logement", "Aide\\u200b logement"])
def test_catalogue_texts_refuse_invisible_characters(env, title):
    # "\ud800" passed and then broke `kiosk catalogue list` (UnicodeEncodeError); the others
    # reached the terminal and the kiosk's screens raw
    folder = env / "catalogue"
    shutil.copytree(ROOT / "assets" / "catalogue", folder)
    caf = folder / "caf.yaml"
    caf.write_text(caf.read_text("utf-8").replace("title: Aide au logement (ALS ou ALF)",
                                                  f'title: "{title}"', 1), "utf-8")
    outcome = run_cli(["catalogue", "check", str(folder)])
    check(outcome)
    assert outcome.code == 2 and "champ « title » : caractère invisible ou de contrôle" \
        in outcome.stderr


def test_catalogue_urls_refuse_invisible_characters(env):
    folder = env / "catalogue"
    shutil.copytree(ROOT / "assets" / "catalogue", folder)
    caf = folder / "caf.yaml"
    caf.write_text(caf.read_text("utf-8").replace("url: https://www.caf.fr/",
                                                  'url: "https://www.caf.fr/\\u202e"', 1), "utf-8")
    outcome = run_cli(["catalogue", "check", str(folder)])
    check(outcome)
    assert outcome.code == 2 and "adresse https invalide « https://www.caf.fr/\\u202e »" \
        in outcome.stderr


@pytest.mark.parametrize("name", ["Bourg\\x01", "Bourg\\u202e", "Bourg\\ud800"])
def test_stop_names_refuse_invisible_characters_before_init_writes(env, monkeypatch, name):
    # "\ud800" ended `kiosk init` in a UnicodeEncodeError traceback from the database driver
    folder = env / "itinerary"
    shutil.copytree(ROOT / "assets" / "itinerary", folder)
    communes = folder / "communes.yaml"
    communes.write_text(communes.read_text("utf-8").replace(
        'name: "Bourg, parking du front de mer"', f'name: "{name}"', 1), "utf-8")
    _config(env, monkeypatch, f"itinerary_dir: {folder}\n")
    outcome = run_cli(["init"])
    check(outcome)
    assert outcome.code == 2 and "champ « name » : caractère invisible" in outcome.stderr
    assert not (env / "data").exists()
