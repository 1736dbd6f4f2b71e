"""Every slip of every procedure of the LIVE catalogue, read back as a visitor and her phone would:
the receipt (pdftotext -bbox: the words, their size, their place on the 72 mm printable width),
the A4 guide (one sheet), the phone codes (zbar). A procedure added to assets/catalogue/ is
covered without touching this file.

Each slip is drawn once (module fixture) and every PDF read back by one pdftotext process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode

from kiosk.content.catalogue import Catalogue, Operator, Procedure, load_catalogue
from kiosk.output import documents, phone, qr
from kiosk.output.documents import Slip, Visit
from kiosk.system.config import ASSETS_DIR

MM = 72 / 25.4
NOW = dt.datetime(2026, 11, 26, 9, 5)
# A stop in a commune whose name has a space, two next passages there at two different stops,
# one of them not confirmed, and the bus's phone set.
SLIP = Slip(
    12, NOW, "Bourg, parking de la mairie", "Le Marin",
    (Visit(dt.date(2026, 12, 15), "morning", "Duprey, parking du quartier", "Le Marin"),
     Visit(dt.date(2027, 1, 5), "afternoon", "Bourg, parking de la mairie", "Le Marin",
           confirmed=False)),
    bus_phone="05 96 12 34 56", calendar="en mairie et sur espacesud.fr",
)
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                  r"(.*?)</word>")


@dataclass
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def size(self) -> float:  # pdftotext's word box is exactly the font size tall
        return self.y1 - self.y0


@dataclass
class Read:
    """A PDF as pdftotext -bbox reads it: its pages of words."""

    pages: list[list[Word]]

    def lines(self, page: int = 0) -> list[list[Word]]:
        rows: dict[tuple[float, float], list[Word]] = {}
        for word in self.pages[page]:
            rows.setdefault((round(word.y1, 1), round(word.size, 1)), []).append(word)
        return [sorted(ws, key=lambda w: w.x0) for _, ws in sorted(rows.items())]

    def text(self, min_size: float = 0.0) -> str:
        return " ".join(" ".join(w.text for w in line) for page in range(len(self.pages))
                        for line in self.lines(page) if line[0].size >= min_size - 0.01)


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def read_pdfs(pdfs: list[Path]) -> list[Read]:
    """All the PDFs through one shell running pdftotext -bbox on each (one process per file
    would cost more than the drawing)."""
    out = subprocess.run(["sh", "-c", 'for f do pdftotext -bbox "$f" - || exit 1; done', "sh",
                          *map(str, pdfs)], capture_output=True, text=True, check=True,
                         timeout=120).stdout
    docs = out.split("<doc>")[1:]
    assert len(docs) == len(pdfs)
    reads = []
    for doc in docs:
        pages = [[Word(float(a), float(b), float(c), float(d), html.unescape(t))
                  for a, b, c, d, t in WORD.findall(page)] for page in doc.split("<page ")[1:]]
        reads.append(Read(pages))
    return reads


def decoded(png: Path) -> list[str]:
    with Image.open(png) as image:
        return [s.data.decode("utf-8")
                for s in decode(image.convert("L"), symbols=[ZBarSymbol.QRCODE])]


@dataclass
class Rendered:
    procedure: Procedure
    operator: Operator
    receipt: Path
    a4: Path
    codes: tuple[str, ...]
    code_pngs: list[Path]
    receipt_read: Read | None = None
    a4_read: Read | None = None


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(ASSETS_DIR / "catalogue")


@pytest.fixture(scope="module")
def rendered(catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> list[Rendered]:
    folder = tmp_path_factory.mktemp("slips")
    made = []
    for procedure in catalogue.procedures:
        operator = catalogue.operator(procedure.operator_id)
        assert operator is not None
        codes = phone.codes(procedure, operator, SLIP)
        made.append(Rendered(
            procedure, operator,
            documents.receipt_pdf(procedure, operator, SLIP, folder / f"{procedure.id}-ticket.pdf"),
            documents.a4_pdf(procedure, operator, SLIP, folder / f"{procedure.id}-a4.pdf"),
            codes,
            [qr.qr_png(text, folder / f"{procedure.id}-code{i}.png", box_size=2)
             for i, text in enumerate(codes, 1)],
        ))
    reads = read_pdfs([p for r in made for p in (r.receipt, r.a4)])
    for r, receipt, a4 in zip(made, reads[::2], reads[1::2], strict=True):
        r.receipt_read, r.a4_read = receipt, a4
    return made


def check_whole(text: str, r: Rendered) -> None:
    """Everything the catalogue entry says, and what the visitor needs around it."""
    text = flat(text)
    squeezed = "".join(text.split())  # a domain wider than the line is cut after a dot
    p = r.procedure
    for index, item in enumerate(p.documents):
        line = flat(documents.document_line(p, index))
        assert line in text or "".join(line.split()) in squeezed, (p.id, item)
    for item in (*p.steps, *p.pitfalls, p.online, r.operator.name, p.title):
        assert flat(item) in text or "".join(item.split()) in squeezed, (p.id, item)
    assert p.url in "".join(text.split()), (p.id, "the link, maybe cut over lines")
    if p.to_confirm:
        assert "À confirmer avec l'animatrice" in text and "Vérifié le" not in text, p.id
    else:
        assert f"Vérifié le {p.verified_on:%d/%m/%Y}" in text, p.id
    assert "mardi 15 décembre, matin : au Marin, Duprey, parking du quartier" in text, p.id
    assert "mardi 5 janvier, après-midi : au Marin, Bourg, parking de la mairie (sous réserve)" \
        in text, p.id
    assert "Prochains passages du bus ici" not in text and not re.search(r"\bici\b", text), p.id
    assert "Joindre le bus PLUS Téléphone : 05 96 12 34 56" in text, p.id
    assert "Calendrier des passages : en mairie et sur espacesud.fr" in text, p.id


def test_the_live_catalogue_is_all_there(rendered, catalogue):
    assert len(rendered) == len(catalogue.procedures) >= 37


def test_every_receipt_holds_the_whole_entry_in_72mm(rendered):
    for r in rendered:
        assert r.receipt_read is not None
        [words] = r.receipt_read.pages
        check_whole(r.receipt_read.text(), r)
        # the 72 mm printable width of an 80 mm printer: 4 mm each side
        left = min(w.x0 for w in words) / MM
        right = max(w.x1 for w in words) / MM
        assert left >= 4 - 0.05 and right <= 76 + 0.05, (r.procedure.id, left, right)


def test_every_receipt_prints_the_papers_in_12_points(rendered):
    for r in rendered:
        assert r.receipt_read is not None
        large = flat(r.receipt_read.text(min_size=11))
        for index, _document in enumerate(r.procedure.documents):
            assert flat(documents.document_line(r.procedure, index)) in large, \
                (r.procedure.id, index)


def test_no_line_breaks_inside_a_commune_name_or_a_number(rendered):
    for r in rendered:
        assert r.receipt_read is not None
        lines = [" ".join(w.text for w in line).replace("\u00a0", " ")
                 for line in r.receipt_read.lines()]
        for text in lines:
            if "Marin" in text:
                assert re.search(r"\b(au|Le) Marin\b", text), (r.procedure.id, text)
        for above, below in zip(lines, lines[1:], strict=False):  # "2 / mois", "9 h / 05", "n° / 12"
            assert not (re.search(r"(\b\d+|\bh|n°)$", above)
                        and re.match(r"(\d|mois|ans?|jours?|semaines?|heures?|h|€|%)\b", below)), \
                (r.procedure.id, above, below)
        # each is printed once: found whole on one line, it was not cut
        for whole in ("Téléphone : 05 96 12 34 56", "jeudi 26 novembre 2026, 9 h 05",
                      "mardi 15 décembre"):
            assert any(whole in text for text in lines), (r.procedure.id, whole)


def test_every_a4_guide_fits_one_sheet_with_its_qr(rendered):
    for r in rendered:
        assert r.a4_read is not None
        assert len(r.a4_read.pages) == 1, (r.procedure.id, len(r.a4_read.pages))
        check_whole(r.a4_read.text(), r)
        papers = flat(r.a4_read.text(min_size=11))
        for index, _document in enumerate(r.procedure.documents):
            assert flat(documents.document_line(r.procedure, index)) in papers, r.procedure.id
        layout = documents.a4_layout(r.procedure, r.operator, SLIP)
        [page] = documents._paginate(layout)
        assert any(isinstance(item, documents._Qr) for _top, block in page for item in block.items)
        assert min(s.paper for s in documents.A4_STYLES) >= 11


def test_every_phone_code_decodes_and_together_they_hold_every_paper(rendered):
    for r in rendered:
        p = r.procedure
        assert [decoded(png) for png in r.code_pngs] == [[text] for text in r.codes], p.id
        for text in r.codes:
            assert len(text.encode("utf-8")) <= phone.CODE_BYTES
            assert qr.qr_version(text) <= qr.SCREEN_VERSION
            assert "Liste raccourcie" not in text and "demandez la liste" not in text
        first = r.codes[0]
        for index, _document in enumerate(p.documents):  # all papers, and in the first code
            assert f"- {documents.document_line(p, index)}\n" in first + "\n", (p.id, index)
        together = "\n".join(r.codes)
        for item in (*p.steps, *p.pitfalls, p.url, documents.checked_line(p)):
            assert item in together, (p.id, item)
        assert "au Marin, Duprey, parking du quartier" in together
        # the order that matters: papers, warnings, steps, next passages, the date
        marks = ["Papiers à apporter :", "Attention :" if p.pitfalls else None, "Étapes :",
                 "Prochains passages du bus :", documents.checked_line(p)]
        places = [together.index(m) for m in marks if m]
        assert places == sorted(places), p.id
        if len(r.codes) > 1:
            count = len(r.codes)
            assert f"Code 1 sur {count} : la suite est dans le code 2." in first
            for number, text in enumerate(r.codes[1:], 2):
                assert text.splitlines()[1] == f"Code {number} sur {count} (suite)"
            for number, text in enumerate(r.codes[:-1], 1):
                assert text.endswith(f"Suite dans le code {number + 1}.")


def test_screenshots_of_three_receipts_and_one_a4(rendered):
    """For eyes: the shortest and the longest receipts, one with papers marked mandatory, and the
    A4 of the longest guide (tests/screenshots/slip-*.png)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    by_height = sorted(rendered, key=lambda r: documents.page_height_mm(r.receipt))
    marked = next((r for r in rendered if any(r.procedure.required)), by_height[len(by_height) // 2])
    picks = {"court": by_height[0], "long": by_height[-1], "obligatoire": marked}
    for name, r in picks.items():
        subprocess.run(["pdftoppm", "-r", "110", "-png", "-singlefile", str(r.receipt),
                        str(SCREENSHOTS / f"slip-ticket-{name}")], check=True, timeout=60)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", str(by_height[-1].a4),
                    str(SCREENSHOTS / "slip-a4-long")], check=True, timeout=60)
    # the A4's link QR, drawn on the same page, scans
    assert decoded(SCREENSHOTS / "slip-a4-long.png") == [by_height[-1].procedure.url]


