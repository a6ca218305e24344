"""The lock check of `make install`: requirements.lock must cover pyproject.toml."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("lock_check", ROOT / ".ci" / "lock_check.py")
lock_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lock_check)

PYPROJECT = """
[project]
name = "example"
dependencies = ["Django>=5.2,<5.3", "psycopg[binary]>=3.2"]

[dependency-groups]
test = ["pytest>=8.3"]
lint = ["ruff>=0.8"]
dev = [{ include-group = "test" }, { include-group = "lint" }]
"""
LOCK = """# generated
django==5.2.19 \\
    --hash=sha256:00
psycopg==3.2.9 \\
    --hash=sha256:00
psycopg-binary==3.2.9 ; implementation_name != 'pypy' \\
    --hash=sha256:00
pytest==8.4.1 \\
    --hash=sha256:00
ruff==0.12.0 \\
    --hash=sha256:00
"""


def files(tmp_path: Path, pyproject: str = PYPROJECT, lock: str = LOCK) -> tuple[Path, Path]:
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (tmp_path / "requirements.lock").write_text(lock, encoding="utf-8")
    return tmp_path / "pyproject.toml", tmp_path / "requirements.lock"


def test_the_projects_lock_covers_its_pyproject():
    assert lock_check.problems(ROOT / "pyproject.toml", ROOT / "requirements.lock") == []


def test_a_lock_that_pins_every_dependency_and_group_passes(tmp_path):
    assert lock_check.problems(*files(tmp_path)) == []


def test_a_dependency_missing_from_the_lock_is_named_with_where_it_is_declared(tmp_path):
    pyproject = PYPROJECT.replace('test = ["pytest>=8.3"]', 'test = ["pytest>=8.3", "honcho>=2"]')
    assert lock_check.problems(*files(tmp_path, pyproject=pyproject)) == [
        "honcho ([dependency-groups] test) is not in requirements.lock"
    ]


def test_a_locked_version_outside_the_new_bound_is_named(tmp_path):
    pyproject = PYPROJECT.replace("Django>=5.2,<5.3", "Django>=5.3")
    assert lock_check.problems(*files(tmp_path, pyproject=pyproject)) == [
        "Django is locked at 5.2.19, outside >=5.3 ([project] dependencies)"
    ]


def test_install_fails_with_a_message_that_says_to_run_make_lock(tmp_path, capsys):
    pyproject, lock = files(tmp_path, lock=LOCK.replace("ruff==0.12.0", "black==25.1.0"))
    assert lock_check.main(["lock_check.py", str(pyproject), str(lock)]) == 1
    message = capsys.readouterr().err
    assert "ruff ([dependency-groups] lint) is not in requirements.lock" in message
    assert "Run `make lock`" in message
