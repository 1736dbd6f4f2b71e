"""Kréyòl Matinik: every visitor text, every organism and every procedure of the LIVE catalogue
has its Créole version in assets/i18n/gcf.yaml (a procedure added to the catalogue without its
Créole fails here), with the same {placeholders} as the French."""

from __future__ import annotations

import datetime as dt
import re
import string

from kiosk.content import i18n
from kiosk.content.catalogue import load_catalogue
from kiosk.system.config import ASSETS_DIR

LIVE_CATALOGUE = ASSETS_DIR / "catalogue"
# the catalogue's own limits (assets/catalogue/README.md): the rows are laid out for them
TITLE_MAX, SUMMARY_MAX, LABEL_MAX = 48, 90, 32


def _placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_every_french_visitor_text_has_its_creole_version_with_the_same_placeholders():
    french = i18n.keys("fr")
    assert len(french) > 60
    missing = sorted(k for k in french if not (i18n.translated(k, "gcf") or "").strip())
    assert missing == [], f"gcf.yaml lacks: {missing}"
    lost = {k: (_placeholders(i18n.t(k, "fr")), _placeholders(i18n.t(k, "gcf")))
            for k in french if _placeholders(i18n.t(k, "fr")) != _placeholders(i18n.t(k, "gcf"))}
    assert lost == {}, f"placeholders differ (French, Créole): {lost}"
    # the Créole is Créole, not French copied over (a few names and numbers stay alike)
    same = sorted(k for k in french if i18n.t(k, "fr") == i18n.t(k, "gcf"))
    assert set(same) <= {"accueil.passage"}, same


def test_every_organism_and_procedure_of_the_live_catalogue_has_its_creole_name():
    catalogue = load_catalogue(LIVE_CATALOGUE)
    missing = i18n.missing_catalogue_texts(catalogue)
    assert missing == [], ("gcf.yaml lacks the Créole of (run `python -m kiosk.content.i18n` for the "
                           "lines to fill):\n  " + "\n  ".join(missing))
    for procedure in catalogue.procedures:
        title = i18n.procedure_title(procedure, "gcf")
        summary = i18n.procedure_summary(procedure, "gcf")
        assert len(title) <= TITLE_MAX, (procedure.id, title)
        assert len(summary) <= SUMMARY_MAX, (procedure.id, summary)
    for operator in catalogue.operators:
        assert len(i18n.operator_label(operator, "gcf")) <= LABEL_MAX, operator.id
    # nothing left in gcf.yaml for a procedure that is gone: a stale id would hide a rename
    known = {f"catalogue.procedures.{p.id}." for p in catalogue.procedures}
    known |= {f"catalogue.operators.{o.id}." for o in catalogue.operators}
    groups = {f"catalogue.groups.{p.group}" for p in catalogue.procedures if p.group}
    for procedure in catalogue.procedures:
        if procedure.group:  # the group's row on Démarche, in Créole
            assert i18n.group_label(procedure.group, "gcf") != procedure.group, procedure.group
    stale = sorted(k for k in i18n.keys("gcf") if k.startswith("catalogue.") and k not in groups
                   and not any(k.startswith(prefix) for prefix in known))
    assert stale == [], stale


def test_the_todo_lists_what_a_new_procedure_lacks(tmp_path):
    """What `python -m kiosk.content.i18n` prints for a procedure added without its Créole."""
    catalogue = load_catalogue(LIVE_CATALOGUE)
    first = catalogue.procedures[0]
    new = type(first)(**{**first.__dict__, "id": "caf-nouvelle", "title": "Nouvelle démarche",
                         "group": "Nouveau groupe"})
    grown = type(catalogue)(catalogue.operators, (*catalogue.procedures, new), catalogue.partners)
    assert set(i18n.missing_catalogue_texts(grown)) == {
        *i18n.missing_catalogue_texts(catalogue),  # none, once gcf.yaml is up to date
        "catalogue.groups.Nouveau groupe",
        "catalogue.procedures.caf-nouvelle.title", "catalogue.procedures.caf-nouvelle.summary"}
    todo = i18n.creole_todo(grown)
    assert "    caf-nouvelle:" in todo and '      title: ""  # Nouvelle démarche' in todo
    assert '    "Nouveau groupe": ""' in todo
    # a missing Créole shows the French on the kiosk, never a key
    assert i18n.procedure_title(new, "gcf") == "Nouvelle démarche"


