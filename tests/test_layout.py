"""The layout rules of the code base (docs/ARCHITECTURE.md), checked on the source.

- The import graph of the package (every ``import`` under python/rfmkit, those inside functions
  included, relative ones resolved) has no cycle, and no module imports a private name (one
  leading underscore, dunders aside) from another module, or reaches one as ``module._name``.
  Names taken from private *modules* (``_core``, ``_typing``, ...) are fine when they are public.
- No Python file of the package and no Rust file of the crate is over 400 lines (test files aside).
- Every function and class of ``rfmkit.__all__`` has a NumPy-style docstring with an Examples section.
- No public signature of ``rfmkit.__all__`` (functions, and the public methods of its classes)
  is annotated with a bare ``typing.Any``.

Each module, file and public name is its own test case, so each offender shows separately.
"""

from __future__ import annotations

import ast
import inspect
import re
import typing
from dataclasses import dataclass
from pathlib import Path

import pytest
import rfmkit

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "python" / "rfmkit"
CRATE = ROOT / "src"
MAX_LINES = 400


# ------------------------------------------------------------------ the import graph


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
# The compiled module(s), known by their stubs: modules with no Python source.
COMPILED = {"rfmkit._core"} | {module_name(p) for p in PACKAGE.rglob("*.pyi")} - set(MODULES)


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # the module imported from, resolved
    name: str | None  # the name taken from it (``from target import name``), if any
    type_only: bool  # under ``if TYPE_CHECKING:``, never run


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def resolve(module: str, level: int, target: str | None, is_package: bool = False) -> str:
    """The absolute name of ``from <level dots><target> import ...`` written in ``module``."""
    if level == 0:
        return target or ""
    package = module.split(".")
    if not is_package:
        package = package[:-1]
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def imports_of(module: str, source: str, is_package: bool) -> list[Import]:
    tree = ast.parse(source)
    found: list[Import] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        if isinstance(node, ast.If) and is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, type_only)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(node.lineno, alias.name, None, type_only))
        elif isinstance(node, ast.ImportFrom):
            origin = resolve(module, node.level, node.module, is_package)
            for alias in node.names:
                found.append(Import(node.lineno, origin, alias.name, type_only))
        for child in ast.iter_child_nodes(node):
            visit(child, type_only)

    visit(tree, False)
    return found


def edge_target(imp: Import, modules: typing.Collection[str]) -> str | None:
    """The module of the package an import runs: ``from pkg import sub`` is the submodule."""
    if imp.name is not None and f"{imp.target}.{imp.name}" in {*modules, *COMPILED}:
        taken = f"{imp.target}.{imp.name}"
        return taken if taken in modules else None  # the compiled module imports nothing here
    return imp.target if imp.target in modules else None


def graph_of(imports: dict[str, list[Import]]) -> dict[str, list[str]]:
    # Runtime edges only: an import under TYPE_CHECKING never runs, so it cannot make a cycle.
    return {
        m: sorted({t for imp in found if not imp.type_only and (t := edge_target(imp, imports)) and t != m})
        for m, found in imports.items()
    }


