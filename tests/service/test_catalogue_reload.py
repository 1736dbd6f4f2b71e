"""A catalogue file that breaks while the apps run (a coordinator copying a wrong file): the apps
keep the last good catalogue and the console gets one line in words; a command still refuses."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kiosk.content.catalogue import cached_catalogue, catalogue_problem
from kiosk.core import services
from kiosk.errors import DataFileError
from kiosk.system.config import ASSETS_DIR

SHIPPED = ASSETS_DIR / "catalogue"


def own_catalogue(data_dir: Path) -> Path:
    """The coordinator's catalogue in the data dir (it wins over the shipped one)."""
    folder = data_dir / "catalogue"
    shutil.copytree(SHIPPED, folder)
    return folder


def break_title(folder: Path) -> int:
    """caf.yaml with an empty title for the RSA; returns the procedure's line (1-based)."""
    path = folder / "caf.yaml"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip() == "- id: caf-rsa")
    title = next(i for i in range(at, len(lines)) if lines[i].strip().startswith("title:"))
    lines[title] = "    title:\n"
    write(path, "".join(lines))
    return at + 1


def write(path: Path, text: str) -> None:
    path.write_text(text, "utf-8")
    # a later mtime even on a coarse clock: the change is what the cache looks at
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_a_broken_file_keeps_the_last_good_catalogue_and_says_where(tmp_path):
    folder = own_catalogue(tmp_path)
    good = cached_catalogue(folder, keep_last_good=True)
    assert catalogue_problem(folder) is None
    original = (folder / "caf.yaml").read_text("utf-8")
    line = break_title(folder)

    assert cached_catalogue(folder, keep_last_good=True) is good
    problem = catalogue_problem(folder)
    assert problem == (f"Catalogue : le fichier caf.yaml, ligne {line}, ne peut pas être lu "
                       "(démarche « caf-rsa », champ « title » : manquant) ; la borne garde "
                       "la version d'avant.")
    # a command (a fresh process in real life) is not an app: it refuses, as before
    with pytest.raises(DataFileError, match=f"caf.yaml, ligne {line} : .*title"):
        cached_catalogue(folder)

    write(folder / "caf.yaml", original)
    assert catalogue_problem(folder) is None
    fresh = cached_catalogue(folder)
    assert fresh is not good and fresh.procedure("caf-rsa") is not None


@pytest.mark.parametrize("damage", ["garbage", "missing-other", "folder", "removed"])
def test_any_damage_keeps_the_apps_on_the_last_good_catalogue(tmp_path, damage):
    folder = own_catalogue(tmp_path)
    good = cached_catalogue(folder, keep_last_good=True)
    if damage == "garbage":
        write(folder / "caf.yaml", "operator: [\n\x00")
    elif damage == "missing-other":
        (folder / "autre.yaml").unlink()
    elif damage == "folder":
        (folder / "neuf.yaml").mkdir()
    else:
        shutil.rmtree(folder)
        folder.mkdir()
    assert cached_catalogue(folder, keep_last_good=True) is good
    problem = catalogue_problem(folder)
    assert problem is not None and problem.startswith("Catalogue : le ")
    assert problem.endswith("; la borne garde la version d'avant.") and "\n" not in problem
    assert len(problem) < 300


def test_a_broken_file_read_once_not_at_every_poll(tmp_path, monkeypatch):
    from kiosk.content import catalogue as module

    folder = own_catalogue(tmp_path)
    cached_catalogue(folder, keep_last_good=True)
    break_title(folder)
    reads = []
    real = module.load_catalogue
    monkeypatch.setattr(module, "load_catalogue", lambda loc: reads.append(loc) or real(loc))
    for _ in range(20):
        cached_catalogue(folder, keep_last_good=True)
        catalogue_problem(folder)
    assert len(reads) == 1


def test_the_kiosk_issues_tickets_on_the_last_good_catalogue(ctx):
    folder = own_catalogue(ctx.settings.data_dir)
    assert ctx.settings.effective_catalogue_dir == folder
    ctx.keep_last_good_catalogue = True
    services.open_stopover(ctx, "ducos-bourg")
    assert ctx.catalogue.procedure("caf-rsa") is not None
    break_title(folder)
    issued = services.take_ticket(ctx, "caf-rsa")
    assert (issued.number, issued.procedure_id) == (1, "caf-rsa")
    assert ctx.catalogue_problem() is not None
