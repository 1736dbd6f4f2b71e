"""The catalogue of procedures: YAML files in assets/catalogue/, one per operator, validated on load,
and `partners.yaml` beside them: the partners a demande can be sent to.

Every error names the file, the line, the procedure and the field (see assets/catalogue/README.md).

Its size: every field of a procedure file validated with its own one-line refusal naming file and
line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk import french
from kiosk.errors import DataFileError, KioskError, readable
from kiosk.system.config import ASSETS_DIR
from kiosk.system.yamlfile import (
    LINE_KEY,
    hidden_character,
    line_of,
    load_yaml,
    present,
    regular_file,
)
from kiosk.system.yamlfile import _read as read_data_file  # the same hardened read (size, FIFO, UTF-8)

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Procedure rows the Démarche screen shows readably at once at 1280x800 (three rows of two,
# measured with the layout checker in November 2026); an operator with more names a `group`
# for each of its procedures, and no group holds more (tests/unit/test_catalogue_sources.py).
ROWS_PER_SCREEN = 6
OTHER_ID = "autre"
PARTNERS_FILE = "partners.yaml"
OTHER_PARTNER = "autre"  # the one partner whose name is typed, not chosen


@dataclass(frozen=True)
class Operator:
    id: str
    name: str
    label: str
    pictogram: str
    order: int


@dataclass(frozen=True)
class Procedure:
    id: str
    operator_id: str
    title: str
    summary: str
    typical_minutes: int
    documents: tuple[str, ...]
    steps: tuple[str, ...]
    online: str
    pitfalls: tuple[str, ...]
    url: str
    sources: tuple[str, ...]
    # None: nobody could check this entry against its official source; every slip then says
    # "À confirmer avec l'animatrice" instead of a date it did not earn.
    verified_on: dt.date | None
    # Per document: the official source makes this paper mandatory (marked on every slip).
    required: tuple[bool, ...] = ()
    # Per document and per step: the 1-based number of the entry in `sources` that states it
    # (0: none named). A verified entry names a source for every paper and every step.
    document_sources: tuple[int, ...] = ()
    step_sources: tuple[int, ...] = ()
    # Optional heading under which the kiosk may group the procedures of a crowded operator
    # ("Identité", "Véhicule"...); "" when the entry names none.
    group: str = ""

    @property
    def to_confirm(self) -> bool:
        return self.verified_on is None

    def is_required(self, index: int) -> bool:
        """Whether the document at `index` (0-based) is mandatory according to the source."""
        return index < len(self.required) and self.required[index]

    def source_of_document(self, index: int) -> str | None:
        number = self.document_sources[index] if index < len(self.document_sources) else 0
        return self.sources[number - 1] if number else None

    def source_of_step(self, index: int) -> str | None:
        number = self.step_sources[index] if index < len(self.step_sources) else 0
        return self.sources[number - 1] if number else None

    def unsourced(self) -> tuple[str, ...]:
        """The papers and steps of this entry that name no source ("document 3", "étape 1")."""
        return tuple([f"document {i}" for i, _ in enumerate(self.documents, 1)
                      if not self.source_of_document(i - 1)]
                     + [f"étape {i}" for i, _ in enumerate(self.steps, 1)
                        if not self.source_of_step(i - 1)])


@dataclass(frozen=True)
class Partner:
    """Where a redirected demande is sent. `label` is what a demande records and the statistics
    count; `name` says who it is."""

    id: str
    label: str
    name: str

    @property
    def typed(self) -> bool:
        return self.id == OTHER_PARTNER


@dataclass(frozen=True)
class Catalogue:
    operators: tuple[Operator, ...]
    procedures: tuple[Procedure, ...]
    partners: tuple[Partner, ...] = ()

    def partner_named(self, text: str) -> Partner | None:
        """The listed partner whose id or label this is (any case), None for a typed name."""
        key = " ".join(text.split()).casefold()
        return next((p for p in self.partners if not p.typed
                     and key in (p.id.casefold(), p.label.casefold())), None)

    def procedure(self, procedure_id: str) -> Procedure | None:
        return self._by_id.get(procedure_id)

    def operator(self, operator_id: str) -> Operator | None:
        return next((o for o in self.operators if o.id == operator_id), None)

    def procedures_of(self, operator_id: str) -> tuple[Procedure, ...]:
        return tuple(p for p in self.procedures if p.operator_id == operator_id)

    def groups_of(self, operator_id: str) -> tuple[tuple[str, tuple[Procedure, ...]], ...]:
        """The operator's procedures by `group`, groups in the order they first appear in the
        file, procedures in file order; ("", all of them) when none names a group."""
        groups: dict[str, list[Procedure]] = {}
        for p in self.procedures_of(operator_id):
            groups.setdefault(p.group, []).append(p)
        return tuple((name, tuple(procs)) for name, procs in groups.items())

    def stale(self, today: dt.date, months: int = 12) -> tuple[Procedure, ...]:
        """Procedures whose facts were last checked more than `months` ago."""
        limit = today - dt.timedelta(days=round(months * 365.25 / 12))
        return tuple(p for p in self.procedures
                     if p.verified_on is not None and p.verified_on < limit)

    @property
    def _by_id(self) -> dict[str, Procedure]:
        cached: dict[str, Procedure] | None = self.__dict__.get("_index")
        if cached is None:
            cached = {p.id: p for p in self.procedures}
            object.__setattr__(self, "_index", cached)
        return cached


class _Fields:
    """Reads one YAML mapping and raises errors that say where the bad field is."""

    def __init__(self, path: Path, data: Any, what: str) -> None:
        if not isinstance(data, dict):
            raise DataFileError(str(path), f"{what} : doit être une suite de « champ: valeur »",
                                line_of(data))
        self.path, self.data, self.what = path, data, what
        self.line = line_of(data)

    def fail(self, field: str, detail: str) -> DataFileError:
        return DataFileError(str(self.path), f"{self.what}, champ « {field} » : {detail}", self.line)

    def check_unknown(self, allowed: set[str]) -> None:
        for key in self.data:
            if key != LINE_KEY and key not in allowed:
                raise self.fail(str(key), "champ inconnu")

    def text(self, field: str, max_len: int, pattern: re.Pattern[str] | None = None) -> str:
        value = self.data.get(field)
        if value is None:
            raise self.fail(field, "manquant")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, "doit être un texte non vide")
        value = " ".join(value.split())
        if len(value) > max_len:
            raise self.fail(field, f"trop long ({len(value)} caractères, {max_len} au plus)")
        hidden = hidden_character(value)
        if hidden:  # shown on the kiosk, printed, listed on a terminal: never invisible
            raise self.fail(field, f"caractère invisible ou de contrôle ({hidden})")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail(field, f"valeur invalide « {readable(value, 60)} »")
        return value

    def url(self, value: Any, field: str) -> str:
        if not isinstance(value, str) or not re.fullmatch(r"https://[^\s/]+\.[^\s]+", value) \
                or hidden_character(value, spaces=True):
            raise self.fail(field, f"adresse https invalide « {readable(str(value), 60)} »")
        return value

    def integer(self, field: str, low: int, high: int) -> int:
        value = self.data.get(field)
        if value is None:
            raise self.fail(field, "manquant")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, "doit être un nombre entier")
        if not low <= value <= high:
            raise self.fail(field, f"doit être entre {low} et {high}")
        return value

    def lines(self, field: str, low: int, high: int, max_len: int) -> tuple[str, ...]:
        return tuple(text for text, _source, _required in
                     self.items(field, low, high, max_len, extra=set()))

    def items(self, field: str, low: int, high: int, max_len: int, extra: set[str],
              sources: int = 0) -> tuple[tuple[str, int, bool], ...]:
        """A list whose lines are texts, or mappings `{text, source, required}` when `extra`
        allows those keys: (text, source number or 0, required)."""
        if field not in self.data and low == 0:
            return ()
        value = self.data.get(field)
        if field not in self.data:
            raise self.fail(field, "manquant")
        if value is None:
            value = []
        if not isinstance(value, list):
            raise self.fail(field, "doit être une liste")
        if not low <= len(value) <= high:
            raise self.fail(field, f"{len(value)} lignes, il en faut de {low} à {high}")
        result = []
        for i, item in enumerate(value, 1):
            source, required = 0, False
            if isinstance(item, dict) and extra:
                unknown = [k for k in item if k != LINE_KEY and k not in extra | {"text"}]
                if unknown:
                    raise self.fail(field, f"ligne {i} : champ inconnu « {readable(str(unknown[0]), 40)} » "
                                           f"(permis : text, {', '.join(sorted(extra))})")
                if "source" in item:
                    number = item["source"]
                    if isinstance(number, bool) or not isinstance(number, int) \
                            or not 1 <= number <= sources:
                        raise self.fail(field, f"ligne {i} : « source » doit être le numéro d'une "
                                               f"des {sources} sources (1 à {sources})")
                    source = number
                if "required" in item:
                    if not isinstance(item["required"], bool):
                        raise self.fail(field, f"ligne {i} : « required » vaut true ou false")
                    required = item["required"]
                item = item.get("text")
            if not isinstance(item, str) or not item.strip():
                raise self.fail(field, f"ligne {i} : doit être un texte non vide")
            item = " ".join(item.split())
            hidden = hidden_character(item)
            if hidden:
                raise self.fail(field, f"ligne {i} : caractère invisible ou de contrôle ({hidden})")
            if len(item) > max_len:
                raise self.fail(field, f"ligne {i} trop longue ({len(item)} caractères, {max_len} au plus)")
            result.append((item, source, required))
        return tuple(result)

    def date(self, field: str) -> dt.date:
        value = self.data.get(field)
        if value is None:
            raise self.fail(field, "manquant")
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.fail(field, "doit être une date AAAA-MM-JJ")
        return value


OPERATOR_FIELDS = {"id", "name", "label", "pictogram", "order"}
PROCEDURE_FIELDS = {
    "id", "title", "summary", "typical_minutes", "documents", "steps", "online", "pitfalls",
    "url", "sources", "verified_on", "group",
}
DOCUMENT_KEYS = {"source", "required"}
STEP_KEYS = {"source"}


def _load_file(path: Path) -> tuple[Operator, list[Procedure]]:
    data = load_yaml(path)
    top = _Fields(path, data, "fichier")
    top.check_unknown({"operator", "procedures"})
    op = _Fields(path, data.get("operator"), "organisme")
    op.check_unknown(OPERATOR_FIELDS)
    operator = Operator(
        id=op.text("id", 40, ID_PATTERN),
        name=op.text("name", 80),
        label=op.text("label", 32),
        pictogram=op.text("pictogram", 40, ID_PATTERN),
        order=op.integer("order", 0, 9999),
    )
    if operator.id != path.stem:
        raise op.fail("id", f"« {operator.id} » doit être le nom du fichier (« {path.stem} »)")
    entries = data.get("procedures")
    if not isinstance(entries, list) or not entries:
        raise top.fail("procedures", "doit être une liste d'au moins une démarche")
    procedures = []
    for index, entry in enumerate(entries, 1):
        name = entry.get("id") if isinstance(entry, dict) else None
        f = _Fields(path, entry, f"démarche « {name} »" if name else f"démarche n° {index}")
        f.check_unknown(PROCEDURE_FIELDS)
        procedures.append(_procedure(f, entry, operator.id))
    return operator, procedures


def _procedure(f: _Fields, entry: dict[str, Any], operator_id: str) -> Procedure:
    sources = tuple(f.url(s, "sources") for s in f.lines("sources", 1, 12, 300))
    documents = f.items("documents", 1, 15, 80, DOCUMENT_KEYS, len(sources))
    steps = f.items("steps", 1, 10, 80, STEP_KEYS, len(sources))
    # `verified_on` absent or empty: not checked from here, the slip says "À confirmer".
    # A line without its source is a warning of `kiosk catalogue check`, not a load error: a
    # coordinator's catalogue written before sources per line existed must keep the kiosk running.
    verified_on = f.date("verified_on") if entry.get("verified_on") is not None else None
    return Procedure(
        id=f.text("id", 64, ID_PATTERN),
        operator_id=operator_id,
        title=f.text("title", 48),
        summary=f.text("summary", 90),
        typical_minutes=f.integer("typical_minutes", 5, 120),
        documents=tuple(text for text, _s, _r in documents),
        steps=tuple(text for text, _s, _r in steps),
        online=f.text("online", 120),
        pitfalls=f.lines("pitfalls", 0, 6, 80),
        url=f.url(entry.get("url"), "url"),
        sources=sources,
        verified_on=verified_on,
        required=tuple(required for _t, _s, required in documents),
        document_sources=tuple(source for _t, source, _r in documents),
        step_sources=tuple(source for _t, source, _r in steps),
        group=f.text("group", 32) if "group" in entry else "",
    )


PARTNER_FIELDS = {"id", "label", "name"}


def load_partners(path: Path) -> tuple[Partner, ...]:
    """The partners file: a list of id, label (recorded and counted), name; `autre` required."""
    data = load_yaml(path)
    top = _Fields(path, data, "fichier")
    top.check_unknown({"partners"})
    entries = data.get("partners")
    if not isinstance(entries, list) or not entries:
        raise top.fail("partners", "doit être une liste d'au moins un partenaire")
    if len(entries) > 30:
        raise top.fail("partners", f"{len(entries)} partenaires, 30 au plus (un écran de tuiles)")
    partners: list[Partner] = []
    for index, entry in enumerate(entries, 1):
        name = entry.get("id") if isinstance(entry, dict) else None
        f = _Fields(path, entry, f"partenaire « {name} »" if name else f"partenaire n° {index}")
        f.check_unknown(PARTNER_FIELDS)
        partner = Partner(id=f.text("id", 40, ID_PATTERN), label=f.text("label", 24),
                          name=f.text("name", 100))
        for other in partners:
            if other.id == partner.id:
                raise f.fail("id", f"« {partner.id} » déjà utilisé")
            if other.label.casefold() == partner.label.casefold():
                raise f.fail("label", f"« {partner.label} » déjà utilisé par « {other.id} »")
        partners.append(partner)
    if not any(p.typed for p in partners):
        raise DataFileError(str(path), f"il manque le partenaire « {OTHER_PARTNER} » "
                                       "(nom tapé à la main)")
    return tuple(partners)


def _partners_of(folder: Path) -> tuple[Partner, ...]:
    # a coordinator's catalogue made before partners existed keeps the shipped list
    own = folder / PARTNERS_FILE
    return load_partners(own if own.is_file() else ASSETS_DIR / "catalogue" / PARTNERS_FILE)


def load_catalogue(location: Path) -> Catalogue:
    """Load a catalogue folder (every *.yaml in it, partners.yaml apart) or a single file."""
    if location.is_file() and location.name == PARTNERS_FILE:
        return Catalogue((), (), load_partners(location))
    if location.is_dir():
        files = sorted(p for p in location.glob("*.yaml") if p.name != PARTNERS_FILE)
        if not files:
            raise DataFileError(str(location), "aucun fichier .yaml de catalogue dans ce dossier")
    elif location.is_file():
        files = [location]
    elif present(location):
        regular_file(location)  # says what it is: a FIFO, a link in a loop or broken
        raise DataFileError(str(location), "ni un fichier ni un dossier")
    else:
        raise DataFileError(str(location), "fichier ou dossier introuvable")
    partners = _partners_of(location if location.is_dir() else location.parent)
    operators: list[Operator] = []
    procedures: list[Procedure] = []
    seen: dict[str, Path] = {}
    for path in files:
        operator, procs = _load_file(path)
        operators.append(operator)
        for proc in procs:
            if proc.id in seen:
                raise DataFileError(
                    str(path), f"démarche « {proc.id} » déjà définie dans {seen[proc.id].name}"
                )
            seen[proc.id] = path
            procedures.append(proc)
    if location.is_dir() and OTHER_ID not in seen:
        raise DataFileError(
            str(location), f"il manque la démarche « {OTHER_ID} » (Je ne sais pas / Autre)"
        )
    operators.sort(key=lambda o: (o.order, o.id))
    order = {o.id: i for i, o in enumerate(operators)}
    procedures.sort(key=lambda p: order[p.operator_id])
    return Catalogue(tuple(operators), tuple(procedures), partners)


Stamp = tuple[tuple[str, float, int], ...]
_cache: dict[tuple[Path, Stamp], Catalogue] = {}  # the latest good read
_broken: dict[Path, tuple[Stamp, KioskError]] = {}  # per folder: files on disk that failed
_last_good: dict[Path, Catalogue] = {}  # per folder: what a running app keeps on a bad file


def _stamp(location: Path) -> Stamp:
    files = sorted(location.glob("*.yaml")) if location.is_dir() else [location]
    stamp = []
    for path in files:
        try:
            info = path.stat()
        except OSError:  # removed between the listing and now: the next call sees it gone
            continue
        stamp.append((str(path), info.st_mtime, info.st_size))
    return tuple(stamp)


def cached_catalogue(location: Path, keep_last_good: bool = False) -> Catalogue:
    """Load once per process, again only when a file changed (the coordinator may edit them).

    keep_last_good (the running apps): a file that breaks while the kiosk runs (a coordinator
    copying a wrong one) must not stop it; a reload that fails returns the catalogue last read
    well from this folder, and the failure is kept for `catalogue_problem`. Without it (a
    command), or when nothing was read well yet, the failure is raised."""
    try:
        stamp = _stamp(location)
    except OSError as exc:
        stamp = (("?", 0.0, 0),)
        _broken[location] = (stamp, DataFileError(str(location), readable(str(exc), 200)))
    key = (location, stamp)
    if key in _cache:
        return _cache[key]
    known = _broken.get(location)
    if known is None or known[0] != stamp:
        try:
            catalogue = load_catalogue(location)
        except (KioskError, OSError) as exc:
            error = (exc if isinstance(exc, KioskError)
                     else DataFileError(str(location), readable(str(exc), 200)))
            known = _broken[location] = (stamp, error)  # not read again until it changes
        else:
            _broken.pop(location, None)
            _last_good[location] = catalogue
            _cache.clear()
            _cache[key] = catalogue
            return catalogue
    good = _last_good.get(location)
    if keep_last_good and good is not None:
        return good
    raise known[1]


def catalogue_problem(location: Path) -> str | None:
    """Why the catalogue in use is not the one on disk, in one French line for the console;
    None when the files on disk are the ones in use. Reads the files again if they changed."""
    try:
        cached_catalogue(location, keep_last_good=True)
    except KioskError:
        pass  # never read well in this process: the apps refuse to start, the CLI says why
    known = _broken.get(location)
    if known is None:
        return None
    problem = known[1]
    if isinstance(problem, DataFileError):
        name = Path(problem.path).name or problem.path
        where = f"le fichier {readable(name, 80)}" if Path(problem.path).suffix else \
            f"le dossier {readable(name, 80)}"
        if problem.line:
            where += f", ligne {problem.line},"
        detail = readable(problem.detail, 160)
    else:
        where, detail = "le catalogue", readable(problem.message, 160)
    return (f"Catalogue : {where} ne peut pas être lu ({detail}) ; "
            "la borne garde la version d'avant.")


# ---------------------------------------------------------------------------------------------
# Review of a catalogue's sources (`kiosk catalogue check`): warnings, never load errors, so that
# a coordinator's catalogue with a blog among its sources still runs the kiosk.

DOMAINS_FILE = "official-domains.txt"  # not *.yaml: load_catalogue never reads it as an operator


def load_official_domains(path: Path) -> tuple[str, ...]:
    """One domain a line ("service-public.fr"); '#' starts a comment. A domain also covers its
    subdomains (www.service-public.fr, permisdeconduire.ants.gouv.fr under ants.gouv.fr)."""
    text = read_data_file(path)
    domains = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip().lower()
        if not line:
            continue
        if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", line):
            raise DataFileError(str(path), f"nom de domaine invalide « {readable(line, 60)} »",
                                number)
        domains.append(line)
    if not domains:
        raise DataFileError(str(path), "aucun domaine officiel dans ce fichier")
    return tuple(domains)


def domains_for(location: Path) -> tuple[str, ...]:
    """The official domains kept with a catalogue folder; the shipped list otherwise."""
    folder = location if location.is_dir() else location.parent
    own = folder / DOMAINS_FILE
    return load_official_domains(own if own.is_file() else ASSETS_DIR / "catalogue" / DOMAINS_FILE)


def is_official(url: str, domains: tuple[str, ...]) -> bool:
    host = url.removeprefix("https://").split("/", 1)[0].split("?", 1)[0].split(":", 1)[0].lower()
    return any(host == d or host.endswith("." + d) for d in domains)


@dataclass(frozen=True)
class CatalogueWarning:
    file: str  # the operator's file name ("caf.yaml")
    procedure_id: str
    text: str

    def line(self) -> str:
        return f"Attention : {self.file}, démarche « {self.procedure_id} » : {self.text}"


def review(catalogue: Catalogue, domains: tuple[str, ...], today: dt.date,
           months: int = 12) -> tuple[CatalogueWarning, ...]:
    """What a careful reader of the catalogue would flag: a source or url outside the official
    domains, an entry checked more than `months` ago, a paper or a step of a verified entry
    that names no source. Entries to confirm (no date) are counted by the caller, not warned."""
    stale = {p.id for p in catalogue.stale(today, months)}
    warnings: list[CatalogueWarning] = []
    for p in catalogue.procedures:
        file = f"{p.operator_id}.yaml"
        for url in dict.fromkeys((p.url, *p.sources)):  # an url also listed as source: once
            if not is_official(url, domains):
                kind = "source" if url in p.sources else "adresse (url)"
                warnings.append(CatalogueWarning(file, p.id, f"{kind} hors des sites officiels : {url}"))
        if p.verified_on is not None and p.verified_on > today:  # a typo, or a PC's bad clock
            warnings.append(CatalogueWarning(file, p.id, f"vérifiée le {french.short_date(p.verified_on)}, "
                                                f"date à venir : à corriger"))
        if p.id in stale and p.verified_on is not None:
            warnings.append(CatalogueWarning(file, p.id, f"vérifiée le {french.short_date(p.verified_on)}, "
                                                f"plus de {months} mois : à revérifier"))
        if not p.to_confirm:
            missing = p.unsourced()
            if missing:
                warnings.append(CatalogueWarning(file, p.id, "sans source : " + ", ".join(missing)))
    return tuple(warnings)
