from __future__ import annotations

from django.http import Http404


def offering_compare(request):
    raise Http404("compare: being built")
