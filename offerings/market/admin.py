"""Admin for market data: proposals to confirm, listings and snapshots to inspect."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from offerings.market.matching import coin_match_confirm, coin_match_reject, coin_matches_propose
from offerings.models import CoinMatch, Listing, MarketSnapshot
from offerings.resilience import ProviderError


@admin.action(description="Propose CoinGecko coins for the selected offerings")
def propose_coin_matches(modeladmin, request, queryset) -> None:
    try:
        report = coin_matches_propose(offerings=queryset)
    except ProviderError as exc:
        modeladmin.message_user(
            request, f"The coin list could not be fetched: {exc}", messages.ERROR
        )
        return
    modeladmin.message_user(
        request,
        f"{report.proposed} new proposals ({report.by_contract} offerings matched by contract, "
        f"{report.by_symbol_name} by symbol and name, {report.unmatched} unmatched): confirm "
        "them under Coin matches.",
    )


@admin.register(CoinMatch)
class CoinMatchAdmin(admin.ModelAdmin):
    list_display = [
        "offering",
        "coingecko_id",
        "coin_name",
        "coin_symbol",
        "method",
        "evidence",
        "state",
        "decided_by",
    ]
    list_filter = ["state", "method"]
    list_select_related = ["offering", "decided_by"]
    search_fields = ["offering__name", "offering__symbol", "coingecko_id", "coin_name"]
    readonly_fields = [f.name for f in CoinMatch._meta.fields]
    actions = ["confirm", "reject"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Confirm: link the offerings to these coins")
    def confirm(self, request, queryset) -> None:
        self._decide(request, queryset, coin_match_confirm, "linked")

    @admin.action(description="Reject these proposals")
    def reject(self, request, queryset) -> None:
        self._decide(request, queryset, coin_match_reject, "rejected")

    def _decide(self, request, queryset, decide, verb: str) -> None:
        done = 0
        for match in queryset.select_related("offering"):
            try:
                decide(match=match, user=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.WARNING)
        self.message_user(request, f"{done} proposals {verb}.")


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["offering", "venue", "pair", "status", "first_seen", "last_seen"]
    list_filter = ["status", "venue"]
    list_select_related = ["offering", "venue"]
    search_fields = ["offering__name", "offering__symbol", "pair"]
    readonly_fields = [f.name for f in Listing._meta.fields]


@admin.register(MarketSnapshot)
class MarketSnapshotAdmin(admin.ModelAdmin):
    list_display = ["offering", "time", "source", "price_usd", "market_cap_usd", "volume_24h_usd"]
    list_filter = ["source"]
    list_select_related = ["offering"]
    search_fields = ["offering__name", "offering__symbol"]
    date_hierarchy = "time"
    readonly_fields = [f.name for f in MarketSnapshot._meta.fields]
    show_full_result_count = False
