"""Fail `make install` clearly when requirements.lock does not cover pyproject.toml.

Every dependency of the project and of its `dev` group (with the groups it includes) must be
pinned in the lock at a version its specifier allows; otherwise name it and say to run
`make lock`. Usage: python .ci/lock_check.py [pyproject.toml] [requirements.lock]
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

GROUP = "dev"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;]*)")

try:  # pip vendors packaging, so a fresh virtual environment can check versions too
    from packaging.specifiers import SpecifierSet
except ImportError:  # pragma: no cover - depends on the environment
    try:
        from pip._vendor.packaging.specifiers import SpecifierSet
    except ImportError:
        SpecifierSet = None


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def group_requirements(groups: dict, name: str, seen: set[str]) -> list[tuple[str, str]]:
    """(requirement, where) of a dependency group, following its include-group entries."""
    if name in seen:
        return []
    seen.add(name)
    found = []
    for entry in groups.get(name, []):
        if isinstance(entry, dict):
            found += group_requirements(groups, entry["include-group"], seen)
        else:
            found.append((entry, f"[dependency-groups] {name}"))
    return found


def declared(pyproject: Path) -> list[tuple[str, str]]:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project = [(entry, "[project] dependencies") for entry in data["project"]["dependencies"]]
    return project + group_requirements(data.get("dependency-groups", {}), GROUP, set())


def pinned(lock: Path) -> dict[str, list[str]]:
    """name -> its pinned versions (a universal lock may pin one per Python version)."""
    pins: dict[str, list[str]] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            pins.setdefault(normalised(match[1]), []).append(match[2])
    return pins


def problems(pyproject: Path, lock: Path) -> list[str]:
    if not lock.is_file():
        return [f"{lock} is missing"]
    pins = pinned(lock)
    found = []
    for requirement, where in declared(pyproject):
        match = NAME.match(requirement)
        name, specifier = normalised(match[1]), match[2].strip()
        if name not in pins:
            found.append(f"{match[1]} ({where}) is not in {lock.name}")
        elif SpecifierSet and specifier:
            allowed = SpecifierSet(specifier)
            if not any(version in allowed for version in pins[name]):
                locked = ", ".join(pins[name])
                found.append(f"{match[1]} is locked at {locked}, outside {specifier} ({where})")
    return found


def main(argv: list[str]) -> int:
    pyproject = Path(argv[1] if len(argv) > 1 else "pyproject.toml")
    lock = Path(argv[2] if len(argv) > 2 else "requirements.lock")
    found = problems(pyproject, lock)
    if found:
        print(f"{lock} does not match {pyproject}:", file=sys.stderr)
        for problem in found:
            print(f"  - {problem}", file=sys.stderr)
        print("Run `make lock` and commit the updated lock file.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
