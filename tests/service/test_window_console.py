"""The staff console hears of a refused panel file, on the line it shows for the catalogue; the
kiosk leaves it out and shows the others."""

from __future__ import annotations

from kiosk.apps.console import StaffService


def test_a_refused_panel_file_is_said_on_the_console(ctx, tmp_path):
    service = StaffService(ctx)
    assert service.catalogue_problem() is None  # the shipped panels are good
    folder = ctx.settings.data_dir / "panels"
    folder.mkdir()
    (folder / "dechets.yaml").write_text("title: Déchets\nlines: [Lundi]\nstart: 2026-01-01\n"
                                         "end: 2026-12-31\n", "utf-8")
    problem = service.catalogue_problem() or ""
    assert problem.startswith("Panneaux de la borne : le fichier dechets.yaml, ligne 2, n'est pas "
                              "montré (panneau, champ « lines » : 1 lignes, il en faut de 2 à 3)")
    (folder / "dechets.yaml").unlink()
    assert service.catalogue_problem() is None


def test_a_giant_picture_is_left_out_by_the_kiosk_and_said_on_the_console(ctx, tmp_path, caplog):
    from kiosk.apps.visitor import VisitorService
    from kiosk.output.printing import FilePrinter
    from tests.unit.test_panels import GOOD, giant_png

    folder = ctx.settings.data_dir / "panels"
    folder.mkdir()
    good = GOOD.replace("2026-12-01", "2026-01-01").replace("2026-12-31", "2027-12-31")
    (folder / "01-dechets.yaml").write_text(good, "utf-8")
    (folder / "geant.png").write_bytes(giant_png(60000, 60000))
    (folder / "02-geant.yaml").write_text(good + "image: geant.png\n", "utf-8")
    (folder / "03-fete.yaml").write_text(good, "utf-8")
    kiosk = VisitorService(ctx, printer=FilePrinter(tmp_path / "printed"))
    with caplog.at_level("WARNING", logger="kiosk.content.panels"):
        for _turn in range(3):  # every turn of the window asks; none raises
            assert [p.id for p in kiosk.panels()] == ["01-dechets", "03-fete"]
    assert len(caplog.records) == 1 and "« geant.png » trop grande" in caplog.records[0].message
    problem = StaffService(ctx).catalogue_problem() or ""
    assert problem.startswith("Panneaux de la borne : le fichier 02-geant.yaml, ligne 7, n'est pas "
                              "montré (panneau, champ « image » : « geant.png » trop grande")
