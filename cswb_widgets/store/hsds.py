"""Open Referral HSDS data packages (1.x and 3.0) into the asset inventory.

A package is `datapackage.json` plus one CSV file per HSDS table, in a folder
or a .zip. Each HSDS organization becomes an `organizations` record
(`hsds-org-<id>`) and each service an `assets` record (`hsds-svc-<id>`), so a
second import of the same package updates them instead of adding copies; only
the columns HSDS fills are overwritten, what planners added (planning areas,
risks addressed, sector, notes...) stays. Phones, contacts and the address
"attention" line are never read: personal contact data stays out of the
workspace, and phone numbers or e-mail addresses found in descriptions are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import math
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..i18n import _, ngettext, weekday_abbreviation
from ..model.languages import join_languages, language_code
from .limits import MAX_ARCHIVE_BYTES, check_archive, check_file, check_size
from .schema import ID_PATTERN
from .tabular import ImportReport, Sheet, normalize_header, read_csv
from .workspace import Workspace

DESCRIPTOR = "datapackage.json"
ORG_PREFIX = "hsds-org-"
SERVICE_PREFIX = "hsds-svc-"
NEW_ORGANIZATION_SECTOR = "other"  # HSDS has no sector; planners choose it afterwards
SKIPPED_STATUSES = ("inactive", "defunct")
SHOWN_NAMES = 5  # names listed in one notice before "and N more"

# Table names (resource names or file stems) of HSDS 1.x and 3.0, by the role they play here.
USED_TABLES: dict[str, str] = {
    **dict.fromkeys(("organization", "organizations"), "organization"),
    **dict.fromkeys(("service", "services"), "service"),
    **dict.fromkeys(("location", "locations"), "location"),
    **dict.fromkeys(("service_at_location", "service_at_locations", "services_at_location"), "service_at_location"),
    **dict.fromkeys(("address", "addresses", "physical_address", "physical_addresses"), "address"),
    **dict.fromkeys(("postal_address", "postal_addresses"), "postal_address"),  # 1.x; used when no physical one
    **dict.fromkeys(("funding", "fundings"), "funding"),
    **dict.fromkeys(("eligibility", "eligibilities"), "eligibility"),
    **dict.fromkeys(("schedule", "schedules", "regular_schedule", "regular_schedules"), "schedule"),
    **dict.fromkeys(("language", "languages"), "language"),
}
PERSONAL_TABLES = frozenset(("phone", "phones", "contact", "contacts"))
UNUSED_TABLES = frozenset((
    "program", "programs", "holiday_schedule", "holiday_schedules",
    "service_area", "service_areas", "required_document", "required_documents", "payment_accepted",
    "payments_accepted", "accessibility", "accessibility_for_disabilities",
    "taxonomy", "taxonomies", "taxonomy_term", "taxonomy_terms", "service_taxonomy", "services_taxonomy",
    "attribute", "attributes", "cost_option", "cost_options", "organization_identifier",
    "organization_identifiers", "metadata", "meta_table_description", "meta_table_descriptions",
    "url", "urls", "service_capacity", "service_capacities", "unit", "units",
))
# File stems only one generation of HSDS uses: they tell 1.x from 3.x when datapackage.json does not.
V3_ONLY = frozenset(("addresses", "schedules", "attributes", "cost_options", "organization_identifiers",
                     "taxonomy_terms", "accessibility"))
V1_ONLY = frozenset(("physical_addresses", "postal_addresses", "regular_schedules", "holiday_schedules",
                     "eligibility", "services_at_location", "services_taxonomy", "service_taxonomy",
                     "accessibility_for_disabilities", "payments_accepted"))
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name"),
    "service": ("id", "name", "organization_id"),
    "location": ("id",),
    "service_at_location": ("service_id", "location_id"),
    "address": ("location_id",),
    "postal_address": ("location_id",),
    "funding": ("source",),
    "eligibility": ("service_id", "eligibility"),
    "schedule": (),
    "language": (),  # 3.0: name and/or code; 1.x: language
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # HSDS 1.1: weekday 1 is Monday
RRULE_DAYS = dict(zip(("MO", "TU", "WE", "TH", "FR", "SA", "SU"), WEEKDAYS, strict=True))

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w/.-])\+?\(?\d[\d\s().-]{5,}\d(?![\w/])")
_NOT_PHONE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}\s*-\s*\d{4}")  # dates and year ranges
_TAG = re.compile(r"</?[A-Za-z][^>]*>")


# -- recognising a package ----------------------------------------------------------------


def looks_like_hsds(path: str | Path) -> bool:
    """Whether `path` is an HSDS data package: a folder or .zip holding datapackage.json, or that file."""
    path = Path(path)
    try:
        if path.is_dir():
            return _folder_descriptor(path) is not None
        if not path.is_file():
            return False
        if path.name.lower() == DESCRIPTOR:
            return True
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return any(_is_descriptor(name) for name in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
    return False


def _is_descriptor(member: str) -> bool:
    parts = member.split("/")
    return parts[-1].lower() == DESCRIPTOR and len(parts) <= 2 and not parts[0].startswith("__MACOSX")


def _folder_descriptor(folder: Path) -> Path | None:
    """datapackage.json in the folder, or in its only sub-folder (an unzipped archive often has one)."""
    direct = folder / DESCRIPTOR
    if direct.is_file():
        return direct
    nested = [d / DESCRIPTOR for d in folder.iterdir() if d.is_dir() and (d / DESCRIPTOR).is_file()]
    return nested[0] if len(nested) == 1 else None


# -- reading a package ----------------------------------------------------------------------


class _Package:
    """The files of one package, named by their path relative to datapackage.json."""

    def __init__(self, descriptor_name: str, display_base: str):
        self.descriptor_name = descriptor_name
        self.display_base = display_base

    def display(self, name: str) -> str:
        return f"{self.display_base}/{name}" if self.display_base else name

    def read(self, name: str) -> bytes:
        raise NotImplementedError

    def exists(self, name: str) -> bool:
        raise NotImplementedError

    def csv_names(self) -> list[str]:
        """CSV files next to datapackage.json."""
        raise NotImplementedError


class _FolderPackage(_Package):
    def __init__(self, descriptor: Path):
        super().__init__(descriptor.name, str(descriptor.parent))
        self.base = descriptor.parent
        # The tables stay in memory together: their sum is bounded like a zip's, before any is read.
        total = sum((self.base / name).stat().st_size for name in self.csv_names())
        check_size(total, str(self.base), limit=MAX_ARCHIVE_BYTES, what=_("the package's tables come to"),
                   per=_("one data package (all its files)"))

    def read(self, name: str) -> bytes:
        check_file(self.base / name, self.display(name))
        try:
            return (self.base / name).read_bytes()
        except OSError as exc:
            raise InputError(Problem(_("cannot read the file ({reason})").format(reason=exc.strerror), file=self.display(name))) from None

    def exists(self, name: str) -> bool:
        return (self.base / name).is_file()

    def csv_names(self) -> list[str]:
        return sorted(p.name for p in self.base.iterdir() if p.is_file() and p.suffix.lower() == ".csv")


class _ZipPackage(_Package):
    def __init__(self, archive: zipfile.ZipFile, descriptor_member: str, display: str):
        self.prefix = descriptor_member.rpartition("/")[0]
        base = display + (f"/{self.prefix}" if self.prefix else "")
        super().__init__(descriptor_member.rpartition("/")[2], base)
        self.archive = archive
        self.members = {info.filename: info for info in archive.infolist() if not info.is_dir()}

    def _member(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def read(self, name: str) -> bytes:
        info = self.members.get(self._member(name))
        if info is None:
            raise InputError(Problem(_("no such file in the zip"), file=self.display(name)))
        try:  # sizes were checked when the package was opened (`check_archive`)
            return self.archive.read(info)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            raise InputError(Problem(_("cannot unpack the file from the zip ({reason})").format(reason=exc), file=self.display(name))) from None

    def exists(self, name: str) -> bool:
        return self._member(name) in self.members

    def csv_names(self) -> list[str]:
        inside = f"{self.prefix}/" if self.prefix else ""
        names = [m[len(inside):] for m in self.members if m.startswith(inside) and m.lower().endswith(".csv")]
        return sorted(n for n in names if "/" not in n)


@contextlib.contextmanager
def _open_package(path: Path) -> Iterator[_Package]:
    file = str(path)
    if path.is_dir():
        descriptor = _folder_descriptor(path)
        if descriptor is None:
            raise InputError(
                Problem(_("expected an HSDS data package: a folder holding {descriptor}; found none").format(descriptor=DESCRIPTOR), file=file)
            )
        yield _FolderPackage(descriptor)
        return
    if not path.exists():
        raise InputError(Problem(_("no such file or folder"), file=file))
    if path.name.lower() == DESCRIPTOR:
        yield _FolderPackage(path)
        return
    if not zipfile.is_zipfile(path):
        raise InputError(Problem(_("expected an HSDS data package: a folder or .zip holding {descriptor}").format(descriptor=DESCRIPTOR), file=file))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(Problem(_("expected a .zip archive; it cannot be read ({reason})").format(reason=exc), file=file)) from None
    with archive:
        check_archive(archive, file, name_of=lambda member: f"{file}/{member}")
        found = sorted((m for m in archive.namelist() if _is_descriptor(m)), key=lambda m: m.count("/"))
        if not found:
            raise InputError(Problem(_("the zip holds no HSDS tables: expected {descriptor} with organizations.csv and services.csv").format(
                descriptor=DESCRIPTOR), file=file))
        if len(found) > 1 and found[0].count("/") == found[1].count("/"):
            raise InputError(
                Problem(_("the zip holds several data packages ({packages}); expected one").format(packages=", ".join(found)), file=file)
            )
        yield _ZipPackage(archive, found[0], file)


def _descriptor(package: _Package) -> dict[str, Any]:
    file = package.display(package.descriptor_name)
    data = package.read(package.descriptor_name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(_("expected UTF-8 JSON; byte {byte} is not UTF-8").format(byte=f"{data[exc.start]:#04x}"), file=file,
                                 row=data[: exc.start].count(b"\n") + 1)) from None
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(Problem(_("expected JSON (a data package descriptor): {reason}, column {column}").format(reason=exc.msg, column=exc.colno),
                                 file=file, row=exc.lineno)) from None
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources", []), list):
        raise InputError(
            Problem(_("expected a JSON object with a 'resources' list (a data package descriptor)"), file=file)
        )
    return descriptor


@dataclass
class _Table:
    kind: str
    name: str  # path inside the package
    sheet: Sheet


@dataclass
class _Contents:
    tables: dict[str, list[_Table]] = field(default_factory=dict)
    stems: set[str] = field(default_factory=set)  # file stems of every HSDS table present
    unused: list[str] = field(default_factory=list)
    personal: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _resource_path(resource: dict[str, Any], package: _Package, index: int) -> str | None:
    """The resource's file inside the package; None for inline data or other formats."""
    where = package.display(package.descriptor_name)
    path = resource.get("path")
    if path is None:
        return None
    if not isinstance(path, str):
        raise InputError(Problem(_("resource {number} ('{name}'): expected one CSV file as its 'path'; multi-part resources are "
                                   "not supported").format(number=index + 1, name=resource.get("name", "")), file=where))
    clean = posixpath.normpath(path.replace("\\", "/"))
    if "://" in path or clean.startswith(("/", "../")) or clean == "..":
        raise InputError(Problem(_("resource {number} ('{name}'): expected a file inside the package, got '{path}' (nothing is "
                                   "fetched from elsewhere)").format(number=index + 1, name=resource.get("name", ""), path=path),
                                 file=where))
    return clean


