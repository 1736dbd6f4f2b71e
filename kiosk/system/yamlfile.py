"""Safe YAML loading that remembers the line of every mapping and of every key, so errors can
point at them, and that refuses what a data file of this project never needs and an attacker
or a slip could use: anchors and aliases (a 357-byte "billion laughs" file expanded to hundreds of
megabytes), files over a megabyte (read on every command), anything that is not a regular file
(a FIFO hangs the reader, a folder or a symlink loop raised a traceback)."""

from __future__ import annotations

import copy
import errno
import os
import stat
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import yaml

from kiosk.errors import DataFileError, readable

LINE_KEY = "__line__"
MAX_BYTES = 1_000_000  # the whole shipped catalogue is about 60 kB; a config file is 1 kB
# What was parsed, by file and exact text: the pure-Python parser that keeps the lines takes
# ~0.5 s for the shipped catalogue and a copy of its result 0.02 s. A reload after one file
# changed parses that file only; a file whose text is back to an earlier one is not parsed again.
_PARSED: OrderedDict[tuple[str, str], Any] = OrderedDict()
_PARSED_MAX = 64
_PARSED_MAX_CHARS = 200_000
_parsed_lock = threading.Lock()


class LineDict(dict[Any, Any]):
    """A mapping that knows the line of each of its keys (`lines`)."""

    lines: dict[Any, int]


def key_line(mapping: Any, key: Any) -> int | None:
    """The line of `key` in a mapping read by load_yaml, else the mapping's own line."""
    if isinstance(mapping, LineDict) and key in mapping.lines:
        return mapping.lines[key]
    return line_of(mapping)


# libyaml (PyYAML's C parser) when PyYAML was built with it, as its wheels and Debian's are:
# the shipped catalogue parses in a fifth of the pure-Python time, which every command and the
# kiosk's start pay. Its nodes carry the same lines, and it caps nesting at 1,000 levels.
_C_PARSER: Any = getattr(yaml, "CParser", None)
_Parser: Any = _C_PARSER or yaml.SafeLoader


