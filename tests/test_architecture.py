"""The shape of the code, checked: the index format is the indexer's alone (the search app
holds no SQL and no FAISS), no import goes in a circle, and no function or module grows past
the size a reader can hold in mind (DESIGN.md section 5)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("indexer", "search_app")
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 420  # "split before ~400"


def modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports_of(name: str, path: Path) -> set[str]:
    """The project modules `name` imports (at any level of the file, lazily or not)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [f"{target}.{a.name}" for a in node.names] + [target]
            else:
                names = [f"{node.module}.{a.name}" for a in node.names] + [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found.update(n for n in names if n.startswith(PACKAGES))
    return found


def project_graph() -> dict[str, set[str]]:
    known = modules()

    def resolve(target: str) -> str | None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        return target or None

    return {name: {m for t in imports_of(name, path) if (m := resolve(t)) and m != name}
            for name, path in known.items()}


def test_no_import_goes_in_a_circle():
    graph, state, cycles = project_graph(), {}, []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert cycles == []


@pytest.mark.parametrize("needle", ["execute(", "import faiss", "executemany(", "sqlite3"])
def test_the_search_app_reads_the_index_only_through_the_indexers_api(needle):
    offenders = [str(p.relative_to(ROOT)) for name, p in modules().items()
                 if name.startswith("search_app") and needle in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_the_server_never_imports_the_index_writer():
    """Serving reads generations; only the admin routes (which run builds on purpose) reach the
    writer."""
    graph = project_graph()
    reachable, todo = set(), ["search_app.app", "search_app.__main__"]
    while todo:
        node = todo.pop()
        if node not in reachable and node != "search_app.admin":
            reachable.add(node)
            todo.extend(graph.get(node, ()))
    assert reachable & {"indexer.store", "indexer.build", "indexer.plan"} == set()
    assert "indexer.generation" in reachable and "indexer.layout" in reachable


def test_the_core_imports_no_web_framework():
    web = ("fastapi", "starlette", "jinja2", "uvicorn")
    core = [n for n in modules() if n.startswith("indexer") or n in (
        "search_app.searcher", "search_app.answers", "search_app.retrievers", "search_app.keywords",
        "search_app.passages", "search_app.evidence", "search_app.query", "search_app.fusion")]
    for name in core:
        tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            assert not any(m.split(".")[0] in web for m in mods), (name, mods)


def test_no_function_or_module_is_too_long_to_read():
    long_functions, long_modules = [], []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long_modules.append(name)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                    long_functions.append(f"{name}.{node.name}")
    assert (long_functions, long_modules) == ([], [])
