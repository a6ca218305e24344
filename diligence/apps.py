from django.apps import AppConfig


def queue_rescore(sender, offering_ids, **kwargs) -> None:
    """Rescore changed offerings once their transaction commits (eagerly in the default set-up);
    a broker that is down does not fail the change nor lose the rescore (diligence.queueing)."""
    from diligence.queueing import rescore_enqueue

    rescore_enqueue(offering_ids=offering_ids)


class DiligenceConfig(AppConfig):
    name = "diligence"
    verbose_name = "Diligence"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from diligence.documents import queue_text_extraction
        from offerings.models import Document
        from offerings.signals import offerings_changed

        offerings_changed.connect(queue_rescore, dispatch_uid="diligence.queue_rescore")
        post_save.connect(
            queue_text_extraction, sender=Document, dispatch_uid="diligence.extract_text"
        )
