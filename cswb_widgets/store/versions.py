"""Adopted plan versions: the plan's content frozen when its councils adopted it.

A version is a snapshot of the whole workspace's content (every table of the schema, without
deleted records or the audit trail) taken when `model.adoption` says every participating
council has adopted the plan (or, for a revision, adopted it again since the last version).
It is stored as SQLite's own serialization of that content, compressed, in `plan_versions`,
which triggers keep from ever being changed or deleted. Reading a version materializes the
snapshot as a read-only workspace file, so the notebooks, exports and model functions read it
exactly as they read a live workspace; data its owning community has withheld since is withheld
there too (`_honour_current_sovereignty`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import shutil
import sqlite3
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, Problem
from ..i18n import N_, _, ngettext
from ..model.adoption import CouncilAdoption, council_adoptions
from .schema import PLAN_VERSIONS_TABLE, SCHEMA_VERSION, TABLES

if TYPE_CHECKING:
    from ..model._tables import Tables
    from .workspace import Workspace

VERSION_KINDS = {"adoption": N_("Adoption"), "revision": N_("Revision")}


@dataclass(frozen=True)
class CouncilApproval:
    """One council's adoption of a version, as recorded when the version was frozen."""

    community: str
    council: str
    adopted: dt.date
    reference: str | None
    approval: str  # the resolution kind's label: "Adoption", "Revision", "Endorsement"

    def statement(self) -> str:
        """'Maple Falls council adopted it on 2021-06-14 (resolution 2021-118)'."""
        endorsed = self.approval == "Endorsement"
        text = (_("{council} approved it on {date}") if endorsed else _("{council} adopted it on {date}")).format(
            council=self.council, date=self.adopted.isoformat())
        if not self.reference:
            return text
        named = re.match(r"(?i)(band council )?r[eé]solution\b|bcr\b|rcb\b", self.reference)  # its own word, in either language
        reference = self.reference if named else _("resolution {reference}").format(reference=self.reference)
        return f"{text} ({reference})"


@dataclass(frozen=True)
class PlanVersion:
    number: int
    label: str
    kind: str  # "adoption" or "revision"
    adopted_on: dt.date  # the day the last participating council adopted it
    councils: tuple[CouncilApproval, ...]
    created_at: str
    actor: str
    schema_version: int
    content_sha256: str

    @property
    def kind_label(self) -> str:
        return _(VERSION_KINDS[self.kind])

    def title(self) -> str:
        """'version 2 (“2025 revision”)', for messages."""
        return _("version {number} (“{label}”)").format(number=self.number, label=self.label)


_COLUMNS = "number, label, kind, adopted_on, councils, created_at, actor, schema_version, content_sha256"


def _version(row: tuple[Any, ...]) -> PlanVersion:
    number, label, kind, adopted_on, councils, created_at, actor, schema_version, digest = row
    approvals = tuple(
        CouncilApproval(c["community"], c["council"], dt.date.fromisoformat(c["adopted"]), c.get("reference"),
                        c["approval"])
        for c in json.loads(councils)
    )
    return PlanVersion(int(number), label, kind, dt.date.fromisoformat(adopted_on), approvals, created_at, actor,
                       int(schema_version), digest)


def list_versions(ws: Workspace) -> list[PlanVersion]:
    """The workspace's adopted versions, oldest first (none before schema 4 or any adoption)."""
    if not _has_versions_table(ws):
        return []
    return [_version(row) for row in ws._rows(f"SELECT {_COLUMNS} FROM {PLAN_VERSIONS_TABLE} ORDER BY number")]


def _has_versions_table(ws: Workspace) -> bool:
    return ws._has_table(PLAN_VERSIONS_TABLE)


def get_version(ws: Workspace, number: int | None = None) -> PlanVersion:
    """Version `number` (None: the latest); refuses in one line when there is none."""
    versions = list_versions(ws)
    if not versions:
        raise InputError(Problem(
            _("this plan has no adopted version yet: record each council's adoption resolution in Commitment, then run "
              "'cswb versions adopt'"), file=str(ws.path)))
    if number is None:
        return versions[-1]
    for version in versions:
        if version.number == number:
            return version
    known = ", ".join(str(v.number) for v in versions)
    raise InputError(Problem(ngettext("no plan version {number} (this plan has version {known})", "no plan version {number} (this plan has versions {known})",
                                      len(versions)).format(number=number, known=known), file=str(ws.path)))


def latest_version(ws: Workspace) -> PlanVersion | None:
    versions = list_versions(ws)
    return versions[-1] if versions else None


def workspace_tables(ws: Workspace) -> dict[str, Any]:
    return {t.name: ws.table(t.name) for t in TABLES}


# -- adopting ---------------------------------------------------------------------------------------