def _read_contents(package: _Package, descriptor: dict[str, Any], workdir: Path) -> _Contents:
    contents = _Contents()
    listed: dict[str, tuple[str | None, str]] = {}  # path -> (resource name, encoding)
    for index, resource in enumerate(descriptor.get("resources", [])):
        if not isinstance(resource, dict):
            continue
        path = _resource_path(resource, package, index)
        if path is None:
            continue
        encoding: str = resource["encoding"] if isinstance(resource.get("encoding"), str) else "utf-8"
        listed[path] = (normalize_header(resource.get("name", "")), encoding)
    for name in package.csv_names():
        listed.setdefault(name, (None, "utf-8"))
    for index, (path, (resource_name, encoding)) in enumerate(listed.items()):
        stem = normalize_header(posixpath.basename(path).rpartition(".")[0] or path)
        kind = USED_TABLES.get(resource_name or "") or USED_TABLES.get(stem)
        known = {resource_name, stem}
        if not package.exists(path):
            if kind or known & (UNUSED_TABLES | PERSONAL_TABLES):
                contents.missing.append(path)
            continue
        if kind is None:
            if known & PERSONAL_TABLES:
                contents.personal.append(path)
            elif known & UNUSED_TABLES:
                contents.unused.append(path)
            else:
                contents.unknown.append(path)
            if known & (PERSONAL_TABLES | UNUSED_TABLES):
                contents.stems.add(stem)
            continue
        if not path.lower().endswith((".csv", ".txt", ".tsv")):
            contents.unknown.append(path)
            continue
        sheet = _read_table(package, path, encoding, workdir / f"{index}.csv", kind)
        contents.tables.setdefault(kind, []).append(_Table(kind, path, sheet))
        contents.stems.add(stem)
    return contents


