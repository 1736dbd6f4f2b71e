"""`kiosk` as the tests run it: in this process by default, as a real process when the test is
about the process itself.

In-process because a process per command costs ~0.65 s of `import kiosk.cli`, and the CLI tests
and the fuzz make thousands of calls. The call is made to look like a fresh process to the code
under test, and leaves nothing behind for the next test:

- the environment given is the process's whole environment for the call (TZ included), then
  restored, as are the working directory, the umask, the signal handlers and the loggers'
  handlers;
- stdin is the text given (never a terminal); stdout and stderr are UTF-8 streams like a
  terminal's: stdout strict (a lone surrogate fails there as in a real shell), stderr with
  backslashreplace, as Python sets them up;
- logging and warnings print to that stderr as they would in a process without configuration
  (pytest's capture handlers and warning filters are set aside for the call): a stray log line
  breaks a "one line on stderr" test here as it would for the user;
- the caches that the core keeps per data folder (catalogue, panels) are emptied first, except
  the shipped catalogue's, which no test changes;
- every engine the command connected is disposed afterwards, as the end of a process would.

`Kiosk(env, subprocess=True)` runs `python -m kiosk` instead, for the process contract (exit
codes, stdout/stderr separation), terminals, pipes, signals, processes racing each other, and
what the interpreter itself takes from the environment at start (LANG, LC_ALL, PYTHONIOENCODING:
the in-process streams are always UTF-8). Both return
an `Outcome` (`returncode`/`code`, `stdout`, `stderr`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import io
import json
import logging
import os
import resource
import signal
import stat
import subprocess as _subprocess
import sys
import threading
import time
import traceback
import warnings
import zoneinfo
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from kiosk.cli import main
from kiosk.content import catalogue, panels
from kiosk.system import clock
from kiosk.system.clock import DEFAULT_TIMEZONE
from kiosk.system.config import ASSETS_DIR
from tests.conftest import DEFAULT_NOW

PROCESS_TIMEOUT = 120  # seconds: a real process that takes longer is hung
# the signals whose handlers a command could change; a process would take them away on exit
SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGPIPE",
                                                   "SIGCHLD", "SIGALRM", "SIGUSR1", "SIGUSR2"))
# what a fresh interpreter (no -W, no PYTHONWARNINGS, no dev mode) filters: the rest is printed
PROCESS_WARNING_FILTERS = (("default", DeprecationWarning, "__main__"),
                           ("ignore", DeprecationWarning, ""),
                           ("ignore", PendingDeprecationWarning, ""),
                           ("ignore", ImportWarning, ""),
                           ("ignore", ResourceWarning, ""))


@dataclass
class Outcome:
    argv: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    seconds: float  # wall clock
    cpu_seconds: float  # this process's CPU time for the call (a real process: the child's)
    rss_growth_kib: int = 0

    @property
    def returncode(self) -> int:  # as subprocess.CompletedProcess says it
        return self.code


# ------------------------------------------------------------------ in this process

_connected: list[Engine] | None = None  # engines that connected during the current call


@event.listens_for(Engine, "engine_connect")
def _note_engine(connection: Any) -> None:
    if _connected is not None:
        _connected.append(connection.engine)


def _stream(errors: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors=errors, newline="\n",
                            write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8", "backslashreplace")


def _forget_data_folders() -> None:
    """A process starts with no catalogue or panels read: empty the core's per-folder caches,
    keeping the shipped catalogue (read-only assets, ~0.2 s to load again)."""
    for key in [k for k in catalogue._cache if not k[0].is_relative_to(ASSETS_DIR)]:
        del catalogue._cache[key]
    catalogue._broken.clear()
    catalogue._last_good.clear()
    panels._cache.clear()


def _print_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                   file: Any = None, line: str | None = None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


@contextlib.contextmanager
def _like_a_process(env: Mapping[str, str] | None, cwd: str | os.PathLike[str] | None,
                    stdin: str) -> Iterator[None]:
    global _connected
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("run_cli changes process-wide state: call it from the main thread "
                           "(Kiosk(..., subprocess=True) for commands racing each other)")
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_umask = os.umask(0o022)
    os.umask(saved_umask)
    saved_signals = {s: signal.getsignal(s) for s in SIGNALS}
    root = logging.getLogger()
    saved_root = (root.handlers[:], root.level)
    saved_handlers = {name: logger.handlers[:] for name, logger in
                      logging.Logger.manager.loggerDict.items()
                      if isinstance(logger, logging.Logger)}
    saved_stdin = sys.stdin
    _forget_data_folders()
    _connected = []
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
            if os.environ.get("TZ") != saved_env.get("TZ"):
                time.tzset()  # the local time of a process started with this TZ
        if cwd is not None:
            os.chdir(cwd)
        sys.stdin = io.StringIO(stdin)
        root.handlers, root.level = [], logging.WARNING  # logging.lastResort: stderr, WARNING+
        with warnings.catch_warnings():  # restores pytest's filters and its recorder after
            warnings.resetwarnings()
            for action, category, module in reversed(PROCESS_WARNING_FILTERS):
                warnings.filterwarnings(action, category=category, module=module)
            warnings.showwarning = _print_warning
            yield
    finally:
        sys.stdin = saved_stdin
        for engine in _connected:
            engine.dispose()  # the pooled connections a process would close by exiting
        _connected = None
        root.handlers, root.level = saved_root
        for name, logger in logging.Logger.manager.loggerDict.items():
            if isinstance(logger, logging.Logger):
                logger.handlers[:] = saved_handlers.get(name, [])
        for number, handler in saved_signals.items():
            if signal.getsignal(number) is not handler and handler is not None:
                signal.signal(number, handler)
        os.umask(saved_umask)
        os.chdir(saved_cwd)
        if dict(os.environ) != saved_env:
            tz = os.environ.get("TZ")
            os.environ.clear()
            os.environ.update(saved_env)
            if tz != saved_env.get("TZ"):
                time.tzset()


# In this process the commands read the suite's Thursday morning (tests/conftest.py DEFAULT_NOW),
# running on with the monotonic clock, never the machine's day: a stopover opened by one call is
# the same half-day in the next whatever the hour the suite runs at (one opened at 23:59 was
# left open at the next call). A real process reads the same clock (suite_time_env).
_CLOCK_START = time.monotonic()


def suite_clock(_timezone: str) -> Callable[[], dt.datetime]:
    return lambda: DEFAULT_NOW + dt.timedelta(seconds=int(time.monotonic() - _CLOCK_START))


def run_cli(argv: Sequence[str], stdin: str = "", env: Mapping[str, str] | None = None,
            cwd: str | os.PathLike[str] | None = None, at: dt.datetime | None = None) -> Outcome:
    """`kiosk ARGV` in this process, with ENV as the whole environment (None: the current one)
    and CWD as the working directory for the call, at the bus's wall time AT (None: the suite's
    clock). Any exception but SystemExit escaping main()
    is a traceback the user would have seen: the test fails with it."""
    out, err = _stream("strict"), _stream("backslashreplace")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    try:
        with _like_a_process(env, cwd, stdin), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err), _suite_time(at):
            try:
                code = main(list(argv))
            except SystemExit as exit_:  # argparse: usage errors and --help
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None
                                                                       else 1)
    except BaseException as exc:
        raise AssertionError(f"traceback for kiosk {list(argv)!r}:\n{traceback.format_exc()}"
                             f"stderr until then: {_text(err)!r}") from exc
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return Outcome(tuple(argv), code, _text(out), _text(err), seconds, cpu, growth)


@contextlib.contextmanager
def _suite_time(at: dt.datetime | None = None) -> Iterator[None]:
    saved = clock.system_instant
    wall = suite_clock("") if at is None else (lambda: at)
    clock.system_instant = lambda: wall().replace(
        tzinfo=zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)).astimezone(dt.UTC)
    try:
        yield
    finally:
        clock.system_instant = saved


# ------------------------------------------------------------------ as a real process


# A real process reads the same Thursday as the calls made in this process, through libfaketime
# (.ci/install-system installs it): a stopover opened by one and used by the other is the same
# half-day, whatever the day the suite runs on (under `faketime DATE make test` too).
LIBFAKETIME = next(iter(sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
                               + glob.glob("/usr/lib/faketime/libfaketime.so.1"))), None)
FAKETIME_SHIM = Path(__file__).resolve().parents[1] / "faketime"  # its sitecustomize.py says why


def suite_time_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """ENV (None: this process's) for a child that reads the suite's clock (suite_clock)."""
    child = dict(env) if env is not None else dict(os.environ)
    assert LIBFAKETIME, "libfaketime is missing: .ci/install-system installs the faketime package"
    wall = suite_clock("")()
    # libfaketime reads "@DATE TIME" in the child's own zone (its TZ, else the machine's)
    zone = zoneinfo.ZoneInfo(child["TZ"]) if child.get("TZ") else None
    instant = wall.replace(tzinfo=zoneinfo.ZoneInfo(DEFAULT_TIMEZONE))
    local = instant.astimezone(zone) if zone else instant.astimezone()
    preload = [p for p in child.get("LD_PRELOAD", "").split(":") if p and "faketime" not in p]
    child.pop("FAKETIME_TIMESTAMP_FILE", None)
    child.update({
        "LD_PRELOAD": ":".join([LIBFAKETIME, *preload]),
        "FAKETIME": f"@{local:%Y-%m-%d %H:%M:%S}",
        "DONT_FAKE_MONOTONIC": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "PYTHONPATH": os.pathsep.join(
            [str(FAKETIME_SHIM)] + [p for p in child.get("PYTHONPATH", "").split(os.pathsep)
                                    if p and p != str(FAKETIME_SHIM)]),
    })
    return child


def run_process(argv: Sequence[str], stdin: str = "", env: Mapping[str, str] | None = None,
                cwd: str | os.PathLike[str] | None = None) -> Outcome:
    """`python -m kiosk ARGV` in a child process, stdin a pipe holding STDIN, on the suite's
    clock (suite_time_env)."""
    start, children = time.perf_counter(), _children_cpu()
    done = _subprocess.run([sys.executable, "-m", "kiosk", *argv], input=stdin.encode(),
                           env=suite_time_env(env), cwd=cwd,
                           capture_output=True, timeout=PROCESS_TIMEOUT)
    return Outcome(tuple(argv), done.returncode,
                   done.stdout.decode("utf-8", "backslashreplace"),
                   done.stderr.decode("utf-8", "backslashreplace"),
                   time.perf_counter() - start, _children_cpu() - children)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------ what the tests hold


def make_env(tmp_path: Path, database_url: str | None) -> dict[str, str]:
    """The environment of a shell with its own data dir (and database, else the data dir's
    SQLite file), and no other KIOSK_ setting of the machine running the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["KIOSK_DATA_DIR"] = str(tmp_path / "data")
    if database_url:
        env["KIOSK_DATABASE_URL"] = database_url
    return env


class Kiosk:
    """`kiosk` as typed in a shell whose environment is ENV: `kiosk("queue")` runs it and checks
    the exit code (`expect`), `kiosk.json(...)` adds --json and parses stdout."""

    def __init__(self, env: Mapping[str, str], *, subprocess: bool = False,
                 cwd: str | os.PathLike[str] | None = None) -> None:
        self.env = dict(env)
        self.subprocess = subprocess
        self.cwd = cwd

    def __call__(self, *args: str, expect: int | None = 0, stdin: str = "") -> Outcome:
        run = run_process if self.subprocess else run_cli
        result = run(args, stdin, self.env, self.cwd)
        assert expect is None or result.code == expect, (args, result.code, result.stdout,
                                                         result.stderr)
        return result

    def json(self, *args: str, expect: int | None = 0, stdin: str = "") -> Any:
        return json.loads(self(*args, "--json", expect=expect, stdin=stdin).stdout)


def folder_state(folder: Path) -> dict[str, tuple[Any, ...]]:
    """What a refusal must leave as it was: each entry of FOLDER, links not followed, with its
    kind, inode, size, modification time and bytes (a link: where it points; a FIFO: nothing,
    reading it would wait for a writer)."""
    state: dict[str, tuple[Any, ...]] = {}
    for path in sorted(folder.iterdir()):
        info = path.lstat()
        content: bytes | str | None = None
        if stat.S_ISLNK(info.st_mode):
            content = os.readlink(path)
        elif stat.S_ISREG(info.st_mode):
            content = path.read_bytes()
        state[path.name] = (stat.S_IFMT(info.st_mode), info.st_ino, info.st_size,
                            info.st_mtime_ns, content)
    return state


def one_line(result: Outcome) -> str:
    """A refusal as the CLI promises it: nothing on stdout, one line on stderr ("kiosk: ...",
    "kiosk COMMAND: ..." from the parser).
    Returns the line."""
    assert result.stdout == "", result.stdout
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    line = result.stderr[:-1]
    assert line.startswith("kiosk") and "Traceback" not in line, line
    return line