# ---------------------------------------------------------------- cases the catalogue may lack


def _some(catalogue: Catalogue, procedure_id: str = "caf-rsa") -> tuple[Procedure, Operator]:
    procedure = catalogue.procedure(procedure_id)
    assert procedure is not None
    operator = catalogue.operator(procedure.operator_id)
    assert operator is not None
    return procedure, operator


def test_mandatory_papers_and_an_unchecked_entry_on_every_slip(catalogue, tmp_path):
    procedure, operator = _some(catalogue)
    marked = dataclasses.replace(
        procedure, verified_on=None,
        required=tuple(i % 2 == 0 for i in range(len(procedure.documents))))
    receipt = documents.receipt_pdf(marked, operator, SLIP, tmp_path / "t.pdf")
    a4 = documents.a4_pdf(marked, operator, SLIP, tmp_path / "a.pdf")
    codes = phone.codes(marked, operator, SLIP)
    for read in read_pdfs([receipt, a4]):
        text = flat(read.text())
        for index, document in enumerate(marked.documents):
            line = flat(f"{document} (obligatoire)") if index % 2 == 0 else flat(document)
            assert line in text
            if index % 2:
                assert flat(f"{document} (obligatoire)") not in text
        assert "À confirmer avec l'animatrice" in text and "Vérifié" not in text
        bold = [w for w in read.pages[0] if w.text == "(obligatoire)"]
        assert len(bold) == len(range(0, len(marked.documents), 2))
        assert all(w.size >= 11 for w in bold)
    together = "\n".join(codes)
    assert f"- {marked.documents[0]} (obligatoire)\n" in together
    assert f"- {marked.documents[1]}\n" in together
    assert together.endswith("À confirmer avec l'animatrice")


