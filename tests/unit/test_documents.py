"""Checklists read back as a person or a phone would: pdftotext, pdffonts, pdfinfo, zbar."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
import qrcode
from PIL import Image, ImageOps
from pyzbar.pyzbar import ZBarSymbol, decode
from qrcode.util import MODE_8BIT_BYTE, QRData

from kiosk import french
from kiosk.content.catalogue import Catalogue, Operator, Procedure, load_catalogue
from kiosk.output import documents, phone, qr
from kiosk.output.documents import Slip
from kiosk.system.config import ASSETS_DIR

NOW = dt.datetime(2026, 11, 26, 9, 5)
PASSAGES = ((dt.date(2026, 12, 15), "morning", "Canal Cocotte"),
            (dt.date(2027, 1, 5), "afternoon", "Bourg, place de la mairie"))
SLIP = Slip(12, NOW, "Bourg, place de la mairie", "Ducos", PASSAGES)  # passages at Ducos
MM = 72 / 25.4


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(ASSETS_DIR / "catalogue")


def pick(catalogue: Catalogue, procedure_id: str) -> tuple[Procedure, Operator]:
    procedure = catalogue.procedure(procedure_id)
    assert procedure is not None
    operator = catalogue.operator(procedure.operator_id)
    assert operator is not None
    return procedure, operator


def long_procedure(procedure: Procedure) -> Procedure:
    """A made-up procedure at the catalogue's limits: 15 documents, 10 steps, 6 pitfalls."""
    return dataclasses.replace(
        procedure,
        id="essai-liste-longue",
        documents=tuple(f"Justificatif numéro {i} : relevé détaillé des trois derniers mois, "
                        f"original et copie" for i in range(1, 16)),
        steps=tuple(f"Étape {i} : on remplit la rubrique correspondante, puis on vérifie tout."
                    for i in range(1, 11)),
        pitfalls=tuple(f"Piège {i} : une erreur ici retarde le dossier de plusieurs semaines."
                       for i in range(1, 7)),
    )


def run(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=True,
                          timeout=60).stdout


def flat(text: str) -> str:
    """Text as read by a person: line breaks and non-breaking spaces are just spaces."""
    return " ".join(text.replace("\u00a0", " ").split())


