"""A database failure said in words: a full disk must read « disque plein », not SQLite's
"disk I/O error" or a driver's message that the bus staff cannot act on; a server that cannot be
reached reads « connexion refusée par le serveur… », not libpq's "Connection refused"; and a
write the database refused (a trigger, a rule, a read-only file) is not called unreachable."""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import readable

DISK_FULL = "disque plein : libérez de la place (anciens exports, sauvegardes)"
# SQLite's SQLITE_FULL, the kernel's ENOSPC, PostgreSQL's "could not extend file"/"disk full"
FULL_WORDS = ("database or disk is full", "no space left on device", "could not extend file",
              "disk full")
NEARLY_FULL_BYTES = 1 << 20  # less than this free and an I/O error is taken for a full disk


def _chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or any(current is seen for seen in found):
            continue
        found.append(current)
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return found


def is_disk_full(exc: BaseException, folder: Path | None = None) -> bool:
    """True when the failure is a full disk. SQLite sometimes reports a write that found no
    room as a plain I/O error (SQLITE_IOERR_*): then the free space of `folder` (where the
    database file lives) decides."""
    io_error = False
    for current in _chain(exc):
        if isinstance(current, OSError) and current.errno == errno.ENOSPC:
            return True
        name = str(getattr(current, "sqlite_errorname", "") or "")
        code = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        text = str(current).lower()
        if name == "SQLITE_FULL" or code == "53100" or any(w in text for w in FULL_WORDS):
            return True
        io_error = io_error or name.startswith("SQLITE_IOERR") or "disk i/o error" in text
    if io_error and folder is not None:
        try:
            info = os.statvfs(folder)
        except OSError:
            return False
        return info.f_bavail * info.f_frsize < NEARLY_FULL_BYTES
    return False


def database_folder(url: str, data_dir: Path) -> Path:
    """Where a SQLite database file lives (the data dir for a server database)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and len(url) > len(prefix):
        return Path(url[len(prefix):].split("?")[0]).parent
    return data_dir


FULL, REFUSED, UNREACHABLE = "full", "refused", "unreachable"


@dataclass(frozen=True)
class Trouble:
    """A database failure in words. `kind`: FULL (no room left), REFUSED (the database answered
    and refused the write: a trigger, a rule, a read-only file or server) or UNREACHABLE
    (everything else: no answer, no file, a file that is not a database...). `words`: one French
    line, or the driver's own first line when it is none of those known here (`known` false)."""

    kind: str
    words: str
    known: bool = True

    def sentence(self) -> str:
        """« base de données inaccessible : … » or « la base de données a refusé l'écriture
        (…) »: the whole line, as the command line and the console say it."""
        if self.kind == REFUSED:
            return f"la base de données a refusé l'écriture ({self.words})"
        if not self.known:  # French first; the driver's line for whoever will look into it
            return f"erreur de base de données non reconnue, rien n'est enregistré (« {self.words} »)"
        return f"base de données inaccessible : {self.words}"

    def line(self) -> str:
        """The sentence on its own line (the console's message): a capital, a full stop."""
        return full_stop(self.sentence()[0].upper() + self.sentence()[1:])


def full_stop(text: str) -> str:
    """`text` ended by a full stop, unless it ends with one already, or a question mark."""
    return text if text.endswith((".", "?", "!", "…")) else f"{text}."


# The database answered and said no. SQLite: its extended result names; PostgreSQL: SQLSTATE
# classes and codes (23: a constraint, P0: a PL/pgSQL RAISE, as in a trigger; 25006: a read-only
# transaction, as on a standby server; 42501: no right to write there).
_REFUSING_SQLITE = ("SQLITE_CONSTRAINT", "SQLITE_READONLY", "SQLITE_AUTH")
_REFUSAL_WORDS = {
    "SQLITE_CONSTRAINT_UNIQUE": "cette valeur est déjà enregistrée",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "cette valeur est déjà enregistrée",
    "SQLITE_CONSTRAINT_CHECK": "valeur contraire à une règle de la base",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "elle renvoie à une donnée absente",
    "SQLITE_CONSTRAINT_NOTNULL": "une valeur obligatoire manque",
    "SQLITE_AUTH": "écriture non autorisée",
    "23505": "cette valeur est déjà enregistrée",
    "23514": "valeur contraire à une règle de la base",
    "23503": "elle renvoie à une donnée absente",
    "23502": "une valeur obligatoire manque",
    "25006": "le serveur n'accepte que des lectures, un serveur de secours peut-être",
    "42501": "ce compte n'a pas le droit d'écrire dans la base",
}
READ_ONLY_FILE = "fichier en lecture seule : vérifiez les droits du fichier et de son dossier"

