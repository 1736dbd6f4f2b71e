"""The end-of-visit form by touches (issue #9, item 10): taps counted from "Terminer…", nothing
guessed for a new demande, a redirected demande needs its partner (chosen from the catalogue's
list, "Autre" typed on the on-screen keyboard), the organism chooser fits the window."""

from __future__ import annotations

import pytest
from kivy.core.window import Window
from sqlalchemy import select

from db.models import Demande
from kiosk.core import services
from tests.ui.test_staff_console import _form, log_in

SIZES = ((1920, 1080), (1280, 800))


class Taps:
    """k.tap, counted: the budget of a visit is asserted, not estimated."""

    def __init__(self, k) -> None:
        self.k = k
        self.count = 0

    def __call__(self, name: str | None = None, text: str | None = None) -> None:
        self.count += 1
        self.k.tap(name, text)


def _visit(k, ctx, procedure: str) -> Taps:
    """A visitor called at desk 2; returns the tap counter, still at 0."""
    log_in(k)
    k.wait(lambda: k.screen == "console", what="console")
    services.take_ticket(ctx, procedure)
    k.wait(lambda: len(k.app.queue_rows) == 1, what="ticket on the console")
    k.tap("call_next")
    k.wait(lambda: k.app.current_number == "N° 1", what="called")
    return Taps(k)


def _open_form(k, tap: Taps):
    tap("finish")
    k.wait(lambda: _form(k) is not None, what="finish form")
    return _form(k)


def _demandes(ctx):
    with ctx.read() as s:
        return [tuple(r) for r in s.execute(select(Demande.procedure_id, Demande.outcome,
                                                   Demande.partner).order_by(Demande.id))]


def _chooser():
    from screens.finish_form import DemarcheChooser

    return next((c for c in Window.children if isinstance(c, DemarcheChooser)), None)


def _inside_window(widget) -> None:
    x, y = widget.to_window(widget.x, widget.y)
    assert x >= 0 and y >= 0, (widget, x, y)
    assert x + widget.width <= Window.width + 1 and y + widget.height <= Window.height + 1, (
        widget, x, y, widget.size, Window.size)


def _label(tile):
    from kivy.uix.label import Label

    return next(w for w in tile.walk(restrict=True) if isinstance(w, Label) and w.text == tile.text)


def test_a_visit_solved_on_site_takes_three_taps(console, staff_ctx):
    k = console
    tap = _visit(k, staff_ctx, "caf-rsa")
    form = _open_form(k, tap)
    assert form.rows()[0].procedure_id == "caf-rsa", "the ticket's procedure is the first demande"
    assert not form.rows()[0].outcome, "no outcome guessed"
    tap("outcome:solved")
    chosen = k.find("outcome:solved")
    others = [k.find("outcome:redirected"), k.find("outcome:follow_up")]
    assert chosen.text == "✓ Réglé sur place" and chosen.font_name == k.app.font_bold
    assert chosen.background_color != others[0].background_color
    assert all(o.state == "normal" and not o.text.startswith("✓") and
               o.font_name == k.app.font_regular for o in others)
    k.shot("110-terminer-regle-sur-place")
    tap("form_save")
    k.wait(lambda: k.app.current_number == "", what="visit finished")
    assert tap.count == 3
    assert _demandes(staff_ctx) == [("caf-rsa", "solved", None)]


def test_two_demandes_the_second_redirected_to_the_caf_take_eight_taps(console, staff_ctx):
    k = console
    tap = _visit(k, staff_ctx, "cgss-c2s")
    form = _open_form(k, tap)
    tap("outcome:solved")
    tap("add_demande")
    k.wait(lambda: _chooser() is not None, what="organism tiles")
    second = form.rows()[1]
    assert second.procedure_id == "" and not second.outcome, "the new demande copies nothing"
    k.shot("111-terminer-choix-organisme")
    tap("organism:caf")
    k.wait(lambda: _chooser().operator_id == "caf", what="the CAF's procedures")
    k.shot("112-terminer-choix-demarche")
    tap("choice:caf-aide-logement")
    k.wait(lambda: second.procedure_id == "caf-aide-logement", what="procedure chosen")
    tap("outcome2:redirected")
    k.settle(0.2)
    tap("partner2:caf")
    assert second.partner == "CAF"
    k.shot("113-terminer-deux-demandes")
    tap("form_save")
    k.wait(lambda: k.app.current_number == "", what="visit finished")
    assert tap.count <= 8, tap.count
    assert _demandes(staff_ctx) == [("cgss-c2s", "solved", None),
                                    ("caf-aide-logement", "redirected", "CAF")]
    print(f"\ntwo demandes, the second redirected to the CAF: {tap.count} taps")


