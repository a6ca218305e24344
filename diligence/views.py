from __future__ import annotations

from django.http import Http404


def methodology_page(request):
    raise Http404("methodology: being built")


def finding_review(request, slug: str):
    raise Http404("reviews: being built")


def workflow(request, slug: str):
    raise Http404("workflow: being built")
