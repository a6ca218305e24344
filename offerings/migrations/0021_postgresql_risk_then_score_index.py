"""PostgreSQL only: offerings by risk rank, then score (highest first), name and id.

A risk filter reads the offering's copy of its current assessment's risk rank
(diligence.selectors.COPY_LOOKUPS); sorted by score, as `?risk=high&ordering=-score` is, this
index answers the page with a range scan. Without it PostgreSQL walked the score index through
every offering to find the high-risk ones, which sort last (issue 17, 22,000 offerings: 32 ms
of database time per API page, the largest single cost of the load test's API reads).
Other databases skip it.
"""

from django.db import migrations

NAME = "offering_risk_rank_score_desc"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON offerings_offering "
        "(current_risk_rank, current_score DESC NULLS LAST, name, id)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("offerings", "0020_postgresql_live_kind_index"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
