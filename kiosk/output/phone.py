"""The checklist for the phone: the receipt's words cut into QR codes small enough for the
kiosk's screen to show ("Code 1 sur 2"), the first ones holding what matters most."""

from __future__ import annotations

from collections.abc import Sequence

from kiosk import french
from kiosk.content import i18n
from kiosk.content.catalogue import Operator, Procedure
from kiosk.french import NBSP
from kiosk.output.documents import (
    Slip,
    checked_line,
    contact_lines,
    document_line,
    passage_line,
    where_line,
)
from kiosk.output.pdf_layout import (
    HEADER,
)
from kiosk.output.qr import capacity_bytes

CODE_BYTES = capacity_bytes()  # what one code the kiosk shows may hold (kiosk/output/qr.py)


def _phone_header(procedure: Procedure, operator: Operator, slip: Slip) -> list[str]:
    lines = [HEADER, procedure.title, operator.name]
    when = french.date_and_time(slip.printed_at)
    ticket = slip.heading("ticket", number=slip.number)
    lines.append(f"{ticket} – {when}" if slip.number is not None else when)
    where = where_line(slip)
    if where:
        lines.append(f"{slip.heading('stop')} {where}".replace(NBSP, " "))
    return lines


def _phone_sections(procedure: Procedure, slip: Slip) -> list[tuple[str, list[str]]]:
    """(heading, lines) in the order that matters to the visitor: papers, warnings, steps, the
    link, next passages, how to reach the bus, the date the entry was checked."""
    how = [slip.heading("how_to_use")] if slip.language != i18n.DEFAULT_LANGUAGE else []
    sections = [(slip.heading("papers"), [*how, *(f"- {document_line(procedure, i)}"
                                                  for i in range(len(procedure.documents)))])]
    if procedure.pitfalls:
        sections.append((slip.heading("pitfalls"), [f"- {p}" for p in procedure.pitfalls]))
    sections.append((slip.heading("steps"),
                     [f"{i}. {s}" for i, s in enumerate(procedure.steps, 1)]))
    sections.append(("", [f"{slip.heading('online')} {procedure.online}",
                          f"{slip.heading('official_site')} {procedure.url}"]))
    if slip.next_passages:
        sections.append((slip.heading("next_passages"),
                         [f"- {passage_line(v)}" for v in slip.visits]))
    sections.append(("", [*contact_lines(slip), checked_line(procedure)]))
    return sections


def _size(lines: Sequence[str]) -> int:
    return len("\n".join(lines).encode("utf-8"))


def _pack(first: list[str], later: list[str], sections: list[tuple[str, list[str]]],
          limit: int, keep_whole: bool) -> list[list[str]]:
    """Lay the sections out over codes (placeholder markers "9" of the final length)."""
    reserve = len(b"\n\nSuite dans le code 9.")
    codes: list[list[str]] = [list(first)]

    def fits(extra: Sequence[str]) -> bool:
        return _size([*codes[-1], *extra]) + reserve <= limit

    def fresh() -> bool:
        return len(codes[-1]) == len(first if len(codes) == 1 else later)

    for index, (heading, lines) in enumerate(sections):
        block = ["", *([f"{heading} :"] if heading else []), *lines]
        if fits(block):
            codes[-1] += block
            continue
        if (index == 0 or keep_whole) and not fresh():
            codes.append(list(later))
            if fits(block):  # the list whole in the next code rather than cut
                codes[-1] += block
                continue
        pending, started = list(lines), False
        while pending:
            title = [f"{heading} (suite) :" if started else f"{heading} :"] if heading else []
            take = 0
            while take < len(pending) and fits(["", *title, *pending[:take + 1]]):
                take += 1
            if take == 0:
                if fresh():
                    raise ValueError(f"ligne trop longue pour un QR code ({limit} octets) : "
                                     f"{pending[0][:60]}")
                codes.append(list(later))
                continue
            codes[-1] += ["", *title, *pending[:take]]
            pending, started = pending[take:], True
            if pending:
                codes.append(list(later))
    return codes


def codes(procedure: Procedure, operator: Operator, slip: Slip,
                limit: int = CODE_BYTES) -> tuple[str, ...]:
    """The checklist as plain text for a phone camera, in as many codes as it takes, each at most
    `limit` bytes of UTF-8: nothing is ever left out.

    One code when it fits. Otherwise "Code 1 sur 2" after the header and "Suite dans le code 2."
    at the end of each code but the last; the papers stay whole in the first code (unless they
    alone exceed a code); a warnings or steps list cut between codes goes on under its heading
    with "(suite)". Raises ValueError when a single line cannot fit in a code.
    """
    header = _phone_header(procedure, operator, slip)
    sections = _phone_sections(procedure, slip)
    whole = list(header)
    for heading, lines in sections:
        whole += ["", *([f"{heading} :"] if heading else []), *lines]
    if _size(whole) <= limit:
        return ("\n".join(whole),)

    first = [*header, "Code 1 sur 9 : la suite est dans le code 2."]
    later = [f"{HEADER} – {procedure.title}", "Code 9 sur 9 (suite)"]
    # fewest codes first; for as many, lists moved whole to the next code rather than cut
    codes = min((_pack(first, later, sections, limit, keep) for keep in (True, False)), key=len)
    count = len(codes)
    if count > 9:
        raise ValueError(f"liste trop longue pour {count} QR codes")
    texts = []
    for number, lines in enumerate(codes, 1):
        lines = list(lines)
        if number == 1:
            lines[len(header)] = f"Code 1 sur {count} : la suite est dans le code 2."
        else:
            lines[1] = f"Code {number} sur {count} (suite)"
        if number < count:
            lines += ["", f"Suite dans le code {number + 1}."]
        texts.append("\n".join(lines))
    return tuple(texts)
