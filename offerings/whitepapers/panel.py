"""What the offering page shows of the copied-whitepaper check (templates/records/
_copied_whitepaper.html): the indexed document, when it was compared, and the passages shared
with earlier whitepapers of other offerings, or with later ones."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from offerings.models import Offering, WhitepaperMatch


def copied_whitepaper_context(offering: Offering) -> dict[str, Any]:
    """{"copied_whitepaper": ...} for the page. Reads the offering's signature, documents and
    matches (loaded by the page's PREFETCH, else one query each), plus one query for the later
    whitepapers that share its passages when it is indexed."""
    try:
        signature = offering.whitepaper_signature
    except ObjectDoesNotExist:
        return {"copied_whitepaper": {"indexed": False}}
    document = next((d for d in offering.documents.all() if d.pk == signature.document_id), None)
    copied_by = (
        WhitepaperMatch.objects.filter(source_offering=offering)
        .select_related("offering")
        .only("share", "offering__name", "offering__slug")
        .order_by("-share")
    )
    return {
        "copied_whitepaper": {
            "indexed": True,
            "signature": signature,
            "document": document,
            "threshold": settings.WHITEPAPER_COPY_SHARE_PERCENT / 100,
            "copied_from": list(offering.whitepaper_matches.all()),
            "copied_by": list(copied_by),
        }
    }
