"""The kiosk's announcer: the Kivy side of kiosk.output.announcements.

The announcement queue runs on its own thread and must block until a sound has ended. Kivy's audio
belongs to the Kivy thread, so `SoundPlayer.play` schedules the load and `play()` there with
`Clock.schedule_once` and waits on a `threading.Event` set by the sound's `on_stop`, with a
time-out (the sound's length + 1 s). No sound file, no audio device, a stalled loop: it returns
False quickly and the queue goes on. Nothing here ever blocks the Kivy thread.

The voice is rendered by espeak-ng into a wav (0.02 s) and played by the same player as the chime:
one audio path for both (SDL), so the end of the voice is really known. espeak-ng playing aloud
by itself exits with 0 even when there is no sound card, after 0.07 s. Without espeak-ng the
kiosk plays the chime alone.
"""

from __future__ import annotations

import itertools
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.audio import SoundLoader

from kiosk.output.announcements import SPEECH_UNAVAILABLE, AnnouncementQueue, Speech
from kiosk.system.config import ASSETS_DIR

log = logging.getLogger("borne-plus")

CHIME = ASSETS_DIR / "sounds" / "chime.wav"
MARGIN_SECONDS = 1.0  # a sound may end this much later than its length before we give up
START_SECONDS = 2.0  # the Kivy loop must run the scheduled play within this time


@dataclass(eq=False)
class _Playback:
    path: Path
    started: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    ok: bool = False
    length: float = 0.0
    cancelled: bool = False
    sound: Any = None
    reason: str = ""


class SoundPlayer:
    """Plays wav files through Kivy, one at a time, and blocks the CALLING thread until the end.

    Must be called from a thread other than the Kivy thread (the announcement queue's thread): on
    the Kivy thread it would wait for a callback that can only run once it returns.
    """

    def __init__(self, margin: float = MARGIN_SECONDS, start_timeout: float = START_SECONDS) -> None:
        self.margin = margin
        self.start_timeout = start_timeout
        self.last_error: str | None = None
        self._current: _Playback | None = None
        self._closed = False

    def play(self, path: Path) -> bool:
        """True when the whole sound was played (its `on_stop` came in time)."""
        if self._closed:
            return False
        if threading.current_thread() is threading.main_thread():
            return self._fail("SoundPlayer.play appelé sur le fil de Kivy : refusé (il s'y bloquerait)")
        playback = _Playback(Path(path))
        self._current = playback
        try:
            Clock.schedule_once(lambda _dt: self._start(playback), 0)
            if not playback.started.wait(self.start_timeout):
                playback.cancelled = True  # if the loop runs it later, it plays nothing
                return self._fail(f"la boucle Kivy n'a pas lancé le son en {self.start_timeout:g} s")
            if not playback.ok:
                return self._fail(playback.reason)
            if not playback.finished.wait(playback.length + self.margin):
                playback.cancelled = True
                Clock.schedule_once(lambda _dt: self._release(playback), 0)
                return self._fail(f"{playback.path.name} : pas de fin de lecture après "
                                  f"{playback.length + self.margin:.1f} s")
            if playback.cancelled:
                return False  # close() woke us up
            return True
        finally:
            self._current = None

    def skip(self) -> None:
        """Stop the sound being played: its `play` returns False at once; the next ones play."""
        playback = self._current
        if playback is not None:
            playback.cancelled = True
            playback.started.set()
            playback.finished.set()
            Clock.schedule_once(lambda _dt: self._release(playback), 0)

    def close(self) -> None:
        """Stop waiting (the kiosk is closing): the current `play` returns False at once."""
        self._closed = True
        self.skip()

    # ------------------------------------------------------------ on the Kivy thread

    def _start(self, playback: _Playback) -> None:
        try:
            if playback.cancelled:
                return
            sound = SoundLoader.load(str(playback.path)) if playback.path.is_file() else None
            if sound is None:
                playback.reason = f"{playback.path.name} : fichier son introuvable ou illisible"
                return
            playback.sound = sound
            playback.length = float(sound.length or 0.0)
            if playback.length <= 0:
                playback.reason = f"{playback.path.name} : pas de sortie audio (durée 0)"
                self._release(playback)
                return
            sound.bind(on_stop=lambda *_args: self._ended(playback))
            sound.play()
            if sound.state != "play":  # no audio device: SDL refuses at once, no on_stop comes
                playback.reason = f"{playback.path.name} : la sortie audio refuse de jouer"
                self._release(playback)
                return
            playback.ok = True
        except Exception as exc:  # noqa: BLE001 - an audio problem never crashes the screen
            playback.reason = f"{playback.path.name} : erreur audio {exc!r}"
            log.warning("announcer: cannot play %s: %r", playback.path, exc)
        finally:
            playback.started.set()

    def _ended(self, playback: _Playback) -> None:
        playback.finished.set()
        Clock.schedule_once(lambda _dt: self._release(playback), 0)

    def _release(self, playback: _Playback) -> None:
        sound, playback.sound = playback.sound, None
        if sound is None:
            return
        try:
            if sound.state == "play":
                sound.stop()
            sound.unload()
        except Exception as exc:  # noqa: BLE001
            log.warning("announcer: cannot release %s: %r", playback.path, exc)

    def _fail(self, reason: str) -> bool:
        self.last_error = reason
        log.warning("announcer: %s", reason)
        return False