def adoption_refusal(tables: Tables, versions: list[PlanVersion], *, revision: bool) -> str | None:
    """Why the plan's current content cannot be frozen as a new version, or None when it can."""
    councils = [c for c in council_adoptions(tables) if c.needs_resolution]
    if not councils:
        return _("the plan has no council to adopt it: enter the community (or the joint plan's members) first")
    last = versions[-1] if versions else None
    if last is not None and not revision:
        return _("{version} already records this plan's adoption; a later adoption is a revision: add --revision").format(
            version=last.title())
    if last is None and revision:
        return _("there is no adopted version to revise yet: adopt the plan first (without --revision)")
    waiting = [c for c in councils if c.adopted is None]
    if waiting:
        return _("{councils}: record each council's adoption resolution in Commitment, then adopt the version").format(
            councils="; ".join(_("not adopted by {council} yet ({status})").format(council=c.council, status=c.status.lower())
                               for c in waiting))
    if last is not None:
        stale = [c for c in councils if c.adopted is not None and c.adopted <= last.adopted_on]
        if stale:
            return _("{councils}: record its revision resolution in Commitment, then adopt the revision").format(
                councils="; ".join(_("{council} has not adopted a revision since {version} ({date})").format(
                    council=c.council, version=last.title(), date=last.adopted_on.isoformat()) for c in stale))
    return None


def _approval(council: CouncilAdoption) -> CouncilApproval:
    assert council.adopted is not None
    kind = council.approval_kind or "adoption"
    return CouncilApproval(council.community, council.council, council.adopted, council.reference, kind.capitalize())


def adopt_version(ws: Workspace, label: str, *, revision: bool = False) -> PlanVersion:
    """Freeze the plan's current content as the next adopted version; refuses in one line when the
    councils have not all adopted it (or, with `revision`, not all adopted a revision since the last)."""
    label = " ".join(str(label).split())
    if not label:
        raise InputError(Problem(_('give the version a label, e.g. --label "2025 revision"'), file=str(ws.path)))
    if len(label) > 120:
        raise InputError(Problem(_("the label has {count} characters; at most {limit}").format(count=len(label), limit=120), file=str(ws.path)))
    with ws.batch(f"adopt plan version “{label}”"):
        versions = list_versions(ws)
        if any(v.label == label for v in versions):
            raise InputError(Problem(_("a version is already labelled “{label}”: choose another label").format(label=label),
                                     file=str(ws.path)))
        tables = workspace_tables(ws)
        refusal = adoption_refusal(tables, versions, revision=revision)
        if refusal is not None:
            raise InputError(Problem(refusal, file=str(ws.path)))
        councils = [_approval(c) for c in council_adoptions(tables) if c.needs_resolution]
        adopted_on = max(c.adopted for c in councils)
        content = _snapshot(ws._conn) if isinstance(ws._conn, sqlite3.Connection) else _snapshot_of_rows(ws)
        number = (versions[-1].number + 1) if versions else 1
        record = {
            "number": number, "label": label, "kind": "revision" if revision else "adoption",
            "adopted_on": adopted_on.isoformat(),
            "councils": json.dumps([{"community": c.community, "council": c.council, "adopted": c.adopted.isoformat(),
                                     "reference": c.reference, "approval": c.approval} for c in councils],
                                   ensure_ascii=False),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "actor": ws.actor,
            "schema_version": SCHEMA_VERSION, "content_sha256": hashlib.sha256(content).hexdigest(),
        }
        ws._conn.execute(
            f"INSERT INTO {PLAN_VERSIONS_TABLE} ({_COLUMNS}, snapshot) VALUES ({', '.join('?' * 10)})",
            (*record.values(), zlib.compress(content, 6)),
        )
        ws._audit("adopt", PLAN_VERSIONS_TABLE, str(number), None, {"id": str(number), **record})
    return get_version(ws, number)


def _snapshot(conn: sqlite3.Connection) -> bytes:
    """The workspace's content as one SQLite database image: no deleted records, no history, no versions."""
    copy = sqlite3.connect(":memory:")
    try:
        # serialize, not backup: the backup API waits for ever on a source inside a write transaction
        image = bytearray(conn.serialize())
        image[18:20] = b"\x01\x01"  # the header's write-ahead-log flags: an image in memory has no log
        copy.deserialize(bytes(image))
        copy.execute(f"DROP TABLE IF EXISTS {PLAN_VERSIONS_TABLE}")
        copy.execute("DELETE FROM _audit")
        for spec in TABLES:
            copy.execute(f'DELETE FROM "{spec.name}" WHERE deleted_at IS NOT NULL')
        copy.commit()
        copy.execute("VACUUM")
        return copy.serialize()
    finally:
        copy.close()


