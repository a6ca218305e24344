from __future__ import annotations

from django.http import Http404


def offering_watch(request, slug: str):
    raise Http404("watch: being built")


def watchlist(request):
    raise Http404("watchlist: being built")


def notification_list(request):
    raise Http404("notifications: being built")
