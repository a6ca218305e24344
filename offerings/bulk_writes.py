"""Set-based writes of validated offerings and their parts, with change history in bulk."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from offerings.models import (
    Absence,
    Audit,
    Offering,
    SaleRound,
    SocialLink,
    TeamMember,
    TokenAllocation,
)
from offerings.models.offering import CURRENT_ASSESSMENT_COPIES
from offerings.signals import offerings_changed

PART_MODELS: dict[str, type[models.Model]] = {
    "team": TeamMember,
    "allocations": TokenAllocation,
    "rounds": SaleRound,
    "audits": Audit,
}
BATCH = 500


def offerings_write(
    items: list[Any], *, user: Any, change_reason: str, source: str | None = None
) -> None:
    """Insert the new offerings, update the changed ones and replace the parts each item
    carries (`item.offering`, `item.existing_id`, `item.parts`, `item.socials`), record or drop
    the "checked, none" of each part it names (`item.checked_none`, from `source`), then
    announce the change; a fixed number of statements per batch of 500."""
    now = timezone.now()
    created = [item.offering for item in items if item.existing_id is None]
    updated = [item.offering for item in items if item.existing_id is not None]
    for offering in created:
        offering.created_at = offering.updated_at = now
    for offering in updated:
        offering.updated_at = now
    history = {"default_user": user, "default_change_reason": change_reason, "default_date": now}
    if created:
        bulk_create_with_history(created, Offering, batch_size=BATCH, **history)
        _fill_created_ids(created)
    if updated:
        fields = [
            f.name
            for f in Offering._meta.concrete_fields
            # The assessment copies belong to the rescoring, which runs after this commits.
            if not f.primary_key and f.name not in {"created_at", *CURRENT_ASSESSMENT_COPIES}
        ]
        bulk_update_with_history(updated, Offering, fields, batch_size=BATCH, **history)
    for key, model in PART_MODELS.items():
        _replace_parts([item for item in items if key in item.parts], key, model, history)
    _replace_parts(
        [item for item in items if item.socials is not None], "socials", SocialLink, history
    )
    _absences_write(items, history, source=source or change_reason)
    if items:
        offerings_changed.send(
            sender=Offering,
            offering_ids=[item.offering.pk for item in items],
            created_ids=[offering.pk for offering in created],
        )


def _fill_created_ids(created: list[Offering]) -> None:
    """Backends that cannot return ids from a bulk insert: look them up by slug."""
    missing = [offering for offering in created if offering.pk is None]
    if not missing:
        return
    ids = dict(
        Offering.objects.filter(slug__in=[o.slug for o in missing]).values_list("slug", "pk")
    )
    for offering in missing:
        offering.pk = ids[offering.slug]


def _replace_parts(items: list[Any], key: str, model, history: dict[str, Any]) -> None:
    if not items:
        return
    ids = [item.offering.pk for item in items]
    for start in range(0, len(ids), BATCH):
        _delete_with_history(model, ids[start : start + BATCH], history)
    parts = []
    for item in items:
        for part in item.socials if key == "socials" else item.parts[key]:
            part.offering = item.offering
            parts.append(part)
    if parts:
        bulk_create_with_history(parts, model, batch_size=BATCH, **history)


def _absences_write(items: list[Any], history: dict[str, Any], *, source: str) -> None:
    """Record "checked, none" where an item says so (an Absence already there keeps who and
    when); drop it where the item records the part, or says it is not recorded."""
    wanted: set[tuple[int, str]] = set()
    dropped: dict[str, list[int]] = {}
    for item in items:
        for part, none in getattr(item, "checked_none", {}).items():
            if none:
                wanted.add((item.offering.pk, part))
            else:
                dropped.setdefault(part, []).append(item.offering.pk)
    for part, ids in dropped.items():
        for start in range(0, len(ids), BATCH):
            _delete_with_history(Absence, ids[start : start + BATCH], history, part=part)
    if not wanted:
        return
    ids = sorted({offering_id for offering_id, _ in wanted})
    existing = set()
    for start in range(0, len(ids), BATCH):
        existing.update(
            Absence.objects.filter(offering_id__in=ids[start : start + BATCH]).values_list(
                "offering_id", "part"
            )
        )
    user = history["default_user"]
    new = [
        Absence(
            offering_id=offering_id,
            part=part,
            checked_at=history["default_date"],
            checked_by=user if getattr(user, "pk", None) else None,
            source=source[:200],
        )
        for offering_id, part in sorted(wanted - existing)
    ]
    if new:
        bulk_create_with_history(new, Absence, batch_size=BATCH, **history)


def _delete_with_history(
    model, offering_ids: list[int], history: dict[str, Any], **only: Any
) -> None:
    """Delete these offerings' parts, recording the deletions in bulk.

    QuerySet.delete() would save one history row per part through simple-history's signal.
    """
    doomed = list(model.objects.filter(offering_id__in=offering_ids, **only))
    if not doomed:
        return
    historical = model.history.model
    historical.objects.bulk_create(
        [
            historical(
                history_type="-",
                history_date=history["default_date"],
                history_user=history["default_user"],
                history_change_reason=history["default_change_reason"],
                **{f.attname: getattr(part, f.attname) for f in historical.tracked_fields},
            )
            for part in doomed
        ],
        batch_size=BATCH,
    )
    model.objects.filter(offering_id__in=offering_ids, **only)._raw_delete(model.objects.db)
