"""Receipt benchmark (issue 17): the house layout engine (kiosk/output/documents.py) against an
equivalent Platypus flow, on three real checklists (the ones tests/unit/test_documents.py prints).

For each: time per receipt (best of a few runs, PDF written), and how exact the receipt's height
is. The house engine measures its lines itself: the height it predicts without drawing
(receipt_height_mm) is the page it draws. Platypus: the height predicted by summing wrapOn()
heights is compared with what a Frame really consumes, and the page cut at that height is checked
to hold everything on one page. Numbers, not asserts.

    .venv/bin/python -m tests.perf.receipt_bench
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.content.catalogue import Operator, Procedure, load_catalogue
from kiosk.output import documents
from kiosk.output.documents import RECEIPT, Slip
from kiosk.output.pdf_layout import FONT, FONT_BOLD, HEADER, MM, register_fonts
from kiosk.system.config import ASSETS_DIR

NOW = dt.datetime(2026, 11, 26, 9, 5)
SLIP = Slip(12, NOW, "Bourg, place de la mairie", "Ducos",
            ((dt.date(2026, 12, 15), "morning", "Canal Cocotte"),
             (dt.date(2027, 1, 5), "afternoon", "Bourg, place de la mairie")))
CHECKLISTS = ("eau-resiliation", "france-travail-inscription", "caf-aide-logement")
RUNS = 5


def _best(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def _flowables(procedure: Procedure, operator: Operator, slip: Slip) -> list[object]:
    """The receipt's words as Platypus paragraphs, with the house engine's sizes and spaces."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Spacer

    s = RECEIPT

    def style(size: float, bold: bool = False, center: bool = False,
              indent: float = 0.0) -> ParagraphStyle:
        return ParagraphStyle("p", fontName=FONT_BOLD if bold else FONT, fontSize=size,
                              leading=size * s.leading, alignment=TA_CENTER if center else 0,
                              leftIndent=indent, spaceAfter=size * 0.25 if indent else 0)

    def para(text: str, size: float, **kw: object) -> Paragraph:
        safe = text.replace("&", "&amp;").replace("<", "&lt;")
        return Paragraph(safe, style(size, **kw))  # type: ignore[arg-type]

    out: list[object] = [para(HEADER, s.heading, bold=True, center=True), Spacer(0, s.space / 2),
                         para(f"Ticket n° {slip.number}", s.body, center=True),
                         para(str(slip.number), s.number, bold=True, center=True),
                         para("jeudi 26 novembre 2026 à 9 h 05", s.body, center=True),
                         Spacer(0, s.space), para(operator.name, s.body),
                         para(procedure.title, s.title, bold=True), Spacer(0, s.space),
                         para("Papiers à apporter", s.section, bold=True)]
    out += [para(documents.document_line(procedure, i), s.paper, indent=s.paper * 1.55)
            for i in range(len(procedure.documents))]
    if procedure.pitfalls:
        out += [Spacer(0, s.space), para("Attention", s.section, bold=True)]
        out += [para(f"• {p}", s.body, indent=s.body * 1.5) for p in procedure.pitfalls]
    out += [Spacer(0, s.space), para("Les étapes", s.section, bold=True)]
    out += [para(f"{n}. {step}", s.body, indent=s.body * 1.5)
            for n, step in enumerate(procedure.steps, 1)]
    out += [Spacer(0, s.space), para(f"En ligne : {procedure.online}", s.body),
            Spacer(0, s.space), para("Site officiel", s.section, bold=True),
            para(procedure.url, s.body), Spacer(0, s.space / 2), Spacer(s.qr, s.qr)]
    out += [Spacer(0, s.space), para("Prochains passages", s.section, bold=True)]
    out += [para(f"• {documents.passage_line(v)}", s.body, indent=s.body * 1.5)
            for v in slip.visits]
    out += [Spacer(0, s.space), para(documents.checked_line(procedure), s.small, center=True)]
    return out


def _platypus(procedure: Procedure, operator: Operator, slip: Slip,
              padding: float) -> tuple[float, float, int]:
    """(height predicted by wrapOn, height a Frame consumed, pages when cut at the prediction),
    in millimetres."""
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Frame, SimpleDocTemplate

    s = RECEIPT
    width = s.width
    canvas = Canvas(io.BytesIO(), pagesize=(s.page_width, 2000 * MM))
    predicted = 0.0
    for flowable in _flowables(procedure, operator, slip):
        _w, h = flowable.wrapOn(canvas, width, 2000 * MM)  # type: ignore[attr-defined]
        predicted += h + flowable.getSpaceBefore() + flowable.getSpaceAfter()  # type: ignore[attr-defined]
    frame = Frame(0, 0, s.page_width, 2000 * MM, leftPadding=s.margin_x, rightPadding=s.margin_x,
                  topPadding=0, bottomPadding=0, showBoundary=0)
    frame.addFromList(_flowables(procedure, operator, slip), canvas)
    consumed = (2000 * MM - frame._y) / MM  # the frame's cursor: what the content really took
    # SimpleDocTemplate's frame pads 6 pt on each side: its lines are narrower than the ones
    # measured, and a page cut at the measured height spills unless the paddings are known
    page = predicted + s.margin_top + s.margin_bottom + 2 * padding
    doc = SimpleDocTemplate(io.BytesIO(), pagesize=(s.page_width, page),
                            leftMargin=s.margin_x - padding, rightMargin=s.margin_x - padding,
                            topMargin=s.margin_top, bottomMargin=s.margin_bottom)
    pages: list[int] = []
    doc.build(_flowables(procedure, operator, slip),  # type: ignore[arg-type]
              onFirstPage=lambda c, d: pages.append(1), onLaterPages=lambda c, d: pages.append(1))
    return predicted / MM, consumed, len(pages)


def _report(procedure: Procedure, operator: Operator, out: Path) -> str:
    from reportlab.platypus import SimpleDocTemplate

    def flow() -> None:
        doc = SimpleDocTemplate(io.BytesIO(), pagesize=(RECEIPT.page_width, 2000 * MM))
        doc.build(_flowables(procedure, operator, SLIP))  # type: ignore[arg-type]

    house = _best(lambda: documents.receipt_pdf(procedure, operator, SLIP, out, replace=True))
    predicted = documents.receipt_height_mm(procedure, operator, SLIP)
    drawn = documents.page_height_mm(out)
    platypus = _best(flow)
    guess, consumed, pages = _platypus(procedure, operator, SLIP, 0.0)
    pages_padded = _platypus(procedure, operator, SLIP, 6.0)[2]
    return (f"{procedure.id}: house {house * 1000:.1f} ms, height predicted {predicted:.2f} mm"
            f" = drawn {drawn:.2f} mm | platypus {platypus * 1000:.1f} ms, wrapOn sum "
            f"{guess:.2f} mm vs frame consumed {consumed:.2f} mm (off by "
            f"{guess - consumed:+.2f} mm), cut at it: {pages} page(s), with the frame's 6 pt "
            f"paddings allowed for: {pages_padded} page(s)")


def main() -> None:
    register_fonts()
    catalogue = load_catalogue(ASSETS_DIR / "catalogue")
    with tempfile.TemporaryDirectory() as folder:
        for procedure_id in CHECKLISTS:
            procedure = catalogue.procedure(procedure_id)
            assert procedure is not None
            operator = catalogue.operator(procedure.operator_id)
            assert operator is not None
            print(_report(procedure, operator, Path(folder) / f"{procedure_id}.pdf"))


if __name__ == "__main__":
    main()
