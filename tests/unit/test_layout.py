"""The house keeps its shape: the folders are the stages of the data flow, arrows point one way.

Read from the sources (no import): every `import` and `from ... import` of the project's own
modules, at any depth of a module (a lazy import in a function is an arrow too), except those
under `if TYPE_CHECKING:`. Each rule below failed on the flat layout it replaced.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("crawler", "pipelines", "schema", "bench")
# The library: every package but the CLI and the benchmarks, which only consume it.
NO_PRINT = ("crawler/analysis", "crawler/extract", "crawler/frontier", "pipelines")
MAX_PY_LINES = 500
MAX_PYX_LINES = 1000
_PYX_IMPORT = re.compile(
    r"^\s*(?:from\s+([\w.]+)\s+c?import\s+([\w, ]+)|c?import\s+([\w.]+))", re.M
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> list[Path]:
    found: list[Path] = []
    for package in PACKAGES:
        for suffix in ("*.py", "*.pyx", "*.pxd"):
            found.extend((ROOT / package).rglob(suffix))
    return sorted(p for p in found if "build" not in p.relative_to(ROOT).parts)


MODULES = {module_name(p): p for p in sources() if p.suffix != ".pxd"}


def resolve(name: str) -> str | None:
    """The project module a dotted import names (a module, or a package's __init__)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _in_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imported(path: Path) -> Iterator[str]:
    """Dotted names a module imports (for `from X import Y`, X.Y when that is a module)."""
    here = module_name(path)
    if path.suffix in (".pyx", ".pxd"):
        for base, names, plain in _PYX_IMPORT.findall(path.read_text()):
            if plain:
                yield plain
            for name in names.split(","):
                name = name.strip().split(" ")[0]
                yield f"{base}.{name}" if f"{base}.{name}" in MODULES else base
        return
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and _in_type_checking(node, parents):
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = here if path.name == "__init__.py" else here.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield full if full in MODULES else base


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    for path in sources():
        source = module_name(path)
        if source not in edges:
            continue
        for name in imported(path):
            target = resolve(name)
            if target and target != source:
                edges[source].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycle() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_library_module_imports_the_cli() -> None:
    offenders = [
        f"{source} -> {target}"
        for source, targets in graph().items()
        if not source.startswith(("crawler.cli", "bench"))
        for target in targets
        if target == "crawler.cli" or target.startswith("crawler.cli.")
    ]
    assert offenders == []


def _prints(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        ):
            yield f"{where} print()"
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("stdout", "stderr")
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
        ):
            yield f"{where} sys.{node.attr}"


def test_the_library_never_prints() -> None:
    offenders = [
        line for folder in NO_PRINT for path in sorted((ROOT / folder).rglob("*.py"))
        for line in _prints(path)
    ]  # fmt: skip
    assert offenders == []


def test_modules_stay_small() -> None:
    tracked = [p for p in ROOT.rglob("*.py*") if ".venv" not in p.parts and "build" not in p.parts]
    too_long = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in sorted(tracked)
        if path.suffix in (".py", ".pyx", ".pxi")
        for lines in [len(path.read_text().splitlines())]
        if lines > (MAX_PY_LINES if path.suffix == ".py" else MAX_PYX_LINES)
    ]
    assert too_long == []
