"""A background thread that runs the core's calls for a screen, in order, and hands each result
back on the Kivy thread (Clock.schedule_once). Nothing slow ever runs on the Kivy thread."""

from __future__ import annotations

import ctypes
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

log = logging.getLogger("borne-plus")

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class Worker:
    def __init__(self, name: str) -> None:
        self._jobs: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...], Done | None,
                                      Failed | None] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self.pending = 0

    def submit(self, fn: Callable[..., Any], *args: Any, on_done: Done | None = None,
               on_error: Failed | None = None) -> None:
        self.pending += 1
        self._jobs.put((fn, args, on_done, on_error))

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            fn, args, on_done, on_error = job
            try:
                result = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - reported to the screen, never lost
                log.warning("worker: %s failed: %r", getattr(fn, "__name__", fn), exc)
                Clock.schedule_once(lambda _dt, e=exc, cb=on_error: self._finish(cb, e), 0)
            else:
                Clock.schedule_once(lambda _dt, r=result, cb=on_done: self._finish(cb, r), 0)

    def _finish(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        self.pending -= 1
        if callback is not None:
            callback(value)

    def stop(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=2)


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's malloc_trim).

    Texts and textures drawn for one visitor leave freed holes in the C heap that glibc keeps;
    trimming on the way back to Accueil keeps a kiosk that runs all day near its starting size.
    Elsewhere than glibc it does nothing.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
