"""Fill the offerings' copies of their current assessment's score and risk (offerings 0006)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

RISK_LEVELS = ("low", "medium", "high", "critical")


def fill(apps, schema_editor):
    Offering = apps.get_model("offerings", "Offering")
    Assessment = apps.get_model("diligence", "Assessment")
    current = Assessment.objects.filter(offering=OuterRef("pk"), is_current=True)
    Offering.objects.update(current_score=Subquery(current.values("score")[:1]))
    for rank, risk in enumerate(RISK_LEVELS):
        Offering.objects.filter(
            pk__in=Assessment.objects.filter(is_current=True, risk=risk).values("offering_id")
        ).update(current_risk_rank=rank)


class Migration(migrations.Migration):
    dependencies = [
        ("diligence", "0001_initial"),
        ("offerings", "0006_current_assessment_copies"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
