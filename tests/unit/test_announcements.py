"""Spoken announcements: the French sentence, the real espeak-ng voice, and the queue that announces
calls one after the other. Real parts only: espeak-ng and sox as installed by `.ci/install-system`,
the project's chime.wav. No Kivy here (kiosk/ never imports it)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable
from itertools import count
from pathlib import Path

import pytest

from kiosk.output.announcements import (
    SPEECH_UNAVAILABLE,
    Announcement,
    AnnouncementQueue,
    PhaseRecord,
    Speech,
)
from kiosk.system.config import ASSETS_DIR

CHIME = ASSETS_DIR / "sounds" / "chime.wav"
CHIME_SECONDS = 1.2


def _require(tool: str) -> None:
    if shutil.which(tool):
        return
    if os.environ.get("KIOSK_REQUIRE_BACKENDS"):
        pytest.fail(f"{tool} is required (KIOSK_REQUIRE_BACKENDS is set) but not installed: "
                    "run .ci/install-system")
    pytest.skip(f"{tool} is not installed (.ci/install-system installs it)")


@pytest.fixture
def espeak() -> None:
    _require("espeak-ng")


@pytest.fixture
def sox() -> None:
    _require("sox")


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def phonemes(text: str) -> str:
    """What espeak-ng's French voice pronounces (its phoneme mnemonics), e.g. "nymer'o d'uz"."""
    done = subprocess.run(["espeak-ng", "-v", "fr", "-q", "-x", "--", text], capture_output=True,
                          text=True, timeout=60, check=True)
    return " ".join(done.stdout.split())


class SoxChime:
    """A chime for a machine without speakers: sox really renders chime.wav (padded with 0.1 s of
    silence) into a numbered file, then the call lasts the rendered file's duration, as playing it
    would. (Real-time playback through Kivy is tested in tests/ui/test_announcer.py.)"""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.numbers = count(1)
        self.files: list[Path] = []

    def __call__(self) -> bool:
        started = time.monotonic()
        out = self.folder / f"chime-{next(self.numbers):04d}.wav"
        subprocess.run(["sox", str(CHIME), str(out), "pad", "0", "0.1"], check=True, timeout=60)
        self.files.append(out)
        time.sleep(max(0.0, wav_seconds(out) - (time.monotonic() - started)))
        return True


class WavVoice:
    """The voice for a machine without speakers: the real espeak-ng French voice renders each
    sentence into a numbered wav, then the call lasts that wav's duration, as playing it would."""

    def __init__(self, folder: Path) -> None:
        self.speech = Speech()
        self.folder = folder
        self.numbers = count(1)
        self.files: list[Path] = []

    def __call__(self, text: str) -> bool:
        started = time.monotonic()
        out = self.folder / f"voice-{next(self.numbers):04d}.wav"
        if not self.speech.to_wav(text, out):
            return False
        self.files.append(out)
        time.sleep(max(0.0, wav_seconds(out) - (time.monotonic() - started)))
        return True


def phases(queue: AnnouncementQueue) -> list[PhaseRecord]:
    history = queue.history
    assert all(r.finished_at >= r.started_at for r in history)
    return history


def assert_sequential(history: list[PhaseRecord]) -> None:
    """Ordered by start, each phase ends before the next one starts: nothing is ever heard over
    anything else."""
    assert history == sorted(history, key=lambda r: r.started_at)
    for before, after in zip(history, history[1:], strict=False):
        assert before.finished_at <= after.started_at, f"{before} overlaps {after}"


def recorder(said: list[str]) -> Callable[[str], bool]:
    def speak(text: str) -> bool:
        said.append(text)
        return True

    return speak


HANG_SECONDS = 60.0  # a wait only catches a hang: a loaded machine stretches every phase
# A blocking chime or voice that the test releases itself: it waits at most this long, so that a
# test that failed before releasing it does not hang the run.
HELD_SECONDS = 60.0


