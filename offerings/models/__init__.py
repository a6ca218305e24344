from .document import Document
from .market import CoinMatch, Listing, MarketSnapshot, MarketSummary, ReferencePrice
from .offering import Offering
from .parts import Audit, SaleRound, SocialLink, TeamMember, TokenAllocation
from .unlock import UnlockAlert, UnlockEvent
from .venue import SecurityIncident, Venue
from .watch import AnalystPreferences, Notification, Watch

__all__ = [
    "AnalystPreferences",
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
    "UnlockAlert",
    "UnlockEvent",
    "Venue",
    "Watch",
]
