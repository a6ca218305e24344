"""The record's admin: offerings (data entry, imports, exports), venues and outcomes.
diligence.admin replaces the offering admin with a subclass that adds the assessment."""

from offerings.admin.filters import StatusFilter
from offerings.admin.imports import ImportRunAdmin
from offerings.admin.offering import OfferingAdmin, OfferingAdminForm
from offerings.admin.venues import SaleOutcomeAdmin, VenueAdmin

__all__ = [
    "ImportRunAdmin",
    "OfferingAdmin",
    "OfferingAdminForm",
    "SaleOutcomeAdmin",
    "StatusFilter",
    "VenueAdmin",
]