def test_creole_words_for_the_kiosk():
    assert i18n.t("accueil.take", "gcf") == "Pran an tikè"
    assert i18n.t("ticket.your_number", "gcf") == "Nimewo'w"
    assert i18n.t("read.listen", "gcf") == "Kouté"
    assert i18n.t("accueil.language", "fr") == "Kréyòl"
    assert i18n.t("accueil.language", "gcf") == "Français"
    assert i18n.other_language("fr") == "gcf" and i18n.other_language("gcf") == "fr"
    assert i18n.short_day(dt.date(2026, 12, 15), "gcf") == "madi 15 désanm"
    assert i18n.short_day(dt.date(2026, 12, 15), "fr") == "mardi 15 décembre"
    assert i18n.half_label("morning", "gcf") == "bomaten"
    assert i18n.at_commune("Le François", "gcf") == "an François"
    assert i18n.at_commune("Ducos", "gcf") == "an Ducos"
    assert i18n.t("banner.go", "gcf", desk=2) == "Alé o pòs 2"
    # no French space before "?" or "!" in Créole (GEREC spelling)
    for key in i18n.keys("gcf"):
        assert not re.search(r"\s[?!]", i18n.t(key, "gcf")), key


def test_a_creole_text_broken_by_hand_shows_the_french(monkeypatch):
    """A reviewer who breaks a {placeholder} in gcf.yaml gets the French on that screen, not a
    crash (and `make test` names the key)."""
    real = i18n._texts
    broken = {**real("gcf"), "banner": {"call": "N° {number  →  Pòs {desk}",
                                        "go": "Alé o pòs {pòs}"}}
    monkeypatch.setattr(i18n, "_texts", lambda language: broken if language == "gcf"
                        else real(language))
    assert i18n.t("banner.call", "gcf", number=12, desk=2) == "N° 12  →  Poste 2"
    assert i18n.t("banner.go", "gcf", desk=2) == "Présentez-vous au poste 2"
    assert i18n.t("read.listen", "gcf") == "Kouté"


def test_a_creole_file_broken_by_hand_leaves_the_kiosk_in_french(monkeypatch, tmp_path, caplog):
    folder = tmp_path / "i18n"
    folder.mkdir()
    good = (ASSETS_DIR / "i18n" / "gcf.yaml").read_text("utf-8")
    (folder / "gcf.yaml").write_text(good.replace('take: "Pran an tikè"', 'take: "Pran an tikè'),
                                     "utf-8")
    (folder / "fr.yaml").write_text((ASSETS_DIR / "i18n" / "fr.yaml").read_text("utf-8"), "utf-8")
    monkeypatch.setattr(i18n, "ASSETS_DIR", tmp_path)
    i18n._texts.cache_clear()
    try:
        assert i18n.t("accueil.take", "gcf") == "Prendre un ticket"
        assert "gcf.yaml" in caplog.text and "ligne" in caplog.text
    finally:
        monkeypatch.undo()
        i18n._texts.cache_clear()
    assert i18n.t("accueil.take", "gcf") == "Pran an tikè"


def test_the_ticket_and_accueil_lines_in_both_languages():
    assert i18n.ahead_text(0) == "Personne avant vous."
    assert i18n.ahead_text(1) == "1 personne avant vous."
    assert i18n.ahead_text(7) == "7 personnes avant vous."
    assert i18n.wait_text({}) == ""
    assert i18n.wait_text({"known": True, "low": 10, "high": 20}) == "Attente : 10 à 20 minutes"
    assert i18n.wait_text({"known": True, "low": 0, "high": 5}) == "Attente : moins de 5 minutes"
    assert i18n.wait_text({"known": False}).startswith("Attente : pas encore connue.")
    late = {"past_closing": True, "half": "afternoon", "closes_at": 17}
    assert "cet après-midi" in i18n.wait_text(late) and "avant 17 h" in i18n.wait_text(late)
    assert i18n.stop_text(None, None) == "Le bus PLUS passe près de chez vous."
    assert i18n.stop_text("Bourg", "Ducos") == "Aujourd'hui, le bus est à Ducos : Bourg"
    for language in ("fr", "gcf"):  # every branch has its words in both languages
        texts = [i18n.ahead_text(n, language) for n in (0, 1, 7)]
        texts += [i18n.wait_text(t, language) for t in
                  ({"known": True, "low": 10, "high": 20}, {"known": False}, late)]
        texts.append(i18n.stop_text("Bourg", "Ducos", language))
        assert all(t and "{" not in t for t in texts), texts
    assert i18n.ahead_text(7, "gcf") != i18n.ahead_text(7, "fr")