def _read_table(package: _Package, name: str, encoding: str, scratch: Path, kind: str) -> Sheet:
    """One CSV table, strictly in its declared encoding (UTF-8 unless datapackage.json says otherwise)."""
    display = package.display(name)
    data = package.read(name)
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        text = data.decode(codec)
    except LookupError:
        unknown = _("{descriptor} declares the unknown encoding '{encoding}'").format(descriptor=DESCRIPTOR, encoding=encoding)
        raise InputError(Problem(unknown, file=display)) from None
    except UnicodeDecodeError as exc:
        why = _("as datapackage.json declares") if codec != "utf-8-sig" else _("the data package default")
        raise InputError(Problem(
            _("expected {encoding} text ({why}); byte {byte} is not {encoding} (save the file as UTF-8)").format(
                encoding=encoding.upper(), why=why, byte=f"{data[exc.start]:#04x}"),
            file=display, row=data[: exc.start].count(b"\n") + 1)) from None
    scratch.write_text(text, encoding="utf-8")
    del data, text  # the reader reads the scratch copy: hold one copy of a large table, not three
    sheet = read_csv(scratch, display=display)
    required = REQUIRED_COLUMNS[kind]
    for column in required:
        if column not in sheet.header:
            raise InputError(Problem(_("required column missing from the header; an HSDS {kind} table needs: {columns}").format(
                kind=kind, columns=", ".join(required)), file=display, row=1, column=column))
    return sheet


