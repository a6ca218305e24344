"""Writes of single offerings: the same validation and write path as the bulk importer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from offerings.importing import ImportReport, SourceRow, offerings_import
from offerings.models import (
    Absence,
    Offering,
    SecurityIncident,
    SocialLink,
    Venue,
)
from offerings.signals import offering_deleted, offerings_changed
from ops.prepared import PreparedQuery

# Asked on every API write: prepared once per process (ops.prepared).
_SLUG_TAKEN = PreparedQuery(
    lambda slug: Offering.all_objects.filter(slug=slug).values_list("pk")[:1], slug=str
)
_CREATED = PreparedQuery(lambda slug: Offering.objects.filter(slug=slug)[:1], slug=str)


def _raise_for(report: ImportReport) -> None:
    if report.errors:
        errors: dict[str, list[str]] = {}
        for problem in report.errors:
            errors.setdefault(problem.field, []).append(
                f"{problem.message} (got {problem.value!r})"
            )
        raise ValidationError(errors)


def offering_create(
    *,
    record: dict[str, Any],
    user: Any = None,
    source: str | None = None,
    default_version: int = 1,
) -> Offering:
    """Create an offering from an interchange record; refuses one that already exists.

    `source` says where a "checked, none" in the record comes from ("api key <id>");
    `default_version` is the interchange version of a record that does not declare one."""
    slug = offering_create_slug(
        record=record, user=user, source=source, default_version=default_version
    )
    found = _CREATED.fetch(slug=slug)
    if not found:
        raise Offering.DoesNotExist(f"offering {slug!r} is gone")
    return found[0]


def offering_create_slug(
    *,
    record: dict[str, Any],
    user: Any = None,
    source: str | None = None,
    default_version: int = 1,
) -> str:
    """offering_create without reading the offering back: the slug it was created under (the
    API reads it once, with its parts, for its reply)."""
    slug = record.get("slug")
    if slug and _SLUG_TAKEN.fetch(slug=slug):
        raise ValidationError({"slug": f"an offering with slug {slug!r} already exists"})
    name, symbol = record.get("name") or "", record.get("symbol") or ""
    if (
        not slug
        and name
        and Offering.objects.filter(name__iexact=name, symbol__iexact=symbol).exists()
    ):
        raise ValidationError(
            {"name": f"an offering named {name!r} with symbol {symbol!r} already exists"}
        )
    report = offerings_import(
        rows=[SourceRow(1, record)],
        user=user,
        change_reason="created",
        source=source,
        default_version=default_version,
    )
    _raise_for(report)
    return report.slugs[0]


def offering_update(
    *,
    offering: Offering,
    record: dict[str, Any],
    user: Any = None,
    source: str | None = None,
    default_version: int = 1,
) -> Offering:
    """Change the fields named in `record` (a partial record leaves the others as they are);
    `source` and `default_version` as for offering_create."""
    report = offerings_import(
        rows=[SourceRow(1, record)],
        user=user,
        change_reason="updated",
        target=offering,
        source=source,
        default_version=default_version,
    )
    _raise_for(report)
    return Offering.objects.get(pk=offering.pk)


def venue_upsert(
    *, name: str, incidents: list[dict[str, Any]] | None = None, **fields: Any
) -> Venue:
    """Create or update a venue by name (and replace its incidents when given), validated."""
    with transaction.atomic():
        venue = Venue.objects.filter(name__iexact=name).first() or Venue(name=name)
        for field_name, value in fields.items():
            setattr(venue, field_name, value)
        if not venue.slug:
            venue.slug = slugify(name)[:140]
        venue.full_clean()
        venue.save()
        if incidents is not None:
            venue.incidents.all().delete()
            for values in incidents:
                incident = SecurityIncident(venue=venue, **values)
                incident.full_clean()
                incident.save()
    return venue


DELETE_PERMISSION = "offerings.delete_offering"


def offering_delete(*, offering: Offering, user: Any) -> None:
    """Soft-delete an offering (the admin role only): it leaves every list, page, API reply,
    export and rescoring, while its reviews, assessments and change history are kept."""
    if user is None or not user.has_perm(DELETE_PERMISSION):
        raise PermissionDenied(
            f"deleting {offering.slug!r} needs the permission {DELETE_PERMISSION} (the admin role)"
        )
    with transaction.atomic():
        offering.deleted_at = timezone.now()
        offering._change_reason = "deleted"
        offering._history_user = user
        offering.save()
        # Watchers stop watching it (analyst listens).
        offering_deleted.send(sender=Offering, offering=offering)


def _part_rows(offering: Offering, part: str) -> int:
    """How many entries the offering has recorded for a checkable part."""
    if part == Absence.Part.BACKERS:
        return len(offering.backers or ())
    return getattr(offering, part).count()


def _absence_write(*, offering: Offering, part: str, user: Any, source: str) -> Absence:
    if part not in Absence.Part.values:
        raise ValidationError(
            {"part": f"part ({part!r}) must be one of {', '.join(Absence.Part.values)}"}
        )
    entries = _part_rows(offering, part)
    if entries:
        raise ValidationError(
            {
                part: f"{part} has {entries} recorded; it cannot also be checked and found "
                "to have none (delete them first)"
            }
        )
    checked_by = user if getattr(user, "pk", None) else None
    if part == Absence.Part.BACKERS and offering.backers is None:
        offering.backers = []
        offering._change_reason = f"backers checked, none ({source})"
        offering._history_user = checked_by
        offering.save(update_fields=["backers", "updated_at"])
    absence = Absence.objects.filter(offering=offering, part=part).first() or Absence(
        offering=offering, part=part
    )
    absence.checked_at = timezone.now()
    absence.checked_by = checked_by
    absence.source = source[:200]
    absence._change_reason = source[:100]
    absence._history_user = checked_by
    absence.full_clean()
    absence.save()
    return absence


def _absence_delete(*, offering: Offering, part: str, user: Any, source: str) -> bool:
    absence = Absence.objects.filter(offering=offering, part=part).first()
    changed = absence is not None
    if part == Absence.Part.BACKERS and offering.backers == []:
        offering.backers = None
        offering._change_reason = f"backers no longer checked ({source})"
        offering._history_user = user if getattr(user, "pk", None) else None
        offering.save(update_fields=["backers", "updated_at"])
        changed = True
    if absence is not None:
        absence._change_reason = source[:100]
        absence._history_user = user if getattr(user, "pk", None) else None
        absence.delete()
    return changed


def absence_record(*, offering: Offering, part: str, user: Any = None, source: str) -> Absence:
    """Record that `part` of the offering was checked and none exist (who, when, from where).

    Refused while the part has entries: they would contradict it (delete them first).
    Recording it again refreshes who checked and when. The rescore is queued on commit.
    """
    with transaction.atomic():
        offering = Offering.objects.select_for_update().get(pk=offering.pk)
        absence = _absence_write(offering=offering, part=part, user=user, source=source)
        offerings_changed.send(sender=Offering, offering_ids=[offering.pk])
    return absence


def absence_clear(*, offering: Offering, part: str, user: Any = None, source: str) -> bool:
    """Forget that `part` was checked and found to have none: it becomes not recorded again.
    Returns whether there was such a record. The rescore is queued on commit."""
    with transaction.atomic():
        offering = Offering.objects.select_for_update().get(pk=offering.pk)
        changed = _absence_delete(offering=offering, part=part, user=user, source=source)
        if changed:
            offerings_changed.send(sender=Offering, offering_ids=[offering.pk])
    return changed


def absences_set(
    *, offering: Offering, parts: set[str], user: Any = None, source: str
) -> list[str]:
    """Make `parts` exactly the offering's "checked, none" parts (an edit form's choice).

    A part that has entries cannot be "checked, none": its record goes, and it is returned
    among the refused parts. A part already recorded keeps who checked it and when.
    The rescore is queued on commit when anything changed.
    """
    refused, changed = [], False
    with transaction.atomic():
        offering = Offering.objects.select_for_update().get(pk=offering.pk)
        existing = set(offering.absences.values_list("part", flat=True))
        for part in Absence.Part.values:
            has_entries = _part_rows(offering, part) > 0
            if part in parts and has_entries:
                refused.append(part)
            if part in parts and not has_entries:
                if part not in existing or (part == "backers" and offering.backers is None):
                    _absence_write(offering=offering, part=part, user=user, source=source)
                    changed = True
            elif part in existing or (part == "backers" and offering.backers == []):
                changed |= _absence_delete(offering=offering, part=part, user=user, source=source)
        if changed:
            offerings_changed.send(sender=Offering, offering_ids=[offering.pk])
    return refused


def offering_socials_set(*, offering: Offering, links: dict[str, str] | None, user: Any) -> bool:
    """Make the offering's social channels exactly `links` (network -> URL; None or {} removes
    them all), each change in the history; returns whether anything changed."""
    links = links or {}
    changed = False
    with transaction.atomic():
        current = {link.network: link for link in offering.socials.all()}
        for network, link in current.items():
            if links.get(network) != link.url:
                link._history_user = user
                link.delete()
                changed = True
        for network, url in links.items():
            if network in current and current[network].url == url:
                continue
            link = SocialLink(offering=offering, network=network, url=url)
            link._history_user = user
            link.full_clean()
            link.save()
            changed = True
    return changed
