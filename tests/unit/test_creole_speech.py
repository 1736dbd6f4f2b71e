""""Kouté" in Créole, with the real espeak-ng: the Créole text in the Haitian Creole voice ("ht",
the closest offline voice), respelled where GEREC and Haitian spellings differ."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from kiosk.content import i18n
from kiosk.errors import DataFileError
from kiosk.output.announcements import AnnouncementQueue, Speech, for_voice
from kiosk.system.config import load_settings
from tests.unit.test_announcements import espeak, wav_seconds  # noqa: F401 - the fixture

CREOLE = "Bonjou é byenvini adan bis PLUS-la. Nimewo'w sé 12."


def _espeak(voice: str, text: str, path: Path) -> bytes:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(path), "--", text],
                   check=True, timeout=10, capture_output=True)
    return path.read_bytes()


def test_the_haitian_voice_reads_the_creole_text(espeak: None, tmp_path: Path) -> None:  # noqa: F811
    speech = Speech()  # the kiosk's own: French by default
    wav = tmp_path / "kreyol.wav"
    assert speech.to_wav(CREOLE, wav, voice="ht") is True
    assert 1.0 <= wav_seconds(wav) <= 8.0
    # byte for byte what espeak-ng's "ht" voice makes of the respelled text, not the French voice
    assert wav.read_bytes() == _espeak("ht", "Bonjou e byenvini adan bis PLUS-la. Nimewow se 12.",
                                       tmp_path / "ht.wav")
    assert wav.read_bytes() != _espeak("fr", CREOLE, tmp_path / "fr.wav")
    # "é" is a sound, not spelled out as a letter name ("e acute") by the Haitian voice
    said = subprocess.run(["espeak-ng", "-v", "ht", "-q", "-x", "--", for_voice(CREOLE, "ht")],
                          capture_output=True, text=True, timeout=10, check=True).stdout
    assert "(en)" not in said and "kj'u" not in said, said
    # the French voice still gets the French text as written
    assert for_voice("Numéro 12, poste 2", "fr") == "Numéro 12, poste 2"
    assert speech.to_wav("Numéro 12, poste 2", tmp_path / "fr2.wav") is True
    assert (tmp_path / "fr2.wav").read_bytes() == _espeak("fr", "Numéro 12, poste 2",
                                                         tmp_path / "fr3.wav")


def test_the_queue_gives_each_reading_its_voice(espeak: None, tmp_path: Path) -> None:  # noqa: F811
    """Calls in the French voice, a Créole reading in the Haitian one, through the real queue."""
    speech = Speech()
    made: list[tuple[str, str | None, Path]] = []
    done = threading.Event()

    def speak(text: str, voice: str | None = None) -> bool:
        path = tmp_path / f"{len(made):02d}.wav"
        made.append((text, voice, path))
        ok = speech.to_wav(text, path, voice=voice)
        if len(made) == 2:
            done.set()
        return ok

    queue = AnnouncementQueue(lambda: True, speak)
    try:
        queue.announce(12, 2)
        queue.read(i18n.t("read.qr", "gcf"), voice="ht")
        assert done.wait(15) and queue.wait_idle(15)
    finally:
        queue.stop(wait=2)
    assert [(text, voice) for text, voice, _ in made] == [
        ("Numéro 12, poste 2", None), (i18n.t("read.qr", "gcf"), "ht")]
    assert all(path.stat().st_size > 44 for _, _, path in made)
    assert queue.problems == []


def test_the_creole_voice_setting(tmp_path: Path) -> None:
    assert load_settings({"KIOSK_DATA_DIR": str(tmp_path)}).creole_voice == "ht"
    config = tmp_path / "config.yaml"
    config.write_text("creole_voice: fr\n", encoding="utf-8")
    assert load_settings({"KIOSK_CONFIG": str(config)}).creole_voice == "fr"
    config.write_text("desks: 3\ncreole_voice: gcf\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_settings({"KIOSK_CONFIG": str(config)})
    assert "ligne 2" in str(caught.value) and "creole_voice" in str(caught.value)


def test_a_ticket_taken_in_creole_is_called_in_french_then_in_creole(espeak: None,  # noqa: F811
                                                                      tmp_path: Path) -> None:
    """The whole bus hears "Numéro 12, poste 2"; the visitor who chose Kréyòl hears it again in
    Créole, in the Haitian Creole voice. A French ticket's call is not repeated."""
    speech = Speech()
    spoken: list[tuple[str, str | None]] = []

    def speak(text: str, voice: str | None = None) -> bool:
        spoken.append((text, voice))
        return speech.to_wav(text, tmp_path / f"{len(spoken):02d}.wav", voice=voice)

    queue = AnnouncementQueue(lambda: True, speak)
    try:
        queue.announce(12, 2, echo_voice="ht")
        queue.announce(12, 3, recall=True, echo_voice="ht")
        queue.announce(13, 1)
        assert queue.wait_idle(20)
    finally:
        queue.stop(wait=2)
    assert spoken == [("Numéro 12, poste 2", None), ("Nimewo 12, pòs 2", "ht"),
                      ("Rappel : numéro 12, poste 3", None),
                      ("Nou ka kriyé ankò : nimewo 12, pòs 3", "ht"),
                      ("Numéro 13, poste 1", None)]
    phases = [(h.phase, h.text) for h in queue.history]
    assert phases[:3] == [("chime", "Numéro 12, poste 2"), ("speech", "Numéro 12, poste 2"),
                          ("speech", "Nimewo 12, pòs 2")]
    assert all((tmp_path / f"{i:02d}.wav").stat().st_size > 44 for i in range(1, 6))
    assert queue.problems == []
