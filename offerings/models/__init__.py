from .document import Document
from .offering import Offering
from .parts import Audit, SaleRound, SocialLink, TeamMember, TokenAllocation
from .venue import SecurityIncident, Venue

__all__ = [
    "Audit",
    "Document",
    "Offering",
    "SaleRound",
    "SecurityIncident",
    "SocialLink",
    "TeamMember",
    "TokenAllocation",
    "Venue",
]