def wait_for(condition: Callable[[], bool], timeout: float = HANG_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# ------------------------------------------------------------ the sentence


def test_spoken_text_is_french() -> None:
    assert Announcement(12, 2).spoken_text() == "Numéro 12, poste 2"
    assert Announcement(7, 4, recall=True).spoken_text() == "Rappel : numéro 7, poste 4"
    assert Announcement(12, 2) == Announcement(12, 2, recall=False)
    with pytest.raises(AttributeError):
        Announcement(12, 2).number = 3  # type: ignore[misc]  # frozen


def test_the_french_voice_says_douze_and_poste(espeak: None) -> None:
    said = phonemes(Announcement(12, 2).spoken_text())
    assert "nymer'o" in said and "d'uz" in said and "p'Ost" in said, said  # numéro douze, poste


# ------------------------------------------------------------ espeak-ng


def test_to_wav_writes_a_real_french_wav(espeak: None, tmp_path: Path) -> None:
    speech = Speech()
    assert Speech.available()
    path = tmp_path / "n12.wav"
    started = time.monotonic()
    assert speech.to_wav("Numéro 12, poste 2", path) is True
    took = time.monotonic() - started
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        frames = w.readframes(w.getnframes())
        seconds = w.getnframes() / w.getframerate()
    assert 0.8 <= seconds <= 4.0, seconds
    loud = sum(1 for i in range(0, len(frames), 2)
               if abs(int.from_bytes(frames[i:i + 2], "little", signed=True)) > 1000)
    assert loud > 0.1 * len(frames) / 2, "the wav is (almost) silent"
    assert speech.failures == 0 and speech.last_error is None
    if shutil.which("sox"):
        info = subprocess.run(["sox", "--i", "-r", str(path)], capture_output=True, text=True,
                              timeout=60, check=True)
        assert info.stdout.strip() == "22050"
    print(f"\nespeak-ng: 'Numéro 12, poste 2' -> {seconds:.2f} s of speech, rendered in {took:.3f} s")


def test_wav_dir_mode_writes_numbered_files(espeak: None, tmp_path: Path) -> None:
    speech = Speech(wav_dir=tmp_path / "voice")
    assert speech.say("Numéro 1, poste 1") and speech.say("Numéro 2, poste 3")
    files = sorted((tmp_path / "voice").iterdir())
    assert [f.name for f in files] == ["announce-0001.wav", "announce-0002.wav"]
    assert all(0.8 <= wav_seconds(f) <= 4.0 for f in files)


def test_missing_binary_fails_quickly_and_says_why(tmp_path: Path) -> None:
    speech = Speech(binary=str(tmp_path / "no-espeak-ng"))
    assert not Speech.available(speech.binary)
    assert speech.say("Numéro 12, poste 2") is False
    assert speech.to_wav("Numéro 12, poste 2", tmp_path / "x.wav") is False
    assert speech.failures == 2
    assert speech.last_error is not None and speech.last_error.startswith(SPEECH_UNAVAILABLE)
    # quickly: the command could not even start, so nothing was waited for (no 10 s time-out)
    assert "n'est pas installé" in speech.last_error
    assert "n'a pas fini" not in speech.last_error


def test_unknown_voice_is_a_failure_not_an_exception(espeak: None, tmp_path: Path) -> None:
    speech = Speech(voice="xx-nowhere")
    assert speech.to_wav("Numéro 12, poste 2", tmp_path / "x.wav") is False
    assert speech.last_error is not None and "code 1" in speech.last_error


def test_timeout_kills_espeak_and_returns_false(espeak: None, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import kiosk.output.announcements

    long_text = " ".join(["Numéro 12, poste 2."] * 2000)  # about 0.7 s of work per 400 sentences
    started: list[subprocess.Popen[bytes]] = []
    popen = subprocess.Popen

    def watched(*args, **kwargs):
        started.append(popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(kiosk.output.announcements.subprocess, "Popen", watched)
    speech = Speech()
    assert speech.to_wav(long_text, tmp_path / "long.wav", timeout=0.05) is False
    assert speech.last_error is not None and "n'a pas fini" in speech.last_error
    # killed at its time-out, not waited for until the end of its 2000 sentences: the order
    # of events says it, where seconds would only say how loaded the machine was
    assert len(started) == 1 and started[0].returncode == -signal.SIGKILL


def test_saying_aloud_never_raises_and_reports_a_missing_sound_card(espeak: None) -> None:
    """Aloud, espeak-ng exits with 0 even without a sound card; Speech reads its error instead."""
    speech = Speech()
    ok = speech.say("Numéro 12, poste 2", timeout=10)
    assert isinstance(ok, bool)
    if not ok:  # the test machines have no sound card
        assert speech.last_error is not None and speech.last_error.startswith(SPEECH_UNAVAILABLE)


# ------------------------------------------------------------ the queue


def test_queue_is_fifo_chime_then_voice_never_overlapping(espeak: None, sox: None,
                                                          tmp_path: Path) -> None:
    chime = SoxChime(tmp_path / "chimes")
    chime.folder.mkdir()
    voice = WavVoice(tmp_path / "voice")
    queue = AnnouncementQueue(chime, voice)
    calls = [Announcement(12, 2), Announcement(13, 1), Announcement(12, 2, recall=True)]
    put_at = []
    try:
        for call in calls:
            put_at.append(time.monotonic())
            assert queue.put(call)
            time.sleep(0.3)
        assert queue.wait_idle(timeout=HANG_SECONDS)
    finally:
        queue.stop(wait=2)
    history = phases(queue)
    texts = [c.spoken_text() for c in calls]
    assert [(r.phase, r.text) for r in history] == [
        (phase, text) for text in texts for phase in ("chime", "speech")]
    assert_sequential(history)
    for chime_rec, speech_rec in zip(history[::2], history[1::2], strict=True):
        assert chime_rec.finished_at <= speech_rec.started_at
        assert chime_rec.finished_at - chime_rec.started_at >= CHIME_SECONDS  # real chime length
    # the 2nd and 3rd calls came while the 1st call was still being said: they waited their turn
    if history[1].finished_at <= put_at[1]:
        pytest.skip(f"machine too slow: the 2nd call came {put_at[1] - put_at[0]:.2f} s after "
                    "the 1st, once the 1st was said: nothing had to wait")
    assert history[2].started_at >= history[1].finished_at > put_at[1]
    assert queue.problems == [] and queue.announced == 3
    assert [f.name for f in voice.files] == ["voice-0001.wav", "voice-0002.wav", "voice-0003.wav"]
    for record, wav in zip(history[1::2], voice.files, strict=True):
        assert record.finished_at - record.started_at >= wav_seconds(wav) >= 0.8
    assert all(abs(wav_seconds(f) - 1.3) < 0.01 for f in chime.files)
    total = history[-1].finished_at - history[0].started_at
    print(f"\n3 calls 0.3 s apart: announced in {total:.2f} s; phases: "
          + ", ".join(f"{r.phase} {r.finished_at - r.started_at:.2f}s" for r in history))


def test_identical_calls_are_each_announced(tmp_path: Path) -> None:
    said: list[str] = []

    def chime() -> bool:
        time.sleep(0.05)
        return True

    queue = AnnouncementQueue(chime, recorder(said))
    try:
        for _ in range(3):
            queue.announce(12, 2)
        assert queue.wait_idle(timeout=HANG_SECONDS)
    finally:
        queue.stop(wait=2)
    assert said == ["Numéro 12, poste 2"] * 3


def test_failing_speech_does_not_stop_the_queue(sox: None, tmp_path: Path) -> None:
    (tmp_path / "chimes").mkdir()
    chime = SoxChime(tmp_path / "chimes")
    broken = Speech(binary=str(tmp_path / "no-espeak-ng"))

    class Explained(AnnouncementQueue):
        def explain(self, phase: str) -> str | None:
            return broken.last_error if phase == "speech" else None

    queue = Explained(chime, broken.say)
    try:
        queue.announce(1, 1)
        queue.announce(2, 2)
        assert queue.wait_idle(timeout=HANG_SECONDS)
    finally:
        queue.stop(wait=2)
    history = phases(queue)
    assert [r.phase for r in history] == ["chime", "speech", "chime", "speech"]
    assert_sequential(history)
    assert len(chime.files) == 2  # both chimes rang
    assert [p.phase for p in queue.problems] == ["speech", "speech"]
    assert queue.last_problem == (f"annonce vocale non faite : {SPEECH_UNAVAILABLE} : "
                                  f"{tmp_path / 'no-espeak-ng'} n'est pas installé")
    assert broken.failures == 2 and "n'est pas installé" in (broken.last_error or "")


def test_exceptions_in_chime_or_voice_are_recorded_and_the_queue_goes_on(tmp_path: Path) -> None:
    said: list[str] = []
    chimes = count(1)

    def chime() -> bool:
        if next(chimes) == 1:
            raise OSError("no audio device")
        return True

    def speak(text: str) -> bool:
        if "2" in text:
            raise RuntimeError("espeak-ng crashed")
        said.append(text)
        return True

    queue = AnnouncementQueue(chime, speak)
    try:
        for number in (1, 2, 3):
            queue.announce(number, 1)
        assert queue.wait_idle(timeout=HANG_SECONDS)
        assert queue.running
        queue.announce(4, 1)
        assert queue.wait_idle(timeout=HANG_SECONDS)
    finally:
        queue.stop(wait=2)
    assert said == ["Numéro 1, poste 1", "Numéro 3, poste 1", "Numéro 4, poste 1"]
    assert [(p.phase, p.text) for p in queue.problems] == [
        ("chime", "Numéro 1, poste 1"), ("speech", "Numéro 2, poste 1")]
    assert "no audio device" in queue.problems[0].message
    assert len(queue.history) == 8


def test_two_calls_one_second_apart_are_announced_one_after_the_other(
        espeak: None, sox: None, tmp_path: Path) -> None:
    (tmp_path / "chimes").mkdir()
    chime = SoxChime(tmp_path / "chimes")
    queue = AnnouncementQueue(chime, WavVoice(tmp_path / "voice"))
    try:
        t0 = time.monotonic()
        queue.announce(12, 2)
        time.sleep(1.0)
        t1 = time.monotonic()
        queue.announce(13, 1)
        pending = queue.pending
        looked = time.monotonic()
        assert queue.wait_idle(timeout=HANG_SECONDS)
        t_end = time.monotonic()
    finally:
        queue.stop(wait=2)
    history = phases(queue)
    assert_sequential(history)
    first_done = history[1].finished_at
    if first_done <= t1:
        pytest.skip(f"machine too slow: the 2nd call came {t1 - t0:.2f} s after the 1st, once "
                    "the 1st was said: nothing had to wait")
    if first_done > looked:
        assert pending == 2  # the 1st was still being announced, the 2nd waited
    second_chime = history[2]
    assert second_chime.text == "Numéro 13, poste 1"
    assert second_chime.started_at >= first_done > t1  # the 2nd waited for the 1st to finish
    busy = sum(r.finished_at - r.started_at for r in history)
    assert t_end - t0 >= busy >= 2 * (CHIME_SECONDS + 0.8)  # the sum of the phases: no overlap
    print(f"\n2 calls 1 s apart: 2nd call waited {second_chime.started_at - t1:.2f} s, "
          f"both announced {t_end - t0:.2f} s after the 1st call")


def test_wait_idle_times_out_and_stop_drops_the_rest(tmp_path: Path) -> None:
    release = threading.Event()  # set by stop(): the chime is cut short
    let_go = threading.Event()  # set by the test: the cut chime may return
    said: list[str] = []
    queue = AnnouncementQueue(lambda: release.wait(HELD_SECONDS) and let_go.wait(HELD_SECONDS),
                              recorder(said), on_stop=release.set)
    queue.announce(1, 1)
    queue.announce(2, 1)
    wait_for(lambda: len(queue.history) == 0 and queue.pending == 2)
    assert queue.wait_idle(timeout=0.2) is False
    queue.stop()  # does not block the caller (the Kivy thread at app stop)
    # it returned while the chime still held the queue's thread: it did not wait for it
    assert release.is_set() and queue.running
    let_go.set()
    wait_for(lambda: not queue.running)
    assert said == []  # stopping ends the current announcement after its chime
    assert queue.announce(3, 1) is False
    assert [r.phase for r in queue.history] == ["chime"]


def test_a_reading_has_no_chime_calls_go_first_and_the_latest_reading_wins() -> None:
    release = threading.Event()
    said: list[str] = []
    chimes: list[float] = []

    def chime() -> bool:
        chimes.append(time.monotonic())
        return release.wait(HELD_SECONDS)

    queue = AnnouncementQueue(chime, recorder(said))
    try:
        queue.announce(7, 1)                       # being announced: waits in its chime
        wait_for(lambda: len(chimes) == 1)
        assert queue.read("Touchez votre démarche.")
        assert queue.read("Votre numéro est le 8.")   # replaces the reading not started yet
        queue.announce(9, 2)                       # a call goes before the waiting reading
        assert queue.read("   ") is False
        release.set()
        assert queue.wait_idle(timeout=HANG_SECONDS)
    finally:
        queue.stop(wait=2)
    assert said == ["Numéro 7, poste 1", "Numéro 9, poste 2", "Votre numéro est le 8."]
    assert len(chimes) == 2, "a reading is the voice alone"
    assert [r.phase for r in queue.history] == ["chime", "speech", "chime", "speech", "speech"]
    assert_sequential(queue.history)


def test_leaving_the_screen_cuts_the_reading_but_never_a_call() -> None:
    cut = threading.Event()
    said: list[str] = []

    class Player(AnnouncementQueue):
        def interrupt(self) -> None:
            cut.set()

    def speak(text: str) -> bool:
        said.append(text)
        if text.startswith("Lecture"):
            return cut.wait(HELD_SECONDS) and False  # cut short: the voice did not end by itself
        return True

    queue = Player(lambda: True, speak)
    try:
        queue.read("Lecture de l'accueil")
        wait_for(lambda: said == ["Lecture de l'accueil"])
        queue.read("Lecture suivante")           # waiting behind the first one
        queue.announce(4, 1)
        queue.hush_readings()                    # the visitor tapped on to the next screen
        assert queue.wait_idle(timeout=HANG_SECONDS)
        queue.hush_readings()                    # nothing to cut: a call is never cut
    finally:
        queue.stop(wait=2)
    assert cut.is_set()
    assert said == ["Lecture de l'accueil", "Numéro 4, poste 1"]
    assert queue.problems == [], "a reading cut on purpose is not a sound problem"


def test_kiosk_core_does_not_import_kivy() -> None:
    code = ("import sys, kiosk.output.announcements; "
            "sys.exit(1 if any(m == 'kivy' or m.startswith('kivy.') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], timeout=30).returncode == 0
