"""The red-flag checklist (CHECKLIST.md): every rule, registered by importing its family."""

from diligence.rules import (  # noqa: F401  (importing registers the rules)
    community,
    contract,
    documents,
    legal,
    market,
    product,
    sale,
    team,
    tokens,
    venue,
)
from diligence.rules.base import CATEGORIES, RULES, Result, Rule

__all__ = ["CATEGORIES", "RULES", "Result", "Rule"]
