""""Écouter": what the kiosk reads aloud on each screen, in plain Python (no Kivy): the words
written for the ear (no "N°", no "/"), in the visitor's language, and the voice that reads them.

The Kivy app (screens/visitor_app.py) gathers what its screen shows into a `Shown` and asks for
the text; the unit tests build a `Shown` by hand (tests/unit/test_reading.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kiosk.content import i18n
from kiosk.content.catalogue import Catalogue


@dataclass(frozen=True)
class Shown:
    """What the visitor has in front of her when she taps "Écouter"."""

    screen: str  # the screen's name: accueil, organisme, demarche, ticket, qr, bus_…
    operator_id: str = ""  # on Démarche: the organism chosen
    procedure_titles: tuple[str, ...] = ()  # on Démarche: the rows shown, in her language
    ticket: dict[str, Any] | None = None  # on Ticket: number, ahead, wait…
    qr_count: int = 0  # on QR: how many codes
    bus_words: str = ""  # on "Quand revient le bus ?": what that screen says of itself
    stop_name: str | None = None  # on Accueil: where the bus is today
    commune_name: str | None = None
    is_open: bool = False
    calls: Sequence[tuple[int, int]] = field(default=())  # the last calls: (number, desk)


def voice(language: str, creole_voice: str) -> tuple[str, str | None]:
    """(language of the text read, espeak-ng voice; None: the French default). In Créole, the
    setting `creole_voice` chooses: the Créole text in the Haitian Creole voice ("ht"), or the
    French text in the French voice ("fr")."""
    if language == i18n.DEFAULT_LANGUAGE or creole_voice == "fr":
        return i18n.DEFAULT_LANGUAGE, None
    return language, creole_voice


def spoken(shown: Shown, catalogue: Catalogue, language: str) -> str:
    """The screen in words for the ear, in `language`."""

    def t(key: str, **values: Any) -> str:
        return i18n.t(key, language, **values)

    screen = shown.screen
    if screen == "organisme":
        names = ", ".join(i18n.operator_label(o, language)
                          for o in catalogue.operators if o.id != "autre")
        return t("read.organisme", names=names)
    if screen == "demarche":
        operator = catalogue.operator(shown.operator_id)
        return t("read.demarche", names=", ".join(shown.procedure_titles),
                 operator=i18n.operator_label(operator, language) if operator else "")
    if screen == "ticket" and shown.ticket:
        return t("read.ticket", number=shown.ticket["number"],
                 ahead=i18n.ahead_text(shown.ticket.get("ahead", 0), language),
                 wait=i18n.wait_text(shown.ticket, language).rstrip("."))
    if screen == "qr":
        return t("read.qr_parts", count=shown.qr_count) if shown.qr_count > 1 else t("read.qr")
    if screen.startswith("bus_") and shown.bus_words:  # "Quand revient le bus ?"
        return shown.bus_words
    parts = [t("accueil.welcome") + ".",
             i18n.stop_text(shown.stop_name, shown.commune_name, language) + "."]
    parts.append(t("read.accueil") if shown.is_open else t("read.closed"))
    if shown.is_open:
        parts.append(t("avis.read"))  # the faces of "Votre avis"; the calls stay last
    if shown.calls:
        parts.append(t("read.calls", calls=", ".join(
            t("read.call", number=number, desk=desk) for number, desk in shown.calls)))
    return " ".join(parts)
