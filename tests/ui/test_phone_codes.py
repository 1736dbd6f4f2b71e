"""The QR screen of a long checklist: its codes one at a time ("Code 1 sur 2"), each read by zbar
from a screenshot of the kiosk at both screen sizes of the bus, together the whole list."""

from __future__ import annotations

from kivy.core.window import Window
from PIL import Image
from pyzbar import pyzbar

from kiosk.apps.visitor import VisitorService
from tests.ui.layout_check import contrast_problems, layout_problems, target_mm_px, target_px

SIZES = ((1920, 1080), (1280, 800))


def _decoded(path):
    with Image.open(path) as image:
        return [s.data.decode("utf-8")
                for s in pyzbar.decode(image.convert("L"), symbols=[pyzbar.ZBarSymbol.QRCODE])]


def test_a_long_list_shows_its_codes_one_after_the_other(kiosk_app, visitor_ctx):
    k = kiosk_app
    procedure = visitor_ctx.catalogue.procedure("caf-aide-logement")
    expected = VisitorService(visitor_ctx).phone_qr(procedure.id, 1).texts
    count = len(expected)
    assert count >= 2, "caf-aide-logement is long enough for two codes"
    k.take_ticket("caf", procedure.id)
    k.tap("qr")
    k.wait(lambda: k.screen == "qr")
    try:
        for width, height in SIZES:
            Window.size = (width, height)
            k.settle(0.3)
            for index, text in enumerate(expected):
                k.wait(lambda i=index: k.app.qr_index == i, what=f"code {index + 1}")
                label = k.app.manager.current_screen.ids.part
                assert label.text == f"Code {index + 1} sur {count}"
                code = k.app.manager.current_screen.ids.code
                module = code.width / len(k.app.qr_matrix)
                # 1280x800 on a 14" panel: 0.235 mm a pixel; 4 px a module is about 1 mm
                assert module >= (4 if width == 1280 else 5), (width, module)
                path = k.shot(f"08-qr-code-{index + 1}-sur-{count}-{width}x{height}")
                assert _decoded(path) == [text], "one code on screen, the one announced"
                assert _problems(k) == []
                k.tap("next_code")
            k.wait(lambda: k.app.qr_index == 0, what="back to code 1")
            # large text and Kréyòl: the code shrinks, its number and button stay whole
            k.tap("zoom")
            k.wait(lambda: k.app.zoom > 1, what="large text")
            k.app.language = "gcf"
            k.settle(0.3)
            assert k.app.manager.current_screen.ids.part.text == f"Kòd 1 asou {count}"
            path = k.shot(f"08-qr-code-1-sur-{count}-grand-creole-{width}x{height}")
            assert _decoded(path) == [expected[0]]
            assert _problems(k) == []
            module = k.app.manager.current_screen.ids.code.width / len(k.app.qr_matrix)
            assert module >= 3, (width, module)
            k.tap("zoom")
            k.wait(lambda: k.app.zoom == 1, what="normal text")
            k.app.language = "fr"
    finally:
        Window.size = SIZES[0]
    together = "\n".join(expected)
    for document in procedure.documents:
        assert document in together
    k.tap("done")
    k.wait(lambda: k.screen == "accueil")
    assert k.app.qr_codes == []


def _problems(k) -> list[str]:
    width = Window.width
    return layout_problems(k.app, min_target=max(target_px(width), target_mm_px(width))) + \
        contrast_problems(k.app)
