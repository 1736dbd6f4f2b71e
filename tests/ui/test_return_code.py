"""Issue #12, item 6 on the console: a visitor left unserved at the last closing comes back with
her "Prioritaire au prochain passage" slip; the animatrice types its code with the keys on the
screen (a wrong one says so in the dialog; after three in a row, how long to wait) and the
visitor gets a priority ticket, first in line."""

from __future__ import annotations

import datetime as dt

from kivy.core.window import Window

from kiosk.apps.console import StaffService
from kiosk.core import services
from kiosk.core.return_passes import issue_return_passes
from kiosk.output.printing import FilePrinter
from tests.ui.driver import start_staff_app, stop_app
from tests.ui.test_staff_console import log_in


def _dialog():
    from screens.halfday import ReturnCodeDialog

    return next((c for c in Window.children if isinstance(c, ReturnCodeDialog)), None)


def test_the_code_typed_on_the_console_gives_her_a_priority_ticket(staff_ctx, clock, tmp_path):
    ctx = staff_ctx  # Thursday at Ducos: she took a ticket and was not received
    services.take_ticket(ctx, "cgss-c2s")
    services.close_stopover(ctx)
    (given,) = issue_return_passes(ctx)
    clock.current += dt.timedelta(days=5)  # the next Tuesday, at Ducos again
    services.open_stopover(ctx, "ducos-bourg", "morning")
    services.take_ticket(ctx, "autre")  # someone already waits: she still goes first

    service = StaffService(ctx, printer=FilePrinter(tmp_path / "printed"))
    k = start_staff_app(service, size=(1280, 800))
    try:
        log_in(k)
        k.wait(lambda: k.screen == "console" and k.app.is_open, what="console, stop open")
        k.tap("return_code")
        k.wait(lambda: _dialog() is not None, what="code dialog")
        wrongs = [c for c in ("ACDEFG", "GFEDCA", "HGFEDC", "CDEFGH") if c != given.code][:3]
        for tries, wrong in enumerate(wrongs, 1):
            for char in wrong:
                k.tap(f"code:{char}")
            assert k.find("code_confirm").disabled is False
            k.tap("code_confirm")
            k.wait(lambda: "inconnu" in _dialog().error, what="unknown code said")
            if tries == 1:
                k.shot("127-console-code-retour-inconnu")
            # the third wrong code in a row: the next try waits, and the dialog says how long
            assert ("3 codes refusés de suite : attendez 5 secondes" in _dialog().error) \
                == (tries == 3)
            for _ in wrong:
                k.tap("code_erase")
            assert _dialog().code == "" and k.find("code_confirm").disabled
        for char in given.code:
            k.tap(f"code:{char}")
        # the wait counts down on "Valider", inactive: a tap now would only be refused again
        confirm = k.find("code_confirm")
        assert confirm.disabled and confirm.text.startswith("Valider (") and \
            confirm.text.endswith("\u00a0s)"), confirm.text
        k.shot("129-console-code-retour-attendre")
        k.tap_at(*confirm.to_window(*confirm.center))  # her finger on it anyway: nothing
        k.settle(0.3)
        assert _dialog() is not None and _dialog().error == "", "no try sent, none refused"
        clock.advance(seconds=5)  # the suite's clock: the database's wait is over...
        k.wait(lambda: not k.find("code_confirm").disabled,
               what="Valider back after the wait")  # ...and the dialog's, counted down
        assert k.find("code_confirm").text == "Valider"
        k.tap("code_confirm")
        k.wait(lambda: _dialog() is None, what="dialog closed")
        assert "Ticket prioritaire n° 2" in k.app.message
        k.wait(lambda: k.find("chooser_cancel") is not None, what="print offered")
        k.shot("128-console-code-retour-ticket")
        assert services.call_next(ctx, 1).number == 2, "first in line"
    finally:
        stop_app(k)
