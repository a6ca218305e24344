from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _revision_triggers_install(sender, using, **kwargs) -> None:
    """After every migrate: the record revision's triggers, generated from today's models."""
    from django.db import connections

    from offerings import revisions

    revisions.install(connections[using])


class OfferingsConfig(AppConfig):
    name = "offerings"
    verbose_name = "Offerings"

    def ready(self) -> None:
        post_migrate.connect(
            _revision_triggers_install, sender=self, dispatch_uid="offerings.revisions"
        )
        from offerings.signals import offerings_changed
        from offerings.unlock_events import on_offerings_changed

        offerings_changed.connect(on_offerings_changed, dispatch_uid="offerings.unlock_events")