def cycle_through(start: str, graph: dict[str, list[str]]) -> list[str] | None:
    """A shortest import path from ``start`` back to itself, or None."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        current = queue.pop(0)
        for nxt in graph[current]:
            if nxt == start:
                return [*paths[current], start]
            if nxt not in paths:
                paths[nxt] = [*paths[current], nxt]
                queue.append(nxt)
    return None


SOURCES_OF = {m: p.read_text() for m, p in MODULES.items()}
IMPORTS = {m: imports_of(m, SOURCES_OF[m], MODULES[m].name == "__init__.py") for m in MODULES}
GRAPH = graph_of(IMPORTS)


def test_the_graph_is_the_package():
    assert "rfmkit" in MODULES and len(MODULES) > 5
    assert any(GRAPH.values())  # the parser sees the package's imports at all


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_cycle(module):
    cycle = cycle_through(module, GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def private_uses(module: str, source: str, imports: dict[str, list[Import]]) -> list[str]:
    """``from m import _name`` and ``m._name`` (``m`` an imported module of the package)."""
    offences = []
    modules = {*imports, *COMPILED}
    module_aliases: dict[str, str] = {}
    for imp in imports[module]:
        if imp.name is None:
            continue
        taken = f"{imp.target}.{imp.name}"
        if taken in modules:
            continue  # a (possibly private) module: fine
        inside = imp.target == "rfmkit" or imp.target.startswith("rfmkit.")
        if inside and imp.target != module and is_private(imp.name):
            offences.append(f"line {imp.line}: from {imp.target} import {imp.name}")
    is_package = any(m.startswith(module + ".") for m in imports)
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            origin = resolve(module, node.level, node.module, is_package)
            for alias in node.names:
                full = f"{origin}.{alias.name}"
                if full in modules:
                    module_aliases[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("rfmkit") and alias.asname:
                    module_aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in module_aliases
            and module_aliases[node.value.id] != module
            and is_private(node.attr)
        ):
            offences.append(f"line {node.lineno}: {module_aliases[node.value.id]}.{node.attr}")
    return sorted(set(offences), key=lambda s: int(s.split()[1].rstrip(":")))


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_name_imported_from_another_module(module):
    offences = private_uses(module, SOURCES_OF[module], IMPORTS)
    assert not offences, f"{module} takes private names of other modules: " + "; ".join(offences)


FAKE = {  # a made-up package with every kind of offence
    "rfmkit": ("from .a import f\nfrom ._core import __version__\n", True),
    "rfmkit.a": ("from . import b\nfrom .b import _hidden\nfrom . import _core\n", False),
    "rfmkit.b": ("def g():\n    from .c import h\n    from . import a as mod\n    return mod._f\n", False),
    "rfmkit.c": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import f\n", False),
    "rfmkit.d": ("import rfmkit.a as m\nfrom ._core import g, __version__\nm.f()\n", False),
}


def test_the_graph_checks_can_fail():
    imports = {m: imports_of(m, src, pkg) for m, (src, pkg) in FAKE.items()}
    graph = graph_of(imports)
    assert graph["rfmkit.a"] == ["rfmkit.b"]
    assert graph["rfmkit.b"] == ["rfmkit.a", "rfmkit.c"]  # the imports inside a function count
    assert graph["rfmkit.c"] == []  # TYPE_CHECKING only
    assert cycle_through("rfmkit.a", graph) == ["rfmkit.a", "rfmkit.b", "rfmkit.a"]
    assert cycle_through("rfmkit.c", graph) is None and cycle_through("rfmkit.d", graph) is None
    uses = {m: private_uses(m, FAKE[m][0], imports) for m in FAKE}
    assert uses["rfmkit.a"] == ["line 2: from rfmkit.b import _hidden"]
    assert uses["rfmkit.b"] == ["line 4: rfmkit.a._f"]
    assert uses["rfmkit"] == uses["rfmkit.c"] == uses["rfmkit.d"] == []
    assert not is_private("__version__") and is_private("_NEW") and not is_private("segment")


# ------------------------------------------------------------------ file sizes


def is_test_file(path: Path) -> bool:
    return path.name in ("tests.rs", "test.rs") or "tests" in path.relative_to(CRATE).parts[:-1]


SOURCES = sorted(PACKAGE.rglob("*.py")) + sorted(p for p in CRATE.rglob("*.rs") if not is_test_file(p))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_file_over_400_lines(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_LINES})"


# ------------------------------------------------------------------ the public API


def exported() -> list[tuple[str, object]]:
    items = [(name, getattr(rfmkit, name)) for name in rfmkit.__all__]
    return [(n, o) for n, o in items if inspect.isfunction(o) or inspect.isclass(o)]


EXPORTED = exported()


def section(doc: str, title: str) -> str | None:
    """The body of a NumPy-style section ``title`` (a line, then a line of dashes)."""
    found = re.search(
        rf"^[ \t]*{title}[ \t]*\n[ \t]*-{{3,}}[ \t]*\n(.*?)(?=^[ \t]*\w[\w ]*\n[ \t]*-{{3,}}|\Z)",
        doc,
        re.M | re.S,
    )
    return found.group(1) if found else None


@pytest.mark.parametrize("name", [n for n, _ in EXPORTED])
def test_numpy_style_docstring_with_examples(name):
    obj = getattr(rfmkit, name)
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"rfmkit.{name} has no docstring"
    examples = section(doc, "Examples")
    assert examples is not None, f"rfmkit.{name}: no 'Examples' section (a line of dashes under it)"
    assert ">>>" in examples, f"rfmkit.{name}: the Examples section has no >>> example"
    if inspect.isfunction(obj):
        params = [p for p in inspect.signature(obj).parameters.values()]
        if params:
            assert section(doc, "Parameters") is not None, f"rfmkit.{name}: no 'Parameters' section"


def public_callables() -> list[tuple[str, object]]:
    out = []
    for name, obj in EXPORTED:
        if inspect.isfunction(obj):
            out.append((name, obj))
        else:
            for attr, value in vars(obj).items():
                if attr.startswith("_") and attr != "__init__":
                    continue
                func = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
                if isinstance(func, property):
                    func = func.fget
                if inspect.isfunction(func) and func.__module__.startswith("rfmkit"):
                    out.append((f"{name}.{attr}", func))
    return out


def is_bare_any(annotation: object) -> bool:
    """``Any``, ``typing.Any``, ``Any | None``, ``Optional[Any]``, ``Union[..., Any]``."""
    if annotation is typing.Any:
        return True
    if not isinstance(annotation, str):
        args = typing.get_args(annotation)
        return typing.get_origin(annotation) is typing.Union and typing.Any in args
    try:
        expr = ast.parse(annotation, mode="eval").body
    except SyntaxError:
        return False

    def bare(node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id == "Any"
        if isinstance(node, ast.Attribute):
            return node.attr == "Any"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return is_bare_any(node.value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return bare(node.left) or bare(node.right)
        if isinstance(node, ast.Subscript) and (
            (isinstance(node.value, ast.Name) and node.value.id in ("Optional", "Union"))
            or (isinstance(node.value, ast.Attribute) and node.value.attr in ("Optional", "Union"))
        ):
            inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            return any(bare(e) for e in inner)
        return False

    return bare(expr)


def test_the_any_check_can_fail():
    assert is_bare_any("Any") and is_bare_any("typing.Any") and is_bare_any("Any | None")
    assert is_bare_any("Optional[Any]") and is_bare_any(typing.Any) and is_bare_any("'Any'")
    assert not is_bare_any("dict[str, Any]") and not is_bare_any("FrameLike") and not is_bare_any(int)


@pytest.mark.parametrize(("name", "func"), public_callables(), ids=[n for n, _ in public_callables()])
def test_no_public_signature_says_any(name, func):
    # *args / **kwargs passed through to another library (matplotlib, say) may stay Any.
    sig = inspect.signature(func, eval_str=False)
    bad = [
        p.name
        for p in sig.parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and is_bare_any(p.annotation)
    ]
    if is_bare_any(sig.return_annotation):
        bad.append("return")
    assert not bad, f"rfmkit.{name}: annotated with a bare Any: {', '.join(bad)}"
