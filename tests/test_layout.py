"""The import graph of newsclean: layered, without cycles.

Every module of the installed package (``src/newsclean``, ``features/``, ``models/``,
``training/``) is parsed with :mod:`ast`, nothing is imported. Each ``import`` or
``from ... import`` naming a newsclean module is an arrow from the importing module to the
imported one.

Imports inside functions (lazy imports) and under ``if TYPE_CHECKING:`` count like any other:
they postpone the cost of an import, not the dependency, and a lazy import is how today's
cycles hid. ``from newsclean.X import name`` is an arrow to ``newsclean.X.name`` when that is a
module, else to ``newsclean.X``.

The layers, lowest first (a module may import its own layer and the layers below, never
above):

0. leaves: ``atomic``, ``labels``, ``jsonsafe``, ``_version``, ``extras`` (optional
   dependencies) and the featurisers' ``features`` package (which imports nothing else of
   newsclean);
1. ``scorer`` and ``kinds`` (a fitted model's arithmetic, its kind head included);
2. ``models`` (artefact files) and ``memory`` (the publisher memory);
3. ``classifier`` (the scikit-learn estimator);
4. ``predict`` (cleaning with a loaded model);
5. ``batch`` (the batch pipeline), itself layered: records, config and formats; readers, writers,
   layout, stats and steps; the per-shard pipeline; engines; the run; its options; the
   package's ``__init__``;
6. ``newsclean`` itself (the public API of ``__init__``);
7. ``serve`` (the HTTP server) and ``integrations`` (datatrove, Hugging Face ``datasets``), built
   on the public API and the batch steps;
8. ``training`` (may import all of the core; the core never imports it);
9. ``cli`` and ``__main__`` (the ``newsclean`` command, dispatching to ``clean``, ``train`` and
   ``serve``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Folder of each installed package (pyproject's [tool.setuptools.package-dir]).
PACKAGE_DIRS = {
    "newsclean": REPO / "src" / "newsclean",
    "newsclean.features": REPO / "features",
    "newsclean.models": REPO / "models",
    "newsclean.training": REPO / "training",
}
#: Module-name prefixes per layer, lowest first; a module belongs to the layer of its longest
#: matching prefix.
LAYERS: list[tuple[str, ...]] = [
    (
        "newsclean.atomic",
        "newsclean.labels",
        "newsclean.jsonsafe",
        "newsclean._version",
        "newsclean.extras",
        "newsclean.features",
    ),
    ("newsclean.scorer", "newsclean.kinds"),
    ("newsclean.models", "newsclean.memory"),
    ("newsclean.classifier",),
    ("newsclean.predict",),
    ("newsclean.batch.records", "newsclean.batch.config", "newsclean.batch.formats"),
    (
        "newsclean.batch.readers",
        "newsclean.batch.writers",
        "newsclean.batch.layout",
        "newsclean.batch.stats",
        "newsclean.batch.steps",
    ),
    ("newsclean.batch.pipeline",),
    ("newsclean.batch.engines",),
    ("newsclean.batch.run",),
    ("newsclean.batch.options",),
    ("newsclean.batch",),
    ("newsclean",),
    ("newsclean.serve", "newsclean.integrations"),
    ("newsclean.training",),
    ("newsclean.cli", "newsclean.__main__"),
]


def discover_modules() -> dict[str, Path]:
    """Every module of the installed packages, by dotted name."""
    modules: dict[str, Path] = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in sorted(folder.rglob("*.py")):
            relative = path.relative_to(folder).with_suffix("")
            parts = [p for p in relative.parts if p != "__init__"]
            if any(part.startswith(".") for part in parts):
                continue
            modules[".".join([package, *parts])] = path
    return modules


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The newsclean modules ``name`` (at ``path``) imports, at any depth of its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if _is_package(path) else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the package, up level - 1 packages
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [f"{module}.{alias.name}" for alias in node.names] + [module]
        else:
            continue
        for target in targets:
            # The longest known module the target names ("newsclean.batch.steps.Shard" is
            # the module newsclean.batch.steps).
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
                break
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the newsclean modules it imports."""
    modules = discover_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def layer_of(module: str) -> int:
    """The index in :data:`LAYERS` of ``module``'s longest matching prefix."""
    best, best_length = None, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS")
    return best


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def upward_arrows(graph: dict[str, set[str]]) -> list[str]:
    """Arrows from a module to a module of a higher layer."""
    return sorted(
        f"{source} (layer {layer_of(source)}) -> {target} (layer {layer_of(target)})"
        for source, targets in graph.items()
        for target in targets
        if layer_of(target) > layer_of(source)
    )


def test_every_module_is_found_and_in_a_layer():
    modules = discover_modules()
    for expected in ("newsclean.predict", "newsclean.features.signals", "newsclean.training.cli"):
        assert expected in modules
    for module in modules:
        layer_of(module)  # raises for a module no layer names


def test_the_import_graph_has_no_cycles():
    assert cycles(import_graph()) == []


def test_no_module_imports_a_higher_layer():
    assert upward_arrows(import_graph()) == []


def test_the_core_never_imports_training():
    graph = import_graph()
    core = [m for m in graph if not m.startswith(("newsclean.training", "newsclean.cli"))]
    assert [m for m in core if any(t.startswith("newsclean.training") for t in graph[m])] == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_cycle_finder_finds_a_lazy_cycle(graph, expected):
    assert cycles(graph) == expected


def test_a_lazy_import_counts(tmp_path):
    module = tmp_path / "mod.py"
    module.write_text("def f():\n    from newsclean.batch import steps\n")
    known = {"newsclean.batch", "newsclean.batch.steps", "newsclean.memory"}
    assert imports_of("newsclean.memory", module, known) == {"newsclean.batch.steps"}
    assert layer_of("newsclean.batch.steps") > layer_of("newsclean.memory")