def test_a_list_longer_than_two_codes_still_loses_nothing(catalogue, tmp_path):
    procedure, operator = _some(catalogue, "caf-aide-logement")
    long = dataclasses.replace(
        procedure,
        documents=tuple(f"Justificatif numéro {i} : relevé détaillé des trois derniers mois"
                        for i in range(1, 13)),
        required=(True,) * 12,
        steps=tuple(f"Étape {i} : on remplit la rubrique correspondante, puis on vérifie tout, "
                    f"ligne par ligne, avant de valider." for i in range(1, 11)),
        pitfalls=tuple(f"Piège {i} : une erreur ici retarde le dossier de plusieurs semaines, "
                       f"parfois de plusieurs mois." for i in range(1, 7)),
    )
    codes = phone.codes(long, operator, SLIP)
    assert len(codes) >= 2
    assert all(len(c.encode()) <= phone.CODE_BYTES for c in codes)
    together = "\n".join(codes)
    for item in (*long.documents, *long.steps, *long.pitfalls):
        assert item in together
    assert all(f"- {d} (obligatoire)" in codes[0] for d in long.documents), "papers whole, first"
    # a list cut between two codes goes on under its heading
    small = phone.codes(long, operator, SLIP, limit=700)
    assert len(small) > len(codes)
    assert any("(suite) :" in c for c in small[1:])
    assert "\n".join(small).count("Justificatif numéro") == 12
    for i, text in enumerate(small):
        assert decoded(qr.qr_png(text, tmp_path / f"{i}.png", box_size=3)) == [text]
    with pytest.raises(ValueError):
        phone.codes(long, operator, SLIP, limit=60)
    # the catalogue's limits (15 papers of 80 characters, accents: 2 bytes) exceed one code:
    # the papers go on in the next code under "(suite)", still all there and in order
    widest = dataclasses.replace(long, documents=tuple(f"{i:02d} " + "é" * 77 for i in range(15)),
                                 required=(True,) * 15)
    codes = phone.codes(widest, operator, SLIP)
    assert all(len(c.encode()) <= phone.CODE_BYTES for c in codes)
    assert "Papiers à apporter (suite) :" in codes[1]
    papers = [line for c in codes for line in c.splitlines() if line.endswith("(obligatoire)")]
    assert papers == [f"- {d} (obligatoire)" for d in widest.documents]


