"""The offering's record revision, kept by the database.

`Offering.revision` rises whenever anything its interchange record (`offering_record`) shows
changes: a column of the offering, a row of any relation in the record's PREFETCH (parts,
absences, socials, market summary, listings, outcomes, contract check, whitepaper index and
matches), a venue's name, or the name or slug of an offering whose whitepaper another copied.
Triggers do it, so every way of writing counts: the ORM, bulk writes, COPY, raw SQL, the admin,
a data migration. A reader may therefore cache an offering's record under (id, revision) and
serve it as long as the revision is the one it reads (api.record_cache).

The revision never goes back: a save() of an offering loaded before a trigger raised it writes
the higher of the two. Columns outside the record (the assessment copies, updated_at) do not
raise it, so rescoring leaves cached records valid.

The triggers are (re)installed after every migrate (apps.py: post_migrate), generated from the
models, so a column or a relation added to the record is covered without a hand-written
migration. PostgreSQL: statement-level triggers with transition tables (one UPDATE per
statement, however many rows); SQLite: row-level triggers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Prefetch

PREFIX = "ow_rev"


@dataclass(frozen=True)
class Source:
    """A table whose rows belong to an offering's record, through the column `column`."""

    table: str
    column: str


def record_sources() -> list[Source]:
    """The tables of the relations offering_record reads (its PREFETCH), with their column
    naming the offering."""
    from offerings.interchange import PREFETCH
    from offerings.models import Offering

    sources = []
    for item in PREFETCH:
        name = item.prefetch_through if isinstance(item, Prefetch) else item
        field = Offering._meta.get_field(name)
        sources.append(Source(field.related_model._meta.db_table, field.field.column))
    return sources


def record_columns() -> list[str]:
    """The offering's own columns that its record may show (all but NOT_IN_RECORD)."""
    from offerings.models import Offering
    from offerings.models.offering import NOT_IN_RECORD

    return [
        field.column
        for field in Offering._meta.concrete_fields
        if field.name not in NOT_IN_RECORD and not field.primary_key
    ]


def _tables() -> dict[str, str]:
    from offerings.models import Listing, Offering, Venue, WhitepaperMatch

    return {
        "offering": Offering._meta.db_table,
        "venue": Venue._meta.db_table,
        "listing": Listing._meta.db_table,
        "match": WhitepaperMatch._meta.db_table,
    }


def install(connection) -> None:
    """Create or replace every revision trigger on this database (and remove them from a
    database migrated back to before the revision column)."""
    from offerings.models import Offering

    with connection.cursor() as cursor:
        table = Offering._meta.db_table
        if table not in connection.introspection.table_names(cursor):
            return
        columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
        if "revision" not in columns:
            statements = _removed(connection)
        elif connection.vendor == "postgresql":
            statements = _postgresql()
        else:
            statements = _sqlite()
        for statement in list(statements):
            cursor.execute(statement)


def _removed(connection) -> list[str]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT p.proname FROM pg_proc p WHERE p.proname LIKE %s", [f"{PREFIX}%"]
            )
            return [f"DROP FUNCTION IF EXISTS {name}() CASCADE" for (name,) in cursor.fetchall()]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in installed_triggers(connection)]


