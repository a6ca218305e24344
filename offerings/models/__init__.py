from .contract import ContractChange, ContractRisk, ContractSnapshot
from .document import Document
from .market import CoinMatch, Listing, MarketSnapshot, MarketSummary, ReferencePrice
from .offering import Offering
from .outcome import SaleOutcome
from .parts import Absence, Audit, SaleRound, SocialLink, TeamMember, TokenAllocation
from .unlock import UnlockAlert, UnlockEvent
from .venue import SecurityIncident, Venue
from .watch import AnalystPreferences, Notification, Watch
from .whitepaper_copy import WhitepaperBand, WhitepaperMatch, WhitepaperShingle, WhitepaperSignature

__all__ = [
    "Absence",
    "AnalystPreferences",
    "Audit",
    "CoinMatch",
    "ContractChange",
    "ContractRisk",
    "ContractSnapshot",
    "Document",
    "Listing",
    "MarketSnapshot",
    "MarketSummary",
    "Notification",
    "Offering",
    "ReferencePrice",
    "SaleOutcome",
    "SaleRound",
    "SecurityIncident",
    "SocialLink",
    "TeamMember",
    "TokenAllocation",
    "UnlockAlert",
    "UnlockEvent",
    "Venue",
    "Watch",
    "WhitepaperBand",
    "WhitepaperMatch",
    "WhitepaperShingle",
    "WhitepaperSignature",
]
