"""Spoken call announcements: "Numéro 12, poste 2", after a chime, one at a time; and the screens
read aloud when a visitor asks, in the same queue so that voices never overlap.

Nothing here knows about Kivy: the chime player and the way speech is played are callables given
by the screen (screens/announcer.py). This module gives
- `Announcement`, the frozen call to announce, and its French sentence;
- `Speech`, a thin wrapper of the `espeak-ng` command (French voice, offline) that never raises;
- `AnnouncementQueue`, a FIFO with one consumer thread: for each call, the chime, then the voice,
  then the next call. Two calls a second apart are announced one after the other, never over
  each other. A failing chime or voice is recorded and the queue goes on.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger("borne-plus")

ESPEAK = "espeak-ng"
VOICE = "fr"
WORDS_PER_MINUTE = 140
SPEECH_TIMEOUT = 10.0
HISTORY_LIMIT = 500  # a kiosk runs all day: keep the recent phases only
SPEECH_UNAVAILABLE = "synthèse vocale indisponible"


# Martinique Creole (GEREC) writes /e/ "é" where Haitian Creole writes "e": espeak-ng's Haitian
# voice spells out "é" letter by letter ("e acute"); an elision "nimewo'w" is one word to it.
_HAITIAN_SPELLING = str.maketrans({"é": "e", "É": "E", "ê": "è", "à": "a", "â": "a", "î": "i",
                                   "ô": "o", "û": "ou", "'": "", "’": ""})


def for_voice(text: str, voice: str) -> str:
    """The text as the espeak-ng voice `voice` reads it best: the Créole respelled the Haitian
    way for the "ht" voice; unchanged for the others."""
    return text.translate(_HAITIAN_SPELLING) if voice == "ht" else text


@dataclass(frozen=True)
class Announcement:
    number: int
    desk: int
    recall: bool = False
    # a ticket taken in Kréyòl: after the French, the call again in Créole, in this voice
    echo_voice: str | None = None
    chime = True  # a call is announced by the chime first

    def spoken_text(self) -> str:
        if self.recall:
            return f"Rappel : numéro {self.number}, poste {self.desk}"
        return f"Numéro {self.number}, poste {self.desk}"

    def echo_text(self) -> str | None:
        """The call in Créole ("Nimewo 12, pòs 2"), said after the French one, or None."""
        if self.echo_voice is None:
            return None
        from kiosk.content import i18n

        key = "calls.recall" if self.recall else "calls.call"
        return i18n.t(key, i18n.CREOLE, number=self.number, desk=self.desk)


@dataclass(frozen=True)
class Reading:
    """A screen read aloud for a visitor who asked ("Écouter"): the voice alone, no chime. Calls
    go before it, and a newer reading replaces one still waiting."""

    text: str
    voice: str | None = None  # espeak-ng voice of this text ("ht": Créole); None: the French one
    chime = False

    def spoken_text(self) -> str:
        return self.text


class Speech:
    """The `espeak-ng` command with the French voice. Every call blocks the caller's thread (never
    the Kivy thread: the announcement queue's own thread), has a time-out, returns a bool and never
    raises. The last problem is kept, in French, for the staff (`last_error`, `failures`).

    With `wav_dir`, `say` does not play anything: it writes `announce-0001.wav`, `-0002`... there
    (a kiosk without speakers, a demo, the tests).
    """

    def __init__(self, binary: str = ESPEAK, voice: str = VOICE, speed: int = WORDS_PER_MINUTE,
                 wav_dir: Path | None = None) -> None:
        self.binary = binary
        self.voice = voice
        self.speed = speed
        self.wav_dir = Path(wav_dir) if wav_dir is not None else None
        self.failures = 0
        self.last_error: str | None = None
        self._lock = threading.Lock()
        self._written = 0
        self._process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available(binary: str = ESPEAK) -> bool:
        """Is the speech command installed (on the PATH, or an executable path)?"""
        return shutil.which(binary) is not None

    def say(self, text: str, timeout: float = SPEECH_TIMEOUT) -> bool:
        """Speak `text` aloud (or into the next numbered wav of `wav_dir`); True when it worked."""
        if self.wav_dir is not None:
            with self._lock:
                self._written += 1
                path = self.wav_dir / f"announce-{self._written:04d}.wav"
            return self.to_wav(text, path, timeout)
        return self._run([], text, timeout)

    def to_wav(self, text: str, path: Path, timeout: float = SPEECH_TIMEOUT,
               voice: str | None = None) -> bool:
        """Write the spoken `text` into the wav file `path`, in `voice` (this Speech's own by
        default); True when a non-empty file is there."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return self._failed(f"dossier {path.parent} inaccessible ({exc.strerror or exc})")
        if not self._run(["-w", str(path)], text, timeout, voice):
            return False
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        if size <= 44:  # a bare wav header: nothing was spoken
            return self._failed(f"{self.binary} n'a rien écrit dans {path.name}")
        return True

    def cancel(self) -> None:
        """Cut the voice short (the kiosk is closing)."""
        process = self._process
        if process is not None and process.poll() is None:
            try:
                process.kill()
            except OSError:
                pass

    def _run(self, extra: list[str], text: str, timeout: float, voice: str | None = None) -> bool:
        voice = voice or self.voice
        command = [self.binary, "-v", voice, "-s", str(self.speed), *extra, "--",
                   for_voice(text, voice)]
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE)
        except (OSError, ValueError) as exc:
            reason = (f"{self.binary} n'est pas installé" if isinstance(exc, FileNotFoundError)
                      else f"{self.binary} ne démarre pas ({exc})")
            return self._failed(reason)
        self._process = process
        try:
            _out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return self._failed(f"{self.binary} n'a pas fini en {timeout:g} s")
        except Exception as exc:  # noqa: BLE001 - a voice problem never reaches the screen
            process.kill()
            return self._failed(f"{self.binary} : {exc!r}")
        finally:
            self._process = None
        message = err.decode("utf-8", "replace").strip()
        if process.returncode != 0:
            return self._failed(f"{self.binary} a échoué (code {process.returncode})"
                                + (f" : {message.splitlines()[-1]}" if message else ""))
        # Playing aloud without a sound card, espeak-ng prints "error: ..." yet exits with 0.
        errors = [line for line in message.splitlines() if line.lower().startswith("error")]
        if errors:
            return self._failed(f"{self.binary} : {errors[-1]}")
        return True

    def _failed(self, reason: str) -> bool:
        self.failures += 1
        self.last_error = f"{SPEECH_UNAVAILABLE} : {reason}"
        log.warning("speech: %s", self.last_error)
        return False


