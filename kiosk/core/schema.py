"""The schema a database holds, as plain data, and the first difference between two.

A restore compares the copy with a database that this program's own migrations have just built
(kiosk/core/restore.py): a copy that adds a trigger, a view or a table, or lacks a constraint,
is refused with the first difference in words, before it replaces anything.

The description is a mapping (kind, name) -> definition. SQLAlchemy's inspector gives the parts
every backend shares (tables, columns, primary keys, unique and check constraints, foreign keys,
indexes), and names them well for the message. What the inspector does not see comes from the
backend's own catalogue, so that nothing can hide behind a name that matches:
- SQLite (sqlite_master): views and triggers, and each table's and index's definition clause by
  clause, whatever their order (an `ON CONFLICT REPLACE`, a `COLLATE`, a generated column);
- PostgreSQL (pg_catalog): every object of every schema but the system's (views, triggers,
  rules, row security policies, functions, types, sequences, extensions, operators...), and each
  table's columns, constraints and indexes as the server itself prints them.

No query here reads a row of the tables or a view: describing a hostile copy never runs its SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, inspect, text

from kiosk.errors import readable

Schema = dict[tuple[str, str], str]  # (kind, name) -> definition (lines for a definition)


@dataclass(frozen=True)
class Kind:
    label: str
    feminine: bool


# In the order the first difference is looked for: the tables and what they hold, then whatever
# else the copy brings, then the clause-by-clause definitions that catch what is left.
KINDS: dict[str, Kind] = {
    "table": Kind("table", True),
    "column": Kind("colonne", True),
    "primary_key": Kind("clé primaire", True),
    "unique": Kind("contrainte d'unicité", True),
    "foreign_key": Kind("clé étrangère", True),
    "check": Kind("contrainte de vérification", True),
    "index": Kind("index", False),
    "view": Kind("vue", True),
    "trigger": Kind("déclencheur", False),
    "rule": Kind("règle", True),
    "policy": Kind("règle d'accès aux lignes", True),
    "function": Kind("fonction", True),
    "sequence": Kind("séquence", True),
    "type": Kind("type", False),
    "schema": Kind("schéma", False),
    "extension": Kind("extension", True),
    "object": Kind("objet", False),
    "definition": Kind("définition", True),
}

# SQLite's own tables: statistics that ANALYZE writes and AUTOINCREMENT's counters
SQLITE_OWN = re.compile(r"^sqlite_(stat\d|sequence)$")


def describe(conn: Connection) -> Schema:
    """Everything the database's schema holds, backend-neutral where the inspector reaches."""
    schema = _inspected(conn)
    if conn.dialect.name == "sqlite":
        schema.update(_sqlite_catalogue(conn))
    else:
        schema.update(_pg_catalogue(conn))
    return schema


def first_difference(expected: Schema | Sequence[Schema], found: Schema) -> str | None:
    """The first way `found` differs from `expected`, in French (None: the same). `expected` may
    be several schemas, each element matching any of them: PostgreSQL prints a constraint
    another way once it went through pg_dump and pg_restore (and stays so after another
    round), and a database holds both kinds after a restore and a migration."""
    choices = [expected] if isinstance(expected, dict) else list(expected)
    order = {kind: rank for rank, kind in enumerate(KINDS)}
    keys = set(found).union(*choices)
    for key in sorted(keys, key=lambda k: (order[k[0]], k[1])):
        kind, name = KINDS[key[0]], readable(key[1], 80)
        e = "e" if kind.feminine else ""
        allowed = [choice[key] for choice in choices if key in choice]
        if key not in found:
            return f"{kind.label} absent{e} : {name}"
        if not allowed:
            return f"{kind.label} en trop : {name}"
        if found[key] not in allowed:
            return (f"{kind.label} différent{e} : {name} "
                    f"({_what_differs(allowed[0], found[key])})")
    return None


