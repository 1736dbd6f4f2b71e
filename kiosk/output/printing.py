"""Printing the checklists: through CUPS (`lp`) with a time-out, or into a folder (demo, no printer).

A printer problem is never an exception: `print_pdf` always returns a `PrintOutcome` whose message
is a plain French sentence for the staff, so that the kiosk can offer the QR code at once.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kiosk.output.documents import page_size_mm
from kiosk.system.clock import DEFAULT_TIMEZONE, local_now
from kiosk.system.config import Settings

RECEIPT_WIDTH_MM = 80
_POLL_SECONDS = 0.1
_REQUEST_ID = re.compile(r"request id is (\S+)")


@dataclass(frozen=True)
class PrintOutcome:
    ok: bool
    message: str  # plain French, for the staff console
    job: str | None = None  # CUPS job id ("queue-42") or the file written


class Printer(Protocol):
    def print_pdf(self, path: Path, title: str, height_mm: float | None = None) -> PrintOutcome:
        """Print one PDF; `height_mm` is the receipt's page height (None: use the PDF's)."""
        ...


class FilePrinter:
    """Writes each PDF into a folder with a timestamped name (owner-only files), the time the
    bus's (`timezone`), not the PC's."""

    def __init__(self, folder: Path, timezone: str = DEFAULT_TIMEZONE) -> None:
        self.folder = Path(folder)
        self.timezone = timezone

    def print_pdf(self, path: Path, title: str, height_mm: float | None = None) -> PrintOutcome:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            stamp = f"{local_now(self.timezone):%Y%m%d-%H%M%S}"
            slug = re.sub(r"[^a-z0-9]+", "-", _ascii(title).lower()).strip("-")[:40] or "document"
            target = self.folder / f"{stamp}-{time.time_ns() % 1_000_000:06d}-{slug}.pdf"
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out, open(path, "rb") as source:
                shutil.copyfileobj(source, out)
        except OSError as exc:
            return PrintOutcome(False, f"Impossible d'enregistrer le document dans {self.folder} : "
                                       f"{exc.strerror or exc}.")
        return PrintOutcome(True, f"Document enregistré : {target.name}.", str(target))


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


class CupsPrinter:
    """Prints through a CUPS queue and waits, at most `timeout_seconds`, until the job is done."""

    def __init__(self, queue: str, timeout_seconds: float = 8.0) -> None:
        self.queue = queue
        self.timeout_seconds = timeout_seconds

    def _run(self, args: list[str], deadline: float) -> subprocess.CompletedProcess[str] | str:
        """Run one CUPS command; a French reason instead of an exception when it cannot run."""
        remaining = max(deadline - time.monotonic(), 0.5)
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=min(remaining, 5.0),
                                  env={**os.environ, "LC_ALL": "C", "LANG": "C"}, check=False)
        except FileNotFoundError:
            return (f"la commande « {args[0]} » est absente : installez CUPS "
                    "(paquet cups-client)")
        except subprocess.TimeoutExpired:
            return f"le service d'impression ne répond pas (« {args[0]} » bloqué)"
        except OSError as exc:
            return f"« {args[0]} » n'a pas pu être lancé ({exc.strerror or exc})"

    def _fail(self, reason: str, job: str | None = None) -> PrintOutcome:
        return PrintOutcome(False, f"Impression impossible sur « {self.queue} » : {reason}. "
                                   "Proposez le QR code.", job)

    def _queue_problem(self, deadline: float) -> str | None:
        """Why the queue cannot print now, or None when it is ready."""
        status = self._run(["lpstat", "-p", self.queue], deadline)
        if isinstance(status, str):
            return status
        if status.returncode != 0:
            return "cette imprimante n'existe pas dans CUPS (vérifiez « printer_queue »)"
        if re.search(r"\bdisabled\b", status.stdout):
            return "l'imprimante est arrêtée dans CUPS (papier, capot, câble ?), relancez-la"
        return None

    def print_pdf(self, path: Path, title: str, height_mm: float | None = None) -> PrintOutcome:
        deadline = time.monotonic() + self.timeout_seconds
        if not self.queue:
            return PrintOutcome(False, "Aucune imprimante configurée (réglage « printer_queue »). "
                                       "Proposez le QR code.")
        problem = self._queue_problem(deadline)
        if problem:
            return self._fail(problem)
        command = ["lp", "-d", self.queue, "-t", title]
        if height_mm is None:
            try:
                width, height = page_size_mm(path)
            except (OSError, ValueError) as exc:
                return self._fail(f"document illisible ({exc})")
            if abs(width - RECEIPT_WIDTH_MM) < 1:
                height_mm = height
        if height_mm is not None:
            # round up, but not a whole millimetre for a rounding error in the PDF
            command += ["-o", f"media=Custom.{RECEIPT_WIDTH_MM}x{math.ceil(height_mm - 0.01)}mm"]
        submitted = self._run([*command, "--", str(path)], deadline)
        if isinstance(submitted, str):
            return self._fail(submitted)
        found = _REQUEST_ID.search(submitted.stdout)
        if submitted.returncode != 0 or found is None:
            reason = (submitted.stderr or submitted.stdout).strip().splitlines()
            return self._fail("CUPS a refusé le document" + (f" ({reason[-1]})" if reason else ""))
        job = found.group(1)
        while True:
            pending = self._run(["lpstat", "-W", "not-completed", "-o", self.queue], deadline)
            if isinstance(pending, str):
                self._cancel(job)
                return self._fail(pending, job)
            if not any(line.split()[:1] == [job] for line in pending.stdout.splitlines()):
                break
            if time.monotonic() >= deadline:
                self._cancel(job)
                return self._fail(f"rien n'est sorti en {self.timeout_seconds:g} s, le document "
                                  "est annulé (papier, capot, câble ?)", job)
            time.sleep(_POLL_SECONDS)
        # a job that leaves the queue because the printer stopped on an error did not print
        problem = self._queue_problem(time.monotonic() + 5.0)
        if problem:
            return self._fail(problem, job)
        return PrintOutcome(True, f"Imprimé sur « {self.queue} ».", job)

    def _cancel(self, job: str) -> None:
        self._run(["cancel", job], time.monotonic() + 5.0)


def make_printer(settings: Settings) -> FilePrinter | CupsPrinter:
    """The printer the settings ask for: CUPS, or PDF files in <data dir>/printed."""
    if settings.printer == "cups":
        return CupsPrinter(settings.printer_queue, settings.print_timeout_seconds)
    return FilePrinter(settings.data_dir / "printed", settings.timezone)
