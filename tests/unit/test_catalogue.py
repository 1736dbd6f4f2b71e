"""The shipped catalogue is valid and complete; broken files give errors naming the place."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from kiosk.content.catalogue import OTHER_ID, load_catalogue
from kiosk.errors import DataFileError
from kiosk.system.config import ASSETS_DIR

SHIPPED = ASSETS_DIR / "catalogue"

GOOD = """\
operator:
  id: caf
  name: CAF de la Martinique
  label: Allocations CAF
  pictogram: caf
  order: 10
procedures:
  - id: caf-test
    title: Aide au logement
    summary: Demander une aide pour le loyer.
    typical_minutes: 20
    documents:
      - Pièce d'identité
    steps:
      - On ouvre votre compte.
    online: caf.fr
    url: https://www.caf.fr/
    sources:
      - https://www.caf.fr/
    verified_on: 2026-11-20
"""


def write(tmp_path: Path, text: str, name: str = "caf.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_catalogue_is_valid_and_complete():
    catalogue = load_catalogue(SHIPPED)
    assert len(catalogue.procedures) >= 55
    assert len([o for o in catalogue.operators if o.id != OTHER_ID]) >= 10
    assert catalogue.procedure(OTHER_ID) is not None
    for operator in catalogue.operators:
        assert catalogue.procedures_of(operator.id), operator.id


def test_shipped_catalogue_speaks_of_martinique_and_writes_no_amount():
    catalogue = load_catalogue(SHIPPED)
    text = " ".join(
        " ".join((p.title, p.summary, *p.documents, *p.steps, *p.pitfalls, p.online))
        for p in catalogue.procedures
    )
    assert "€" not in text and not re.search(r"\d+ ?euros?", text)
    assert "ALS" in text and "CGSS" in text
    assert "CPAM" not in text and "MDPH" not in text and "Carsat" not in text


def test_shipped_catalogue_is_fresh(monkeypatch):
    catalogue = load_catalogue(SHIPPED)
    assert catalogue.stale(dt.date(2026, 11, 29)) == ()
    dated = [p for p in catalogue.procedures if not p.to_confirm]
    assert dated, "some entries were checked against their official source"
    assert list(catalogue.stale(dt.date(2028, 1, 1))) == dated, "entries to confirm are never stale"


def test_a_single_good_file_loads(tmp_path):
    catalogue = load_catalogue(write(tmp_path, GOOD))
    assert [p.id for p in catalogue.procedures] == ["caf-test"]
    assert catalogue.procedures[0].verified_on == dt.date(2026, 11, 20)


@pytest.mark.parametrize("change, expected", [
    (("    typical_minutes: 20\n", ""), r"caf\.yaml, ligne 8 : démarche « caf-test », champ « typical_minutes » : manquant"),
    (("typical_minutes: 20", "typical_minutes: vingt"), r"ligne 8 .*« typical_minutes » : doit être un nombre entier"),
    (("      - Pièce d'identité\n", ""), r"« documents » : 0 lignes, il en faut de 1 à 15"),
    (("https://www.caf.fr/\n    sources", "caf.fr\n    sources"), r"« url » : adresse https invalide"),
    (("verified_on: 2026-11-20", "verified_on: hier"), r"« verified_on » : doit être une date"),
    (("    online: caf.fr\n", "    online: caf.fr\n    amount: 12\n"), r"« amount » : champ inconnu"),
    (("  id: caf\n", "  id: cgss\n"), r"organisme, champ « id » : « cgss » doit être le nom du fichier"),
    (("title: Aide au logement", "title: [oops"), r"caf\.yaml, ligne 10 : YAML invalide"),
    (("  order: 10\n", "  order: 10\n  order: 11\n"), r"ligne 7 : clé « order » en double"),
])
def test_a_broken_file_names_file_line_procedure_and_field(tmp_path, change, expected):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(DataFileError) as error:
        load_catalogue(path)
    assert re.search(expected, error.value.message), error.value.message
    assert str(path) in error.value.message


def test_duplicate_procedure_ids_are_refused(tmp_path):
    shutil.copy(SHIPPED / "autre.yaml", tmp_path / "autre.yaml")
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("id: caf\n", "id: copy\n").replace("pictogram: caf", "pictogram: copy"), "copy.yaml")
    with pytest.raises(DataFileError, match="« caf-test » déjà définie dans caf.yaml"):
        load_catalogue(tmp_path)


def test_a_folder_without_the_other_procedure_is_refused(tmp_path):
    write(tmp_path, GOOD)
    with pytest.raises(DataFileError, match="il manque la démarche « autre »"):
        load_catalogue(tmp_path)


PARTNERS = """\
partners:
  - id: caf
    label: CAF
    name: Caisse d'allocations familiales
  - id: autre
    label: Autre
    name: Un autre partenaire
"""


def test_the_shipped_partners_are_listed_with_the_typed_other_last():
    partners = load_catalogue(SHIPPED).partners
    labels = [p.label for p in partners]
    for expected in ("CAF", "CGSS", "France Travail", "DGFiP", "Mairie", "CCAS", "MMPH", "EDF",
                     "SME", "ANTS / Préfecture", "Mission locale", "Association"):
        assert expected in labels
    assert [p.id for p in partners if p.typed] == ["autre"] and partners[-1].typed
    catalogue = load_catalogue(SHIPPED)
    assert catalogue.partner_named(" caf ").label == "CAF"
    assert catalogue.partner_named("france travail").id == "france-travail"
    assert catalogue.partner_named("Autre") is None, "the typed partner is never a name"
    assert catalogue.partner_named("Kaz a Lanmou") is None


def test_a_folder_without_partners_keeps_the_shipped_list(tmp_path):
    shutil.copy(SHIPPED / "autre.yaml", tmp_path / "autre.yaml")
    write(tmp_path, GOOD)
    assert load_catalogue(tmp_path).partners == load_catalogue(SHIPPED).partners
    write(tmp_path, PARTNERS, "partners.yaml")
    catalogue = load_catalogue(tmp_path)
    assert [p.label for p in catalogue.partners] == ["CAF", "Autre"]
    assert sorted(o.id for o in catalogue.operators) == ["autre", "caf"], "not an operator"


@pytest.mark.parametrize("change, expected", [
    (("    label: CAF\n", ""), r"ligne 2 : partenaire « caf », champ « label » : manquant"),
    (("label: CAF", "label: Caisse d'allocations familiales"), r"« label » : trop long"),
    (("id: caf", "id: Caf"), r"partenaire « Caf », champ « id » : valeur invalide"),
    (("label: Autre", "label: caf"), r"ligne 5 : partenaire « autre », champ « label » : « caf » "
                                     r"déjà utilisé par « caf »"),
    (("  - id: autre\n    label: Autre\n    name: Un autre partenaire\n", ""),
     r"il manque le partenaire « autre »"),
    (("    name: Un autre partenaire\n", "    name: Un autre partenaire\n    phone: 0596\n"),
     r"partenaire « autre », champ « phone » : champ inconnu"),
    (("partners:", "partenaires:"), r"fichier, champ « partenaires » : champ inconnu"),
])
def test_a_broken_partners_file_names_file_line_and_field(tmp_path, change, expected):
    shutil.copy(SHIPPED / "autre.yaml", tmp_path / "autre.yaml")
    path = write(tmp_path, PARTNERS.replace(*change), "partners.yaml")
    with pytest.raises(DataFileError) as error:
        load_catalogue(tmp_path)
    assert re.search(expected, error.value.message), error.value.message
    assert str(path) in error.value.message
