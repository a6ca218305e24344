from django.apps import AppConfig


def queue_rescore(sender, offering_ids, **kwargs) -> None:
    """Rescore changed offerings once their transaction commits (eagerly in the default set-up);
    a broker that is down does not fail the change nor lose the rescore (diligence.queueing)."""
    from diligence.queueing import rescore_enqueue

    rescore_enqueue(offering_ids=offering_ids)


def reopen_changed_reviews(sender, offering_ids, created_ids=(), **kwargs) -> None:
    """A change to an offering's own facts or documents (admin, import, API, uploads) sends it
    back to draft when it was in review or approved; market refreshes do not. An offering the
    change created has no review yet."""
    from offerings.models import Document, Offering

    if sender not in (Offering, Document):
        return
    created = set(created_ids)
    offering_ids = [pk for pk in offering_ids if pk not in created]
    if not offering_ids:
        return
    from django.utils import timezone

    from diligence.services import offering_reviews_reopen

    offering_reviews_reopen(
        offering_ids=list(offering_ids),
        reason=f"facts changed on {timezone.now():%Y-%m-%d %H:%M} UTC after submission",
    )


class DiligenceConfig(AppConfig):
    name = "diligence"
    verbose_name = "Diligence"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from diligence.documents import queue_text_extraction
        from offerings.models import Document
        from offerings.signals import offerings_changed

        offerings_changed.connect(queue_rescore, dispatch_uid="diligence.queue_rescore")
        offerings_changed.connect(
            reopen_changed_reviews, dispatch_uid="diligence.reopen_changed_reviews"
        )
        post_save.connect(
            queue_text_extraction, sender=Document, dispatch_uid="diligence.extract_text"
        )