def _snapshot_of_rows(ws: Workspace) -> bytes:
    """`_snapshot` of a workspace that is not a SQLite file (PostgreSQL): its live records, in their
    order, copied into a new SQLite image of the current schema, so a version reads the same everywhere."""
    from . import migrations

    copy = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrations.upgrade(copy, contextlib.nullcontext)
        copy.execute("BEGIN")
        copy.execute(f"DROP TABLE IF EXISTS {PLAN_VERSIONS_TABLE}")
        for spec in TABLES:
            columns = spec.column_names
            copy.executemany(
                f'INSERT INTO "{spec.name}" ({", ".join(chr(34) + c + chr(34) for c in columns)})'
                f' VALUES ({", ".join("?" * len(columns))})',
                ws.stored_rows(spec.name),
            )
        copy.execute("COMMIT")
        copy.execute("VACUUM")
        return copy.serialize()
    finally:
        copy.close()


# -- reading a version -------------------------------------------------------------------------------


def version_image(ws: Workspace, number: int) -> bytes:
    """The version's database image, checked against the digest taken when it was frozen."""
    version = get_version(ws, number)
    (blob,) = ws._rows(f"SELECT snapshot FROM {PLAN_VERSIONS_TABLE} WHERE number = ?", (number,))[0]
    content = zlib.decompress(blob)
    if hashlib.sha256(content).hexdigest() != version.content_sha256:
        raise InputError(Problem(_("{version} is damaged (its content no longer matches the digest taken at adoption): restore "
                                   "the workspace from a backup").format(version=version.title()), file=str(ws.path)))
    return content


def materialize(ws: Workspace, number: int, folder: Path) -> Path:
    """Write version `number` as a read-only workspace in `folder` (created, must not hold one); the folder."""
    from .workspace import DB_FILE

    content = version_image(ws, number)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / DB_FILE
    image = sqlite3.connect(":memory:")
    try:
        image.deserialize(content)
        written = sqlite3.connect(target)
        try:
            image.backup(written)
            written.execute("PRAGMA journal_mode = DELETE")
            _honour_current_sovereignty(written, ws)
        finally:
            written.close()
    finally:
        image.close()
    target.chmod(0o444)  # the workspace opens it read-only: nothing can change a version
    return folder


_STRICTNESS = {"publish": 0, "aggregated_only": 1, "withhold": 2}
SOVEREIGN_TABLES = ("indicators", "measures")


def _honour_current_sovereignty(version: sqlite3.Connection, ws: Workspace) -> None:
    """Data its owner has since withheld (or allowed only in aggregate) is treated so in the version too:
    a version freezes the plan's content, not the owning community's consent to publish it."""
    for table in SOVEREIGN_TABLES:
        for record_id, flag, owner in ws._rows(
                f'SELECT id, data_sovereignty, data_owner_id FROM "{table}"'
                " WHERE deleted_at IS NULL AND data_sovereignty IS NOT NULL"):
            row = version.execute(f'SELECT data_sovereignty FROM "{table}" WHERE id = ?', (record_id,)).fetchone()
            if row is not None and _STRICTNESS.get(flag, 0) > _STRICTNESS.get(row[0] or "publish", 0):
                version.execute(f'UPDATE "{table}" SET data_sovereignty = ?, data_owner_id = coalesce(?, data_owner_id)'
                                " WHERE id = ?", (flag, owner, record_id))
    version.commit()


@contextlib.contextmanager
def opened_version(ws: Workspace, number: int) -> Iterator[Workspace]:
    """Version `number` opened as a read-only workspace (a temporary file, removed afterwards)."""
    from .workspace import Workspace

    folder = Path(tempfile.mkdtemp(prefix=f"cswb-version-{number}-"))
    try:
        version_ws = Workspace.open(materialize(ws, number, folder / "workspace"), actor=ws.actor, read_only=True)
        try:
            yield version_ws
        finally:
            version_ws.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def version_tables(ws: Workspace, number: int) -> dict[str, Any]:
    """The tables of version `number`, as `Workspace.table` gives them, for the model's functions."""
    with opened_version(ws, number) as version_ws:
        return workspace_tables(version_ws)


# -- versions named in a bundle ------------------------------------------------------------------------

BUNDLE_VERSIONS = "plan_versions.json"  # beside a bundle's table files: the versions its content was adopted as


def adopt_bundle_versions(ws: Workspace, bundle: Path) -> list[PlanVersion]:
    """Adopt the versions a bundle folder lists in `plan_versions.json` (e.g. a sample whose councils
    adopted its plan), from the content just imported; the same refusals as `adopt_version`.

    The file is a list of {"label": ..., "kind": "adoption" | "revision"}; the content imported is
    the content each listed version freezes, so a bundle lists only the version(s) it is the content of.
    """
    listing = Path(bundle) / BUNDLE_VERSIONS
    if not Path(bundle).is_dir() or not listing.is_file():
        return []
    try:
        entries = json.loads(listing.read_text(encoding="utf-8"))
        wanted = [(str(e["label"]), str(e.get("kind", "adoption"))) for e in entries]
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError(Problem(_("expected a list of {form} ({reason})").format(form='{"label": ..., "kind": "adoption" or "revision"}', reason=exc),
                                 file=str(listing))) from None
    return [adopt_version(ws, label, revision=kind == "revision") for label, kind in wanted]
