from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "api.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from api.webhooks import events
        from diligence.signals import assessments_changed
        from offerings.signals import (
            contract_changed,
            listings_changed,
            offerings_changed,
            unlocks_upcoming,
        )

        offerings_changed.connect(events.on_offerings_changed, dispatch_uid="webhooks.offerings")
        listings_changed.connect(events.on_listings_changed, dispatch_uid="webhooks.listings")
        contract_changed.connect(events.on_contract_changed, dispatch_uid="webhooks.contract")
        unlocks_upcoming.connect(events.on_unlocks_upcoming, dispatch_uid="webhooks.unlocks")
        assessments_changed.connect(
            events.on_assessments_changed, dispatch_uid="webhooks.assessments"
        )
