"""Printing through the real CUPS spooler and its cups-pdf queue (started by .ci/with-services)."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.content.catalogue import Catalogue, load_catalogue
from kiosk.output import documents
from kiosk.output.documents import Slip
from kiosk.output.printing import CupsPrinter, FilePrinter, PrintOutcome, make_printer
from kiosk.system.config import ASSETS_DIR, Settings

PPD = "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"
SLIP = Slip(12, dt.datetime(2026, 11, 26, 9, 5), "Bourg, place de la mairie", "Ducos",
            ((dt.date(2026, 12, 15), "morning", "Canal Cocotte"),))


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(ASSETS_DIR / "catalogue")


@pytest.fixture
def cups() -> tuple[str, Path]:
    queue = os.environ.get("KIOSK_TEST_CUPS_QUEUE")
    out = os.environ.get("KIOSK_TEST_CUPS_OUT")
    if not queue or not out:
        if os.environ.get("KIOSK_REQUIRE_BACKENDS"):
            pytest.fail("CUPS is required but KIOSK_TEST_CUPS_QUEUE/KIOSK_TEST_CUPS_OUT are not "
                        "set: run the suite through `make test` (.ci/with-services).")
        pytest.skip("no CUPS queue (KIOSK_TEST_CUPS_QUEUE unset); .ci/with-services starts one")
    return queue, Path(out)


def receipt(catalogue: Catalogue, tmp_path: Path, procedure_id: str) -> Path:
    procedure = catalogue.procedure(procedure_id)
    assert procedure is not None
    operator = catalogue.operator(procedure.operator_id)
    assert operator is not None
    return documents.receipt_pdf(procedure, operator, SLIP, tmp_path / f"{procedure_id}.pdf")


def skeleton(text: str) -> str:
    """cups-pdf rebuilds the PDF through PostScript and loses the accented letters on the way:
    compare what survives (ASCII, without spaces)."""
    return re.sub(r"[^\x21-\x7e]", "", text)


def wait_for_pdf(folder: Path, token: str, timeout: float = 60) -> Path:
    """The PDF cups-pdf wrote for the job titled with `token` (fresh per test, so no other file
    can match). Not by modification time: cupsd runs its backend in a clean environment, so under
    libfaketime (`faketime DATE make test`) the file carries the real date, not the test's."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(folder.glob(f"*{token}*.pdf"))
        if found and found[0].stat().st_size > 0:
            time.sleep(0.2)  # let cups-pdf finish writing
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no PDF with {token} in {folder} after {timeout} s")


def cups_run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=30, check=False)


@pytest.fixture
def extra_queue(cups) -> Iterator[Callable[[str], str]]:
    """Makes throwaway CUPS queues and removes them afterwards."""
    made: list[str] = []

    def make(device: str) -> str:
        name = f"borne-plus-essai-{uuid.uuid4().hex[:8]}"
        result = cups_run("lpadmin", "-p", name, "-E", "-v", device, "-P", PPD)
        assert result.returncode == 0, result.stderr
        made.append(name)
        return name

    yield make
    for name in made:
        cups_run("cancel", "-a", name)
        cups_run("lpadmin", "-x", name)


# A ceiling that only catches a hang: under a loaded suite (three workers and a CPU hog on two
# cores) cupsd and cups-pdf's Ghostscript took more than 30 s for a receipt that takes 1 s alone.
PRINT_CEILING = 180


