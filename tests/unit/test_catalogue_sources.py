"""Papers and steps naming their source, papers marked mandatory, entries to confirm, optional
groups; the review of sources against the official domains kept with the catalogue."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from kiosk.content.catalogue import (
    OTHER_ID,
    ROWS_PER_SCREEN,
    domains_for,
    is_official,
    load_catalogue,
    load_official_domains,
    review,
)
from kiosk.errors import DataFileError
from kiosk.system.config import ASSETS_DIR

SHIPPED = ASSETS_DIR / "catalogue"

SOURCED = """\
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
    group: Logement
    documents:
      - text: Pièce d'identité
        source: 1
        required: true
      - text: RIB
        source: 2
      - Numéro d'allocataire
    steps:
      - text: On ouvre votre compte.
        source: 2
      - On valide.
    online: caf.fr
    url: https://www.caf.fr/
    sources:
      - https://www.service-public.fr/particuliers/vosdroits/F1280
      - https://www.caf.fr/
    verified_on: 2026-11-29
"""


def write(tmp_path: Path, text: str, name: str = "caf.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_papers_and_steps_name_their_source_and_mandatory_papers_are_marked(tmp_path):
    p = load_catalogue(write(tmp_path, SOURCED)).procedures[0]
    assert p.documents == ("Pièce d'identité", "RIB", "Numéro d'allocataire")
    assert [p.is_required(i) for i in range(4)] == [True, False, False, False]
    assert p.source_of_document(0).endswith("/F1280") and p.source_of_document(1) == \
        "https://www.caf.fr/" and p.source_of_document(2) is None
    assert p.source_of_step(0) == "https://www.caf.fr/" and p.source_of_step(1) is None
    assert p.unsourced() == ("document 3", "étape 2")
    assert p.group == "Logement" and not p.to_confirm


def test_an_entry_without_date_is_to_confirm(tmp_path):
    p = load_catalogue(write(tmp_path, SOURCED.replace("    verified_on: 2026-11-29\n", "")))
    assert p.procedures[0].to_confirm and p.procedures[0].verified_on is None
    assert p.procedures[0].group == "Logement"
    plain = load_catalogue(write(tmp_path, SOURCED.replace("    group: Logement\n", "")))
    assert plain.procedures[0].group == ""


@pytest.mark.parametrize("change, expected", [
    (("        source: 2\n      - Numéro", "        source: 3\n      - Numéro"),
     r"ligne 8 : démarche « caf-test », champ « documents » : ligne 2 : « source » doit être le "
     r"numéro d'une des 2 sources \(1 à 2\)"),
    (("        source: 2\n      - On valide", "        source: 0\n      - On valide"),
     r"ligne 8 : démarche « caf-test », champ « steps » : ligne 1 : « source »"),
    (("        required: true", "        required: oui"),
     r"ligne 8 : démarche « caf-test », champ « documents » : ligne 1 : « required » vaut true ou false"),
    (("        required: true", "        obligatoire: true"),
     r"champ « documents » : ligne 1 : champ inconnu « obligatoire » \(permis : text, required, source\)"),
    (("        source: 2\n      - On valide", "        required: true\n      - On valide"),
     r"champ « steps » : ligne 1 : champ inconnu « required » \(permis : text, source\)"),
    (("      - text: RIB\n", "      - texte: RIB\n"), r"champ « documents » : ligne 2 : champ inconnu « texte »"),
    (("group: Logement", "group: " + "x" * 33), r"champ « group » : trop long \(33 caractères, 32 au plus\)"),
])
def test_a_bad_source_or_mark_names_file_line_procedure_and_field(tmp_path, change, expected):
    path = write(tmp_path, SOURCED.replace(*change))
    with pytest.raises(DataFileError) as error:
        load_catalogue(path)
    assert str(path) in error.value.message
    assert re.search(expected, error.value.message), error.value.message


def test_official_domains_cover_their_subdomains_only():
    domains = ("service-public.fr", "gouv.fr", "edf.mq")
    assert is_official("https://www.service-public.fr/particuliers/vosdroits/F1280", domains)
    assert is_official("https://permisdeconduire.ants.gouv.fr/", domains)
    assert is_official("https://www.edf.mq/", domains)
    assert not is_official("https://www.edf.fr/", domains)
    assert not is_official("https://gouv.fr.example.com/", domains)
    assert not is_official("https://notgouv.fr/", domains)


def test_the_domains_file_is_read_with_comments_and_refused_when_wrong(tmp_path):
    path = write(tmp_path, "# official\ncaf.fr  # the CAF\n\nGOUV.fr\n", DOMAINS := "domains.txt")
    assert load_official_domains(path) == ("caf.fr", "gouv.fr")
    with pytest.raises(DataFileError, match=r"domains\.txt, ligne 2 : nom de domaine invalide"):
        load_official_domains(write(tmp_path, "caf.fr\nhttps://x\n", DOMAINS))
    with pytest.raises(DataFileError, match="aucun domaine officiel"):
        load_official_domains(write(tmp_path, "# rien\n", DOMAINS))
    # a folder without its own list uses the shipped one
    assert domains_for(tmp_path) == load_official_domains(SHIPPED / "official-domains.txt")


def test_review_warns_about_foreign_sources_old_entries_and_unsourced_lines(tmp_path):
    text = SOURCED.replace("      - https://www.caf.fr/\n",
                           "      - https://www.caf.fr/\n      - https://blog.example.com/rsa\n")
    catalogue = load_catalogue(write(tmp_path, text))
    domains = ("service-public.fr", "caf.fr")
    lines = [w.line() for w in review(catalogue, domains, dt.date(2026, 11, 30))]
    assert lines == [
        "Attention : caf.yaml, démarche « caf-test » : source hors des sites officiels : "
        "https://blog.example.com/rsa",
        "Attention : caf.yaml, démarche « caf-test » : sans source : document 3, étape 2",
    ]
    later = [w.text for w in review(catalogue, domains, dt.date(2028, 1, 1))]
    assert "vérifiée le 29/11/2026, plus de 12 mois : à revérifier" in later
    # an entry to confirm is counted, not warned about its unsourced lines nor its age
    unchecked = load_catalogue(write(tmp_path, SOURCED.replace("    verified_on: 2026-11-29\n", "")))
    assert review(unchecked, domains, dt.date(2030, 1, 1)) == ()


# The shipped catalogue's deliberate exceptions to the review: none today. Add a line here (and
# say why in the entry's README section) rather than weakening the review.
ACCEPTED_WARNINGS: set[str] = set()


def test_the_shipped_catalogue_has_no_warning_but_those_accepted():
    catalogue = load_catalogue(SHIPPED)
    # checked as of the newest date in it: staleness is the coordinator's yearly work, not a
    # test that turns red on its own a year after the last check
    newest = max(p.verified_on for p in catalogue.procedures if p.verified_on is not None)
    warnings = {w.line() for w in review(catalogue, domains_for(SHIPPED), newest)}
    assert warnings - ACCEPTED_WARNINGS == set(), "\n".join(sorted(warnings))
    for p in catalogue.procedures:
        assert p.url and p.sources, p.id
        if not p.to_confirm:  # a date means a check that was done
            assert p.verified_on is not None, p.id


def test_the_review_judges_dates_by_the_day_it_is_given():
    """Fresh, stale or in the future: said of the day the caller's clock gives (the bus's
    clock for `kiosk catalogue check`), never of the machine's date."""
    catalogue = load_catalogue(SHIPPED)
    domains = domains_for(SHIPPED)
    dated = [p for p in catalogue.procedures if p.verified_on is not None]
    newest = max(p.verified_on for p in dated)
    oldest = min(p.verified_on for p in dated)

    def said(today: dt.date, words: str) -> set[str]:
        return {w.procedure_id for w in review(catalogue, domains, today) if words in w.text}

    assert said(newest, "date à venir") == set() and said(newest, "à revérifier") == set()
    assert said(oldest - dt.timedelta(days=1), "date à venir") == {p.id for p in dated}
    assert said(newest + dt.timedelta(days=400), "à revérifier") == {p.id for p in dated}


