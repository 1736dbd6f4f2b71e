"""The owner-only, atomic file writer shared by the checklists and the exports."""

from __future__ import annotations

import stat

import pytest

from kiosk.errors import KioskError
from kiosk.system.files import private_output, write_private


def test_write_private_is_owner_only_and_leaves_no_temporary(tmp_path):
    out = write_private(tmp_path / "a.bin", b"data")
    assert out.read_bytes() == b"data"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_streamed_text_appears_only_when_complete(tmp_path):
    out = tmp_path / "rows.csv"
    with private_output(out, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write("é;1\r\n")
        assert not out.exists()
    assert out.read_bytes() == "\ufeffé;1\r\n".encode()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_a_failure_leaves_nothing_and_keeps_an_older_file(tmp_path):
    out = tmp_path / "report.pdf"
    with pytest.raises(RuntimeError), private_output(out) as handle:
        handle.write(b"half")
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []
    out.write_bytes(b"old")
    with pytest.raises(RuntimeError), private_output(out) as handle:
        handle.write(b"new")
        raise RuntimeError("disk full")
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_bad_targets_are_named(tmp_path):
    with pytest.raises(KioskError, match="n'existe pas"):
        write_private(tmp_path / "missing" / "a.pdf", b"x")
    with pytest.raises(KioskError, match="dossier"):
        write_private(tmp_path, b"x")
    assert list(tmp_path.iterdir()) == []