def test_a_short_list_is_one_code_without_markers(catalogue):
    procedure, operator = _some(catalogue)
    short = dataclasses.replace(procedure, documents=procedure.documents[:1],
                                steps=procedure.steps[:1], pitfalls=())
    [text] = phone.codes(short, operator, Slip(None, NOW, None, None))
    assert "Code 1" not in text and "Suite" not in text
    assert text.splitlines()[:4] == ["Bus PLUS – Espace Sud", short.title, operator.name,
                                     "jeudi 26 novembre 2026, 9 h 05"]
    assert "Prochains passages" not in text and "Téléphone du bus" not in text
    assert "Calendrier des passages : en mairie et sur espacesud.fr" in text


def test_passages_name_their_place():
    visit = Visit(dt.date(2026, 12, 15), "morning", "Duprey, parking du quartier", "Le Marin")
    assert documents.passage_line(visit) == \
        "mardi 15 décembre, matin : au Marin, Duprey, parking du quartier"
    assert documents.passage_line(dataclasses.replace(visit, commune_name="Ducos",
                                                      stop_name="Canal Cocotte")) == \
        "mardi 15 décembre, matin : à Ducos, Canal Cocotte"
    assert documents.passage_line(dataclasses.replace(visit, commune_name="Les Trois-Îlets"))\
        .endswith(": aux Trois-Îlets, Duprey, parking du quartier")
    unconfirmed = dataclasses.replace(visit, confirmed=False)
    assert documents.passage_line(unconfirmed).endswith("parking du quartier (sous réserve)")
    # the read model may have marked the name already: said once
    named = dataclasses.replace(unconfirmed, stop_name="Duprey, parking du quartier (sous réserve)")
    assert documents.passage_line(named).count("sous réserve") == 1
    assert "au\u00a0Marin" in documents.passage_line(visit, joined=True)
    # a plain (day, half, stop) is at the slip's own commune
    slip = Slip(1, NOW, "Bourg", "Le Marin", ((dt.date(2026, 12, 15), "morning", "Duprey"),))
    assert slip.visits == (Visit(dt.date(2026, 12, 15), "morning", "Duprey", "Le Marin"),)


def test_numbers_keep_together():
    assert documents.keep_numbers("Appelez le 05 96 12 34 56 à 9 h 05, le 15 décembre") == \
        "Appelez le 05\u00a096\u00a012\u00a034\u00a056 à 9\u00a0h\u00a005, le 15\u00a0décembre"
    assert documents.keep_numbers("Ticket n° 12 et 100 €") == "Ticket n°\u00a012 et 100\u00a0€"
    assert documents.keep_numbers("dans les 2 mois, 3 mentions") == \
        "dans les 2\u00a0mois, 3 mentions"


def test_the_bus_contact_settings(tmp_path):
    from kiosk.errors import DataFileError
    from kiosk.system.config import load_settings

    default = load_settings({"KIOSK_DATA_DIR": str(tmp_path)})
    assert (default.bus_phone, default.bus_calendar) == ("", "en mairie et sur espacesud.fr")
    config = tmp_path / "kiosk.yaml"
    config.write_text('bus_phone: "05 96 12 34 56"\nbus_calendar: "à la mairie"\n', "utf-8")
    settings = load_settings({"KIOSK_CONFIG": str(config)})
    assert (settings.bus_phone, settings.bus_calendar) == ("05 96 12 34 56", "à la mairie")
    for text, words in (('bus_phone: "appelez-nous"\n', "« bus_phone » : un numéro"),
                        ("bus_phone: 596123456\n", "valeur de type invalide"),
                        (f'\nbus_calendar: "{"x" * 81}"\n', "ligne 2 : « bus_calendar » : 80")):
        config.write_text(text, "utf-8")
        with pytest.raises(DataFileError) as error:
            load_settings({"KIOSK_CONFIG": str(config)})
        assert words in str(error.value), str(error.value)
