"""The record's admin: offerings (data entry, imports, exports), venues and outcomes.
diligence.admin replaces the offering admin with a subclass that adds the assessment."""

from offerings.admin.imports import ImportRunAdmin
from offerings.admin.offering import OfferingAdmin, OfferingAdminForm, StatusFilter
from offerings.admin.venues import SaleOutcomeAdmin, VenueAdmin

__all__ = [
    "ImportRunAdmin",
    "OfferingAdmin",
    "OfferingAdminForm",
    "SaleOutcomeAdmin",
    "StatusFilter",
    "VenueAdmin",
]
