from .contract import ContractChange, ContractRisk, ContractSnapshot
from .document import Document
from .import_run import ImportRun
from .market import CoinMatch, Listing, MarketSnapshot, MarketSummary, ReferencePrice
from .offering import Offering
from .outcome import SaleOutcome
from .parts import Absence, Audit, SaleRound, SocialLink, TeamMember, TokenAllocation
from .unlock import UnlockAlert, UnlockEvent
from .venue import SecurityIncident, Venue
from .whitepaper_copy import WhitepaperBand, WhitepaperMatch, WhitepaperShingle, WhitepaperSignature

__all__ = [
    "Absence",
    "Audit",
    "CoinMatch",
    "ContractChange",
    "ContractRisk",
    "ContractSnapshot",
    "Document",
    "ImportRun",
    "Listing",
    "MarketSnapshot",
    "MarketSummary",
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
    "WhitepaperBand",
    "WhitepaperMatch",
    "WhitepaperShingle",
    "WhitepaperSignature",
]
