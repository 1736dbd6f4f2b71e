"""What the fuzz harness found, each pinned by a focused test (all failed before their fix)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.harness import check, run_cli

LONG = "9" * 5000  # a "path" or a "month" no system and no period can hold


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("KIOSK_DATABASE_URL", "KIOSK_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("argv", [
    ["init", "\u202eevil"],               # argparse quoted stray arguments raw
    ["queue", "a\nb", "\x1b[31m"],
    ["stats", "--month", "\u202eevil"],   # the period's messages quoted the value raw
    ["stats", "--month", LONG],           # ... and whole: a 5 000-character line
    ["export", "--year", "\u2066x", "--format", "csv", "--out", "x.csv"],
])
def test_refusals_quote_hostile_values_escaped_on_one_short_line(env, argv):
    outcome = run_cli(argv)
    check(outcome)
    assert outcome.code == 2 and ("\\u" in outcome.stderr or "…" in outcome.stderr)


@pytest.mark.parametrize("argv", [
    ["catalogue", "check", LONG],
    ["checklist", "caf-rsa", "--out", LONG],
    ["checklist", "caf-rsa", "--out", f"/tmp/{'x' * 300}/a.pdf"],
    ["export", "--year", "2026", "--format", "csv", "--out", LONG],
    ["backup", "--out", LONG],
    ["restore", LONG, "--yes"],
])
def test_a_path_the_system_cannot_hold_is_refused_before_any_look_at_it(env, argv):
    # each raised OSError (File name too long) from the first exists()/is_dir(): a traceback
    outcome = run_cli(argv)
    check(outcome)
    assert outcome.code == 2 and "trop long" in outcome.stderr
    assert not (env / "data").exists()


@pytest.mark.parametrize("variable", ["KIOSK_DATA_DIR", "KIOSK_CONFIG"])
def test_an_environment_path_the_system_cannot_hold_is_one_line(env, monkeypatch, variable):
    monkeypatch.setenv(variable, str(env / ("x" * 300)))
    outcome = run_cli(["queue"])
    check(outcome)
    assert outcome.code == 2 and "nom trop long" in outcome.stderr