def _what_differs(expected: str, found: str) -> str:
    wanted, there = expected.splitlines(), found.splitlines()
    extra = [line for line in there if line not in wanted]
    if extra:
        return f"en trop : « {readable(extra[0], 100)} »"
    missing = [line for line in wanted if line not in there]
    if missing:
        return f"absent : « {readable(missing[0], 100)} »"
    return f"attendu « {readable(expected, 60)} », trouvé « {readable(found, 60)} »"


# ---------------------------------------------------------------- what the inspector sees


def _inspected(conn: Connection) -> Schema:
    inspector = inspect(conn)
    schema: Schema = {}
    for table in inspector.get_table_names():
        if SQLITE_OWN.match(table):
            continue
        schema[("table", table)] = ""
        for column in inspector.get_columns(table):
            nullable = "NULL" if column["nullable"] else "NOT NULL"
            default = column.get("default")
            schema[("column", f"{table}.{column['name']}")] = " ".join(
                part for part in (str(column["type"]), nullable,
                                  f"DEFAULT {default}" if default is not None else "",
                                  f"{column.get('computed') or ''}",
                                  f"{column.get('identity') or ''}") if part)
        key = inspector.get_pk_constraint(table)
        schema[("primary_key", table)] = f"{key.get('name')} ({', '.join(key['constrained_columns'])})"
        for unique in inspector.get_unique_constraints(table):
            columns = ", ".join(c or "?" for c in unique["column_names"])
            schema[("unique", f"{table}.{unique['name'] or '(' + columns + ')'}")] = columns
        for fk in inspector.get_foreign_keys(table):
            columns = ", ".join(fk["constrained_columns"])
            schema[("foreign_key", f"{table}.{fk['name'] or '(' + columns + ')'}")] = (
                f"({columns}) -> {fk['referred_table']} ({', '.join(fk['referred_columns'])}) "
                f"{sorted((fk.get('options') or {}).items())}")
        for check in inspector.get_check_constraints(table):
            sql = " ".join(str(check["sqltext"]).split())
            schema[("check", f"{table}.{check['name'] or sql}")] = sql
        for index in inspector.get_indexes(table):
            columns = ", ".join(str(c) for c in index["column_names"])
            options = {k: str(v) for k, v in (index.get("dialect_options") or {}).items()}
            schema[("index", f"{table}.{index['name'] or '(' + columns + ')'}")] = (
                f"({columns}) unique={bool(index['unique'])} {sorted(options.items())} "
                f"{index.get('expressions') or ''}")
    return schema


# ---------------------------------------------------------------- SQLite: sqlite_master

_SQL_TOKEN = re.compile(r"""
    '(?:[^']|'')*'          # a string
  | "(?:[^"]|"")*"          # identifiers, quoted three ways
  | `(?:[^`]|``)*`
  | \[[^\]]*\]
  | --[^\n]* | /\*.*?(?:\*/|$)   # comments: a copy carrying them differs, and says so
  | \w+ | \S
""", re.VERBOSE | re.DOTALL)
_PLAIN_NAME = re.compile(r"^\w+$")


def _tokens(sql: str) -> list[str]:
    """SQL text in tokens, quoted identifiers unquoted when plain (`"tickets"` is `tickets`):
    the same definition written by two paths of the migrations compares equal."""
    out = []
    for token in _SQL_TOKEN.findall(sql):
        if token[0] in "\"`[" and len(token) >= 2 and _PLAIN_NAME.match(token[1:-1]):
            token = token[1:-1]
        out.append(token)
    return out


def _table_clauses(sql: str) -> list[str]:
    """A CREATE TABLE as its clauses (columns and constraints), sorted: a migration that rebuilds
    a table may write its constraints in another order, and that is no difference."""
    tokens = _tokens(sql)
    if "(" not in tokens:
        return [" ".join(tokens)]
    start = tokens.index("(")
    header = tokens[:start - 1]  # CREATE TABLE, without the name
    clauses: list[str] = []
    current: list[str] = []
    depth, end = 0, len(tokens)
    for i in range(start + 1, len(tokens)):
        token = tokens[i]
        if token == "(":
            depth += 1
        elif token == ")":
            if depth == 0:
                end = i
                break
            depth -= 1
        if token == "," and depth == 0:
            clauses.append(" ".join(current))
            current = []
        else:
            current.append(token)
    clauses.append(" ".join(current))
    after = tokens[end + 1:]
    return [" ".join(header)] + sorted(clauses) + ([f"-> {' '.join(after)}"] if after else [])


