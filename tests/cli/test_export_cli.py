"""`kiosk export` run as the coordinator would, on both backends."""

from __future__ import annotations

import csv
import stat
import subprocess

import openpyxl
import pytest

from tests.cli.runner import Kiosk, make_env


@pytest.fixture
def kiosk(tmp_path, database_url) -> Kiosk:
    k = Kiosk(make_env(tmp_path, database_url))
    k("init")
    k("seed-history", "--visits", "400", "--from", "2026-07-01", "--to", "2026-09-30", "--seed", "3")
    return k


def test_each_format_matches_kiosk_stats(kiosk, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stats = kiosk.json("stats", "--quarter", "2026-T3")
    assert stats["visits"] > 300
    for fmt in ("csv", "xlsx", "pdf"):
        target = out / f"t3.{fmt}"
        done = kiosk("export", "--quarter", "2026-T3", "--format", fmt, "--out", str(target))
        assert done.stdout.strip() == str(target)
        assert done.stderr == "", "no progress bar when stderr is not a terminal"
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with (out / "t3.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert sum(1 for r in rows if r["resultat"]) == stats["demandes"]
    assert len({(r["date"], r["arret"], r["ticket"]) for r in rows}) == stats["visits"]
    book = openpyxl.load_workbook(out / "t3.xlsx", read_only=True)
    summary = {row[0]: row for row in book["Résumé"].iter_rows(values_only=True) if row[0]}
    assert summary["Visites (tickets pris)"][1] == stats["visits"]
    assert summary["Demandes traitées"][1] == stats["demandes"]
    text = subprocess.run(["pdftotext", "-layout", str(out / "t3.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "3e trimestre 2026" in text
    visits = f"{stats['visits']:,}".replace(",", "\u202f")
    assert visits in text
    assert sorted(p.name for p in out.iterdir()) == ["t3.csv", "t3.pdf", "t3.xlsx"]


def test_one_commune_and_a_month(kiosk, tmp_path):
    target = tmp_path / "ducos.csv"
    kiosk("export", "--month", "2026-08", "--commune", "97207", "--format", "csv", "--out", str(target))
    stats = kiosk.json("stats", "--month", "2026-08", "--commune", "97207")
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert {r["commune"] for r in rows} <= {"Ducos"}
    assert len({(r["date"], r["arret"], r["ticket"]) for r in rows}) == stats["visits"]
    assert all(r["date"].endswith("/08/2026") for r in rows)


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "2026-09-30", "--to", "2026-07-01"), "--from"),
    (("--from", "2026-02-30"), "date invalide"),
    (("--quarter", "2026-T3", "--commune", "99999"), "99999"),
    (("--quarter", "2026-T5"), "--quarter"),
    (("--quarter", "2026-T3", "--month", "2026-08"), "une seule"),
    ((), "Période manquante"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(kiosk, tmp_path, args, message):
    out = tmp_path / "out"
    out.mkdir()
    done = kiosk("export", *args, "--format", "pdf", "--out", str(out / "r.pdf"), expect=2)
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == "" and list(out.iterdir()) == []


def test_bad_target_or_format_is_exit_2(kiosk, tmp_path):
    missing = tmp_path / "absent" / "r.csv"
    done = kiosk("export", "--year", "2026", "--format", "csv", "--out", str(missing), expect=2)
    assert "n'existe pas" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not missing.parent.exists()
    done = kiosk("export", "--year", "2026", "--format", "docx", "--out", str(tmp_path / "r.docx"),
                 expect=2)
    assert "--format" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.docx").exists()


def test_progress_bar_draws_one_line_and_ends_it():
    import io

    from kiosk.cli.export import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)
    bar(500, 1000)
    bar(1000, 1000)
    bar.close()
    assert stream.getvalue().endswith("\r[##########] 1000/1000 lignes (100\u00a0%)\n")
    assert "[#####.....] 500/1000" in stream.getvalue()


def test_a_write_that_fails_keeps_the_file_it_was_to_replace(kiosk, tmp_path, database_url):
    import resource
    import signal

    from tests.cli.runner import folder_state, one_line

    if database_url.startswith("sqlite"):
        # the limit below is the process's: SQLite's own file would fail first ("disk I/O
        # error"); tests/unit/test_files.py holds the same failure without a database
        pytest.skip("a PostgreSQL server writes in its own process")
    out = tmp_path / "out"
    out.mkdir()
    target = out / "t3.pdf"
    target.write_bytes(b"the report sent to the CAF")
    before = folder_state(out)
    # a real write error, as a full USB key gives: this process may not write past 4 KiB
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, limits[1]))
    try:
        done = kiosk("export", "--quarter", "2026-T3", "--format", "pdf", "--out", str(target),
                     "--force", expect=2)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)
    assert one_line(done) == (f"kiosk: {target} : écriture impossible (File too large) ; rien "
                              "n'a été écrit")
    assert folder_state(out) == before  # the old report, and no temporary file beside it
