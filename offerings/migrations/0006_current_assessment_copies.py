"""The offering's copies of its current assessment's score and risk rank, and on PostgreSQL
the indexes that serve the list sorted by them (both directions, unknowns last, ties by name
and id, as OfferingQuerySet.sorted_by orders). diligence 0002 fills the copies."""

from django.db import migrations, models

INDEXES = {
    f"offering_{column.removeprefix('current_')}_{direction.split()[0].lower()}": (
        f"({column} {direction}, name, id)"
    )
    for column in ("current_score", "current_risk_rank")
    for direction in ("DESC NULLS LAST", "ASC NULLS LAST")
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON offerings_offering {definition}"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('offerings', '0005_market_data'),
    ]

    operations = [
        migrations.AddField(
            model_name='offering',
            name='current_risk_rank',
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='offering',
            name='current_score',
            field=models.DecimalField(decimal_places=1, editable=False, max_digits=4, null=True),
        ),
        migrations.RunPython(create, drop),
    ]