def test_a_crowded_operator_groups_its_procedures_in_screenfuls():
    catalogue = load_catalogue(SHIPPED)
    assert len(catalogue.procedures) >= 55
    for operator in catalogue.operators:
        procedures = catalogue.procedures_of(operator.id)
        groups = catalogue.groups_of(operator.id)
        assert sorted(p.id for _name, procs in groups for p in procs) == sorted(
            p.id for p in procedures), "each procedure in exactly one group"
        if len(procedures) > ROWS_PER_SCREEN:
            assert all(name for name, _procs in groups), (operator.id, "every procedure grouped")
            assert 2 <= len(groups) <= ROWS_PER_SCREEN, operator.id
            for name, procs in groups:
                assert len(procs) <= ROWS_PER_SCREEN, (operator.id, name)
        elif operator.id != OTHER_ID:
            assert len(groups) <= 1 or all(name for name, _ in groups), operator.id


def test_groups_keep_the_file_order(tmp_path):
    text = SOURCED + SOURCED.split("procedures:\n", 1)[1].replace("caf-test", "caf-two").replace(
        "group: Logement", "group: Famille") + SOURCED.split("procedures:\n", 1)[1].replace(
        "caf-test", "caf-three")
    catalogue = load_catalogue(write(tmp_path, text))
    assert [(name, [p.id for p in procs]) for name, procs in catalogue.groups_of("caf")] == [
        ("Logement", ["caf-test", "caf-three"]), ("Famille", ["caf-two"])]
