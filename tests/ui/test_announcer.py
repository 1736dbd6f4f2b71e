"""The kiosk's announcer on Kivy's real audio (SDL, `SDL_AUDIODRIVER=dummy`: no speakers, but
sounds play in real time and `on_stop` fires). The player blocks a background thread while this
test thread pumps the Kivy event loop, exactly as the running kiosk does."""

from __future__ import annotations

import os
import statistics
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

from kiosk.output.announcements import SPEECH_UNAVAILABLE, Speech
from screens.announcer import CHIME, KioskAnnouncer, SoundPlayer, make_announcer

CHIME_SECONDS = 1.2
# SDL's dummy audio driver plays "in real time" only roughly: on a loaded CI machine a 1.2 s chime
# was seen to end after 1.11 s. The lower bound tells "waited for the sound" from "returned at
# once" (a missing sound returns in milliseconds). Which way a call ended is told by its result
# and its reason, never by an upper bound on seconds: a loaded machine stretches those.
PLAYED_AT_LEAST = 0.6 * CHIME_SECONDS
HANG_SECONDS = 60.0  # a pump or a join only catches a hang
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _window() -> None:
    EventLoop.ensure_window()


def now_playing(player: SoundPlayer) -> Any:
    """The playback whose sound Kivy is playing right now, else None."""
    playback = player._current
    sound = getattr(playback, "sound", None)
    return playback if sound is not None and sound.state == "play" else None


