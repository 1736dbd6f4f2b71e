"""`kiosk backup` and `kiosk restore` as the coordinator and scripts run them (in-process, stdin
not a terminal: nobody is there to answer a question)."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from kiosk.cli.common import half_label
from tests.cli.runner import Kiosk, folder_state, make_env, one_line
from tests.service.crafted import HOSTILE, alter


def waiting(kiosk: Kiosk) -> list[int]:
    return [w["number"] for w in kiosk.json("queue")["waiting"]]


@pytest.fixture
def kiosk(tmp_path, database_url) -> Kiosk:
    k = Kiosk(make_env(tmp_path, database_url))
    k("init")
    k("stopover", "open", "--stop", "ducos-bourg")
    for _ in range(3):
        k("ticket", "take", "autre")
    return k


@pytest.fixture
def usb(tmp_path) -> Path:
    folder = tmp_path / "usb"
    folder.mkdir()
    return folder


def test_backup_then_restore_puts_the_copy_back_and_keeps_the_replaced_base(kiosk, usb,
                                                                           tmp_path,
                                                                           database_url):
    made = kiosk.json("backup", "--out", str(usb))
    path = Path(made["path"])
    assert path.parent == usb and path.name.startswith("borne-plus-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert made["counts"]["tickets"] == 3 and made["removable"] is True
    kiosk("ticket", "take", "autre")
    assert len(waiting(kiosk)) == 4

    refused = kiosk("restore", str(path), expect=2)  # no terminal, no --yes: nothing done
    assert one_line(refused) == (
        "kiosk: Restauration non confirmée (elle retirerait ce que la sauvegarde n'a pas : "
        "1 ticket). Ajoutez --yes pour remplacer la base actuelle (elle sera gardée à part).")
    assert len(waiting(kiosk)) == 4

    restored = kiosk.json("restore", str(path), "--yes")
    assert restored["counts"]["tickets"] == 3 and len(waiting(kiosk)) == 3
    assert restored["dropped"] == {"stopovers": 0, "tickets": 1, "demandes": 0}
    [kept] = restored["numbering_kept"]
    assert (kept["stop"], kept["last_number"], kept["restored"]) == ("ducos-bourg", 4, 3)
    kept = Path(restored["kept_aside"])
    if database_url.startswith("sqlite:///"):  # beside the database file
        live = Path(database_url.removeprefix("sqlite:///"))
        assert kept.parent == live.parent and kept.name.startswith(f"{live.name}.before-restore-")
    else:  # a dump of the replaced database in the data dir
        assert kept.parent == tmp_path / "data" and ".before-restore-" in kept.name
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    # ticket 4 was handed out before the restore: the numbering goes on after it
    assert kiosk.json("ticket", "take", "autre")["number"] == 5


@pytest.mark.parametrize("how", ["truncated", "random"])
def test_a_damaged_file_is_refused_in_one_line_and_the_base_untouched(kiosk, usb, how):
    path = Path(kiosk.json("backup", "--out", str(usb))["path"])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3] if how == "truncated" else os.urandom(len(data)))
    kiosk("ticket", "take", "autre")
    before = waiting(kiosk)
    line = one_line(kiosk("restore", str(path), "--yes", expect=2))
    assert line.startswith(f"kiosk: {path.name} : fichier abîmé")
    assert waiting(kiosk) == before == [1, 2, 3, 4]


def test_a_newer_schema_is_refused_in_one_line(kiosk, usb, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the service tests cover PostgreSQL; here the copy is edited with sqlite3")
    path = Path(kiosk.json("backup", "--out", str(usb))["path"])
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '0099'")
    raw.close()
    kiosk("ticket", "take", "autre")
    line = one_line(kiosk("restore", str(path), "--yes", expect=2))
    assert "version plus récente de Borne PLUS (schéma 0099)" in line
    assert waiting(kiosk) == [1, 2, 3, 4]


def test_the_restore_says_what_it_dropped_and_where_the_numbering_goes_on(kiosk, usb):
    path = kiosk.json("backup", "--out", str(usb))["path"]
    kiosk("ticket", "take", "autre")
    kiosk("ticket", "take", "autre")
    stopover = kiosk.json("queue")["stopover"]  # today's, whatever the day the test runs
    said = kiosk("restore", path, "--yes").stdout
    assert said.startswith(
        f"Base restaurée depuis {Path(path).name} : 1 escale, 3 tickets, 0 demande ; ce que la "
        f"sauvegarde n'avait pas est retiré : 2 tickets ; ducos-bourg {stopover['day']} "
        f"{half_label(stopover['half'])} : prochain ticket n° 6 ; l'ancienne base est gardée "
        "dans ")
    assert kiosk.json("ticket", "take", "autre")["number"] == 6


def test_a_copy_carrying_a_trigger_is_refused_in_one_line(kiosk, usb):
    path = Path(kiosk.json("backup", "--out", str(usb))["path"])
    sqlite_change, pg_change, _ = HOSTILE["a trigger that aborts every ticket taken"]
    alter(path, sqlite_change, pg_change)
    line = one_line(kiosk("restore", str(path), "--yes", expect=2))
    assert line == (f"kiosk: {path.name} : pas le schéma de Borne PLUS (déclencheur en trop : "
                    "no_ticket (sur tickets)) : rien n'a changé")
    assert kiosk.json("ticket", "take", "autre")["number"] == 4  # tickets are still taken
    # staged beside the SQLite file, or in the data dir on PostgreSQL: none left either way
    assert not list(usb.parent.rglob(".restore-*"))


def test_closing_a_stopover_leaves_a_backup_in_the_data_dir(kiosk, tmp_path):
    closed = kiosk.json("stopover", "close")
    path = Path(closed["backup"])
    assert path.parent == tmp_path / "data" / "backups"
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_failed_automatic_backup_still_closes_and_says_so(kiosk, tmp_path):
    (tmp_path / "data" / "backups").write_text("not a folder")
    result = kiosk("stopover", "close")
    assert "Escale fermée" in result.stdout
    assert result.stderr.count("\n") == 1 and "sauvegarde automatique impossible" in result.stderr
    assert kiosk.json("queue")["stopover"] is None


def test_a_backup_into_a_folder_never_replaces_what_is_there(kiosk, usb):
    # --out names a folder: each copy takes a new name there (-2, -3 within the same minute),
    # so there is nothing to --force; a file, a FIFO or a link at --out is no folder
    first = Path(kiosk.json("backup", "--out", str(usb))["path"])
    before = folder_state(usb)
    second = Path(kiosk.json("backup", "--out", str(usb))["path"])
    assert second != first and second.parent == usb
    assert {name: folder_state(usb)[name] for name in before} == before
    (usb / "note.txt").write_bytes(b"x")
    os.mkfifo(usb / "tube")
    (usb / "lien").symlink_to(usb / "note.txt")
    before = folder_state(usb)
    for name in ("note.txt", "tube", "lien"):
        line = one_line(kiosk("backup", "--out", str(usb / name), expect=2))
        assert line == f"kiosk: {usb / name} : ce n'est pas un dossier", line
    assert one_line(kiosk("backup", "--out", str(usb), "--force", expect=2)).endswith(
        "unrecognized arguments: --force")
    assert folder_state(usb) == before


@pytest.mark.parametrize("args, message", [
    (("backup", "--out", "/nonexistent/cle"), "ce dossier n'existe pas"),
    (("restore", "/nonexistent/borne-plus.sqlite3", "--yes"), "fichier introuvable"),
    (("restore",), "the following arguments are required: FICHIER"),
])
def test_bad_arguments_are_one_line_exit_2(kiosk, args, message):
    assert message in one_line(kiosk(*args, expect=2))
