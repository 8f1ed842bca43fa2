"""The tree is the architecture: each layer imports only the layers below it.

An `ast` walk over every module of `src/tilbook` (imports inside functions and
`TYPE_CHECKING` blocks count too). It fails when a module imports from a layer
above its own, or when two modules import each other, directly or in a loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "tilbook"

LAYERS: list[tuple[str, ...]] = [
    ("tilbook", "tilbook.errors", "tilbook.model", "tilbook.settings"),
    ("tilbook.notes",),
    ("tilbook.parse",),
    ("tilbook.extract",),
    ("tilbook.reading",),
    ("tilbook.store",),
    ("tilbook.indexing",),
    ("tilbook.features",),
    ("tilbook.render",),
    ("tilbook.staticsite",),
    ("tilbook.webapp",),
    ("tilbook.cli", "tilbook.__main__"),
]
"""From the bottom (foundation) up; the README's "How the code is laid out" tells the same."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    """The layer of a module: the longest layer prefix it falls under."""
    best, depth = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or (prefix != "tilbook" and module.startswith(prefix + "."))
            if matches and len(prefix) > depth:
                best, depth = index, len(prefix)
    if best < 0:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS and the README")
    return best


def imports_of(path: Path, module: str) -> set[str]:
    """The tilbook modules `path` imports (`from tilbook.x import y` counts as tilbook.x.y
    when that is a module, else tilbook.x)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return {name for name in found if name == "tilbook" or name.startswith("tilbook.")}


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {module: imports_of(path, module) for module, path in MODULES.items()}


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_from_below(module: str) -> None:
    own = layer_of(module)
    upward = sorted(name for name in GRAPH[module] if layer_of(name) > own)
    assert not upward, (
        f"{module} (layer {LAYERS[own][0]}) imports from above: {upward}. "
        "Move the shared piece down a layer and call it from both."
    )


def test_no_modules_import_each_other() -> None:
    """No loops of imports between modules (a loop would tie two parts into one)."""
    loops: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH.get(module, ())):
            if target == module or target not in GRAPH:
                continue
            if state.get(target) == 1:
                loops.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert not loops, "import loops: " + "; ".join(" -> ".join(loop) for loop in loops)


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """A module of the parser importing the store would be caught."""
    fake = tmp_path / "tilbook" / "parse" / "oops.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from tilbook.store.sqlite import SQLiteStore\n", encoding="utf-8")
    imported = imports_of(fake, "tilbook.parse.oops")
    assert imported == {"tilbook.store.sqlite"}
    assert layer_of("tilbook.store.sqlite") > layer_of("tilbook.parse.oops")
