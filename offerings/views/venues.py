from __future__ import annotations

from django.http import Http404


def venue_list(request):
    raise Http404("venues: being built")


def venue_detail(request, slug: str):
    raise Http404("venues: being built")