def test_a_receipt_comes_out_of_the_cups_pdf_printer(cups, catalogue, tmp_path):
    queue, out = cups
    pdf = receipt(catalogue, tmp_path, "caf-aide-logement")
    height = documents.page_height_mm(pdf)
    token = f"recu{uuid.uuid4().hex[:10]}"
    outcome = CupsPrinter(queue, timeout_seconds=PRINT_CEILING).print_pdf(pdf, token, height)
    assert outcome.ok, outcome.message
    assert outcome.job and outcome.job.startswith(f"{queue}-")
    assert "Imprimé" in outcome.message

    printed = wait_for_pdf(out, token)
    text = subprocess.run(["pdftotext", str(printed), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    procedure = catalogue.procedure("caf-aide-logement")
    assert procedure is not None
    for document in procedure.documents:
        assert skeleton(document) in skeleton(text), document
    assert "12" in text and skeleton(procedure.steps[-1]) in skeleton(text)
    info = subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    width, length = (float(v) * 25.4 / 72 for v in
                     re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert width == pytest.approx(80, abs=1)
    assert length == pytest.approx(height, abs=2)
    assert "Pages:           1" in info


def test_the_height_is_read_from_the_pdf_when_not_given(cups, catalogue, tmp_path):
    queue, out = cups
    pdf = receipt(catalogue, tmp_path, "eau-resiliation")
    token = f"recu{uuid.uuid4().hex[:10]}"
    assert CupsPrinter(queue, timeout_seconds=PRINT_CEILING).print_pdf(pdf, token).ok
    info = subprocess.run(["pdfinfo", str(wait_for_pdf(out, token))],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    length = float(re.search(r"Page size:\s+[\d.]+ x ([\d.]+) pts", info).group(1)) * 25.4 / 72
    assert length == pytest.approx(documents.page_height_mm(pdf), abs=2)


def test_a_disabled_queue_fails_within_two_seconds(cups, extra_queue, catalogue, tmp_path):
    name = extra_queue("cups-pdf:/")
    assert cups_run("cupsdisable", name).returncode == 0
    pdf = receipt(catalogue, tmp_path, "autre")
    outcome = CupsPrinter(name, timeout_seconds=10).print_pdf(pdf, "essai", 100)
    # within two seconds: refused on the queue's state, before any job was sent, so it never
    # waited for its 10 s time-out (how many seconds that took is the machine's load)
    assert not outcome.ok and outcome.job is None
    assert "rien n'est sorti" not in outcome.message
    assert "arrêtée" in outcome.message and name in outcome.message
    assert "QR code" in outcome.message
    assert cups_run("lpstat", "-o", name).stdout.strip() == "", "nothing was queued"


def test_a_missing_queue_fails_at_once(cups, catalogue, tmp_path):
    pdf = receipt(catalogue, tmp_path, "autre")
    outcome = CupsPrinter("borne-plus-nulle-part", timeout_seconds=10).print_pdf(pdf, "essai", 90)
    # at once: refused before any job was sent, so there was nothing to wait for
    assert outcome == PrintOutcome(False, outcome.message, None)
    assert "n'existe pas" in outcome.message


def test_a_stuck_printer_times_out_and_the_job_is_cancelled(cups, extra_queue, catalogue,
                                                              tmp_path):
    """A printer that never answers (nothing listens on its port): the socket backend retries
    for ever, so the job never completes."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    name = extra_queue(f"socket://127.0.0.1:{port}")
    pdf = receipt(catalogue, tmp_path, "autre")
    started = time.monotonic()
    outcome = CupsPrinter(name, timeout_seconds=1.5).print_pdf(pdf, "essai", 90)
    elapsed = time.monotonic() - started
    # not before its time-out; the ceiling only catches a hang (the backend retries for ever)
    assert 1.5 <= elapsed < 60
    assert not outcome.ok and outcome.job and outcome.job.startswith(f"{name}-")
    assert "1.5 s" in outcome.message and "annulé" in outcome.message
    pending = cups_run("lpstat", "-W", "not-completed", "-o", name).stdout
    assert outcome.job not in pending.split()


def test_no_cups_commands_is_an_outcome_not_an_exception(catalogue, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    pdf = receipt(catalogue, tmp_path, "autre")
    outcome = CupsPrinter("any", timeout_seconds=2).print_pdf(pdf, "essai", 90)
    assert not outcome.ok and "lpstat" in outcome.message and "CUPS" in outcome.message


def test_no_queue_configured(catalogue, tmp_path):
    outcome = CupsPrinter("", timeout_seconds=2).print_pdf(tmp_path / "x.pdf", "essai", 90)
    assert not outcome.ok and "printer_queue" in outcome.message


def test_file_printer_keeps_a_private_copy(catalogue, tmp_path):
    pdf = receipt(catalogue, tmp_path, "cgss-c2s")
    folder = tmp_path / "data" / "printed"
    printer = FilePrinter(folder)
    first = printer.print_pdf(pdf, "Ticket n° 12 – C2S", 120)
    second = printer.print_pdf(pdf, "Ticket n° 12 – C2S", 120)
    assert first.ok and second.ok and first.job != second.job
    assert folder.stat().st_mode & 0o777 == 0o700
    for outcome in (first, second):
        assert outcome.job is not None
        copy = Path(outcome.job)
        assert copy.parent == folder and copy.suffix == ".pdf"
        assert re.fullmatch(r"\d{8}-\d{6}-\d{6}-ticket-n-12-c2s\.pdf", copy.name)
        assert copy.read_bytes() == pdf.read_bytes()
        assert copy.stat().st_mode & 0o777 == 0o600
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    failed = FilePrinter(blocked / "printed").print_pdf(pdf, "x", 120)
    assert not failed.ok and "Impossible d'enregistrer" in failed.message


def test_make_printer_follows_the_settings(tmp_path):
    file_printer = make_printer(Settings(data_dir=tmp_path))
    assert isinstance(file_printer, FilePrinter) and file_printer.folder == tmp_path / "printed"
    cups_printer = make_printer(Settings(data_dir=tmp_path, printer="cups", printer_queue="tm20",
                                         print_timeout_seconds=5))
    assert isinstance(cups_printer, CupsPrinter)
    assert (cups_printer.queue, cups_printer.timeout_seconds) == ("tm20", 5)