def page_sizes_mm(pdf: Path) -> list[tuple[float, float]]:
    info = run("pdfinfo", "-f", "1", "-l", "999", pdf)
    return [(float(w) / MM, float(h) / MM)
            for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def decode_png(path: Path) -> list[bytes]:
    with Image.open(path) as image:
        return [symbol.data for symbol in decode(image.convert("L"), symbols=[ZBarSymbol.QRCODE])]


def check_content(text: str, procedure: Procedure, operator: Operator, slip: Slip) -> None:
    text = flat(text)
    assert "Bus PLUS – Espace Sud" in text
    if slip.number is not None:
        assert re.search(rf"\b{slip.number}\b", text)
    assert "jeudi 26 novembre 2026, 9 h 05" in text
    assert operator.name in text and flat(procedure.title) in text
    for item in (*procedure.documents, *procedure.steps, *procedure.pitfalls, procedure.online):
        assert flat(item) in text, item
    for heading in ("Papiers à apporter", "Étapes", "À faire en ligne :", "Site officiel"):
        assert heading in text
    if procedure.pitfalls:
        assert "Attention" in text
    assert procedure.url in "".join(text.split()), "the link, maybe cut over lines"
    assert documents.checked_line(procedure) in text
    assert "Calendrier des passages : en mairie et sur espacesud.fr" in text
    if slip.stop_name:
        assert f"Arrêt : {slip.stop_name} ({slip.commune_name})" in text
        assert "Prochains passages du bus" in text and "du bus ici" not in text
        assert "mardi 15 décembre, matin : à Ducos, Canal Cocotte" in text
        assert "mardi 5 janvier, après-midi : à Ducos, Bourg, place de la mairie" in text
    else:
        assert "Arrêt" not in text and "Prochains passages" not in text


# ---------------------------------------------------------------- receipt


@pytest.mark.parametrize("procedure_id", ["caf-aide-logement", "autre"])
def test_receipt_reads_back_with_everything_on_one_80mm_page(catalogue, tmp_path, procedure_id):
    procedure, operator = pick(catalogue, procedure_id)
    pdf = documents.receipt_pdf(procedure, operator, SLIP, tmp_path / "ticket.pdf")
    assert pdf == tmp_path / "ticket.pdf"
    assert pdf.stat().st_mode & 0o777 == 0o600
    check_content(run("pdftotext", pdf, "-"), procedure, operator, SLIP)
    [(width, height)] = page_sizes_mm(pdf)
    assert width == pytest.approx(80, abs=0.05)
    assert height == pytest.approx(documents.page_height_mm(pdf), abs=0.05)
    assert documents.page_size_mm(pdf) == pytest.approx((width, height), abs=0.05)
    # the height the printer is given is the one the drawing measured, not read back
    again, measured = documents.printed_receipt(procedure, operator, SLIP, tmp_path / "b.pdf")
    assert measured == pytest.approx(height, abs=0.05) and page_sizes_mm(again) == [(width, height)]


def test_receipt_embeds_dejavu_and_nothing_else(catalogue, tmp_path):
    procedure, operator = pick(catalogue, "caf-aide-logement")
    pdf = documents.receipt_pdf(procedure, operator, SLIP, tmp_path / "ticket.pdf")
    rows = run("pdffonts", pdf).splitlines()[2:]
    fonts = {row.split()[0].split("+")[-1]: row.split() for row in rows}
    assert set(fonts) == {"DejaVuSans", "DejaVuSans-Bold"}
    for columns in fonts.values():
        assert columns[-5:-2] == ["yes", "yes", "yes"], columns  # embedded, subset, unicode


def test_receipt_height_fits_the_content(catalogue, tmp_path):
    """No wasted paper: ink starts and ends within the small margins, whatever the length."""
    for procedure_id in ("eau-resiliation", "caf-aide-logement"):
        procedure, operator = pick(catalogue, procedure_id)
        pdf = documents.receipt_pdf(procedure, operator, SLIP, tmp_path / f"{procedure_id}.pdf")
        run("pdftoppm", "-r", "100", "-png", "-singlefile", pdf, tmp_path / procedure_id)
        with Image.open(tmp_path / f"{procedure_id}.png") as image:
            left, top, right, bottom = ImageOps.invert(image.convert("L")).getbbox()
            px_per_mm = 100 / 25.4
            assert top / px_per_mm < 6
            assert (image.height - bottom) / px_per_mm < 7
            assert left / px_per_mm >= 3 and (image.width - right) / px_per_mm >= 3
    short, long = (page_sizes_mm(tmp_path / f"{p}.pdf")[0][1]
                   for p in ("eau-resiliation", "caf-aide-logement"))
    assert short < long


def test_receipt_without_ticket_nor_stop(catalogue, tmp_path):
    procedure, operator = pick(catalogue, "cgss-c2s")
    slip = Slip(None, NOW, None, None, ())
    pdf = documents.receipt_pdf(procedure, operator, slip, tmp_path / "t.pdf")
    text = flat(run("pdftotext", pdf, "-"))
    check_content(text, procedure, operator, slip)
    assert "Ticket" not in text


@pytest.mark.parametrize("procedure_id", ["caf-aide-logement", "caf-rsa", "ants-carte-identite"])
def test_the_link_qr_printed_on_the_receipt_scans(catalogue, tmp_path, procedure_id):
    procedure, operator = pick(catalogue, procedure_id)
    pdf = documents.receipt_pdf(procedure, operator, SLIP, tmp_path / "t.pdf")
    run("pdftoppm", "-r", "200", "-png", "-singlefile", pdf, tmp_path / "page")
    assert decode_png(tmp_path / "page.png") == [procedure.url.encode("utf-8")]


def test_long_words_are_never_cut_but_long_links_are(catalogue, tmp_path):
    procedure, operator = pick(catalogue, "caf-rsa")
    made_up = dataclasses.replace(procedure, documents=(
        "Attestation d'hébergement anticonstitutionnellement circonstanciée « à jour » : "
        "signée, datée ; copie ?",))
    pdf = documents.receipt_pdf(made_up, operator, SLIP, tmp_path / "t.pdf")
    lines = run("pdftotext", pdf, "-").replace("\u00a0", " ").splitlines()
    words = set(" ".join(lines).split())
    assert "anticonstitutionnellement" in words and "circonstanciée" in words
    for line in lines:  # French spacing: no line starts with a closing sign
        assert not re.match(r"\s*[:;?!»]", line), line
        assert not line.rstrip().endswith("«"), line
    assert len(procedure.url) > 60 and procedure.url not in lines  # cut after "/" or "-"



def test_the_summary_and_the_calendar_wrap_as_the_checklists_do():
    """wrap_text(), the one wrapping of the house PDFs: numbers and dates stay whole, no line
    starts with ":", every line fits, and a cell's last line ends with "…" when words are left."""
    from kiosk.output.pdf_layout import FONT, register_fonts, text_width

    register_fonts()
    text = "Pas de bus : carnaval, appelez le 05 96 12 34 56 avant le 15 décembre à 9 h 05"
    width = 40 * MM
    lines = documents.wrap_text(text, FONT, 11, width)
    assert " ".join(lines).replace("\u00a0", " ") == text
    assert any("05\u00a096\u00a012\u00a034\u00a056" in line for line in lines), lines
    assert any("15\u00a0décembre" in line for line in lines), lines
    assert all(not line.startswith(":") for line in lines), lines
    assert all(text_width(line, FONT, 11) <= width for line in lines), lines
    cut = documents.wrap_text(text, FONT, 11, width, max_lines=2)
    assert len(lines) > 2 and len(cut) == 2 and cut[0] == lines[0]
    assert cut[1].endswith("…") and text_width(cut[1], FONT, 11) <= width, cut
    assert documents.wrap_text(text, FONT, 11, width, max_lines=len(lines)) == lines
    assert documents.wrap_text("", FONT, 11, width) == []


# ---------------------------------------------------------------- A4


@pytest.mark.parametrize("procedure_id", ["caf-aide-logement", "cgss-c2s", "autre"])
def test_a4_has_the_same_content(catalogue, tmp_path, procedure_id):
    procedure, operator = pick(catalogue, procedure_id)
    pdf = documents.a4_pdf(procedure, operator, SLIP, tmp_path / "guide.pdf")
    assert pdf.stat().st_mode & 0o777 == 0o600
    check_content(run("pdftotext", pdf, "-"), procedure, operator, SLIP)
    for width, height in page_sizes_mm(pdf):
        assert (width, height) == pytest.approx((210, 297), abs=0.1)


def test_a_long_guide_flows_over_several_a4_pages(catalogue, tmp_path):
    procedure, operator = pick(catalogue, "caf-aide-logement")
    made_up = long_procedure(procedure)
    pdf = documents.a4_pdf(made_up, operator, SLIP, tmp_path / "guide.pdf")
    pages = page_sizes_mm(pdf)
    assert len(pages) >= 2
    text = run("pdftotext", pdf, "-")
    check_content(text, made_up, operator, SLIP)
    assert f"page {len(pages)} / {len(pages)}" in text
    for number, page in enumerate(text.split("\f")[:-1], 1):
        assert f"page {number} / {len(pages)}" in page
        last = [line for line in page.splitlines() if line.strip()][-2]
        assert last.strip() not in ("Papiers à apporter", "Étapes", "Attention"), \
            "a heading alone at the bottom of a page"


# ---------------------------------------------------------------- phone text and QR


@pytest.mark.parametrize("procedure_id", ["caf-aide-logement", "eau-resiliation"])
def test_phone_codes_decode_with_zbarimg(catalogue, tmp_path, procedure_id):
    """zbarimg, the command line reader, gives back each code's exact bytes."""
    procedure, operator = pick(catalogue, procedure_id)
    codes = phone.codes(procedure, operator, SLIP)
    for number, text in enumerate(codes, 1):
        png = qr.qr_png(text, tmp_path / f"qr{number}.png")
        assert png.stat().st_mode & 0o777 == 0o600
        raw = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", str(png)],
                             capture_output=True, check=True, timeout=60).stdout
        assert raw.rstrip(b"\n") == text.encode("utf-8")
    lines = codes[0].splitlines()
    assert lines[:4] == ["Bus PLUS – Espace Sud", procedure.title, operator.name,
                         "Ticket n° 12 – jeudi 26 novembre 2026, 9 h 05"]
    assert f"- {documents.document_line(procedure, 0)}" in lines
    assert f"Site officiel : {procedure.url}" in "\n".join(codes)
    # several codes: one PNG, side by side, each under its number, every one readable
    sheet = qr.codes_png(codes, tmp_path / "codes.png")
    assert sorted(decode_png(sheet)) == sorted(t.encode("utf-8") for t in codes)
    assert sheet.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("text", [
    "https://www.caf.fr/",
    "Bus PLUS – Espace Sud\nAide au logement (ALS ou ALF)\n- Pièce d'identité",
    "é" * 150,  # 300 bytes: a version 7 symbol or more, with version information
    "x" * 1000,
    "y" * 2400,  # more than level M holds: level L
])
def test_qr_matrix_is_the_symbol_python_qrcode_makes(text):
    """The fast encoder gives the very modules python-qrcode gives (same mask choice)."""
    matrix = qr.qr_matrix(text)
    # up to the screen's largest symbol: level M, else L; beyond: M, else L
    m, low = qrcode.constants.ERROR_CORRECT_M, qrcode.constants.ERROR_CORRECT_L
    for level, versions in ((m, range(1, 26)), (low, range(1, 26)), (m, range(26, 41)),
                            (low, range(26, 41))):
        reference = None
        for version in versions:
            candidate = qrcode.QRCode(version=version, error_correction=level, border=4)
            candidate.add_data(QRData(text.encode("utf-8"), mode=MODE_8BIT_BYTE), optimize=0)
            try:
                candidate.make(fit=False)
            except (qrcode.exceptions.DataOverflowError, ValueError):
                continue
            reference = candidate
            break
        if reference is not None:
            break
    assert reference is not None
    assert matrix == [[bool(m) for m in row] for row in reference.get_matrix()]
    assert len(matrix) - 8 == 17 + 4 * qr.qr_version(text)
    assert all(not any(row) for row in matrix[:4] + matrix[-4:])  # quiet zone
    with pytest.raises(ValueError):
        qr.qr_matrix("z" * 3000)


