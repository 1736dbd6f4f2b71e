"""The kiosk's announcer on Kivy's real audio (SDL, `SDL_AUDIODRIVER=dummy`: no speakers, but
sounds play in real time and `on_stop` fires). The player blocks a background thread while this
test thread pumps the Kivy event loop, exactly as the running kiosk does."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kivy.base import EventLoop

from kiosk.announcements import SPEECH_UNAVAILABLE, Speech
from screens.announcer import CHIME, KioskAnnouncer, SoundPlayer, make_announcer

CHIME_SECONDS = 1.2
# SDL's dummy audio driver plays "in real time" only roughly: on a loaded CI machine a 1.2 s chime
# was seen to end after 1.11 s. The bounds tell "waited for the sound" from "returned at once" (a
# missing sound returns in milliseconds) and from "waited for the time-out" (length + margin).
PLAYED_AT_LEAST = 0.6 * CHIME_SECONDS
PLAYED_AT_MOST = CHIME_SECONDS + 1.5
# The Kivy thread never waited for the sound: every frame stayed far below the chime's length.
FRAME_BELOW = 0.5 * CHIME_SECONDS
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _window() -> None:
    EventLoop.ensure_window()


class Pump:
    """Runs the Kivy loop on this (the Kivy) thread; records how long each frame took."""

    def __init__(self) -> None:
        self.frames: list[float] = []

    def until(self, condition: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out pumping the Kivy loop"
            started = time.monotonic()
            EventLoop.idle()
            self.frames.append(time.monotonic() - started)
            time.sleep(0.005)

    @property
    def slowest(self) -> float:
        return max(self.frames, default=0.0)


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        started = time.monotonic()
        out["result"] = fn()
        out["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def test_the_chime_really_plays_and_the_call_returns_after_it(tmp_path: Path) -> None:
    player = SoundPlayer()
    pump = Pump()
    thread, out = in_thread(lambda: player.play(CHIME))
    pump.until(lambda: not thread.is_alive(), timeout=5)
    assert out["result"] is True, player.last_error
    assert PLAYED_AT_LEAST <= out["seconds"] <= PLAYED_AT_MOST, out["seconds"]
    assert pump.slowest < FRAME_BELOW  # the Kivy thread never waited for the sound
    print(f"\nchime through Kivy/SDL: play() returned after {out['seconds']:.2f} s; "
          f"slowest frame {pump.slowest * 1000:.0f} ms")


def test_a_missing_sound_file_returns_false_quickly(tmp_path: Path) -> None:
    player = SoundPlayer()
    pump = Pump()
    thread, out = in_thread(lambda: player.play(tmp_path / "nothing.wav"))
    pump.until(lambda: not thread.is_alive(), timeout=5)
    assert out["result"] is False and out["seconds"] < 0.5
    assert player.last_error is not None and "introuvable" in player.last_error


def test_an_unreadable_sound_file_returns_false_quickly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really a wav")
    player = SoundPlayer()
    pump = Pump()
    thread, out = in_thread(lambda: player.play(bad))
    pump.until(lambda: not thread.is_alive(), timeout=5)
    assert out["result"] is False and out["seconds"] < 0.5


def test_playing_on_the_kivy_thread_is_refused_instead_of_freezing() -> None:
    player = SoundPlayer()
    started = time.monotonic()
    assert player.play(CHIME) is False
    assert time.monotonic() - started < 0.5  # refused at once, not after the 1.2 s chime
    assert "fil de Kivy" in (player.last_error or "")


def test_a_stalled_kivy_loop_gives_up_and_plays_nothing_later() -> None:
    player = SoundPlayer(start_timeout=0.3)
    thread, out = in_thread(lambda: player.play(CHIME))  # nobody pumps the loop meanwhile
    thread.join(timeout=3)
    assert out["result"] is False and 0.3 <= out["seconds"] < 1.0
    Pump().until(lambda: True, timeout=1)
    for _ in range(5):
        EventLoop.idle()  # the late callback runs now: it must play nothing


def test_closing_interrupts_a_playing_chime() -> None:
    player = SoundPlayer()
    pump = Pump()
    thread, out = in_thread(lambda: player.play(CHIME))
    start = time.monotonic()
    pump.until(lambda: time.monotonic() - start > 0.3, timeout=2)
    player.close()
    pump.until(lambda: not thread.is_alive(), timeout=2)
    assert out["result"] is False and out["seconds"] < 0.6


def test_two_calls_a_second_apart_chime_then_voice_one_after_the_other() -> None:
    if not Speech.available():
        if os.environ.get("KIOSK_REQUIRE_BACKENDS"):
            pytest.fail("espeak-ng is required (KIOSK_REQUIRE_BACKENDS) but not installed")
        pytest.skip("espeak-ng is not installed")
    announcer = make_announcer()
    assert isinstance(announcer, KioskAnnouncer) and announcer.speaks
    pump = Pump()
    try:
        t0 = time.monotonic()
        announcer.announce(12, 2)  # from the Kivy thread: never blocks
        assert time.monotonic() - t0 < 0.5  # queued, not played on this thread (1.2 s)
        pump.until(lambda: time.monotonic() - t0 >= 1.0, timeout=2)
        t1 = time.monotonic()
        announcer.announce(13, 1, recall=True)
        pump.until(lambda: announcer.pending == 0, timeout=20)
        t_end = time.monotonic()
    finally:
        announcer.stop()
    history = announcer.history
    assert [(r.phase, r.text) for r in history] == [
        ("chime", "Numéro 12, poste 2"), ("speech", "Numéro 12, poste 2"),
        ("chime", "Rappel : numéro 13, poste 1"), ("speech", "Rappel : numéro 13, poste 1")]
    for before, after in zip(history, history[1:], strict=False):
        assert before.finished_at <= after.started_at  # never over each other
    chimes = [r.finished_at - r.started_at for r in history if r.phase == "chime"]
    voices = [r.finished_at - r.started_at for r in history if r.phase == "speech"]
    assert all(PLAYED_AT_LEAST <= s <= PLAYED_AT_MOST for s in chimes), chimes
    assert all(1.0 <= s <= 6.0 for s in voices), voices  # the French sentence, roughly in real time
    assert history[2].started_at >= history[1].finished_at > t1  # the 2nd call waited its turn
    assert announcer.problems == []
    assert pump.slowest < FRAME_BELOW
    assert not announcer.voice.folder.exists()  # type: ignore[union-attr]  # cleaned at stop
    print(f"\n2 calls 1 s apart through Kivy/SDL: chimes {', '.join(f'{s:.2f}' for s in chimes)} s, "
          f"voices {', '.join(f'{s:.2f}' for s in voices)} s, all done {t_end - t0:.2f} s after "
          f"the 1st call; slowest Kivy frame {pump.slowest * 1000:.0f} ms")


def test_without_espeak_ng_the_chime_alone_announces(tmp_path: Path) -> None:
    announcer = make_announcer(speech=Speech(binary=str(tmp_path / "no-espeak-ng")))
    assert not announcer.speaks
    pump = Pump()
    try:
        announcer.announce(5, 3)
        pump.until(lambda: announcer.pending == 0, timeout=5)
    finally:
        announcer.stop()
    chime, speech = announcer.history
    assert chime.phase == "chime" and chime.finished_at - chime.started_at >= PLAYED_AT_LEAST
    assert speech.phase == "speech" and speech.finished_at - speech.started_at < 0.05
    assert [p.phase for p in announcer.problems] == ["speech"]
    assert f"{SPEECH_UNAVAILABLE} (" in (announcer.last_problem or "")
    assert (announcer.last_problem or "").endswith("carillon seul")


def test_no_audio_device_never_blocks_nor_crashes(tmp_path: Path) -> None:
    """In a fresh process whose SDL audio driver does not exist: each sound fails at once, the
    queue still goes through every call."""
    script = textwrap.dedent("""
        import time
        from kivy.clock import Clock
        from screens.announcer import make_announcer
        a = make_announcer()
        t0 = time.monotonic()
        for n in (1, 2, 3):
            a.announce(n, 1)
        while a.pending and time.monotonic() - t0 < 10:
            Clock.tick()
            time.sleep(0.005)
        a.stop(wait=1)
        print(len(a.history), round(time.monotonic() - t0, 2), len(a.problems), a.problems[0].message)
    """)
    env = {**os.environ, "SDL_AUDIODRIVER": "no-such-driver", "SDL_VIDEODRIVER": "offscreen",
           "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_FILELOG": "1",
           "KIVY_HOME": str(tmp_path / "kivy")}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    phases, seconds, problems, message = done.stdout.strip().splitlines()[-1].split(" ", 3)
    assert (int(phases), int(problems)) == (6, 6) and float(seconds) < 2.0, done.stdout
    assert message == "carillon non joué : chime.wav : pas de sortie audio (durée 0)", done.stdout