# -- text helpers ---------------------------------------------------------------------------------


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0  # inside <script> or <style>

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.hidden += tag in ("script", "style")
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.hidden:
            self.hidden -= 1
        self.parts.append(" ")


def _plain(text: str) -> str:
    """Descriptions may hold HTML (the spec allows it): keep the words only."""
    if _TAG.search(text):
        parser = _TextOnly()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    else:
        text = html.unescape(text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class _Redactions:
    phones: int = 0
    emails: int = 0

    def clean(self, text: str) -> str:
        def email(match: re.Match[str]) -> str:
            self.emails += 1
            return "[e-mail removed]"

        def phone(match: re.Match[str]) -> str:
            found = match.group(0)
            digits = sum(ch.isdigit() for ch in found)
            if not 7 <= digits <= 15 or _NOT_PHONE.fullmatch(found.strip()):
                return found
            self.phones += 1
            return "[phone removed]"

        return _PHONE.sub(phone, _EMAIL.sub(email, text))


def _cell(raw: dict[str, Any], column: str) -> str:
    value = raw.get(column)
    return "" if value is None else str(value).strip()


def _names(names: list[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:SHOWN_NAMES])
    more = len(names) - SHOWN_NAMES
    return shown + (_(" and {count} more").format(count=more) if more > 0 else "")


def _record_id(prefix: str, hsds_id: str) -> str:
    """A workspace id that is the same on every import; hashed when the HSDS id does not fit."""
    candidate = prefix + hsds_id
    if re.fullmatch(ID_PATTERN, candidate):
        return candidate
    return prefix + hashlib.sha1(hsds_id.encode("utf-8")).hexdigest()[:20]


def _time(text: str) -> str:
    match = re.match(r"(\d{1,2}):(\d{2})", text)
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else text


def _weekday(value: str) -> str:
    if value.isdigit() and 1 <= int(value) <= 7:
        return WEEKDAYS[int(value) - 1]
    for day in WEEKDAYS:
        if value[:3].lower() == day.lower():
            return day
    return value


# -- the mapping ------------------------------------------------------------------------------


@dataclass
class _Location:
    id: str
    name: str
    type: str  # physical, postal, virtual, or "" (HSDS 1.x has no type)
    latitude: float | None
    longitude: float | None
    issue: str  # why the coordinates are not used, with where they came from


@dataclass
class _Service:
    hsds_id: str
    where: dict[str, Any]
    name: str
    fields: dict[str, Any]
    coordinates_issue: str = ""
    virtual_only: bool = False


class _Mapper:
    def __init__(self, contents: _Contents):
        self.contents = contents
        self.problems: list[Problem] = []
        self.redactions = _Redactions()

    def rows(self, kind: str) -> Iterator[tuple[_Table, int, dict[str, Any]]]:
        for table in self.contents.tables.get(kind, []):
            for row, raw in table.sheet.rows:
                yield table, row, raw

    def problem(self, table: _Table, row: int, column: str | None, message: str) -> None:
        self.problems.append(Problem(message, file=table.sheet.file, row=row, column=column))

    def keyed(self, kind: str) -> dict[str, tuple[_Table, int, dict[str, Any]]]:
        """Rows by their HSDS id; a missing or repeated id is a problem."""
        found: dict[str, tuple[_Table, int, dict[str, Any]]] = {}
        for table, row, raw in self.rows(kind):
            hsds_id = _cell(raw, "id")
            if not hsds_id:
                self.problem(table, row, "id", _("a value is required (every HSDS {kind} has an id)").format(kind=kind))
            elif hsds_id in found:
                self.problem(table, row, "id", _("id '{id}' is used again (first on row {row})").format(id=hsds_id, row=found[hsds_id][1]))
            else:
                found[hsds_id] = (table, row, raw)
        return found

    def text(self, value: str, *, rich: bool = True) -> str | None:
        cleaned = self.redactions.clean(_plain(value) if rich else value.strip())
        return cleaned or None

    def reference(self, table: _Table, row: int, column: str, value: str, known: Any, target: str) -> bool:
        if value in known:
            return True
        if target not in self.contents.tables:
            self.problem(table, row, column, _("'{value}' refers to {target}s, but the package has no {target} table").format(value=value, target=target))
        else:
            files = ", ".join(t.name for t in self.contents.tables[target])
            expected = (_("expected the id of an {target} in {files}, got '{value}'") if target[0] in "aeiou"
                        else _("expected the id of a {target} in {files}, got '{value}'"))
            self.problem(table, row, column, expected.format(target=target, files=files, value=value))
        return False

    def locations(self) -> dict[str, _Location]:
        found: dict[str, _Location] = {}
        for hsds_id, (table, row, raw) in self.keyed("location").items():
            values: dict[str, float | None] = {}
            for column in ("latitude", "longitude"):
                text = _cell(raw, column)
                values[column] = None
                if text:
                    try:
                        number = float(text)
                    except ValueError:
                        number = math.nan
                    if not math.isfinite(number):
                        expected = _("expected a number in decimal degrees (WGS 84), got '{value}'").format(value=text)
                        self.problem(table, row, column, expected)
                        continue
                    values[column] = number
            lat, lon = values["latitude"], values["longitude"]
            issue = ""
            if (lat is None) != (lon is None):
                issue = _("{file} row {row} has only one of latitude and longitude").format(file=table.sheet.file, row=row)
            elif lat is not None and not -90 <= lat <= 90:
                issue = _("{file} row {row}: latitude {value} is outside -90 to 90").format(
                    file=table.sheet.file, row=row, value=_cell(raw, "latitude"))
            elif lon is not None and not -180 <= lon <= 180:
                issue = _("{file} row {row}: longitude {value} is outside -180 to 180").format(
                    file=table.sheet.file, row=row, value=_cell(raw, "longitude"))
            if issue:
                lat = lon = None
            kind = _cell(raw, "location_type").lower()
            found[hsds_id] = _Location(hsds_id, _cell(raw, "name"), kind, lat, lon, issue)
        return found

    def services(self, organizations: dict[str, str]) -> tuple[list[_Service], list[str]]:
        """Asset fields of every service HSDS shows as running; and the names of those skipped."""
        services = self.keyed("service")
        locations = self.locations()
        links: dict[str, list[str]] = {}
        link_service: dict[str, str] = {}  # service_at_location id -> service id
        for table, row, raw in self.rows("service_at_location"):
            service_id, location_id = _cell(raw, "service_id"), _cell(raw, "location_id")
            ok = self.reference(table, row, "service_id", service_id, services, "service")
            ok = self.reference(table, row, "location_id", location_id, locations, "location") and ok
            if ok:
                links.setdefault(service_id, []).append(location_id)
                if _cell(raw, "id"):
                    link_service[_cell(raw, "id")] = service_id
        for service_id, (table, row, raw) in services.items():
            # Some 1.x publishers link services to one location directly.
            if _cell(raw, "location_id") and self.reference(
                table, row, "location_id", _cell(raw, "location_id"), locations, "location"
            ):
                links.setdefault(service_id, []).append(_cell(raw, "location_id"))
        # Where a location is: its physical address, else its postal one (often the same building).
        addresses: dict[str, list[tuple[int, int, dict[str, Any]]]] = {}
        for kind in ("address", "postal_address"):
            for table, row, raw in self.rows(kind):
                if self.reference(table, row, "location_id", _cell(raw, "location_id"), locations, "location"):
                    typed = "postal" if kind == "postal_address" else _cell(raw, "address_type").lower() or "physical"
                    if typed in ("physical", "postal"):
                        found = addresses.setdefault(_cell(raw, "location_id"), [])
                        found.append((("physical", "postal").index(typed), len(found), raw))
        funding: dict[str, list[str]] = {}
        for table, row, raw in self.rows("funding"):
            service_id, org_id = _cell(raw, "service_id"), _cell(raw, "organization_id")
            if service_id:
                if self.reference(table, row, "service_id", service_id, services, "service"):
                    funding.setdefault(service_id, []).append(_cell(raw, "source"))
            elif org_id and self.reference(table, row, "organization_id", org_id, organizations, "organization"):
                funding.setdefault("org:" + org_id, []).append(_cell(raw, "source"))
        eligibility: dict[str, list[str]] = {}
        for table, row, raw in self.rows("eligibility"):
            if self.reference(table, row, "service_id", _cell(raw, "service_id"), services, "service"):
                eligibility.setdefault(_cell(raw, "service_id"), []).append(_cell(raw, "eligibility"))
        schedules: dict[str, list[dict[str, Any]]] = {}
        for table, row, raw in self.rows("schedule"):
            service_id = _cell(raw, "service_id") or link_service.get(_cell(raw, "service_at_location_id"), "")
            if service_id and self.reference(table, row, "service_id", service_id, services, "service"):
                schedules.setdefault(service_id, []).append(raw)

        languages = self.languages(services, locations)

        result: list[_Service] = []
        skipped: list[str] = []
        for service_id, (table, row, raw) in services.items():
            name = _cell(raw, "name")
            if not name:
                self.problem(table, row, "name", _("a value is required (every HSDS service has a name)"))
            org_id = _cell(raw, "organization_id")
            if not org_id:
                required = _("a value is required (every HSDS service belongs to an organization)")
                self.problem(table, row, "organization_id", required)
            elif not self.reference(table, row, "organization_id", org_id, organizations, "organization"):
                continue
            if _cell(raw, "status").lower() in SKIPPED_STATUSES:
                skipped.append(self.text(name, rich=False) or name)
                continue
            linked = [locations[i] for i in dict.fromkeys(links.get(service_id, []))]
            physical = [loc for loc in linked if loc.type in ("", "physical")]
            primary = next((loc for loc in physical if loc.latitude is not None), physical[0] if physical else None)
            has_coordinates = primary is not None and primary.latitude is not None
            virtual_only = not physical and any(loc.type == "virtual" for loc in linked)
            sources = funding.get(service_id) or funding.get("org:" + org_id, [])
            fields: dict[str, Any] = {
                "name": self.text(name, rich=False),
                "organization_id": organizations.get(org_id),
                "purpose": self.text(_cell(raw, "description")),
                "funding_source": self.text("; ".join(dict.fromkeys(s for s in sources if s))),
                "service_delivery": self.text(self.delivery(physical, virtual_only, schedules.get(service_id, []))),
                "target_population": self.text(self.population(raw, eligibility.get(service_id, []))),
                "address": _address(min(addresses[primary.id])[2]) if primary and primary.id in addresses else None,
                "latitude": primary.latitude if has_coordinates and primary else None,
                "longitude": primary.longitude if has_coordinates and primary else None,
                "location_kind": "site" if has_coordinates else ("virtual" if virtual_only else None),
            }
            # The service's own languages and those of the places it is offered at; none known
            # leaves what planners entered alone.
            spoken = [*languages.get(service_id, []), *(c for loc in linked for c in languages.get("loc:" + loc.id, []))]
            if spoken:
                fields["service_languages"] = join_languages(spoken)
            issue = next((loc.issue for loc in physical if loc.issue), "") if not has_coordinates else ""
            shown = fields["name"] or name
            result.append(_Service(service_id, table.sheet.where(row), shown, fields, issue, virtual_only))
        return result, skipped

    def languages(self, services: Any, locations: Any) -> dict[str, list[str]]:
        """Language codes by service id, and by "loc:" + location id, from the HSDS language
        table (3.0: `code`, ISO 639-1 or 639-3, else `name`; 1.x: `language`, a name). A row
        only about a phone line says nothing about the service and is passed over."""
        found: dict[str, list[str]] = {}
        for table, row, raw in self.rows("language"):
            column = next((c for c in ("code", "name", "language") if _cell(raw, c)), None)
            if column is None:
                continue
            code = language_code(_cell(raw, column))
            if code is None:
                expected = _("an ISO 639-1 or 639-3 language code such as 'fr'") if column == "code" else _(
                    "a language's name such as 'French' or 'français'")
                got = _("expected {what}, got '{value}'").format(what=expected, value=_cell(raw, column)[:40])
                self.problem(table, row, column, got)
                continue
            service_id, location_id = _cell(raw, "service_id"), _cell(raw, "location_id")
            if service_id:
                if self.reference(table, row, "service_id", service_id, services, "service"):
                    found.setdefault(service_id, []).append(code)
            elif location_id and self.reference(table, row, "location_id", location_id, locations, "location"):
                found.setdefault("loc:" + location_id, []).append(code)
        return found

    @staticmethod
    def delivery(physical: list[_Location], virtual_only: bool, schedules: list[dict[str, Any]]) -> str:
        parts = []
        names = list(dict.fromkeys(loc.name for loc in physical if loc.name))
        if names:
            others = len(physical) - 1
            parts.append(ngettext("At {place} and {count} other location", "At {place} and {count} other locations",
                                  others).format(place=names[0], count=others) if others
                         else _("At {place}").format(place=names[0]))
        elif virtual_only:
            parts.append(_("Online"))
        described = next((_plain(_cell(s, "description")) for s in schedules if _cell(s, "description")), "")
        parts.append(described or _hours(schedules))
        parts.append(next((_plain(_cell(s, "attending_type")) for s in schedules if _cell(s, "attending_type")), ""))
        return ". ".join(p.rstrip(". ") for p in parts if p)

    @staticmethod
    def population(raw: dict[str, Any], eligibility: list[str]) -> str:
        listed = ", ".join(dict.fromkeys(e for e in eligibility if e))
        described = _plain(_cell(raw, "eligibility_description")) or listed
        if described:
            return described
        low, high = _cell(raw, "minimum_age"), _cell(raw, "maximum_age")
        if low and high:
            return _("Ages {low} to {high}").format(low=low, high=high)
        if low:
            return _("Ages {low} and over").format(low=low)
        return _("Up to age {high}").format(high=high) if high else ""


def _hours(schedules: list[dict[str, Any]]) -> str:
    """'Mon, Tue 09:00-17:00; Sat 10:00-14:00' from 1.x weekday rows or 3.0 byday rows."""
    by_hours: dict[str, list[str]] = {}
    for schedule in schedules:
        opens, closes = _time(_cell(schedule, "opens_at")), _time(_cell(schedule, "closes_at"))
        hours = f"{opens}-{closes}" if opens and closes else opens or closes
        if _cell(schedule, "weekday"):
            days = [_weekday(_cell(schedule, "weekday"))]
        else:
            rule_days = [d.strip() for d in _cell(schedule, "byday").split(",") if d.strip()]
            days = [RRULE_DAYS.get(d.upper()[-2:], d) for d in rule_days]
        if hours or days:
            by_hours.setdefault(hours, []).extend(d for d in days if d not in by_hours.get(hours, []))
    return "; ".join(" ".join(p for p in (", ".join(_day_shown(d) for d in days), hours) if p)
                     for hours, days in by_hours.items())


def _day_shown(day: str) -> str:
    """A weekday as the importing person reads it ("Mon" / "lun."); an unrecognised value as it came."""
    return weekday_abbreviation(WEEKDAYS.index(day)) if day in WEEKDAYS else day


def _address(raw: dict[str, Any]) -> str | None:
    """Street, city, province and postal code; never the 'attention' line (a person's name)."""
    street = [_cell(raw, c) for c in ("address_1", "address_2", "address_3", "address_4")]
    region = " ".join(p for p in (_cell(raw, "state_province"), _cell(raw, "postal_code")) if p)
    text = ", ".join(p for p in (*street, _cell(raw, "city"), region) if p)
    return text or None


def _version(descriptor: dict[str, Any], stems: set[str]) -> str:
    """The HSDS version for `source`: datapackage.json's, unless the tables say otherwise."""
    v3, v1 = bool(stems & V3_ONLY), bool(stems & V1_ONLY)
    generation = "3" if v3 and not v1 else ("1" if v1 and not v3 else "")
    declared = str(descriptor.get("version", "")).strip().lstrip("vV")
    if re.fullmatch(r"[123](\.\d+){0,2}", declared) and (not generation or declared[0] == generation):
        return declared
    return f"{generation}.x" if generation else ""


# -- importing ------------------------------------------------------------------------------------


def import_hsds(ws: Workspace, path: str | Path) -> ImportReport:
    """Import an HSDS data package (folder, .zip or datapackage.json) into organizations and assets.

    All of it lands, or nothing does: any problem raises InputError naming the
    file, row and column, and the workspace is left as it was.
    """
    path = Path(path)
    with _open_package(path) as package, tempfile.TemporaryDirectory(prefix="cswb-hsds-") as workdir:
        descriptor = _descriptor(package)
        contents = _read_contents(package, descriptor, Path(workdir))
    if "service" not in contents.tables and "organization" not in contents.tables:
        raise InputError(Problem(_("no HSDS tables found: expected organizations.csv and services.csv (HSDS 1.x or 3.0) next to "
                                   "{descriptor}").format(descriptor=DESCRIPTOR), file=package.display(package.descriptor_name)))
    mapper = _Mapper(contents)
    report = ImportReport()
    existing = ws.table("organizations")
    by_name = {
        str(n).casefold(): i for i, n in zip(existing["id"], existing["name"], strict=True) if not str(i).startswith(ORG_PREFIX)
    }
    organizations: dict[str, str] = {}  # HSDS id -> workspace id
    org_records: list[tuple[dict[str, Any], dict[str, Any]]] = []
    matched: list[str] = []
    for hsds_id, (table, row, raw) in mapper.keyed("organization").items():
        record_id = _record_id(ORG_PREFIX, hsds_id)
        name = _cell(raw, "name")
        if not name:
            mapper.problem(table, row, "name", _("a value is required (every HSDS organization has a name)"))
        if not ws.exists("organizations", record_id) and name.casefold() in by_name:
            organizations[hsds_id] = by_name[name.casefold()]
            matched.append(name)
            continue
        organizations[hsds_id] = record_id
        fields: dict[str, Any] = {
            "id": record_id,
            "name": mapper.text(name, rich=False),
            "description": mapper.text(_cell(raw, "description")),
            "website": _cell(raw, "website") or _cell(raw, "url") or None,
        }
        org_records.append((fields, table.sheet.where(row)))
    services, skipped = mapper.services(organizations)
    if mapper.problems:
        raise InputError(mapper.problems)

    label = _version(descriptor, contents.stems)
    new_orgs: list[str] = []
    kept_hidden: list[str] = []
    with ws.batch(f"import HSDS {path.name}"):
        for fields, where in org_records:
            if ws.exists("organizations", fields["id"]):
                _count(report.updated, "organizations")
            else:
                fields = {**fields, "sector": NEW_ORGANIZATION_SECTOR}
                new_orgs.append(fields["name"])
                _count(report.inserted, "organizations")
            ws.upsert("organizations", fields, where=where)
        for service in services:
            record_id = _record_id(SERVICE_PREFIX, service.hsds_id)
            fields = {"id": record_id, **service.fields,
                      "source": " ".join(p for p in ("HSDS", label, "service", service.hsds_id) if p)}
            before = ws.get("assets", record_id)
            if before is not None:
                kind = before.get("location_kind")
                if kind == "confidential":  # the planners hid this place: keep it hidden
                    for column in ("address", "latitude", "longitude", "location_kind"):
                        fields.pop(column)
                    kept_hidden.append(service.name)
                elif kind == "community_wide":  # also the planners' call, not HSDS's
                    fields.pop("location_kind")
                _count(report.updated, "assets")
            else:
                _count(report.inserted, "assets")
            ws.upsert("assets", fields, where=service.where)

    report.notices.extend(_notices(contents, services, skipped, new_orgs, matched, kept_hidden, mapper.redactions))
    return report


def _count(bucket: dict[str, int], table: str) -> None:
    bucket[table] = bucket.get(table, 0) + 1


def _notices(
    contents: _Contents,
    services: list[_Service],
    skipped: list[str],
    new_orgs: list[str],
    matched: list[str],
    kept_hidden: list[str],
    redactions: _Redactions,
) -> list[str]:
    notices = []
    if contents.unknown:
        notices.append(ngettext("Ignored {count} table that HSDS does not define: {names}.",
                                "Ignored {count} tables that HSDS does not define: {names}.", len(contents.unknown)).format(
            count=len(contents.unknown), names=", ".join(contents.unknown)))
    if contents.unused:
        notices.append(_("HSDS tables recognized but not used by the asset inventory: {names}.").format(names=", ".join(contents.unused)))
    if contents.personal:
        notices.append(_("Not read, so that personal contact data stays out of the workspace: {names}.").format(
            names=", ".join(contents.personal)))
    if contents.missing:
        notices.append(_("Listed in {descriptor} but missing from the package: {names}.").format(
            descriptor=DESCRIPTOR, names=", ".join(contents.missing)))
    if skipped:
        notices.append(ngettext("Skipped {count} service that HSDS marks inactive or defunct: {names}.",
                                "Skipped {count} services that HSDS marks inactive or defunct: {names}.", len(skipped)).format(
            count=len(skipped), names=_names(skipped)))
    for service in services:
        if service.coordinates_issue:
            notices.append(_("Service '{name}' was imported without map coordinates: {issue}.").format(
                name=service.name, issue=service.coordinates_issue))
    unmapped = [s.name for s in services if s.fields["latitude"] is None and not s.virtual_only
                and not s.coordinates_issue and s.name not in kept_hidden]
    if unmapped:
        notices.append(ngettext("{count} service without coordinates will not appear on maps until a location is added: {names}.",
                                "{count} services without coordinates will not appear on maps until a location is added: {names}.",
                                len(unmapped)).format(count=len(unmapped), names=_names(unmapped)))
    if new_orgs:
        notices.append(ngettext("{count} new organization got the sector 'Other' (HSDS has no sectors); choose their sectors in the "
                                "commitment workbook: {names}.",
                                "{count} new organizations got the sector 'Other' (HSDS has no sectors); choose their sectors in the "
                                "commitment workbook: {names}.", len(new_orgs)).format(count=len(new_orgs), names=_names(new_orgs)))
    if matched:
        notices.append(ngettext("Services were linked to {count} organization already in the workspace under the same name, left "
                                "unchanged: {names}.",
                                "Services were linked to {count} organizations already in the workspace under the same name, left "
                                "unchanged: {names}.", len(matched)).format(count=len(matched), names=_names(matched)))
    if kept_hidden:
        notices.append(ngettext("Kept the location of {count} confidential asset hidden: {names}.",
                                "Kept the location of {count} confidential assets hidden: {names}.", len(kept_hidden)).format(
            count=len(kept_hidden), names=_names(kept_hidden)))
    if redactions.phones or redactions.emails:
        phones = ngettext("{count} phone number", "{count} phone numbers", redactions.phones).format(count=redactions.phones)
        emails = ngettext("{count} e-mail address", "{count} e-mail addresses", redactions.emails).format(count=redactions.emails)
        notices.append(_("Removed {phones} and {emails} from imported text: personal contact data stays out of the workspace.").format(
            phones=phones, emails=emails))
    return notices
