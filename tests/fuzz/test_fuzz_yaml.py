"""Hypothesis writes the data files a coordinator could get wrong, or an attacker could plant: a
catalogue file, the partners, the communes, the schedule and the settings, each the shipped
structure with values mutated (wrong types, huge and non-finite numbers, impossible dates, control,
bidi and invisible characters, very long strings, duplicated and unknown entries) and then the
text itself cut into (anchors, aliases, tags, stray brackets, raw control bytes, non-UTF-8 bytes).
`kiosk catalogue check`, `kiosk init`, `kiosk queue`... then run in-process on both backends, with
the properties of tests/fuzz/harness.py; odd file types (FIFO, folder, symlink loop, empty,
sparse giant) are explicit cases.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, given
from hypothesis import strategies as st

from tests.fuzz.harness import FORBIDDEN, Fingerprint, check, fuzz_settings, odd_files, run_cli

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "assets" / "catalogue"
ITINERARY = ROOT / "assets" / "itinerary"


def _shipped(path: Path) -> Any:
    return yaml.safe_load(path.read_text("utf-8"))


def _base(target: str) -> Any:
    if target == "caf.yaml":
        data = _shipped(CATALOGUE / "caf.yaml")
        data["procedures"] = data["procedures"][:2]  # small documents: faster, same shapes
        return data
    if target == "partners.yaml":
        return _shipped(CATALOGUE / "partners.yaml")
    if target == "communes.yaml":
        return _shipped(ITINERARY / "communes.yaml")
    if target == "schedule.yaml":
        data = _shipped(ITINERARY / "schedule.yaml")
        data["schedule"] = data["schedule"][:6]
        return data
    return {"desks": 4, "idle_seconds": 45, "ticket_seconds": 120, "printer": "file",
            "printer_queue": "", "print_timeout_seconds": 8, "staff_exit_pin": "1234",
            "visitor_display": "fullscreen", "staff_display": "1920x1080+1920+0",
            "bus_phone": "05 96 12 34 56", "bus_calendar": "en mairie et sur espacesud.fr",
            "timezone": "America/Martinique", "return_pass_weeks": 8,
            "catalogue_dir": str(CATALOGUE), "itinerary_dir": str(ITINERARY)}


VALUES = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 2**31, 2**63, 2**64 + 1, 10**400, 1e308,
                     float("nan"), float("inf"), -0.0, 0.5, "", " ", "\t", "x" * 5000,
                     "é" * 200, "\u202eevil", "a\x01b", "a\x00b", "a\ud800b", "x" * 300, "a\x1bb", "\x85", "\u2028", "\ufeff",
                     "\u200b", "a\nb", "2025-02-30", "97999", "97207", "ducos-bourg", "morning",
                     "autre", "caf-rsa", "CAF", "https://", "http://x.fr", "https://x.fr/ y",
                     "<b>x</b>", "'; DROP TABLE stops; --", dt.date(1, 1, 1),
                     dt.date(9999, 12, 31), dt.datetime(2026, 11, 26, 9, 0), [], {}, [[[]]],
                     {"a": 1}, ["a", None], "fullscreen", "99999x99999+0+0", "cups", "file",
                     "../../../../etc", "/dev/null", "~", "localtime", "America", "zone.tab",
                     "UTC", "America/Martinique "]),
    st.integers(min_value=-2**70, max_value=2**70),
    st.text(max_size=30),
)

# Cut into the text itself: what a dump of well-formed data never holds.
FRAGMENTS = [b"&a ", b"*a ", b"<<: *a\n", b"\x01", b"\x1b[2J", "\u202e".encode(), b"\xef\xbb\xbf",
             b"\t", b"!!python/object/apply:os.system ['true'] ", b"!!binary aGVsbG8= ",
             b"!!set {a, b} ", b"!!timestamp 2025-02-30 ", b" 2025-02-30", b" 1e999", b"{", b"]",
             b"\n...\n", b"\n---\n", b"%YAML 1.1\n", b"? [a]\n: b\n", b"\xc2\x85",
             "\u2028".encode(), b"\xff\xfe", b"\x00", b"  - ", b": :", b"'", b'"', b"#",
             b"a: " + b"[" * 200, b"verified_on: 2026-02-29\n", b"day: 2025-02-30\n"]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


@st.composite
def documents(draw: st.DrawFn, target: str) -> bytes:
    doc = copy.deepcopy(_base(target))
    for _ in range(draw(st.integers(0, 3), label="mutations")):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, last = _parent(doc, path), path[-1]
        kind = draw(st.sampled_from(["replace", "replace", "replace", "delete", "unknown",
                                     "duplicate"]))
        if kind == "replace":
            parent[last] = draw(VALUES)
        elif kind == "delete":
            del parent[last]
        elif kind == "unknown" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "ID", "__line__", 1, "\u202e"]))] = draw(VALUES)
        elif kind == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=10_000).encode()
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]), label="cuts")):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(FRAGMENTS)) + text[at:]
    return text


@pytest.fixture
def place(tmp_path: Path, sqlite_url: str,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Fingerprint]]:
    """An initialised database, a data dir, and own copies of the catalogue and itinerary that a
    settings file (KIOSK_CONFIG) points at. SQLite only: a data file is read, and refused, before
    any database is reached (both backends were fuzzed here until November 2026, with the same
    findings); the command-line fuzz (test_fuzz_cli.py) keeps both. It saves a minute a run."""
    database_url = sqlite_url
    for key in [k for k in os.environ if k.startswith("KIOSK_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KIOSK_DATABASE_URL", database_url)
    shutil.copytree(CATALOGUE, tmp_path / "catalogue")
    shutil.copytree(ITINERARY, tmp_path / "itinerary")
    config = tmp_path / "config.yaml"
    config.write_text(f"catalogue_dir: {tmp_path / 'catalogue'}\n"
                      f"itinerary_dir: {tmp_path / 'itinerary'}\n", "utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    assert run_cli(["init"]).code == 0
    fingerprint = Fingerprint(database_url, tmp_path / "data")
    yield tmp_path, fingerprint
    fingerprint.dispose()


# What each file is read by; `catalogue check PATH` reads a catalogue without any database.
TARGETS = {
    "caf.yaml": ("catalogue", [["catalogue", "check", "{file}"], ["catalogue", "list"],
                               ["init"], ["ticket", "take", "caf-rsa"]]),
    "partners.yaml": ("catalogue", [["catalogue", "check", "{folder}"], ["init"], ["queue"]]),
    "communes.yaml": ("itinerary", [["init"], ["itinerary", "list"]]),
    "schedule.yaml": ("itinerary", [["init"], ["queue"]]),
    "config.yaml": (".", [["queue"], ["init", "--json"], ["catalogue", "list", "--json"]]),
}


def _exercise(root: Path, fingerprint: Fingerprint, target: str, content: bytes | None) -> None:
    folder_name, commands = TARGETS[target]
    folder = root / folder_name
    file = folder / target
    if content is not None:
        file.unlink()
        file.write_bytes(content)
    for argv in commands:
        argv = [a.format(file=file, folder=folder) for a in argv]
        before = fingerprint()
        outcome = run_cli(argv)
        if content is not None:  # inside hypothesis: statistics with --hypothesis-show-statistics
            event(f"{target} {argv[0]} → {outcome.code} "
                  f"{outcome.stderr.replace(str(root), '')[:70]}")
        check(outcome)
        if outcome.code != 0:
            assert fingerprint() == before, f"a refusal wrote something: kiosk {argv!r}"
        else:  # what a data file holds reaches the terminal: never a raw control character
            raw = {f"U+{ord(c):04X}" for c in outcome.stdout if ord(c) in FORBIDDEN - {10}}
            assert not raw, f"raw {sorted(raw)} on stdout of kiosk {argv!r}"


FUZZ = fuzz_settings(22)  # derandomized in `make test`; `make fuzz`: 220 random ones


@FUZZ
@given(data=st.data())
def test_any_catalogue_or_itinerary_file_is_loaded_or_refused_in_one_line(place, data):
    root, fingerprint = place
    target = data.draw(st.sampled_from(["caf.yaml", "partners.yaml", "communes.yaml",
                                        "schedule.yaml"]), label="target")
    _exercise(root, fingerprint, target, data.draw(documents(target), label="document"))
    # back to the shipped file, so the next example starts from a database that init can reach
    shutil.copy((CATALOGUE if target in ("caf.yaml", "partners.yaml") else ITINERARY) / target,
                root / TARGETS[target][0] / target)


@FUZZ
@given(data=st.data())
def test_any_settings_file_is_taken_or_refused_in_one_line(place, data):
    root, fingerprint = place
    _exercise(root, fingerprint, "config.yaml", data.draw(documents("config.yaml"),
                                                          label="document"))


@pytest.mark.parametrize("target", ["caf.yaml", "communes.yaml", "config.yaml"])
def test_odd_file_types_are_refused_in_one_line(place, target):
    root, fingerprint = place
    folder = root / TARGETS[target][0]
    odd = odd_files(root / "odd")
    for kind in ("folder", "fifo", "loop", "empty", "giant", "latin1"):
        file = folder / target
        if file.is_symlink() or file.is_file() or file.exists():
            shutil.rmtree(file) if file.is_dir() and not file.is_symlink() else file.unlink()
        if kind == "folder":
            file.mkdir()
        elif kind == "fifo":
            os.mkfifo(file)
        elif kind == "loop":
            file.symlink_to(file)
        elif kind == "empty":
            file.symlink_to(odd["empty"])
        elif kind == "giant":
            with file.open("wb") as handle:
                handle.truncate(50_000_000)  # sparse: costs nothing to make, all to read
        else:
            file.write_bytes("desks: 4 # é\n".encode("latin-1"))
        _exercise(root, fingerprint, target, None)
