"""Uploaded documents, served only through this view: signed-in users with a role, as an
attachment (never rendered by the browser), never from MEDIA_URL."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from analyst.access import get_offering_for_user, permission_required
from offerings.models import Document, Offering


@require_GET
@permission_required("offerings.view_offering", "viewer")
def document_download(request, slug: str, document_id: int):
    # A soft-deleted offering's documents are gone with it.
    offering = get_offering_for_user(request, slug, Offering.objects.only("pk", "slug"))
    document = get_object_or_404(Document.objects.filter(offering=offering), pk=document_id)
    if not document.file:
        raise Http404("this document has no uploaded file")
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{offering.slug}-{document.kind}-{document.pk}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
