"""User-facing texts, one YAML file per language in assets/i18n/: French (fr.yaml) and Kréyòl
Matinik (gcf.yaml, which also names the catalogue's organisms and procedures by their id: the
catalogue files themselves are French, the words the operators use)."""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from typing import Any

from kiosk import french
from kiosk.errors import DataFileError
from kiosk.system.config import ASSETS_DIR
from kiosk.system.yamlfile import LINE_KEY, load_yaml

log = logging.getLogger("borne-plus")

DEFAULT_LANGUAGE = "fr"
CREOLE = "gcf"
VISITOR_LANGUAGES = (DEFAULT_LANGUAGE, CREOLE)  # the order of the kiosk's language button
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")


@lru_cache(maxsize=4)
def _texts(language: str) -> dict[str, Any]:
    try:
        data = load_yaml(ASSETS_DIR / "i18n" / f"{language}.yaml")
    except DataFileError as exc:
        if language == DEFAULT_LANGUAGE:
            raise
        # gcf.yaml is corrected by hand by a native speaker: a slip in it (a quote left open)
        # leaves the kiosk in French, and says where, rather than breaking every Créole screen
        log.error("i18n: %s: the kiosk shows the French texts instead", exc)
        return {}
    return data if isinstance(data, dict) else {}


def _lookup(key: str, language: str) -> str | None:
    node: Any = _texts(language)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, str) else None


