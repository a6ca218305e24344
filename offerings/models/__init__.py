from .document import Document
from .offering import Offering
from .parts import Audit, SaleRound, SocialLink, TeamMember, TokenAllocation
from .venue import SecurityIncident, Venue
from .watch import Notification, Watch

__all__ = [
    "Audit",
    "Document",
    "Notification",
    "Offering",
    "SaleRound",
    "SecurityIncident",
    "SocialLink",
    "TeamMember",
    "TokenAllocation",
    "Venue",
    "Watch",
]