def _sqlite_catalogue(conn: Connection) -> Schema:
    schema: Schema = {}
    rows = conn.execute(text("SELECT type, name, tbl_name, sql FROM sqlite_master")).all()
    for kind, name, table, sql in rows:
        sql = sql or ""
        if kind == "table" and not SQLITE_OWN.match(name):
            schema[("definition", f"table {name}")] = "\n".join(_table_clauses(sql))
        elif kind == "index" and sql:  # the automatic ones (sql NULL) are the table's constraints
            tokens = _tokens(sql)
            schema[("definition", f"index {name}")] = " ".join(tokens)
        elif kind == "view":
            schema[("view", name)] = " ".join(_tokens(sql))
        elif kind == "trigger":
            schema[("trigger", f"{name} (sur {table})")] = " ".join(_tokens(sql))
        elif kind not in ("table", "index"):
            schema[("object", f"{kind} {name}")] = sql
    return schema


# ---------------------------------------------------------------- PostgreSQL: pg_catalog

_USER = ("n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
         "AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'")
_NAME = "CASE WHEN n.nspname = 'public' THEN '' ELSE n.nspname || '.' END"
_FIRST_USER_OID = 16384  # PostgreSQL's FirstNormalObjectId: below it, the server's own objects

# (kind, query giving (name, definition)); every object a database can hold outside the tables'
# rows, in the schemas that are not the system's, and the database-wide ones created by a user
_PG_OBJECTS: tuple[tuple[str, str], ...] = (
    ("schema", f"SELECT n.nspname, '' FROM pg_namespace n WHERE {_USER}"),
    ("table", f"""SELECT {_NAME} || c.relname,
                         CASE c.relkind WHEN 'p' THEN 'partitionnée' WHEN 'f' THEN 'étrangère'
                         ELSE '' END
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE {_USER} AND (c.relkind IN ('p', 'f')
                                     OR (c.relkind = 'r' AND n.nspname <> 'public'))"""),
    ("view", f"""SELECT {_NAME} || c.relname, c.relkind::text
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE {_USER} AND c.relkind IN ('v', 'm')"""),
    ("type", f"""SELECT {_NAME} || c.relname, 'composite'
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE {_USER} AND c.relkind = 'c'
                 UNION ALL
                 SELECT format_type(t.oid, NULL), t.typtype::text
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                 WHERE {_USER} AND t.typrelid = 0 AND t.typelem = 0"""),
    ("sequence", f"""SELECT {_NAME} || c.relname,
                            format_type(s.seqtypid, NULL) || ' ' || s.seqstart || ' '
                            || s.seqincrement || ' ' || s.seqmin || ' ' || s.seqmax || ' '
                            || s.seqcycle
                     FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
                     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_USER}"""),
    ("trigger", """SELECT t.tgname || ' (sur ' || t.tgrelid::regclass::text || ')',
                          pg_get_triggerdef(t.oid)
                   FROM pg_trigger t WHERE NOT t.tgisinternal"""),
    ("rule", f"""SELECT r.rulename || ' (sur ' || c.relname || ')', pg_get_ruledef(r.oid)
                 FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE {_USER} AND NOT (r.rulename = '_RETURN' AND c.relkind IN ('v', 'm'))"""),
    ("policy", """SELECT p.polname || ' (sur ' || p.polrelid::regclass::text || ')',
                         pg_get_expr(p.polqual, p.polrelid)
                  FROM pg_policy p"""),
    ("function", f"""SELECT p.oid::regprocedure::text, p.prokind::text
                     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE {_USER}"""),
    ("extension", "SELECT extname, extversion FROM pg_extension"),
    ("object", f"""
        SELECT 'opérateur ' || o.oid::regoperator::text, '' FROM pg_operator o
            JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE {_USER}
        UNION ALL SELECT 'collation ' || x.collname, '' FROM pg_collation x
            JOIN pg_namespace n ON n.oid = x.collnamespace WHERE {_USER}
        UNION ALL SELECT 'conversion ' || x.conname, '' FROM pg_conversion x
            JOIN pg_namespace n ON n.oid = x.connamespace WHERE {_USER}
        UNION ALL SELECT 'recherche ' || x.cfgname, '' FROM pg_ts_config x
            JOIN pg_namespace n ON n.oid = x.cfgnamespace WHERE {_USER}
        UNION ALL SELECT 'dictionnaire ' || x.dictname, '' FROM pg_ts_dict x
            JOIN pg_namespace n ON n.oid = x.dictnamespace WHERE {_USER}
        UNION ALL SELECT 'classe d''opérateurs ' || x.opcname, '' FROM pg_opclass x
            JOIN pg_namespace n ON n.oid = x.opcnamespace WHERE {_USER}
        UNION ALL SELECT 'famille d''opérateurs ' || x.opfname, '' FROM pg_opfamily x
            JOIN pg_namespace n ON n.oid = x.opfnamespace WHERE {_USER}
        UNION ALL SELECT 'statistiques ' || x.stxname, '' FROM pg_statistic_ext x
            JOIN pg_namespace n ON n.oid = x.stxnamespace WHERE {_USER}
        UNION ALL SELECT 'déclencheur d''événement ' || evtname, evtevent FROM pg_event_trigger
        UNION ALL SELECT 'publication ' || pubname, '' FROM pg_publication
        UNION ALL SELECT 'serveur ' || srvname, '' FROM pg_foreign_server
        UNION ALL SELECT 'wrapper ' || fdwname, '' FROM pg_foreign_data_wrapper
        UNION ALL SELECT 'langage ' || lanname, '' FROM pg_language
            WHERE oid >= {_FIRST_USER_OID}
        UNION ALL SELECT 'conversion de type ' || castsource::regtype::text || ' -> '
            || casttarget::regtype::text, '' FROM pg_cast WHERE oid >= {_FIRST_USER_OID}
        UNION ALL SELECT 'méthode d''accès ' || amname, '' FROM pg_am
            WHERE oid >= {_FIRST_USER_OID}
        UNION ALL SELECT 'transformation ' || oid::text, '' FROM pg_transform
        UNION ALL SELECT 'droits par défaut ' || oid::text, '' FROM pg_default_acl
        UNION ALL SELECT 'objet binaire ' || oid::text, '' FROM pg_largeobject_metadata"""),
)