def t(key: str, language: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The text for a dotted key ("ticket.print"), with {placeholders} filled. A key missing in
    Créole shows the French text; missing in French, the key itself rather than crashing a
    screen (tests check that none is missing)."""
    text = _lookup(key, language)
    if text is None and language != DEFAULT_LANGUAGE:
        text = _lookup(key, DEFAULT_LANGUAGE)
    if text is None:
        return key
    try:
        return text.format(**values) if values else text
    except (ValueError, KeyError, IndexError):
        # a translation edited by hand with a broken or renamed {placeholder}: the screen shows
        # the French rather than failing (tests/unit/test_creole.py names the faulty key)
        if language == DEFAULT_LANGUAGE:
            raise
        return t(key, DEFAULT_LANGUAGE, **values)


def translated(key: str, language: str) -> str | None:
    """The text of `key` in `language` only (no French fallback), None when it has none."""
    return _lookup(key, language)


def other_language(language: str) -> str:
    """The language the kiosk's language button switches to."""
    return CREOLE if language == DEFAULT_LANGUAGE else DEFAULT_LANGUAGE


def operator_label(operator: Any, language: str = DEFAULT_LANGUAGE) -> str:
    """The organism's tile label: the catalogue's French, or its Créole from gcf.yaml by id
    (French when a coordinator's new organism has no Créole yet)."""
    if language == DEFAULT_LANGUAGE:
        return str(operator.label)
    return _lookup(f"catalogue.operators.{operator.id}.label", language) or str(operator.label)


def procedure_title(procedure: Any, language: str = DEFAULT_LANGUAGE) -> str:
    if language == DEFAULT_LANGUAGE:
        return str(procedure.title)
    return (_lookup(f"catalogue.procedures.{procedure.id}.title", language)
            or str(procedure.title))


def procedure_summary(procedure: Any, language: str = DEFAULT_LANGUAGE) -> str:
    if language == DEFAULT_LANGUAGE:
        return str(procedure.summary)
    return (_lookup(f"catalogue.procedures.{procedure.id}.summary", language)
            or str(procedure.summary))


def group_label(name: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A group of a crowded organism's procedures ("Carte Vitale et compte ameli"): the
    catalogue's French, or its Créole from gcf.yaml keyed by that French text."""
    if language == DEFAULT_LANGUAGE:
        return name
    return _lookup(f"catalogue.groups.{name}", language) or name


def missing_catalogue_texts(catalogue: Any, language: str = CREOLE) -> list[str]:
    """The gcf.yaml keys the catalogue needs and the file lacks ("catalogue.procedures.x.title"),
    in catalogue order: what a new procedure or organism still needs translated."""
    missing = []
    for operator in catalogue.operators:
        key = f"catalogue.operators.{operator.id}.label"
        if not (_lookup(key, language) or "").strip():
            missing.append(key)
    for group in dict.fromkeys(p.group for p in catalogue.procedures if p.group):
        key = f"catalogue.groups.{group}"
        if not (_lookup(key, language) or "").strip():
            missing.append(key)
    for procedure in catalogue.procedures:
        for part in ("title", "summary"):
            key = f"catalogue.procedures.{procedure.id}.{part}"
            if not (_lookup(key, language) or "").strip():
                missing.append(key)
    return missing


def keys(language: str = DEFAULT_LANGUAGE) -> set[str]:
    found: set[str] = set()

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k != LINE_KEY:
                    walk(v, f"{prefix}{k}.")
        else:
            found.add(prefix.rstrip("."))

    walk(_texts(language), "")
    return found


def short_day(day: dt.date, language: str = DEFAULT_LANGUAGE) -> str:
    """"mardi 15 décembre", "lundi 1er février" in plain French (kiosk/french.py: the one place
    that writes French dates); "madi 15 désanm" in Créole, from gcf.yaml's dates."""
    if language == DEFAULT_LANGUAGE or _lookup("dates.day_and_month", language) is None:
        return french.day_and_month(day)
    return t("dates.day_and_month", language, date=day.day,
             day=t(f"dates.days.{_WEEKDAYS[day.weekday()]}", language),
             month=t(f"dates.months.{_MONTHS[day.month - 1]}", language))


def half_label(half: str, language: str = DEFAULT_LANGUAGE) -> str:
    return t(f"halves.{half}", language)


# "à" and the commune's name, for the twelve communes of the round: one table, as people say
# it (the article of "Le Saint-Esprit" is dropped from its name on the bus's list, not in speech)
AT_COMMUNE_FR = {
    "Les Anses-d'Arlet": "aux Anses-d'Arlet", "Le Diamant": "au Diamant", "Ducos": "à Ducos",
    "Le François": "au François", "Le Marin": "au Marin", "Rivière-Pilote": "à Rivière-Pilote",
    "Rivière-Salée": "à Rivière-Salée", "Saint-Esprit": "au Saint-Esprit",
    "Le Saint-Esprit": "au Saint-Esprit", "Sainte-Anne": "à Sainte-Anne",
    "Sainte-Luce": "à Sainte-Luce", "Les Trois-Îlets": "aux Trois-Îlets",
    "Le Vauclin": "au Vauclin",
}


def at_commune(name: str, language: str = DEFAULT_LANGUAGE) -> str:
    """"à Ducos", "au François", "aux Trois-Îlets", "au Saint-Esprit": the table above for the
    round's communes, else French contracts à + le/les. In Créole the commune's name loses its
    French article: "an Ducos", "an François"."""
    if language != DEFAULT_LANGUAGE and _lookup("grammar.at_commune", language) is not None:
        for article in ("Le ", "La ", "Les ", "L'"):
            if name.startswith(article):
                name = name[len(article):]
                break
        return t("grammar.at_commune", language, name=name)
    if name in AT_COMMUNE_FR:
        return AT_COMMUNE_FR[name]
    if name.startswith("Le "):
        return "au " + name[3:]
    if name.startswith("Les "):
        return "aux " + name[4:]
    if name.startswith("La "):
        return "à la " + name[3:]
    return "à " + name


def stop_text(stop_name: str | None, commune_name: str | None,
              language: str = DEFAULT_LANGUAGE) -> str:
    """Accueil's line on where the bus is today, or that no stop is planned."""
    if not stop_name:
        return t("accueil.no_stop", language)
    return t("accueil.today", language, stop=stop_name,
             at_commune=at_commune(commune_name or "", language))


def ahead_text(ahead: int, language: str = DEFAULT_LANGUAGE) -> str:
    """The ticket's "people before you" line."""
    if ahead == 0:
        return t("ticket.ahead_none", language)
    if ahead == 1:
        return t("ticket.ahead_one", language)
    return t("ticket.ahead_many", language, count=ahead)


def wait_text(ticket: dict[str, Any], language: str = DEFAULT_LANGUAGE) -> str:
    """The ticket's wait line: a range of minutes, a short wait, unknown (no desk open), or
    past the closing of the half-day ("" without a ticket)."""
    if not ticket:
        return ""
    if ticket.get("past_closing"):
        return t(f"ticket.past_closing.{ticket['half']}", language, hour=ticket["closes_at"])
    if not ticket.get("known", True):
        return t("ticket.wait_unknown", language)
    if ticket.get("low", 0) == 0:
        return t("ticket.wait_short", language, high=ticket.get("high", 5))
    return t("ticket.wait", language, low=ticket["low"], high=ticket["high"])


def creole_todo(catalogue: Any, language: str = CREOLE) -> str:
    """The lines to add under `catalogue:` in gcf.yaml for what the catalogue has and gcf.yaml
    lacks, the French beside each as a comment: `python -m kiosk.content.i18n` prints them."""
    missing = set(missing_catalogue_texts(catalogue, language))
    lines: list[str] = []
    operators = [o for o in catalogue.operators
                 if f"catalogue.operators.{o.id}.label" in missing]
    if operators:
        lines.append("# sous « operators: »")
        for operator in operators:
            lines += [f"    {operator.id}:", f'      label: ""  # {operator.label}']
    groups = [k.removeprefix("catalogue.groups.") for k in missing_catalogue_texts(catalogue, language)
              if k.startswith("catalogue.groups.")]
    if groups:  # keyed by the catalogue's French name of the group
        lines.append("# sous « groups: »")
        lines += [f'    "{group}": ""' for group in groups]
    procedures = [p for p in catalogue.procedures
                  if {f"catalogue.procedures.{p.id}.title",
                      f"catalogue.procedures.{p.id}.summary"} & missing]
    if procedures:
        lines.append("# sous « procedures: »")
        for procedure in procedures:
            lines += [f"    {procedure.id}:", f'      title: ""  # {procedure.title}',
                      f'      summary: ""  # {procedure.summary}']
    return "\n".join(lines)


def main() -> int:
    """`python -m kiosk.content.i18n`: what gcf.yaml still lacks for the kiosk's catalogue."""
    from kiosk.content.catalogue import load_catalogue
    from kiosk.system.config import load_settings

    catalogue = load_catalogue(load_settings().effective_catalogue_dir)
    todo = creole_todo(catalogue)
    if not todo:
        print("Toutes les démarches et tous les organismes ont leur texte en créole.")
        return 0
    # each block goes right under the line that opens its section: appended at the end of the
    # file it would land in another section, and a second "procedures:" would replace the first
    print("# À traduire dans assets/i18n/gcf.yaml (le français en commentaire) : collez chaque "
          "bloc juste sous la ligne\n# qui le nomme dans « catalogue: », puis écrivez le créole "
          "entre les guillemets.")
    print(todo)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
