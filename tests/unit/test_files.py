"""The owner-only, atomic file writer shared by the checklists and the exports."""

from __future__ import annotations

import os
import resource
import signal
import stat

import pytest

from kiosk.errors import KioskError
from kiosk.system.files import (
    TargetRefused,
    private_output,
    private_path,
    unused_name,
    write_private,
)


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
    with pytest.raises(RuntimeError), private_output(out, replace=True) as handle:
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


def test_a_file_is_replaced_only_when_the_caller_says_so(tmp_path):
    out = tmp_path / "r.csv"
    out.write_bytes(b"old")
    with pytest.raises(TargetRefused, match="r.csv existe déjà : ajoutez --force"):
        write_private(out, b"new")
    assert out.read_bytes() == b"old"
    write_private(out, b"new", replace=True)
    assert out.read_bytes() == b"new" and stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]


def test_a_name_taken_while_the_file_is_written_is_left_to_its_owner(tmp_path):
    # checked free at the start, taken before the end (another export, a copy from a key):
    # the hard link that gives the name fails, where a rename would have replaced it
    out = tmp_path / "r.pdf"
    for enter in (lambda: private_output(out), lambda: private_path(out)):
        with pytest.raises(TargetRefused, match="existe déjà"), enter() as written:
            if isinstance(written, os.PathLike):
                written.write_bytes(b"ours")
            else:
                written.write(b"ours")
            out.write_bytes(b"theirs")
        assert out.read_bytes() == b"theirs"
        assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]
        out.unlink()


def test_nothing_but_a_regular_file_is_written_over_even_when_replacing(tmp_path):
    (tmp_path / "real.txt").write_bytes(b"kept")
    os.mkfifo(tmp_path / "fifo.pdf")
    (tmp_path / "link.pdf").symlink_to(tmp_path / "real.txt")
    for name, words in (("fifo.pdf", "pas un fichier ordinaire"), ("link.pdf", "lien symbolique")):
        with pytest.raises(TargetRefused, match=words):
            write_private(tmp_path / name, b"x", replace=True)
    assert stat.S_ISFIFO((tmp_path / "fifo.pdf").lstat().st_mode)
    assert os.readlink(tmp_path / "link.pdf") == str(tmp_path / "real.txt")
    assert (tmp_path / "real.txt").read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo.pdf", "link.pdf", "real.txt"]


def test_a_full_disk_is_one_line_and_keeps_the_older_file(tmp_path):
    # a real write error: the file size limit of this process (EFBIG, as ENOSPC would be)
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"last quarter")
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the error, not the signal
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, limits[1]))
    try:
        with pytest.raises(KioskError) as refused:
            write_private(out, b"x" * 10_000, replace=True)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)
    assert refused.value.message == f"{out} : écriture impossible (File too large) ; rien n'a été écrit"
    assert out.read_bytes() == b"last quarter"
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]


def test_a_link_pointing_nowhere_keeps_its_name(tmp_path):
    (tmp_path / "copie.sqlite3").symlink_to(tmp_path / "absent")
    assert unused_name(tmp_path, "copie", "sqlite3") == tmp_path / "copie-2.sqlite3"
