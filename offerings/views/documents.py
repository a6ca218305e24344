"""Uploaded documents, served only through this view: signed-in users with a role, as an
attachment (never rendered by the browser), never from MEDIA_URL."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from offerings.access import permission_required
from offerings.models import Document


@require_GET
@permission_required("offerings.view_offering", "viewer")
def document_download(request, slug: str, document_id: int):
    # Offering.objects hides soft-deleted offerings, and their documents with them.
    document = get_object_or_404(
        Document.objects.select_related("offering").filter(
            offering__deleted_at__isnull=True, offering__slug=slug
        ),
        pk=document_id,
    )
    if not document.file:
        raise Http404("this document has no uploaded file")
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{document.offering.slug}-{document.kind}-{document.pk}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
