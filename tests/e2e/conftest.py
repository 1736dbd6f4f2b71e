"""End-to-end tests need a virtual screen (Xvfb), xdotool and ImageMagick's `import`."""

from __future__ import annotations

import os
import shutil

import pytest

DISPLAY = os.environ.get("KIOSK_TEST_DISPLAY", "")
REQUIRED = bool(os.environ.get("KIOSK_REQUIRE_BACKENDS"))


@pytest.fixture
def xvfb() -> str:
    if not DISPLAY or not shutil.which("xdotool") or not shutil.which("import"):
        if REQUIRED:
            pytest.fail("Xvfb, xdotool and imagemagick are required: run through `make test`")
        pytest.skip("no Xvfb display (KIOSK_TEST_DISPLAY unset); `make test` starts one")
    return DISPLAY

