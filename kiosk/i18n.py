"""User-facing texts, one YAML file per language in assets/i18n/ (French first)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from kiosk import french
from kiosk.config import ASSETS_DIR
from kiosk.yamlfile import LINE_KEY, load_yaml

DEFAULT_LANGUAGE = "fr"


@lru_cache(maxsize=4)
def _texts(language: str) -> dict[str, Any]:
    data = load_yaml(ASSETS_DIR / "i18n" / f"{language}.yaml")
    return data if isinstance(data, dict) else {}


def t(key: str, language: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The text for a dotted key ("ticket.print"), with {placeholders} filled. A missing key
    shows the key itself rather than crashing a screen (a test checks that none is missing)."""
    node: Any = _texts(language)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return key
        node = node[part]
    if not isinstance(node, str):
        return key
    return node.format(**values) if values else node


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
    that writes dates; French is the kiosk's only language with texts today)."""
    return french.day_and_month(day)


def half_label(half: str, language: str = DEFAULT_LANGUAGE) -> str:
    return t(f"halves.{half}", language)


def at_commune(name: str) -> str:
    """"à Ducos", "au François", "aux Trois-Îlets": French contracts à + le/les."""
    if name.startswith("Le "):
        return "au " + name[3:]
    if name.startswith("Les "):
        return "aux " + name[4:]
    if name.startswith("La "):
        return "à la " + name[3:]
    return "à " + name
