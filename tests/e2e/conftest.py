"""End-to-end tests need a virtual screen (Xvfb), xdotool and ImageMagick's `import`."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

DISPLAY = os.environ.get("KIOSK_TEST_DISPLAY", "")
REQUIRED = bool(os.environ.get("KIOSK_REQUIRE_BACKENDS"))


@pytest.fixture
def xvfb() -> Iterator[str]:
    """The virtual screen, for one test at a time: the suite's workers share one Xvfb, and two
    tests' windows on it would cover each other (focus, typing and screenshots go astray). The
    lock is a file lock, so it holds across the worker processes and is freed if one dies."""
    if not DISPLAY or not shutil.which("xdotool") or not shutil.which("import"):
        if REQUIRED:
            pytest.fail("Xvfb, xdotool and imagemagick are required: run through `make test`")
        pytest.skip("no Xvfb display (KIOSK_TEST_DISPLAY unset); `make test` starts one")
    name = DISPLAY.replace(":", "").replace("/", "_")
    lock = Path(tempfile.gettempdir()) / f"borne-plus-xvfb-{name}.lock"
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield DISPLAY
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