def test_the_mask_penalty_is_the_one_python_qrcode_counts():
    """Runs, 2x2 blocks, finder-like patterns and the dark share, on random matrices of every
    density (some with finder-like rows planted), against qrcode.util.lost_point."""
    import random

    from qrcode.util import lost_point

    chance = random.Random(18004)
    for trial in range(60):
        size = chance.choice([21, 25, 57, 117])
        density = chance.random()
        matrix = [[chance.random() < density for _ in range(size)] for _ in range(size)]
        for row in matrix[::5] if trial % 2 else ():
            row[3:14] = [c == "1" for c in "00001011101"]
        flat = "".join("1" if dark else "0" for row in matrix for dark in row)
        mine = qr._penalty(qr._whole(flat, size), qr._whole(qr._transposed(flat, size), size),
                           size)
        assert mine == lost_point(matrix), (trial, size)


def test_qr_png_scale(tmp_path):
    text = "https://www.service-public.fr/"
    png = qr.qr_png(text, tmp_path / "q.png", box_size=6)
    with Image.open(png) as image:
        assert image.size == (len(qr.qr_matrix(text)) * 6,) * 2
    assert decode_png(png) == [text.encode()]


# ---------------------------------------------------------------- wording


def test_french_dates():
    assert french.date_and_time(NOW) == "jeudi 26 novembre 2026, 9 h 05"
    assert french.date_and_time(dt.datetime(2027, 2, 1, 13, 40)) == \
        "lundi 1er février 2027, 13 h 40"
    assert french.passage(dt.date(2026, 12, 15), "morning", "Canal Cocotte") == \
        "mardi 15 décembre, matin – Canal Cocotte"