class PhaseRecord(NamedTuple):
    """One phase of one announcement, timed with time.monotonic()."""

    started_at: float
    finished_at: float
    phase: str  # "chime" or "speech"
    text: str


class Problem(NamedTuple):
    at: float  # time.monotonic()
    phase: str
    text: str
    message: str  # French, for the staff


PlayChime = Callable[[], bool]
Speak = Callable[..., bool]  # speak(text) in the default voice, speak(text, voice) in another


class AnnouncementQueue:
    """Announces calls one after the other, in the order they came, on its own thread.

    For each announcement: `play_chime()` (blocks until the chime ended, True if it played), then
    `speak(text)` (blocks until the voice ended), then the next one. Both may fail or raise: the
    problem is recorded and the queue goes on. Identical calls are not merged: each call (and each
    recall) is announced. `put` and `announce` never block, so the Kivy thread may call them.
    """

    def __init__(self, play_chime: PlayChime, speak: Speak, *, name: str = "kiosk-announcer",
                 on_stop: Callable[[], None] | None = None) -> None:
        self._play_chime = play_chime
        self._speak = speak
        self._on_stop = on_stop
        self._pending: deque[Announcement | Reading] = deque()
        self._busy = False
        self._current: Announcement | Reading | None = None
        self._hushed = False  # the current reading was cut on purpose: not a problem
        self._stopping = False
        self._cond = threading.Condition()
        self._history: deque[PhaseRecord] = deque(maxlen=HISTORY_LIMIT)
        self._problems: deque[Problem] = deque(maxlen=HISTORY_LIMIT)
        self.announced = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ producer side

    def put(self, announcement: Announcement) -> bool:
        """Queue one announcement; False (and nothing queued) once the queue is stopped. A call
        goes before the readings still waiting: the whole bus must hear it."""
        with self._cond:
            if self._stopping:
                return False
            readings = [item for item in self._pending if isinstance(item, Reading)]
            calls = [item for item in self._pending if not isinstance(item, Reading)]
            self._pending = deque([*calls, announcement, *readings])
            self._cond.notify_all()
        return True

    def read(self, text: str, voice: str | None = None) -> bool:
        """Queue a screen read aloud, replacing any reading not started yet (a visitor tapping
        "Écouter" twice, or on two screens, hears the latest one once). `voice`: the espeak-ng
        voice of a text not in French ("ht" for the Créole)."""
        with self._cond:
            if self._stopping or not text.strip():
                return False
            self._pending = deque(i for i in self._pending if not isinstance(i, Reading))
            self._pending.append(Reading(text, voice))
            self._cond.notify_all()
        return True

    def announce(self, number: int, desk: int, recall: bool = False,
                 echo_voice: str | None = None) -> bool:
        """`echo_voice`: the ticket was taken in Kréyòl; the call is said again in Créole."""
        return self.put(Announcement(number, desk, recall, echo_voice))

    def hush_readings(self) -> None:
        """The visitor left the screen: drop the readings still waiting and cut the one being
        said (calls are never cut). Never blocks."""
        with self._cond:
            self._pending = deque(i for i in self._pending if not isinstance(i, Reading))
            cut = isinstance(self._current, Reading) and not self._hushed
            if cut:
                self._hushed = True
        if cut:
            try:
                self.interrupt()
            except Exception:  # noqa: BLE001 - cutting a voice must not fail the screen
                log.exception("announcer: interrupt failed")

    def interrupt(self) -> None:
        """Cut the sound being played short; subclasses that own a player do it."""

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every queued announcement has been made; False on time-out."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)

    def stop(self, wait: float = 0.0) -> None:
        """Drop what is still queued, interrupt the current phase (`on_stop`), end the thread.
        Waits at most `wait` seconds for the thread: by default it does not block the caller."""
        with self._cond:
            self._stopping = True
            dropped = len(self._pending)
            self._pending.clear()
            self._cond.notify_all()
        if dropped:
            log.info("announcer: %d announcement(s) dropped at stop", dropped)
        if self._on_stop is not None:
            try:
                self._on_stop()
            except Exception:  # noqa: BLE001 - stopping must not fail
                log.exception("announcer: on_stop failed")
        if wait > 0:
            self._thread.join(timeout=wait)

    # ------------------------------------------------------------ what happened

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._pending) + (1 if self._busy else 0)

    @property
    def history(self) -> list[PhaseRecord]:
        with self._cond:
            return list(self._history)

    @property
    def problems(self) -> list[Problem]:
        with self._cond:
            return list(self._problems)

    @property
    def last_problem(self) -> str | None:
        """The latest problem in French (e.g. "synthèse vocale indisponible : ..."), or None."""
        with self._cond:
            return self._problems[-1].message if self._problems else None

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def explain(self, phase: str) -> str | None:
        """Why `phase` ("chime" or "speech") just returned False, in French; subclasses that know
        their players say it (e.g. "synthèse vocale indisponible : espeak-ng n'est pas installé")."""
        return None

    # ------------------------------------------------------------ consumer thread

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._stopping)
                if self._stopping:
                    self._busy = False
                    self._cond.notify_all()
                    return
                announcement = self._pending.popleft()
                self._busy = True
                self._current = announcement
                self._hushed = False
            text = announcement.spoken_text()
            try:
                if announcement.chime:
                    self._phase("chime", text, self._play_chime)
                if not self._stopping:
                    voice = getattr(announcement, "voice", None)
                    speak = (functools.partial(self._speak, text, voice) if voice
                             else functools.partial(self._speak, text))
                    self._phase("speech", text, speak)
                if isinstance(announcement, Announcement) and not self._stopping:
                    echo = announcement.echo_text()
                    if echo:
                        self._phase("speech", echo, functools.partial(
                            self._speak, echo, announcement.echo_voice))
            finally:
                with self._cond:
                    self.announced += 1
                    self._busy = False
                    self._current = None
                    self._cond.notify_all()

    def _phase(self, phase: str, text: str, action: Callable[[], bool]) -> None:
        started = time.monotonic()
        problem: str | None = None
        try:
            if not action():
                problem = "carillon non joué" if phase == "chime" else "annonce vocale non faite"
                reason = self.explain(phase)
                problem += f" : {reason}" if reason else ""
        except Exception as exc:  # noqa: BLE001 - a sound problem never stops the queue
            log.warning("announcer: %s of %r failed: %r", phase, text, exc)
            problem = f"{'carillon' if phase == 'chime' else 'annonce vocale'} : erreur {exc!r}"
        finished = time.monotonic()
        with self._cond:
            self._history.append(PhaseRecord(started, finished, phase, text))
            if problem is not None and not self._hushed:
                self._problems.append(Problem(finished, phase, text, problem))