def test_save_names_what_is_missing_and_a_redirect_needs_its_partner(console, staff_ctx):
    k = console
    tap = _visit(k, staff_ctx, "caf-rsa")
    form = _open_form(k, tap)
    tap("form_save")
    assert form.error == "Demande 1 : il manque le résultat."
    tap("outcome:redirected")
    assert form.error == ""
    tap("form_save")  # the bug: this saved a redirect to nobody
    assert form.error == "Demande 1 : il manque le partenaire."
    k.shot("114-terminer-partenaire-manquant")
    tap("partner:mairie")
    tap("add_demande")
    k.wait(lambda: _chooser() is not None, what="organism tiles")
    tap("demarche_cancel")
    k.wait(lambda: _chooser() is None, what="chooser closed")
    tap("form_save")
    assert form.error == "Demande 2 : il manque la démarche et le résultat."
    k.settle(0.2)
    assert _form(k) is not None and k.app.current_number == "N° 1", "nothing saved"
    assert _demandes(staff_ctx) == []
    k.tap("demarche2")  # the empty demande can still be filled in
    k.wait(lambda: _chooser() is not None, what="organism tiles")
    k.tap("organism:ants")
    k.tap(f"choice:{staff_ctx.catalogue.procedures_of('ants')[0].id}")
    k.tap("outcome2:follow_up")
    k.tap("form_save")
    k.wait(lambda: k.app.current_number == "", what="visit finished")
    assert _demandes(staff_ctx) == [
        ("caf-rsa", "redirected", "Mairie"),
        (staff_ctx.catalogue.procedures_of("ants")[0].id, "follow_up", None)]


def _type(k, keyboard, text: str) -> int:
    """Touch the keys of Kivy's on-screen keyboard, one tap per character."""
    layout = keyboard.available_layouts[keyboard.layout]
    taps = 0
    for char in text:
        for line in range(1, layout["rows"] + 1):
            keys = layout[f"normal_{line}"]
            index = next((i for i, key in enumerate(keys) if key[1] == char), None)
            if index is not None:
                break
        else:
            raise AssertionError(f"no key {char!r}")
        (x, y), (w, h) = keyboard.layout_geometry[f"LINE_{line}"][index]
        # the keys are drawn in the keyboard's own (scatter) coordinates
        k.tap_at(*keyboard.to_window(x + w / 2, y + h / 2, initial=False))
        taps += 1
    return taps


def test_another_partner_is_typed_on_the_on_screen_keyboard(console, staff_ctx):
    from screens.finish_form import FormKeyboard, PartnerKeyboard

    k = console
    tap = _visit(k, staff_ctx, "edf-facture")
    _open_form(k, tap)
    tap("outcome:redirected")
    k.settle(0.2)
    tap("partner:autre")
    # a touch screen and no physical keyboard: the keyboard is on the screen, not in a drawer
    dialog = next(c for c in Window.children if isinstance(c, PartnerKeyboard))
    keyboard = next(w for w in dialog.walk() if isinstance(w, FormKeyboard))
    k.settle(0.3)
    _inside_window(keyboard)
    assert keyboard.width > Window.width * 0.7 and keyboard.height > Window.height * 0.3
    assert keyboard.layout == "azerty"
    assert k.find("partner_typed").text == ""
    typed = _type(k, keyboard, "kaz a lanmou")
    k.settle(0.1)
    assert k.find("partner_typed").text == "kaz a lanmou"
    k.shot("115-terminer-autre-partenaire-clavier")
    tap("partner_ok")
    k.wait(lambda: dialog.get_parent_window() is None, what="keyboard closed")
    assert k.find("partner:autre").text == "✓ Autre : kaz a lanmou"
    k.shot("116-terminer-autre-partenaire")
    tap("form_save")
    k.wait(lambda: k.app.current_number == "", what="visit finished")
    assert _demandes(staff_ctx) == [("edf-facture", "redirected", "kaz a lanmou")]
    print(f"\n'autre' partner: {tap.count} taps plus {typed} keys")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_organism_chooser_and_the_partners_fit_the_window(console, staff_ctx, size):
    k = console
    Window.size = size
    try:
        tap = _visit(k, staff_ctx, "caf-rsa")
        _open_form(k, tap)
        tap("outcome:redirected")
        k.settle(0.3)
        for partner in staff_ctx.catalogue.partners:
            tile = k.find(f"partner:{partner.id}")
            assert not tile.is_shortened and tile.texture_size[0] <= tile.width, partner.label
            _inside_window(tile)
        tap("add_demande")
        k.wait(lambda: _chooser() is not None, what="organism tiles")
        k.settle(0.3)
        chooser = _chooser()
        _inside_window(chooser)
        scroll = chooser.ids.scroll
        for operator in staff_ctx.catalogue.operators:
            tile = k.find(f"organism:{operator.id}")
            label = _label(tile)
            assert label.texture_size[0] <= label.width + 2, operator.label
            assert label.texture_size[1] <= label.height + 2, operator.label  # no line cut
            # every organism tile is reachable in the chooser's own scroll, not past the window
            assert tile.height >= 100 * k.app.u
        assert chooser.ids.tiles.height <= scroll.height + 1, "organisms fit without scrolling"
        k.shot(f"117-terminer-organismes-{size[0]}x{size[1]}")
        biggest = max(staff_ctx.catalogue.operators,
                      key=lambda o: len(staff_ctx.catalogue.procedures_of(o.id)))
        tap(f"organism:{biggest.id}")
        k.settle(0.3)
        _inside_window(chooser)
        for procedure in staff_ctx.catalogue.procedures_of(biggest.id):
            tile = k.find(f"choice:{procedure.id}")
            label = _label(tile)
            assert label.texture_size[1] <= tile.height, procedure.title
        k.shot(f"118-terminer-demarches-{size[0]}x{size[1]}")
        tap("demarche_cancel")
        k.settle(0.2)
        k.shot(f"119-terminer-formulaire-{size[0]}x{size[1]}")
    finally:
        Window.size = (1920, 1080)
