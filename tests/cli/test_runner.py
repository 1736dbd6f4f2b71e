"""The in-process runner (tests/cli/runner.py) behaves like a fresh process and leaves nothing
behind: what a command changes in the process is undone after the call, and what a process
would print (a log record, a warning) reaches the captured stderr."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from kiosk.content import catalogue
from tests.cli import runner
from tests.cli.runner import run_cli


def test_what_a_command_changes_in_the_process_is_undone(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = (dict(os.environ), os.getcwd(), signal.getsignal(signal.SIGTERM),
              logging.getLogger().handlers[:], logging.getLogger("borne-plus").handlers[:])
    seen = {}

    def main(argv):
        seen["env"] = {k: os.environ.get(k) for k in ("KIOSK_DATA_DIR", "HOME")}
        seen["cwd"] = os.getcwd()
        seen["stdin"] = (sys.stdin.read(), sys.stdin.isatty())
        seen["utc_offset"] = -time.timezone
        os.environ["KIOSK_LEAK"] = "1"
        os.chdir("/")
        os.umask(0o077)
        signal.signal(signal.SIGTERM, lambda *_: None)
        logging.getLogger().addHandler(logging.NullHandler())
        logging.getLogger("borne-plus").addHandler(logging.NullHandler())
        print("out")
        return 0

    monkeypatch.setattr(runner, "main", main)
    umask = os.umask(0o022)
    os.umask(umask)
    zone = time.timezone
    outcome = run_cli(["x"], stdin="1234\n", env={"KIOSK_DATA_DIR": str(tmp_path),
                                                  "TZ": "AST4" if zone != 14400 else "EST5"},
                      cwd=elsewhere)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, "out\n", "")
    assert seen == {"env": {"KIOSK_DATA_DIR": str(tmp_path), "HOME": None},
                    "cwd": str(elsewhere), "stdin": ("1234\n", False),
                    "utc_offset": -14400 if zone != 14400 else -18000}
    assert (dict(os.environ), os.getcwd(), signal.getsignal(signal.SIGTERM),
            logging.getLogger().handlers, logging.getLogger("borne-plus").handlers) == before
    assert os.umask(umask) == umask
    assert time.timezone == zone


def test_logs_and_warnings_reach_stderr_as_in_a_process(monkeypatch):
    def main(argv):
        logging.getLogger("borne-plus").info("not shown: below WARNING")
        logging.getLogger("borne-plus").warning("a log line")
        warnings.warn("a warning", UserWarning, stacklevel=1)
        warnings.warn("hidden", DeprecationWarning, stacklevel=1)
        return 0

    monkeypatch.setattr(runner, "main", main)
    lines = run_cli(["x"]).stderr.splitlines()
    assert lines[0] == "a log line"
    assert lines[1].endswith("UserWarning: a warning") and len(lines) == 3  # and its source line


def test_an_exception_escaping_main_fails_the_test_with_its_traceback(monkeypatch):
    def main(argv):
        raise KeyError("boom")

    monkeypatch.setattr(runner, "main", main)
    with pytest.raises(AssertionError, match="KeyError: 'boom'"):
        run_cli(["x"])


def test_each_call_reads_the_data_folders_again(tmp_path):
    """A process starts with no catalogue read: a cached one must not hide a change."""
    folder = tmp_path / "catalogue"
    folder.mkdir()
    (folder / "autre.yaml").write_text(
        (Path(runner.ASSETS_DIR) / "catalogue" / "autre.yaml").read_text("utf-8"), "utf-8")
    catalogue.cached_catalogue(folder)
    assert any(key[0] == folder for key in catalogue._cache)
    run_cli(["frobnicate"])
    assert not any(key[0] == folder for key in catalogue._cache)


def test_the_engines_a_command_left_open_are_disposed(tmp_path, monkeypatch):
    engines = []

    def main(argv):  # a command that forgets ctx.dispose(): its pooled connection stays open
        engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
        engines.append(engine)
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        assert engine.pool.checkedin() == 1
        return 0

    monkeypatch.setattr(runner, "main", main)
    run_cli(["x"])
    assert engines[0].pool.checkedin() == 0, "the end of a process closes it"
    outside = create_engine(f"sqlite:///{tmp_path / 'y.sqlite3'}")  # the tests' own engines
    with outside.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    run_cli(["x"])
    assert outside.pool.checkedin() == 1
    outside.dispose()


def test_in_process_calls_refuse_threads():
    failures: list[AssertionError] = []

    def call() -> None:
        try:
            run_cli(["x"])
        except AssertionError as exc:
            failures.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    thread.join()
    assert failures and "main thread" in str(failures[0])