class Pump:
    """Runs the Kivy loop on this (the Kivy) thread. After each frame it counts, for each sound of
    `player`, the frames that ended while it played: frames going on during a sound prove that
    the Kivy thread did not wait for it, whatever the frames' length."""

    def __init__(self, player: SoundPlayer | None = None) -> None:
        self.player = player
        self.frames: list[float] = []  # time from one frame's end to the next one's
        self.quiet: list[float] = []  # the same, for the frames that ended with no sound playing
        self.during: dict[Any, int] = {}  # playback -> frames ended while it played, in order
        self._last = time.monotonic()

    def until(self, condition: Callable[[], bool], timeout: float = HANG_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        self._last = time.monotonic()
        while not condition():
            assert time.monotonic() < deadline, "timed out pumping the Kivy loop"
            self._frame()

    def run(self, frames: int) -> None:
        """A few frames with nothing playing: the machine's own pace, for comparison."""
        self._last = time.monotonic()
        for _ in range(frames):
            self._frame()

    def _frame(self) -> None:
        EventLoop.idle()
        ended = time.monotonic()
        self.frames.append(ended - self._last)
        self._last = ended
        playing = now_playing(self.player) if self.player is not None else None
        if playing is None:
            self.quiet.append(self.frames[-1])
        else:
            self.during[playing] = self.during.get(playing, 0) + 1
        time.sleep(0.005)

    @property
    def slowest(self) -> float:
        return max(self.frames, default=0.0)

    def assert_the_loop_ran_during(self, sounds: int) -> None:
        """Each of the `sounds` sounds saw frames go on while it played. A Kivy thread waiting
        for a sound ends one frame during it (the one that waits), where a free one ends dozens,
        or a few on a loaded machine: measured against the frames with no sound playing, which
        a waiting thread leaves short. Frames too slow to tell (a third of the chime) skip."""
        counts = list(self.during.values())
        assert len(counts) == sounds, f"{len(counts)} of {sounds} sounds seen playing"
        if min(counts) >= 3:
            return
        pace = statistics.median(self.quiet)
        if pace >= CHIME_SECONDS / 3:
            pytest.skip(f"Kivy frames too slow to see the loop run during a sound: frames "
                        f"ended during each sound {counts}, one every {pace:.2f} s otherwise")
        raise AssertionError(f"the Kivy thread waited for a sound: frames ended during each "
                             f"sound {counts}, where one ends every {pace * 1000:.0f} ms "
                             "otherwise")


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        started = time.monotonic()
        out["result"] = fn()
        out["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def skip_if_the_loop_was_too_slow(player: SoundPlayer, pump: Pump) -> None:
    """The player gives up when the Kivy loop does not start or end a sound in time (2 s to
    start it, its length + 1 s to end it): on a loaded machine that is the machine, not the
    player. The test cannot measure what it means to: it skips, with the numbers."""
    reason = player.last_error or ""
    if "n'a pas lancé" in reason or "pas de fin de lecture" in reason:
        pytest.skip(f"Kivy loop too slow for real-time sound ({reason}); slowest frame "
                    f"{pump.slowest:.2f} s")


def test_the_chime_really_plays_and_the_call_returns_after_it(tmp_path: Path) -> None:
    player = SoundPlayer()
    pump = Pump(player)
    pump.run(frames=20)
    thread, out = in_thread(lambda: player.play(CHIME))
    pump.until(lambda: not thread.is_alive())
    if out["result"] is False:
        skip_if_the_loop_was_too_slow(player, pump)
    # True: the sound's own end (`on_stop`) came, not the player's time-out
    assert out["result"] is True, player.last_error
    assert out["seconds"] >= PLAYED_AT_LEAST, out["seconds"]
    pump.assert_the_loop_ran_during(sounds=1)  # the Kivy thread never waited for the sound
    print(f"\nchime through Kivy/SDL: play() returned after {out['seconds']:.2f} s; "
          f"slowest frame {pump.slowest * 1000:.0f} ms")


def test_a_missing_sound_file_returns_false_quickly(tmp_path: Path) -> None:
    player = SoundPlayer()
    pump = Pump(player)
    thread, out = in_thread(lambda: player.play(tmp_path / "nothing.wav"))
    pump.until(lambda: not thread.is_alive())
    # quickly: refused as soon as the loop looked at the file, not after a time-out
    assert out["result"] is False and pump.during == {}
    assert player.last_error is not None and "introuvable" in player.last_error


def test_an_unreadable_sound_file_returns_false_quickly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really a wav")
    player = SoundPlayer()
    pump = Pump(player)
    thread, out = in_thread(lambda: player.play(bad))
    pump.until(lambda: not thread.is_alive())
    # quickly: refused as soon as the loop looked at the file, not after a time-out
    assert out["result"] is False and pump.during == {}
    assert player.last_error is not None and "bad.wav : " in player.last_error
    assert "n'a pas lancé" not in player.last_error
    assert "pas de fin de lecture" not in player.last_error


def test_playing_on_the_kivy_thread_is_refused_instead_of_freezing(monkeypatch) -> None:
    import screens.announcer

    scheduled: list[Any] = []
    monkeypatch.setattr(screens.announcer.Clock, "schedule_once",
                        lambda *args, **kwargs: scheduled.append(args))
    player = SoundPlayer()
    assert player.play(CHIME) is False
    # refused at once: nothing was even handed to the loop, so it cannot have waited for the
    # 1.2 s chime (nor for the 2 s the loop has to start it)
    assert scheduled == []
    assert "fil de Kivy" in (player.last_error or "")


def test_a_stalled_kivy_loop_gives_up_and_plays_nothing_later() -> None:
    player = SoundPlayer(start_timeout=0.3)
    thread, out = in_thread(lambda: player.play(CHIME))  # nobody pumps the loop meanwhile
    thread.join(timeout=HANG_SECONDS)
    assert not thread.is_alive(), "play() waited for a loop that does not run"
    # it gave up at its start time-out: it never played (nothing pumped the loop to play it)
    assert out["result"] is False and out["seconds"] >= 0.3
    assert "n'a pas lancé le son en 0.3 s" in (player.last_error or "")
    Pump().until(lambda: True, timeout=1)
    for _ in range(5):
        EventLoop.idle()  # the late callback runs now: it must play nothing


def test_closing_interrupts_a_playing_chime() -> None:
    player = SoundPlayer()
    pump = Pump(player)
    thread, out = in_thread(lambda: player.play(CHIME))
    pump.until(lambda: now_playing(player) is not None or not thread.is_alive())
    if not thread.is_alive():
        skip_if_the_loop_was_too_slow(player, pump)
    assert now_playing(player) is not None, player.last_error
    # no frame between the check and close(): the sound's own end cannot come in between
    player.close()
    thread.join(timeout=HANG_SECONDS)  # still no frame: only close() can wake the player up
    assert not thread.is_alive(), "close() did not interrupt the chime"
    if player.last_error is not None:
        skip_if_the_loop_was_too_slow(player, pump)
    assert out["result"] is False and player.last_error is None  # interrupted, not timed out
    pump.until(lambda: True)


def test_two_calls_a_second_apart_chime_then_voice_one_after_the_other() -> None:
    if not Speech.available():
        if os.environ.get("KIOSK_REQUIRE_BACKENDS"):
            pytest.fail("espeak-ng is required (KIOSK_REQUIRE_BACKENDS) but not installed")
        pytest.skip("espeak-ng is not installed")
    announcer = make_announcer()
    assert isinstance(announcer, KioskAnnouncer) and announcer.speaks
    pump = Pump(announcer.player)
    pump.run(frames=20)
    try:
        t0 = time.monotonic()
        announcer.announce(12, 2)  # from the Kivy thread: never blocks
        # queued, not played on this thread: nothing has started yet (the chime needs a frame)
        assert announcer.history == [] and now_playing(announcer.player) is None
        pump.until(lambda: time.monotonic() - t0 >= 1.0)
        t1 = time.monotonic()
        announcer.announce(13, 1, recall=True)
        pump.until(lambda: announcer.pending == 0)
        t_end = time.monotonic()
    finally:
        announcer.stop()
    history = announcer.history
    if announcer.problems:
        skip_if_the_loop_was_too_slow(announcer.player, pump)
    assert [(r.phase, r.text) for r in history] == [
        ("chime", "Numéro 12, poste 2"), ("speech", "Numéro 12, poste 2"),
        ("chime", "Rappel : numéro 13, poste 1"), ("speech", "Rappel : numéro 13, poste 1")]
    for before, after in zip(history, history[1:], strict=False):
        assert before.finished_at <= after.started_at  # never over each other
    chimes = [r.finished_at - r.started_at for r in history if r.phase == "chime"]
    voices = [r.finished_at - r.started_at for r in history if r.phase == "speech"]
    # each sound really played (no problem: its own end came, not a time-out), in real time
    assert announcer.problems == []
    assert all(s >= PLAYED_AT_LEAST for s in chimes), chimes
    assert all(s >= 1.0 for s in voices), voices  # the French sentence, roughly in real time
    if history[1].finished_at <= t1:
        pytest.skip(f"machine too slow: the 2nd call came {t1 - t0:.2f} s after the 1st, once "
                    "the 1st was already said: nothing to wait for")
    assert history[2].started_at >= history[1].finished_at > t1  # the 2nd call waited its turn
    pump.assert_the_loop_ran_during(sounds=4)  # the Kivy thread never waited for a sound
    assert not announcer.voice.folder.exists()  # type: ignore[union-attr]  # cleaned at stop
    print(f"\n2 calls 1 s apart through Kivy/SDL: chimes {', '.join(f'{s:.2f}' for s in chimes)} s, "
          f"voices {', '.join(f'{s:.2f}' for s in voices)} s, all done {t_end - t0:.2f} s after "
          f"the 1st call; slowest Kivy frame {pump.slowest * 1000:.0f} ms")


def test_without_espeak_ng_the_chime_alone_announces(tmp_path: Path) -> None:
    player = SoundPlayer()
    played: list[Path] = []
    play = player.play
    player.play = lambda path: played.append(Path(path)) or play(path)  # type: ignore[method-assign]
    announcer = make_announcer(speech=Speech(binary=str(tmp_path / "no-espeak-ng")),
                               player=player)
    assert not announcer.speaks
    pump = Pump(player)
    try:
        announcer.announce(5, 3)
        pump.until(lambda: announcer.pending == 0)
    finally:
        announcer.stop()
    if [p.phase for p in announcer.problems] != ["speech"]:
        skip_if_the_loop_was_too_slow(player, pump)
    chime, speech = announcer.history
    assert chime.phase == "chime" and chime.finished_at - chime.started_at >= PLAYED_AT_LEAST
    # the voice's turn played nothing: the chime was the only sound asked for
    assert speech.phase == "speech" and played == [CHIME]
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
        while a.pending and time.monotonic() - t0 < 60:  # only a hang stops it
            Clock.tick()
            time.sleep(0.005)
        a.stop(wait=1)
        print(len(a.history), round(time.monotonic() - t0, 2), len(a.problems),
              sum("(durée 0)" in p.message for p in a.problems), a.problems[0].message)
    """)
    env = {**os.environ, "SDL_AUDIODRIVER": "no-such-driver", "SDL_VIDEODRIVER": "offscreen",
           "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_FILELOG": "1",
           "KIVY_HOME": str(tmp_path / "kivy")}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    phases, _seconds, problems, at_once, message = (
        done.stdout.strip().splitlines()[-1].split(" ", 4))
    assert (int(phases), int(problems)) == (6, 6), done.stdout
    # each sound failed at once, on SDL's "no output" (length 0), never on a time-out: the
    # queue went through without waiting anywhere, however long the machine took
    assert int(at_once) == 6, done.stdout
    assert message == "carillon non joué : chime.wav : pas de sortie audio (durée 0)", done.stdout
