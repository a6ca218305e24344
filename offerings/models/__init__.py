from .document import Document
from .market import CoinMatch, Listing, MarketSnapshot, MarketSummary, ReferencePrice
from .offering import Offering
from .parts import Absence, Audit, SaleRound, SocialLink, TeamMember, TokenAllocation
from .venue import SecurityIncident, Venue
from .watch import Notification, Watch

__all__ = [
    "Absence",
    "Audit",
    "CoinMatch",
    "Document",
    "Listing",
    "MarketSnapshot",
    "MarketSummary",
    "Notification",
    "Offering",
    "ReferencePrice",
    "SaleRound",
    "SecurityIncident",
    "SocialLink",
    "TeamMember",
    "TokenAllocation",
    "Venue",
    "Watch",
]