class _LineLoader(_Parser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


# No file of ours nests deeper than a handful of levels; thousands of brackets took the
# constructor 7 s of CPU to fail with a RecursionError.
MAX_DEPTH = 50


def _refuse_anchors(name: str, text: str) -> None:
    """Anchors and aliases, and nesting past MAX_DEPTH, are refused before anything is composed
    (an alias bomb expands nothing): one pass over the parser's events."""
    events = _Parser(text)
    depth = 0
    try:
        while events.check_event():
            event = events.get_event()
            line = event.start_mark.line + 1
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise DataFileError(name, f"YAML trop imbriqué ({MAX_DEPTH} niveaux au plus)",
                                        line)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            if isinstance(event, yaml.AliasEvent):
                raise DataFileError(name, "les alias YAML (*nom) ne sont pas acceptés", line)
            if getattr(event, "anchor", None) is not None:
                raise DataFileError(name, "les ancres YAML (&nom) ne sont pas acceptées", line)
    finally:
        events.dispose()


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.lines = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping.lines:
            raise DataFileError(
                str(loader.name), f"clé « {readable(str(key))} » en double",
                key_node.start_mark.line + 1
            )
        mapping.lines[key] = key_node.start_mark.line + 1
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise DataFileError(str(loader.name), f"date impossible « {readable(str(node.value))} »",
                            node.start_mark.line + 1) from None


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def present(path: Path) -> bool:
    """True when something is at `path`, whatever it is: a file, a folder, a FIFO, a symbolic
    link even broken or in a loop (`Path.exists` says False for the last two, and a caller
    that skips what does not exist would ignore them without a word). A name the system cannot
    even look at (over 255 bytes) raises its OSError, as `Path.exists` does."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return True


def regular_file(path: Path) -> os.stat_result:
    """The status of `path` when it is a regular file (through its symbolic links), else one
    DataFileError saying what it is instead. A stat, never an open: a FIFO is not waited on."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        detail = "lien symbolique cassé" if os.path.islink(path) else "fichier introuvable"
        raise DataFileError(str(path), detail) from None
    except OSError as exc:
        detail = ("lien symbolique en boucle" if exc.errno == errno.ELOOP
                  else f"illisible ({exc.strerror})")
        raise DataFileError(str(path), detail) from None
    if not stat.S_ISREG(info.st_mode):
        kind = ("un dossier" if stat.S_ISDIR(info.st_mode)
                else "un tube FIFO" if stat.S_ISFIFO(info.st_mode)
                else "un fichier spécial")
        raise DataFileError(str(path), f"ce n'est pas un fichier ordinaire ({kind})")
    return info


def _read(path: Path) -> str:
    info = regular_file(path)
    if info.st_size > MAX_BYTES:
        raise DataFileError(str(path), f"fichier trop gros ({info.st_size // 1000} ko ; "
                                       f"{MAX_BYTES // 1000} ko au plus)")
    try:
        # O_NONBLOCK: should the file have become a FIFO since the check, never hang on it
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise DataFileError(str(path), f"illisible ({exc.strerror})") from None
    if len(data) > MAX_BYTES:
        raise DataFileError(str(path), f"fichier trop gros ({MAX_BYTES // 1000} ko au plus)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DataFileError(str(path), "le fichier n'est pas en UTF-8") from None


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; every refusal is one DataFileError naming the file and the line.
    The caller owns what it gets: a fresh copy, whoever else read the same text."""
    text = _read(path)
    key = (str(path), text)
    with _parsed_lock:
        if key in _PARSED:
            _PARSED.move_to_end(key)
            return copy.deepcopy(_PARSED[key])
    data = _parse(path, text)
    if len(text) <= _PARSED_MAX_CHARS:
        with _parsed_lock:
            _PARSED[key] = copy.deepcopy(data)
            while len(_PARSED) > _PARSED_MAX:
                _PARSED.popitem(last=False)
    return data


def _parse(path: Path, text: str) -> Any:
    try:
        _refuse_anchors(str(path), text)  # the reader refuses control characters here already
        loader = _LineLoader(text)
        loader.name = str(path)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise DataFileError(str(path), f"YAML invalide : {yaml_problem(exc, text)}",
                            line) from None
    except yaml.reader.ReaderError as exc:
        # libyaml counts the position in UTF-8 bytes, the pure-Python reader in characters
        if _C_PARSER is not None:
            line = text.encode("utf-8")[:exc.position].count(b"\n") + 1
        else:
            line = text.count("\n", 0, exc.position) + 1
        raise DataFileError(str(path), "caractère de contrôle interdit "
                                       f"(code {exc.character})", line) from None
    except yaml.YAMLError:
        raise DataFileError(str(path), f"YAML invalide : {SYNTAX}") from None
    except RecursionError:  # thousands of nested brackets
        raise DataFileError(str(path), "YAML trop imbriqué") from None


SYNTAX = "syntaxe incorrecte"
# The YAML parsers' problems in the words of the person who edits the file, by a piece of the
# English text (libyaml's and the pure-Python parser's, which differ); the first that matches.
_PROBLEMS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("tab character",), "tabulation interdite (utilisez des espaces)"),
    (("mapping values are not allowed",),
     "deux-points mal placé : mettez le texte entre guillemets, ou alignez la ligne sur la "
     "précédente"),
    (("could not find expected ':'",), "il manque « : » après le nom"),
    (("end of stream",), "guillemet ouvert jamais fermé"),
    (("',' or ']'",), "crochet « [ » jamais fermé, ou virgule manquante"),
    (("',' or '}'",), "accolade « { » jamais fermée, ou virgule manquante"),
    (("expected key", "<block end>", "'-' indicator"),
     "décalage incorrect : alignez la ligne sur celles de même niveau"),
    (("unknown escape character",),
     "« \\ » inconnu entre guillemets doubles (utilisez des guillemets simples)"),
    (("constructor for the tag",), "les étiquettes YAML (!nom) ne sont pas acceptées"),
    (("unhashable key",), "une liste ou un bloc ne peut pas servir de nom"),
    (("document start",), "texte en trop à la fin (un crochet ou une accolade de trop ?)"),
    (("another document",), "un seul document par fichier (retirez le second « --- »)"),
)


def yaml_problem(exc: yaml.MarkedYAMLError, text: str) -> str:
    """What the parser found wrong, in one plain French line (the caller gives the line):
    « found character '\\t' that cannot start any token » reads « tabulation interdite… »."""
    problem = str(exc.problem or exc.context or "")
    if "cannot start any token" in problem:
        mark = exc.problem_mark
        lines = text.splitlines()
        found = ""
        if mark is not None and mark.line < len(lines) and mark.column < len(lines[mark.line]):
            found = lines[mark.line][mark.column]  # libyaml does not say which character
        if found == "\t" or "'\\t'" in problem:
            return "tabulation interdite (utilisez des espaces)"
        if found:
            return (f"« {readable(found)} » ne peut pas commencer une valeur : mettez le texte "
                    "entre guillemets")
    for pieces, words in _PROBLEMS:
        if any(piece in problem for piece in pieces):
            return words
    return SYNTAX


def hidden_character(text: str, spaces: bool = False) -> str | None:
    """The first character of `text` a data file's words must not hold, as « U+XXXX », else None:
    control and format characters (bidirectional overrides, zero-width), lone surrogates (a
    "\\ud800" escape: the database and the terminal cannot encode it). Tabs and newlines pass,
    being folded into spaces, unless `spaces` is true."""
    for ch in text:
        if not ch.isprintable() and (spaces or not ch.isspace()):
            return f"U+{ord(ch):04X}"
    return None


def line_of(entry: Any) -> int | None:
    return entry.get(LINE_KEY) if isinstance(entry, dict) else None