def installed_triggers(connection) -> set[str]:
    """Names of the revision triggers present (for the tests and `check`)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", [f"{PREFIX}%"])
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{PREFIX}%"],
            )
        return {row[0] for row in cursor.fetchall()}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _postgresql() -> Iterator[str]:
    t = _tables()
    offering = _q(t["offering"])
    changed = " OR ".join(f"NEW.{_q(c)} IS DISTINCT FROM OLD.{_q(c)}" for c in record_columns())
    # The offering's own row: a change of a record column raises its revision, and a save of
    # an older copy never lowers it.
    yield (
        f"CREATE OR REPLACE FUNCTION {PREFIX}_offering_row() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN NEW.revision := GREATEST(NEW.revision, OLD.revision) "
        f"+ CASE WHEN {changed} THEN 1 ELSE 0 END; RETURN NEW; END $$"
    )
    yield f"DROP TRIGGER IF EXISTS {PREFIX}_offering_row ON {offering}"
    yield (
        f"CREATE TRIGGER {PREFIX}_offering_row BEFORE UPDATE ON {offering} "
        f"FOR EACH ROW EXECUTE FUNCTION {PREFIX}_offering_row()"
    )

    def statement_triggers(key: str, table: str, ids_from: dict[str, str]) -> Iterator[str]:
        """One function and trigger per event (transition tables allow one event each)."""
        for event, ids in ids_from.items():
            name = f"{PREFIX}_{key}_{event[:3].lower()}"
            referencing = {
                "INSERT": "NEW TABLE AS new_rows",
                "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                "DELETE": "OLD TABLE AS old_rows",
            }[event]
            # Rows are locked in id order, so two bulk writers touching the same offerings
            # queue up instead of deadlocking.
            yield (
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                # Only when some offering is concerned: the UPDATE below fires the offering's
                # statement triggers again, and an UPDATE of no row would too, without end.
                f"BEGIN IF EXISTS ({ids}) THEN "
                f"PERFORM 1 FROM {offering} WHERE id IN ({ids}) ORDER BY id FOR UPDATE; "
                f"UPDATE {offering} SET revision = revision + 1 WHERE id IN ({ids}); "
                f"END IF; RETURN NULL; END $$"
            )
            yield f"DROP TRIGGER IF EXISTS {name} ON {_q(table)}"
            yield (
                f"CREATE TRIGGER {name} AFTER {event} ON {_q(table)} "
                f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )

    for source in record_sources():
        column = _q(source.column)
        yield from statement_triggers(
            source.table,
            source.table,
            {
                "INSERT": f"SELECT {column} FROM new_rows",
                "UPDATE": f"SELECT {column} FROM new_rows UNION SELECT {column} FROM old_rows",
                "DELETE": f"SELECT {column} FROM old_rows",
            },
        )
    # A venue's name shows as the offering's venue and in its listings.
    listing, match = _q(t["listing"]), _q(t["match"])
    renamed_venues = (
        "SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.name IS DISTINCT "
        "FROM o.name"
    )
    yield from statement_triggers(
        "venue",
        t["venue"],
        {
            "UPDATE": f"SELECT id FROM {offering} WHERE venue_id IN ({renamed_venues}) UNION "
            f"SELECT offering_id FROM {listing} WHERE venue_id IN ({renamed_venues})"
        },
    )
    # An offering's name and slug show in the whitepaper matches of those that copied it.
    renamed_offerings = (
        "SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE n.name IS DISTINCT FROM o.name OR n.slug IS DISTINCT FROM o.slug"
    )
    yield from statement_triggers(
        "copied",
        t["offering"],
        {
            "UPDATE": f"SELECT offering_id FROM {match} "
            f"WHERE source_offering_id IN ({renamed_offerings})"
        },
    )


def _sqlite() -> Iterator[str]:
    t = _tables()
    offering = _q(t["offering"])
    changed = " OR ".join(f"NEW.{_q(c)} IS NOT OLD.{_q(c)}" for c in record_columns())

    def trigger(name: str, event: str, table: str, when: str, ids: str) -> Iterator[str]:
        name = f"{PREFIX}_{name}"
        yield f"DROP TRIGGER IF EXISTS {name}"
        yield (
            f"CREATE TRIGGER {name} AFTER {event} ON {_q(table)} FOR EACH ROW "
            f"{'WHEN ' + when if when else ''} BEGIN "
            f"UPDATE {offering} SET revision = revision + 1 WHERE id IN ({ids}); END"
        )

    # The offering's own row (SQLite's AFTER trigger cannot change NEW: a second UPDATE does;
    # recursive triggers are off, so it does not fire this trigger again).
    yield f"DROP TRIGGER IF EXISTS {PREFIX}_offering_row"
    yield (
        f"CREATE TRIGGER {PREFIX}_offering_row AFTER UPDATE ON {offering} FOR EACH ROW "
        f"WHEN NEW.revision < OLD.revision OR {changed} BEGIN "
        f"UPDATE {offering} SET revision = max(NEW.revision, OLD.revision) "
        f"+ CASE WHEN {changed} THEN 1 ELSE 0 END WHERE id = NEW.id; END"
    )
    for source in record_sources():
        column = _q(source.column)
        key = source.table
        yield from trigger(f"{key}_ins", "INSERT", source.table, "", f"NEW.{column}")
        yield from trigger(f"{key}_upd", "UPDATE", source.table, "", f"NEW.{column}, OLD.{column}")
        yield from trigger(f"{key}_del", "DELETE", source.table, "", f"OLD.{column}")
    listing, match = _q(t["listing"]), _q(t["match"])
    yield from trigger(
        "venue_upd",
        "UPDATE",
        t["venue"],
        "NEW.name IS NOT OLD.name",
        f"SELECT id FROM {offering} WHERE venue_id = NEW.id UNION "
        f"SELECT offering_id FROM {listing} WHERE venue_id = NEW.id",
    )
    yield from trigger(
        "copied_upd",
        "UPDATE",
        t["offering"],
        "NEW.name IS NOT OLD.name OR NEW.slug IS NOT OLD.slug",
        f"SELECT offering_id FROM {match} WHERE source_offering_id = NEW.id",
    )


def installed_for(connection) -> bool:
    """Whether this database carries the offering row's trigger (the others come with it)."""
    return f"{PREFIX}_offering_row" in installed_triggers(connection)
