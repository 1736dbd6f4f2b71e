"""The staff console hears of a refused panel file, on the line it shows for the catalogue."""

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
