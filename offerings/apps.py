from django.apps import AppConfig


class OfferingsConfig(AppConfig):
    name = "offerings"
    verbose_name = "Offerings"

    def ready(self) -> None:
        from offerings.signals import offerings_changed
        from offerings.unlock_events import on_offerings_changed

        offerings_changed.connect(on_offerings_changed, dispatch_uid="offerings.unlock_events")
