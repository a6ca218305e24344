from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from offerings.models import Offering


@require_GET
def home(request):
    return redirect("offerings:list")


@require_GET
@login_required
def offering_list(request):
    offerings = (
        Offering.objects.with_status()
        .with_assessment()
        .select_related("venue")
        .order_by("-start_date", "name")
    )
    page = Paginator(offerings, 50).get_page(request.GET.get("page"))
    return render(request, "offerings/offering_list.html", {"page": page})


def offering_export(request):
    from django.http import Http404

    raise Http404("export: being built")
