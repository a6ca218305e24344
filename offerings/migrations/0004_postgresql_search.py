"""PostgreSQL only: pg_trgm, and the indexes the offerings list's search and default orders use.

Each alternative of OfferingQuerySet.search() has an index of its own, so PostgreSQL combines
bitmap index scans instead of reading every offering; the expressions match the SQL Django
generates for those lookups. Other databases skip this migration's work entirely.
"""

from django.db import migrations

INDEXES = {
    # SearchVector("name", "symbol", config="simple")
    "offering_search_document": (
        "USING gin (to_tsvector('simple'::regconfig, "
        "COALESCE(name, '') || ' ' || COALESCE(symbol, '')))"
    ),
    # TrigramWordSimilar: name %> q
    "offering_name_trgm": "USING gin (name gin_trgm_ops)",
    # icontains: UPPER(column::text) LIKE UPPER('%q%')
    "offering_name_upper_trgm": "USING gin (UPPER(name::text) gin_trgm_ops)",
    "offering_symbol_upper_trgm": "USING gin (UPPER(symbol::text) gin_trgm_ops)",
    "offering_contract_upper_trgm": "USING gin (UPPER(contract_address::text) gin_trgm_ops)",
    # The list's default order and its name order, ties broken by name and id.
    "offering_newest_first": "(start_date DESC NULLS LAST, name, id)",
    "offering_name_id": "(name, id)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON offerings_offering {definition}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    # pg_trgm stays: other objects may have come to depend on it.


class Migration(migrations.Migration):

    dependencies = [
        ("offerings", "0003_watchlist"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
