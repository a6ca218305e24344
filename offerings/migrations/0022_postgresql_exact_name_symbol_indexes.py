"""PostgreSQL only: offerings by upper-cased name and by upper-cased symbol (btree).

A search's exact matches (`name__iexact`, `symbol__iexact`: UPPER(column::text) = UPPER(q))
rank first, and a broad search's page reads them as a tier of their own
(offerings.search_tiers). The trigram indexes of migration 0004 answer equality only lossily:
for "bench" in the load test's data they returned 10,000 candidates to recheck (15 ms); these
answer it exactly. Other databases skip them.
"""

from django.db import migrations

INDEXES = {
    "offering_name_upper": "(UPPER(name::text))",
    "offering_symbol_upper": "(UPPER(symbol::text))",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON offerings_offering {definition}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("offerings", "0021_postgresql_risk_then_score_index"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
