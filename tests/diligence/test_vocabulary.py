"""One vocabulary: outcome, severity, risk and grade are spelled in diligence/vocabulary.py only."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from diligence import vocabulary
from diligence.vocabulary import (
    RISK_ORDER,
    Grade,
    Outcome,
    Risk,
    Severity,
    grade_for,
    risk_direction,
    risk_for,
    risk_rank,
)

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("accounts", "api", "analyst", "bench", "config", "diligence", "offerings")
RISK_WORDS = set(Risk.values)
GRADE_LETTERS = set(Grade.values)
OUTCOME_WORDS = set(Outcome.values)
VOCABULARY_NAMES = {"Outcome", "Outcomes", "Severity", "Risk", "Grade"}
# offerings/admin.py's risk filter still lists the risk levels: the record's admin may not import
# diligence, and that admin is being rewritten on its own branch (issue 13); remove on merge.
KNOWN: set[str] = set()


def code_modules() -> list[Path]:
    return [
        path
        for folder in CODE_DIRS
        if (ROOT / folder).is_dir()
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts and path != Path(vocabulary.__file__)
    ]


def strings(node: ast.AST) -> list[str]:
    """The string constants directly inside a tuple, list or set literal."""
    return [
        element.value
        for element in getattr(node, "elts", ())
        if isinstance(element, ast.Constant) and isinstance(element.value, str)
    ]


def spellings(path: Path) -> list[str]:
    """Where `path` spells the vocabulary itself: a literal listing three or more risk levels,
    grades or outcomes, a choices class of one of its names, or a grade or risk threshold."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            words = set(strings(node))
            for name, vocabulary_set in (
                ("risk levels", RISK_WORDS),
                ("grades", GRADE_LETTERS),
                ("outcomes", OUTCOME_WORDS),
            ):
                if len(words & vocabulary_set) >= 3:
                    found.append(f"line {node.lineno}: a list of {name}")
            pair = strings(node)
            if len(node.elts) == 2 and pair and pair[0] in GRADE_LETTERS | RISK_WORDS:
                first = node.elts[0]
                if isinstance(first, ast.Call) and getattr(first.func, "id", "") == "Decimal":
                    found.append(f"line {node.lineno}: a score threshold for {pair[0]!r}")
        if isinstance(node, ast.ClassDef) and node.name in VOCABULARY_NAMES:
            found.append(f"line {node.lineno}: class {node.name}")
    return sorted(found, key=lambda text: int(text.split(":")[0].removeprefix("line ")))


def test_no_module_but_the_vocabulary_spells_outcomes_severities_risks_or_grades():
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in code_modules()
        if (found := spellings(path)) and str(path.relative_to(ROOT)) not in KNOWN
    }
    assert offenders == {}


def test_the_check_finds_a_second_spelling(tmp_path):
    copy = tmp_path / "copy.py"
    copy.write_text(
        'RISKS = ("low", "medium", "high", "critical")\n'
        'FLOORS = ((Decimal(85), "A"),)\n'
        "class Outcome:\n    pass\n",
        encoding="utf-8",
    )
    assert spellings(copy) == [
        "line 1: a list of risk levels",
        "line 2: a score threshold for 'A'",
        "line 3: class Outcome",
    ]


def test_risk_levels_have_one_ranking_from_low_0_to_critical_3():
    assert RISK_ORDER == ("low", "medium", "high", "critical")
    assert [risk_rank(risk) for risk in RISK_ORDER] == [0, 1, 2, 3]
    assert risk_rank("") is None
    assert risk_rank(None) is None


@pytest.mark.parametrize(
    ("old", "new", "direction"),
    [
        ("low", "critical", "rose"),
        ("high", "medium", "fell"),
        ("medium", "medium", "unchanged"),
        ("", "high", ""),
        ("high", "", ""),
    ],
)
def test_the_risk_direction_follows_the_ranking(old, new, direction):
    assert risk_direction(old, new) == direction


@pytest.mark.parametrize(
    ("score", "grade", "risk"),
    [
        ("100", "A", "low"),
        ("85", "A", "low"),
        ("84.9", "B", "low"),
        ("80", "B", "low"),
        ("79.9", "B", "medium"),
        ("70", "B", "medium"),
        ("60", "C", "medium"),
        ("55", "C", "high"),
        ("40", "D", "high"),
        ("39.9", "F", "critical"),
        ("0", "F", "critical"),
    ],
)
def test_scores_earn_grades_and_risks_at_the_published_floors(score, grade, risk):
    assert (grade_for(Decimal(score)), risk_for(Decimal(score))) == (grade, risk)


def test_severities_weigh_as_the_guides_rank_them():
    weights = [vocabulary.SEVERITY_WEIGHTS[severity] for severity in Severity]
    assert weights == sorted(weights, reverse=True)
    assert set(Severity.values) == RISK_WORDS  # a severity and a risk level share their words