class SpokenAloud:
    """The voice: espeak-ng renders the sentence into a private temporary wav, the player plays it."""

    def __init__(self, speech: Speech, player: SoundPlayer) -> None:
        self.speech = speech
        self.player = player
        self.folder = Path(tempfile.mkdtemp(prefix="borne-plus-voice-"))  # owner-only (0700)
        self._numbers = itertools.count(1)
        self._closed = False
        self.last_error: str | None = None
        self.cut: Callable[[], bool] = lambda: False  # the reading was cut while being rendered

    def __call__(self, text: str, voice: str | None = None) -> bool:
        if self._closed:
            return False
        path = self.folder / f"voice-{next(self._numbers):04d}.wav"
        try:
            if not self.speech.to_wav(text, path, voice=voice):
                self.last_error = self.speech.last_error
                return False
            if self.cut():
                return False
            if not self.player.play(path):
                self.last_error = f"voix non jouée : {self.player.last_error}"
                return False
            self.last_error = None
            return True
        finally:
            path.unlink(missing_ok=True)

    def close(self) -> None:
        self._closed = True
        self.speech.cancel()
        shutil.rmtree(self.folder, ignore_errors=True)


def _silent(_text: str, _voice: str | None = None) -> bool:
    return False  # no espeak-ng: the chime alone


class KioskAnnouncer(AnnouncementQueue):
    """The queue wired to Kivy's audio: the chime, then the French voice when espeak-ng is there."""

    def __init__(self, chime: Path = CHIME, speech: Speech | None = None,
                 player: SoundPlayer | None = None) -> None:
        self.chime = Path(chime)
        self.player = player or SoundPlayer()
        self.speech = speech or Speech()
        self.voice: SpokenAloud | None = None
        if Speech.available(self.speech.binary):
            self.voice = SpokenAloud(self.speech, self.player)
        else:
            log.warning("announcer: %s is not installed: the chime alone announces the calls",
                        self.speech.binary)
        super().__init__(self._play_chime_file, self.voice or _silent, on_stop=self._close)
        if self.voice is not None:
            self.voice.cut = lambda: self._hushed

    def explain(self, phase: str) -> str | None:
        if phase == "chime":
            return self.player.last_error
        if self.voice is None:
            return f"{SPEECH_UNAVAILABLE} ({self.speech.binary} n'est pas installé) : carillon seul"
        return self.voice.last_error

    def interrupt(self) -> None:
        self.player.skip()

    def _play_chime_file(self) -> bool:
        return self.player.play(self.chime)

    def _close(self) -> None:
        self.player.close()
        if self.voice is not None:
            self.voice.close()

    @property
    def speaks(self) -> bool:
        """False when espeak-ng is missing: the staff should read "synthèse vocale indisponible"."""
        return self.voice is not None


def make_announcer(chime: Path = CHIME, speech: Speech | None = None,
                   player: SoundPlayer | None = None) -> KioskAnnouncer:
    """The kiosk's announcer: `announcer.announce(number, desk, recall=False)` from the Kivy thread
    (never blocks), `announcer.stop()` in the app's on_stop."""
    return KioskAnnouncer(chime, speech, player)
