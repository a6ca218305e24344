"""The layers' import rules, read from the source with `ast` (no import is run):

- offerings/ (the record) imports nothing from diligence/, analyst/ or api/ (migrations aside);
- nothing imports analyst/ (the web UI) but analyst itself, config/ (its URLs), the tests and
  the benchmarks (bench/ sets up data as the tests do; it is never part of the product).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {".venv", ".git", "node_modules", "__pycache__", "static", "media"}


def _python_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*.py")):
        if not SKIPPED.intersection(path.relative_to(ROOT).parts):
            yield path


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in the file, relative imports resolved."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(part for part in (*base, node.module) if part)
            else:
                module = node.module or ""
            if node.module:
                yield node.lineno, module
            else:  # from . import views: each name is a module
                for alias in node.names:
                    yield node.lineno, f"{module}.{alias.name}"


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _violations(files: Iterator[Path], forbidden: set[str]) -> list[str]:
    return sorted(
        {
            f"{path.relative_to(ROOT)}:{line} imports {module}"
            for path in files
            for line, module in _imports(path)
            if _top(module) in forbidden
        }
    )


def test_the_record_imports_nothing_from_the_layers_above():
    files = (
        path
        for path in _python_files(ROOT / "offerings")
        if "migrations" not in path.relative_to(ROOT).parts
    )
    assert _violations(files, {"diligence", "analyst", "api"}) == []


def test_nothing_imports_the_web_ui_but_itself_its_urls_and_the_tests():
    allowed = {"analyst", "config", "tests", "bench"}
    files = (
        path
        for path in _python_files(ROOT)
        if path.relative_to(ROOT).parts[0] not in allowed and path.parent != ROOT
    )
    assert _violations(files, {"analyst"}) == []


def test_the_check_sees_every_kind_of_import():
    """The walker finds plain, from-, nested and relative imports (a checker that sees none
    would pass anything)."""
    source = (
        "import diligence.rules\n"
        "from api import views\n"
        "def f():\n    from analyst.forms import ReviewForm\n"
        "from ..views import detail\n"
        "from . import unlock\n"
    )
    found = {module for _, module in _imports_in(source, ("offerings", "models"))}
    assert {
        "diligence.rules",
        "api",
        "analyst.forms",
        "offerings.views",
        "offerings.models.unlock",
    } <= found
    assert _violations_in(source) == ["api", "analyst", "diligence"]


def _violations_in(source: str) -> list[str]:
    tops = {_top(module) for _, module in _imports_in(source, ("offerings", "models"))}
    return sorted(tops & {"diligence", "analyst", "api"}, key=["api", "analyst", "diligence"].index)
