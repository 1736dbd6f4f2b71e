"""Data files as a slip or an attacker makes them: each is refused with one line naming the file
(and the line where there is one), quickly, without a traceback and without reading it whole."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import pytest

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
