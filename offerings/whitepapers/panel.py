"""What the offering page shows of the copied-whitepaper check (templates/records/
_copied_whitepaper.html): the indexed document, when it was compared, and the passages shared
with earlier whitepapers of other offerings, or with later ones."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q

from offerings.models import Offering, WhitepaperMatch, WhitepaperSignature


def copied_whitepaper_context(offering: Offering) -> dict[str, Any]:
    """{"copied_whitepaper": ...} for the page (1 query; 2 when the whitepaper is indexed)."""
    signature = (
        WhitepaperSignature.objects.filter(offering=offering)
        .select_related("document")
        .only("compared_at", "indexed_at", "tokens", "document__url", "document__uploaded_at")
        .first()
    )
    if signature is None:
        return {"copied_whitepaper": {"indexed": False}}
    matches = list(
        WhitepaperMatch.objects.filter(Q(offering=offering) | Q(source_offering=offering))
        .select_related("offering", "source_offering")
        .only(
            "offering_id",
            "share",
            "passages",
            "compared_at",
            "offering__name",
            "offering__slug",
            "source_offering__name",
            "source_offering__slug",
        )
        .order_by("-share")
    )
    threshold = settings.WHITEPAPER_COPY_SHARE_PERCENT / 100
    return {
        "copied_whitepaper": {
            "indexed": True,
            "signature": signature,
            "threshold": threshold,
            "copied_from": [m for m in matches if m.offering_id == offering.pk],
            "copied_by": [m for m in matches if m.offering_id != offering.pk],
        }
    }
