"""Loaded by every Python process of `make test` only when it runs under libfaketime
(`faketime '2026-12-25 22:30:00' make test`, to try the suite on another day): the Makefile then
puts this folder first on PYTHONPATH.

Why: with the monotonic clock kept real (DONT_FAKE_MONOTONIC, without which every timed wait of
Python hangs), libfaketime 0.9.10 still shifts the absolute monotonic deadline that Python 3.11's
`time.sleep` gives the kernel (clock_nanosleep, TIMER_ABSTIME), and the kernel answers EINVAL.
A timed wait on a lock works there, so `time.sleep` waits on one instead. Nothing else changes:
the date and the hour the code reads are libfaketime's.
"""

import threading
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    threading.Event().wait(seconds)


time.sleep = _sleep
