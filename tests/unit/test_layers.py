"""The house's walls (DESIGN.md, "Layers and folders"), checked on every module, not a sample:

- `kiosk/` never imports Kivy nor `screens/` (only a CLI command may import a GUI, lazily, to
  launch it);
- `screens/` never imports SQLAlchemy nor `db/`;
- `db/` imports neither `kiosk/` nor `screens/`.

Two ways, because each misses what the other sees: the source of every module is read (an
import inside a function counts), and every module of `kiosk/` and `db/` is really imported in a
fresh interpreter, after which no Kivy nor `screens` module may be loaded (an import hidden
behind a third module counts).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "kiosk": ("kivy", "screens"),
    "db": ("kivy", "screens", "kiosk"),
    "screens": ("sqlalchemy", "db", "alembic", "psycopg"),
}


# Crossings that are meant, each with its reason. db/ builds its CHECK constraints from the
# vocabulary's tables of codes (one spelling of each state, half, role…): a leaf module that
# imports nothing of the core (checked below), so db/ still loads no part of kiosk/'s logic.
ALLOWED = {("db", "kiosk.vocabulary")}


def modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module imported, line, at the top level of the file) for every import of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    top = {id(node) for node in tree.body}
    found: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                package = module_name(path) if path.name == "__init__.py" else \
                    module_name(path).rsplit(".", 1)[0]
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((name, node.lineno, id(node) in top))
    return found


def crosses(name: str, package: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN[package])


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_reaches_through_a_wall_in_its_source(package: str) -> None:
    files = modules(package)
    assert len(files) > 5, f"{package}/: where are its modules?"
    breaches = []
    for path in files:
        lazy_gui_launch = path.is_relative_to(ROOT / "kiosk" / "cli")
        for name, line, at_top in imports(path):
            if (package, name) in ALLOWED:
                continue
            if crosses(name, package) and not (lazy_gui_launch and not at_top
                                               and name.split(".")[0] == "screens"):
                breaches.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert breaches == [], "\n".join(breaches)


def test_importing_every_core_and_db_module_loads_no_kivy_and_no_screen() -> None:
    names = [module_name(p) for package in ("kiosk", "db") for p in modules(package)
             if p.name not in ("__main__.py", "env.py")]  # the CLI's and Alembic's own scripts
    assert "kiosk.cli" in names and "db.models" in names and len(names) > 40
    code = (
        "import importlib, json, sys\n"
        f"names = {names!r}\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('kivy', 'screens'))\n"
        "print(json.dumps(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_the_vocabulary_that_db_reads_is_a_leaf() -> None:
    for allowed_package, name in ALLOWED:
        path = ROOT / (name.replace(".", "/") + ".py")
        inside = [n for n, _line, _top in imports(path) if n.split(".")[0] in FORBIDDEN]
        assert inside == [], f"{name} (read by {allowed_package}/) imports {inside}"
    assert imports(ROOT / "kiosk" / "__init__.py") == [], "kiosk/__init__.py loads nothing"


def test_the_wall_check_sees_a_breach(tmp_path: Path) -> None:
    """The source check would fail on a core module that imports Kivy in a function."""
    bad = tmp_path / "kiosk" / "bad.py"
    bad.parent.mkdir()
    bad.write_text("def f():\n    from kivy.clock import Clock\n    import screens.theme\n")
    found = [(n, line) for n, line, _top in imports(bad) if crosses(n, "kiosk")]
    assert found == [("kivy.clock", 2), ("screens.theme", 3)]


# kiosk/'s packages, bottom up (kiosk/__init__.py says what each holds): a module imports only
# from its own layer or a lower one, so the package graph has no cycle and each layer can be read
# without those above it. The modules directly in kiosk/ are the foundation; __main__ is the CLI.
LAYERS = ("", "system", "content", "output", "core", "reports", "exports", "apps", "cli")


def layer(module: str) -> int:
    parts = module.split(".")
    if parts[1:2] == ["__main__"]:
        return LAYERS.index("cli")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS[1:] else 0


def test_kiosk_packages_import_only_their_own_layer_or_below() -> None:
    upward = []
    for path in modules("kiosk"):
        name = module_name(path)
        for imported, line, _ in imports(path):
            if imported.split(".")[0] != "kiosk" or imported == "kiosk":
                continue
            if layer(imported) > layer(name):
                upward.append(f"{path.relative_to(ROOT)}:{line} ({LAYERS[layer(name)] or 'kiosk'})"
                              f" imports {imported} ({LAYERS[layer(imported)]})")
    assert upward == [], "\n".join(upward)
    assert {LAYERS[layer(module_name(p))] for p in modules("kiosk")} == set(LAYERS)


def test_every_package_is_listed_for_the_install() -> None:
    """pyproject.toml names its packages one by one: a new folder left out installs without
    its modules (a wheel, a non-editable install), which no editable checkout would notice."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
                 ["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for top in ("kiosk", "screens", "db", "assets")
             for p in (ROOT / top).rglob("__init__.py") if "__pycache__" not in p.parts}
    assert found == listed