# What libpq and SQLite say when the database cannot be reached or read, by a piece of their
# English text (lower case), in the words of the bus staff; the first that matches. {where} is
# the server named in the message ("127.0.0.1, port 5432"), {name} the name it quotes.
_UNREACHABLE_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("connection refused",), "connexion refusée par le serveur{where} : PostgreSQL est-il "
                              "démarré ?"),
    (("failed to resolve host", "could not translate host name"),
     "serveur « {name} » introuvable sur le réseau (nom du serveur ou réseau ?)"),
    (('database "',), "la base « {name} » n'existe pas sur le serveur{where}"),
    (('role "',), "le compte « {name} » n'existe pas sur le serveur{where}"),
    (("password authentication failed", "password is required", "no password supplied"),
     "mot de passe refusé par le serveur{where}"),
    (("no pg_hba.conf entry",), "le serveur{where} n'accepte pas ce poste (pg_hba.conf)"),
    (("timeout expired", "timed out"), "le serveur{where} ne répond pas (délai dépassé)"),
    (("starting up", "shutting down", "in recovery mode", "not yet accepting connections"),
     "le serveur{where} démarre ou s'arrête : réessayez dans un instant"),
    (("too many clients", "too many connections", "remaining connection slots"),
     "trop de connexions au serveur{where}"),
    (("no route to host", "network is unreachable"), "réseau injoignable{where}"),
    (("server closed the connection", "terminating connection", "connection is closed",
      "connection is lost", "consuming input failed", "connection reset", "broken pipe",
      "ssl syscall error", "eof detected"),
     "connexion au serveur{where} coupée"),
    (("invalid response to ssl negotiation", "received invalid response"),
     "le serveur{where} ne répond pas comme PostgreSQL (adresse ou port ?)"),
    (("no such file or directory",),
     "serveur PostgreSQL local introuvable : est-il démarré ?"),
    (("unable to open database file",),
     "fichier de la base impossible à ouvrir (dossier absent ou droits ?)"),
    (("database is locked", "database table is locked"),
     "base occupée trop longtemps par un autre programme : réessayez"),
    (("file is not a database",), "ce fichier n'est pas une base de données"),
    (("database disk image is malformed",),
     "fichier de la base abîmé : restaurez une sauvegarde (« kiosk restore »)"),
    (("disk i/o error",), "erreur de lecture ou d'écriture sur le disque"),
    (("no such table", "relation \""),
     "la base n'a pas les tables attendues : « kiosk init », ou une sauvegarde à restaurer"),
)
_SERVER = re.compile(r'server (?:at|on socket) "([^"]+)"(?:, port (\d+))?')
_QUOTED = re.compile(r"[\"']([^\"']*)[\"']")


def _sqlstate(exc: BaseException) -> str:
    return str(getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None) or "")


def _refusal(exc: BaseException) -> Trouble | None:
    """The database's own refusal of a write, in `exc`'s chain, else None."""
    for current in _chain(exc):
        name = str(getattr(current, "sqlite_errorname", "") or "")
        code = _sqlstate(current)
        if not (name.startswith(_REFUSING_SQLITE) or code[:2] in ("23", "P0")
                or code in ("25006", "42501")):
            continue
        if name.startswith("SQLITE_READONLY"):
            return Trouble(REFUSED, READ_ONLY_FILE)
        words = _REFUSAL_WORDS.get(name) or _REFUSAL_WORDS.get(code)
        if words is None:
            # a trigger's RAISE (SQLite's RAISE(ABORT, '…'), PL/pgSQL's RAISE EXCEPTION '…'):
            # its own message, which whoever wrote the trigger meant for the reader
            diag = getattr(current, "diag", None)
            text = str(getattr(diag, "message_primary", None) or current).strip()
            first = text.splitlines()[0] if text else ""
            words = readable(first, 200) if first else "sans message"
        return Trouble(REFUSED, words)
    return None


def _unreachable_words(text: str) -> str | None:
    lowered = text.lower()
    for pieces, words in _UNREACHABLE_WORDS:
        piece = next((p for p in pieces if p in lowered), None)
        if piece is None:
            continue
        server = _SERVER.search(text)
        where = ""
        if server:
            where = f" {readable(server.group(1), 60)}"
            if server.group(2):
                where += f", port {server.group(2)}"
        quoted = _QUOTED.search(text, lowered.index(piece))  # the name just after the words
        name = readable(quoted.group(1), 60) if quoted else "?"
        return words.format(where=where, name=name)
    return None


def trouble(exc: BaseException, folder: Path | None = None) -> Trouble:
    """What went wrong with the database, in words: a full disk, a write refused, else the
    database unreachable (in French when the driver's message is a known one)."""
    if is_disk_full(exc, folder):
        return Trouble(FULL, DISK_FULL)
    refused = _refusal(exc)
    if refused is not None:
        return refused
    text = str(getattr(exc, "orig", None) or exc).strip()
    words = _unreachable_words(text)
    if words is not None:
        return Trouble(UNREACHABLE, words)
    first = text.splitlines()[0] if text else type(exc).__name__
    return Trouble(UNREACHABLE, readable(first, 300), known=False)


def trouble_words(exc: BaseException, folder: Path | None = None, limit: int = 300) -> str:
    """One line: « disque plein : … » for a full disk, the reason in French when the driver's
    message is a known one, else the driver's first line."""
    return readable(trouble(exc, folder).words, limit)
