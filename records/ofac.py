"""OFAC's sanctioned digital-currency addresses, read from the SDN data files: the SDN.XML
list (idList entries whose idType is "Digital Currency Address - <currency>") or sdn.csv (the
same addresses in an entry's Remarks: "Digital Currency Address - ETH 0x…;").

OFAC publishes the list as a work of the US government (public domain). An import replaces the
whole set in one transaction, so the addresses held are always one publication's."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass

import defusedxml.ElementTree as ElementTree
from django.db import transaction
from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.functions import Lower
from django.utils import timezone

from offerings.models import ContractRisk, Offering
from offerings.signals import offerings_changed
from records.models import ListImport, SanctionedAddress

ID_TYPE = re.compile(r"^Digital Currency Address - ([A-Z0-9]+)$")
REMARK = re.compile(r"Digital Currency Address - ([A-Z0-9]+)\s+([A-Za-z0-9]{20,120})")
SDN_CSV_COLUMNS = 12  # ent_num, SDN_Name, SDN_Type, Program, … , Remarks


class SdnError(ValueError):
    """A file that is not an SDN list the importer reads; nothing was stored."""


@dataclass(frozen=True)
class Listed:
    address: str
    currency: str
    entry_uid: str
    entry_name: str
    programs: str


def address_key(address: str) -> str:
    """EVM addresses compare case-insensitively; others (Bitcoin, Tron) exactly."""
    address = address.strip()
    return address.lower() if address.lower().startswith("0x") else address


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def sdn_xml_addresses(content: bytes) -> list[Listed]:
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as exc:
        raise SdnError(f"the SDN file is not XML: {exc}") from None
    if _local(root.tag) != "sdnList":
        raise SdnError(
            f"the XML root is <{_local(root.tag)}>, not <sdnList> (SDN.XML); the advanced "
            "format (sdn_advanced.xml) is not read"
        )
    found = []
    for entry in root.iter():
        if _local(entry.tag) != "sdnEntry":
            continue
        uid = _child(entry, "uid")
        name = " ".join(p for p in (_child(entry, "firstName"), _child(entry, "lastName")) if p)
        programs = ", ".join(
            (p.text or "").strip() for p in entry.iter() if _local(p.tag) == "program"
        )
        for identity in entry.iter():
            if _local(identity.tag) != "id":
                continue
            kind = ID_TYPE.match(_child(identity, "idType"))
            number = _child(identity, "idNumber")
            if kind and number:
                found.append(Listed(address_key(number), kind[1], uid, name, programs))
    return found


def sdn_csv_addresses(content: bytes) -> list[Listed]:
    text = content.decode("utf-8-sig", errors="replace")
    found = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row or not any(cell.strip() for cell in row) or row[0].strip() == "\x1a":
            continue
        if len(row) != SDN_CSV_COLUMNS:
            raise SdnError(
                f"row {number}: {len(row)} columns; sdn.csv rows have {SDN_CSV_COLUMNS} "
                "(ent_num, SDN_Name, SDN_Type, Program, …, Remarks)"
            )
        uid, name, _, programs = (cell.strip() for cell in row[:4])
        if not uid.isdigit():
            raise SdnError(f"row {number}: ent_num ({uid!r}) is not a number")
        for currency, address in REMARK.findall(row[11]):
            found.append(Listed(address_key(address), currency, uid, name, programs))
    return found


def sdn_addresses(content: bytes) -> list[Listed]:
    """The addresses of an SDN.XML or sdn.csv file (told apart by their first character)."""
    start = content.lstrip(b"\xef\xbb\xbf \r\n\t")[:1]
    return sdn_xml_addresses(content) if start == b"<" else sdn_csv_addresses(content)


def _offerings_using(addresses: set[str]) -> set[int]:
    """Offerings whose contract, contract owner or creator is one of `addresses` (keys)."""
    if not addresses:
        return set()
    lowered = {a.lower() for a in addresses}
    ids = set(
        Offering.objects.annotate(key=Lower("contract_address"))
        .filter(key__in=lowered)
        .values_list("pk", flat=True)
    )
    ids |= set(
        ContractRisk.objects.annotate(
            owner=Lower(KT("facts__owner__value")), creator=Lower(KT("facts__creator__value"))
        )
        .filter(Q(owner__in=lowered) | Q(creator__in=lowered))
        .values_list("offering_id", flat=True)
    )
    return ids


def ofac_addresses_import(*, content: bytes, origin: str) -> ListImport:
    """Replace the sanctioned addresses with those of `content` (all or nothing) and queue a
    rescore of the offerings whose addresses joined or left the list."""
    listed = sdn_addresses(content)
    if not listed:
        raise SdnError(f"{origin}: no digital-currency address found; nothing imported")
    unique = {entry.address: entry for entry in listed}
    with transaction.atomic():
        before = set(SanctionedAddress.objects.values_list("address", flat=True))
        first = not ListImport.objects.filter(source=ListImport.Source.OFAC_SDN).exists()
        imported = ListImport.objects.create(
            source=ListImport.Source.OFAC_SDN,
            origin=origin[:500],
            sha256=hashlib.sha256(content).hexdigest(),
            entries=len(unique),
            created=len(unique.keys() - before),
            imported_at=timezone.now(),
        )
        SanctionedAddress.objects.all().delete()
        SanctionedAddress.objects.bulk_create(
            SanctionedAddress(
                address=entry.address[:120],
                currency=entry.currency[:12],
                entry_uid=entry.entry_uid[:20],
                entry_name=entry.entry_name[:300],
                programs=entry.programs[:200],
                imported=imported,
            )
            for entry in unique.values()
        )
        if first:  # every contract goes from "list never consulted" to checked
            changed = set(
                Offering.objects.exclude(contract_address="").values_list("pk", flat=True)
            )
        else:
            changed = _offerings_using(before ^ set(unique)) | _offerings_using(set(unique))
        if changed:
            offerings_changed.send(sender=SanctionedAddress, offering_ids=sorted(changed))
    return imported
