"""`kiosk checklist` end to end: a real database (or none), files read back."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode

from kiosk.content.catalogue import load_catalogue
from kiosk.core import views
from kiosk.core.context import open_context
from kiosk.output import documents, phone
from kiosk.system.config import ASSETS_DIR, Settings
from tests.cli.runner import Kiosk, make_env
from tests.conftest import Clock

CATALOGUE = load_catalogue(ASSETS_DIR / "catalogue")


@pytest.fixture
def kiosk(tmp_path, database_url) -> Kiosk:
    return Kiosk(make_env(tmp_path, database_url))


def text_of(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    return " ".join(out.replace("\u00a0", " ").split())


def size_mm(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    w, h = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()
    return float(w) * 25.4 / 72, float(h) * 25.4 / 72


def test_receipt_without_a_database(tmp_path):
    kiosk = Kiosk(make_env(tmp_path, None))
    out = tmp_path / "ticket.pdf"
    result = kiosk("checklist", "caf-aide-logement", "--format", "receipt", "--out", str(out),
                   "--number", "7")
    assert result.stdout.strip() == str(out)
    assert out.stat().st_mode & 0o777 == 0o600
    text = text_of(out)
    procedure = CATALOGUE.procedure("caf-aide-logement")
    assert procedure is not None
    assert re.search(r"Ticket n° 7\b", text)
    for document in procedure.documents:
        assert document in text
    assert "Arrêt" not in text and "Prochains passages" not in text
    assert size_mm(out)[0] == pytest.approx(80, abs=0.1)
    assert not (tmp_path / "data").exists(), "no database was created"


def test_receipt_a4_and_qr_with_the_open_stopover(kiosk, tmp_path, database_url):
    opened = kiosk.json("stopover", "open", "--stop", "ducos-bourg", "--half", "morning")
    ctx = open_context(Settings(data_dir=tmp_path, database_url=database_url))
    ctx.clock = Clock()  # the suite's Thursday, which the command reads (tests/cli/runner.py)
    try:
        passages = views.next_passages(ctx, opened["insee"])
    finally:
        ctx.dispose()
    procedure = CATALOGUE.procedure("cgss-c2s")
    assert procedure is not None

    receipt = tmp_path / "recu.pdf"
    kiosk("checklist", "cgss-c2s", "--out", str(receipt), "--number", "4")
    text = text_of(receipt)
    assert f"Arrêt : {opened['stop_name']} ({opened['commune']})" in text
    assert re.search(r"Ticket n° 4\b", text)
    if passages:
        assert "Prochains passages du bus" in text and "du bus ici" not in text
        for p in passages:  # named by place: commune and stop
            assert documents.passage_line(documents.Visit(p.day, p.half, p.stop_name,
                                                          p.commune_name, p.confirmed)) in text
    assert "Calendrier des passages : en mairie et sur espacesud.fr" in text
    for step in procedure.steps:
        assert step in text

    guide = tmp_path / "guide.pdf"
    kiosk("checklist", "cgss-c2s", "--format", "a4", "--out", str(guide))
    assert size_mm(guide) == pytest.approx((210, 297), abs=0.1)
    assert all(document in text_of(guide) for document in procedure.documents)
    assert "Ticket n°" not in text_of(guide)

    png = tmp_path / "qr.png"
    result = kiosk("checklist", "cgss-c2s", "--format", "qr", "--out", str(png), "--number", "4")
    assert result.stdout.strip() == str(png)
    with Image.open(png) as image:  # a long list: its codes side by side in one picture
        symbols = decode(image.convert("L"), symbols=[ZBarSymbol.QRCODE])
    codes = sorted((s.data.decode("utf-8") for s in symbols), key=lambda t: "Code 1" not in t)
    assert all(len(s.data) <= phone.CODE_BYTES for s in symbols)
    joined = "\n".join(codes)
    for document in procedure.documents:
        assert document in codes[0], "every paper, in the first code"
    assert joined.splitlines()[:3] == ["Bus PLUS – Espace Sud", procedure.title,
                                      "CGSS de la Martinique (Assurance maladie)"]
    assert joined.splitlines()[3].startswith("Ticket n° 4 – ")
    assert f"Arrêt : {opened['stop_name']} ({opened['commune']})" in joined
    assert f"Site officiel : {procedure.url}" in joined


def test_unknown_procedure_is_one_line_exit_2_and_writes_nothing(kiosk, tmp_path):
    out = tmp_path / "nope.pdf"
    result = kiosk("checklist", "nope", "--out", str(out), expect=2)
    assert result.stderr.strip() == "kiosk: Démarche inconnue : « nope » (voir « kiosk catalogue list »)."
    assert not out.exists() and result.stdout == ""


@pytest.mark.parametrize("args, message", [
    (("--format", "html"), "argument --format: invalid choice: 'html'"),
    (("--number", "0"), "numéro de ticket invalide « 0 » : entre 1 et 2147483647"),
    (("--out", "/nowhere/at/all.pdf"), "/nowhere/at : ce dossier n'existe pas"),
])
def test_bad_options_are_refused(tmp_path, args, message):
    kiosk = Kiosk(make_env(tmp_path, None))
    out = tmp_path / "x.pdf"
    result = kiosk("checklist", "autre", "--out", str(out), *args, expect=2)
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