def test_type_is_never_smaller_than_9_points():
    for style in (documents.RECEIPT, documents.A4):
        sizes = (style.body, style.small, style.heading, style.section, style.title, style.number)
        assert min(sizes) >= 9
        assert style.paper >= 11, "the papers to bring, read by elderly eyes"
        assert style.section > style.body and style.title > style.body
    assert documents.RECEIPT.page_width == pytest.approx(80 * MM)
    assert documents.RECEIPT.margin_x == pytest.approx(4 * MM)


def test_receipt_height_is_known_before_drawing(catalogue, tmp_path):
    procedure, operator = pick(catalogue, "france-travail-inscription")
    pdf = documents.receipt_pdf(procedure, operator, SLIP, tmp_path / "t.pdf")
    assert documents.receipt_height_mm(procedure, operator, SLIP) == \
        pytest.approx(documents.page_height_mm(pdf), abs=0.01)


def test_prepare_qr_builds_the_layout_the_code_then_uses(catalogue):
    procedure, operator = pick(catalogue, "caf-aide-logement")
    text = phone.codes(procedure, operator, SLIP)[0]
    for cache in (qr._grid, qr._qr_rows, qr.qr_modules):
        cache.cache_clear()  # earlier tests may have drawn this very code
    qr.prepare_qr(text)
    prepared = qr._grid.cache_info()
    assert prepared.misses == 1
    qr.qr_matrix(text)
    used = qr._grid.cache_info()
    assert (used.misses, used.hits) == (1, prepared.hits + 1), "the QR code built its layout again"


def test_a_creole_slip_has_creole_headings_and_french_papers(catalogue, tmp_path):
    """Issue #13: the visitor's language heads the list and says how to use it; the papers and
    steps keep the operators' French words, on paper and in the phone codes."""
    procedure, operator = pick(catalogue, "caf-rsa")
    slip = dataclasses.replace(SLIP, language="gcf")
    words = " ".join(run("pdftotext", documents.receipt_pdf(procedure, operator, slip,
                                                            tmp_path / "gcf.pdf"), "-").split())
    assert "Papié pou pòté" in words and "Étap" in words and "Tikè n°" in words
    assert "Papiers à apporter" not in words
    assert "Kochè chak papié" in words
    assert procedure.documents[0].split()[0] in words and procedure.steps[0].split()[0] in words
    codes = "\n".join(phone.codes(procedure, operator, slip))
    assert "Papié pou pòté" in codes and "Kochè chak papié" in codes
    french_words = " ".join(run("pdftotext", documents.receipt_pdf(
        procedure, operator, SLIP, tmp_path / "fr.pdf"), "-").split())
    assert "Papiers à apporter" in french_words and "Kochè" not in french_words
