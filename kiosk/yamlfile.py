"""Safe YAML loading that remembers the line of every mapping, so errors can point at it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kiosk.errors import DataFileError

LINE_KEY = "__line__"


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise DataFileError(
                str(loader.name), f"clé « {key} » en double", key_node.start_mark.line + 1
            )
        seen.add(key)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; syntax and encoding errors name the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(str(path), "fichier introuvable") from None
    except UnicodeDecodeError:
        raise DataFileError(str(path), "le fichier n'est pas en UTF-8") from None
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise DataFileError(str(path), f"YAML invalide : {exc.problem}", line) from None
    except yaml.YAMLError as exc:
        raise DataFileError(str(path), f"YAML invalide : {exc}") from None
    finally:
        loader.dispose()


def line_of(entry: Any) -> int | None:
    return entry.get(LINE_KEY) if isinstance(entry, dict) else None
