"""Data files as a slip or an attacker makes them: each is refused with one line naming the file
(and the line where there is one), quickly, without a traceback and without reading it whole."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import pytest

from kiosk.content.catalogue import load_catalogue
from kiosk.errors import DataFileError
from kiosk.system.config import load_settings
from kiosk.system.yamlfile import load_yaml

BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n"
                  for p, c in zip("abcdefgh", "bcdefghi", strict=True)))


def refused(path: Path) -> str:
    with pytest.raises(DataFileError) as caught:
        load_yaml(path)
    message = caught.value.message
    assert "\n" not in message and len(message) < 400, message
    assert str(path.name) in message or str(path) in message
    return message


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(BOMB, "utf-8")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.thread_time()
    assert "ligne 1" in refused(path)
    # at once: the CPU this thread spent, which a loaded machine does not stretch as it does
    # the wall clock (expanding the aliases would take minutes of it)
    assert time.thread_time() - start < 0.5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB


@pytest.mark.parametrize("text, words", [
    ('titre: "a\x01b"\n', "caractère de contrôle"),
    ("jour: 2025-02-30\n", "date impossible « 2025-02-30 »"),
    ("a: " + "[" * 3000 + "]" * 3000 + "\n", "YAML"),
    ("a: [\n", "YAML invalide"),
])
def test_broken_yaml_is_one_line(tmp_path, text, words):
    path = tmp_path / "x.yaml"
    path.write_text(text, "utf-8")
    assert words in refused(path)


def test_a_huge_file_is_refused_without_being_read(tmp_path):
    path = tmp_path / "caf.yaml"
    with path.open("wb") as handle:
        handle.truncate(50_000_000)  # sparse: 50 MB that cost nothing to make
    start = time.thread_time()
    assert "trop gros" in refused(path)
    assert time.thread_time() - start < 0.5  # CPU time: what a loaded machine cannot stretch


def test_odd_file_types_are_refused_not_hung_on(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    folder = tmp_path / "x.yaml"
    folder.mkdir()
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    assert "fichier ordinaire" in refused(fifo)
    assert "fichier ordinaire" in refused(folder)
    assert "boucle" in refused(loop)


def odd_places(folder: Path) -> dict[str, tuple[Path, str]]:
    """A FIFO, a folder, a symbolic link in a loop and a broken one, each named `config.yaml` in
    a folder of its own, with the words that must say what it is."""
    places = {}
    for kind, words in (("fifo", "ce n'est pas un fichier ordinaire (un tube FIFO)"),
                        ("folder", "ce n'est pas un fichier ordinaire (un dossier)"),
                        ("loop", "lien symbolique en boucle"),
                        ("broken", "lien symbolique cassé")):
        path = folder / kind / "config.yaml"
        path.parent.mkdir()
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "folder":
            path.mkdir()
        elif kind == "loop":
            path.symlink_to(path)
        else:
            path.symlink_to(folder / "nowhere.yaml")
        places[kind] = (path, words)
    return places


def test_a_catalogue_file_that_is_a_fifo_or_a_link_loop_says_what_it_is(tmp_path):
    for path, words in odd_places(tmp_path).values():
        if path.is_dir():
            continue  # a folder is a catalogue folder: « aucun fichier .yaml » (test_catalogue)
        with pytest.raises(DataFileError) as caught:
            load_catalogue(path)
        assert caught.value.message == f"{path} : {words}"  # was « fichier ou dossier introuvable »


def test_a_config_yaml_that_is_not_a_file_is_refused_in_one_line_not_ignored(tmp_path):
    for kind, (path, words) in odd_places(tmp_path).items():
        # in the data dir (it was skipped in silence) and named by KIOSK_CONFIG (« introuvable »)
        for environ in ({"KIOSK_DATA_DIR": str(path.parent)},
                        {"KIOSK_CONFIG": str(path), "KIOSK_DATA_DIR": str(path.parent)}):
            start = time.thread_time()
            with pytest.raises(DataFileError) as caught:
                load_settings(environ)
            assert caught.value.message == f"{path} : {words}", (kind, environ)
            assert time.thread_time() - start < 0.5  # looked at, never opened: no FIFO waited on


@pytest.mark.parametrize("text, line, words", [
    ("a:\n\tb: 1\n", 2, "tabulation interdite (utilisez des espaces)"),
    ("key: value\n\tother: 2\n", 2, "tabulation interdite (utilisez des espaces)"),
    ("titre: Aide: logement\n", 1, "deux-points mal placé : mettez le texte entre guillemets"),
    ("a: 1\nb\n", 3, "il manque « : » après le nom"),
    ("a: 'abc\n", 2, "guillemet ouvert jamais fermé"),
    ("a: [1, 2\n", 2, "crochet « [ » jamais fermé, ou virgule manquante"),
    ("a:\n  - 1\n - 2\n", 3, "décalage incorrect"),
    ("a: @x\n", 1, "« @ » ne peut pas commencer une valeur : mettez le texte entre guillemets"),
    ("a: !python/object 1\n", 1, "les étiquettes YAML (!nom) ne sont pas acceptées"),
    ("--- a\n--- b\n", 2, "un seul document par fichier"),
])
def test_the_parsers_english_is_said_in_plain_french_at_its_line(tmp_path, text, line, words):
    path = tmp_path / "caf.yaml"
    path.write_text(text, "utf-8")
    message = refused(path)
    assert message.startswith(f"{path}, ligne {line} : YAML invalide : {words}"), message
    for english in ("found", "expected", "character", "mapping", "token", "stream"):
        assert english not in message, message


@pytest.mark.parametrize("line, words", [
    ("print_timeout_seconds: .nan", "print_timeout_seconds"),
    ("print_timeout_seconds: -5", "print_timeout_seconds"),
    ("staff_exit_pin: 'abc'", "staff_exit_pin"),
    ("staff_exit_pin: '12'", "staff_exit_pin"),
])
def test_settings_that_would_break_the_kiosk_are_refused_at_their_line(tmp_path, line, words):
    config = tmp_path / "config.yaml"
    config.write_text(f"# settings\ndesks: 3\n{line}\n", "utf-8")
    with pytest.raises(DataFileError) as caught:
        load_settings({"KIOSK_CONFIG": str(config), "KIOSK_DATA_DIR": str(tmp_path)})
    assert words in caught.value.message and "ligne 3" in caught.value.message


def test_control_and_bidirectional_characters_are_shown_not_echoed(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text('"evil\\u202eyek": 1\n', "utf-8")
    with pytest.raises(DataFileError) as caught:
        load_settings({"KIOSK_CONFIG": str(config), "KIOSK_DATA_DIR": str(tmp_path)})
    assert "\u202e" not in caught.value.message and "\\u202e" in caught.value.message