# each table of the public schema, element by element as the server prints it
_PG_TABLE_ELEMENTS = """
    SELECT c.relname, 'colonne ' || a.attname, format_type(a.atttypid, a.atttypmod)
           || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
           || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
           || CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END
           || CASE WHEN a.attgenerated <> '' THEN ' GENERATED' ELSE '' END
           || CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                   THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT c.relname, 'contrainte ' || x.conname, pg_get_constraintdef(x.oid)
    FROM pg_constraint x JOIN pg_class c ON c.oid = x.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r'
    UNION ALL
    SELECT c.relname, 'index ' || i.relname, pg_get_indexdef(i.oid)
    FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r'
    UNION ALL
    SELECT c.relname, 'table', c.relpersistence::text || ' rls=' || c.relrowsecurity
           || ' forcée=' || c.relforcerowsecurity || ' ' || COALESCE(c.reloptions::text, '')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r'
"""


def _pg_catalogue(conn: Connection) -> Schema:
    schema: Schema = {}
    for kind, query in _PG_OBJECTS:
        for name, definition in conn.execute(text(query)).all():
            schema[(kind, str(name))] = str(definition or "")
    for table, element, definition in conn.execute(text(_PG_TABLE_ELEMENTS)).all():
        schema[("definition", f"{table}, {element}")] = " ".join(str(definition).split())
    return schema
