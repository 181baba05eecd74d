"""The `cswb` command: create, fill, check and export community workspaces.

A user's mistake prints one line on stderr (`cswb: error: ...`) and exits 1;
a usage mistake exits 2. Tracebacks are for bugs only.
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
import shutil
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from . import i18n
from .errors import CswbError, CswbWarning, InputError, Problem, WorkspaceError, os_error_line
from .i18n import N_, _
from .paths import samples_dir
from .serve.kernel_caps import (
    DEFAULT_MAX_KERNELS,
    DEFAULT_MAX_KERNELS_PER_VISITOR,
    DEFAULT_NEVER_CONNECTED_SECONDS,
)

KINDS = ("municipality", "first_nation", "joint_plan")


def _sample_names() -> list[str]:
    try:
        return sorted(p.name for p in samples_dir().iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    except FileNotFoundError:
        return []


def _resolve_source(source: str) -> Path:
    """A sample's name, or a path to an exported folder or workbook."""
    candidate = samples_dir() / source if "/" not in source and "\\" not in source else None
    if candidate is not None and candidate.is_dir():
        return candidate
    path = Path(source)
    if path.exists():
        _require_file_or_folder(path)
        return path
    samples = ", ".join(_sample_names()) or _("none installed")
    raise InputError(Problem(_("no sample or bundle named '{source}' (samples: {samples})").format(source=source, samples=samples)))


def _require_file_or_folder(path: Path) -> None:
    if not (path.is_file() or path.is_dir()):  # reading a pipe would wait for ever
        raise InputError(Problem(_("not a file or folder (a device or a pipe); give a file or folder"), file=str(path)))


class _WorkspaceLocation(click.ParamType):
    """A workspace's folder (a Path), or a community in PostgreSQL (`postgresql://…?community=<name>`, kept as text:
    a Path would fold its '//')."""

    name = "PATH_OR_URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path | str:
        if isinstance(value, Path):
            return value
        text = str(value)
        return text if text.startswith(("postgresql://", "postgres://")) else Path(text)


WORKSPACE = _WorkspaceLocation()


LANGUAGE_VARIABLES = ("CSWB_LANG", "LC_ALL", "LC_MESSAGES", "LANG")  # the first set one wins (POSIX order after ours)


def cli_language(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language the command speaks: `cswb --lang fr ...` (before the command's name), else
    CSWB_LANG, else the POSIX locale (LC_ALL, LC_MESSAGES, LANG: "fr_CA.UTF-8" is French); English
    when none names a language of ours."""
    for index, token in enumerate(argv):
        if not token.startswith("-"):
            break  # the command's own options (`cswb report --lang both`) are the document's language
        if token == "--lang" and index + 1 < len(argv):
            return i18n.normalize_language(argv[index + 1])
        if token.startswith("--lang="):
            return i18n.normalize_language(token.split("=", 1)[1])
    for name in LANGUAGE_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            return i18n.normalize_language(value)  # "C" and "POSIX" read as English
    return i18n.DEFAULT_LANGUAGE


_ENGLISH_HELP: dict[int, str | None] = {}  # each help text as written, by the object that holds it


def _help_key(holder: object, attribute: str) -> int:
    return id(holder) * 2 + (attribute == "short_help")


def english_help(holder: object, attribute: str) -> str | None:
    """A help text as written, even after `translate_help` put another language in its place."""
    return _ENGLISH_HELP.get(_help_key(holder, attribute), getattr(holder, attribute, None))


def translate_help(command: click.Command) -> None:
    """Every help text of `command` and below in the current language (the English is kept, so
    the command can speak another language on its next run in the same process)."""
    command._help_option = None  # click makes its --help option once, in the language of that moment
    holders: list[Any] = [command, *command.params]
    for holder in holders:
        for attribute in ("help", "short_help"):
            if not hasattr(holder, attribute):
                continue
            english = _ENGLISH_HELP.setdefault(_help_key(holder, attribute), getattr(holder, attribute))
            # A docstring's indentation is not part of its message (click removes it when it prints).
            shown = _(inspect.cleandoc(english)).replace("{samples}", ", ".join(_sample_names())) if english else english
            setattr(holder, attribute, shown)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            translate_help(sub)


def _speak_click_in_current_language() -> None:
    """click's own words ("Usage:", "Options:", "No such option") through our catalogues: click asks
    the standard library's gettext, which reads only compiled files from disk."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types

    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types):
        module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = i18n.ngettext  # type: ignore[attr-defined]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cswb-workbook", prog_name="cswb")
@click.option("--lang", "language", type=click.Choice(i18n.LANGUAGES), expose_value=False, is_eager=True,
              help="The language of this command's messages and help (default: CSWB_LANG, else the locale: "
              "LC_ALL, LC_MESSAGES, LANG).")
def cli() -> None:
    """CSWB Workbook: Community Safety and Well-Being planning workspaces."""


@cli.command()
@click.argument("path", type=WORKSPACE)
@click.option("--name", help="Community or joint plan name (default: the folder name).")
@click.option("--kind", type=click.Choice(KINDS), help="municipality, first_nation or joint_plan.")
@click.option(
    "--from",
    "source",
    metavar="SAMPLE_OR_BUNDLE",
    help="Start from a sample community ({samples}) or an exported folder/workbook.",
)
def init(path: Path | str, name: str | None, kind: str | None, source: str | None) -> None:
    """Create a community workspace at PATH."""
    from .store import Workspace, is_workspace
    from .store.tabular import import_bundle
    from .store.versions import PlanVersion, adopt_bundle_versions

    adopted: list[PlanVersion] = []
    in_database = isinstance(path, str)  # a community in PostgreSQL: built in one transaction instead
    if not in_database and is_workspace(path):
        raise WorkspaceError(_("{path}: a workspace already exists here").format(path=path))
    if isinstance(path, Path) and path.exists() and not path.is_dir():
        raise WorkspaceError(_("{path}: this is a file; give a new (or empty) folder for the workspace").format(path=path))
    bundle = _resolve_source(source) if source else None
    created_dir = isinstance(path, Path) and not path.exists()
    try:
        # Built in a hidden file and put in place at the end: killed half-way, it leaves no
        # half workspace to block a retry.
        with Workspace.building(path) as building:
            if bundle is None:
                default_name = building.path.name if in_database else Path(path).resolve().name
                building.add("community", id="community", name=name or default_name, kind=kind or "municipality")
            else:
                report = import_bundle(building, bundle)
                if name or kind:
                    building.update(
                        "community", "community", **{k: v for k, v in (("name", name), ("kind", kind)) if v}
                    )
                adopted = adopt_bundle_versions(building, bundle)  # the versions the bundle's content was adopted as
    except BaseException:
        if created_dir:  # leave no empty folder behind either
            shutil.rmtree(path, ignore_errors=True)
        raise
    if bundle is not None:
        click.echo(_("imported {count} records from {source}").format(count=report.total, source=bundle.name))
    for version in adopted:
        click.echo(_("adopted {version}, in force since {date}").format(version=version.title(), date=version.adopted_on.isoformat()))
    ws = Workspace.open(path, read_only=True)
    community = ws.community
    click.echo(_("created workspace {workspace} for {name} ({kind})").format(
        workspace=_shown(ws), name=community.get("name"), kind=_kind_name(community.get("kind"))))


def _extent(bounds: Sequence[float]) -> dict[str, str]:
    """A boundary's extent in degrees to four decimals, each in the current language's notation."""
    return {side: i18n.format_decimal(value, 4) for side, value in zip(("west", "south", "east", "north"), bounds, strict=True)}


def _shown(ws: Any) -> str:
    """A workspace as messages name it: its folder, or its community and database (never a password)."""
    return ws._shown_file if isinstance(ws.location, str) and ws.location.startswith("postgres") else str(ws.path)


@cli.command("import")
@click.argument("path", type=WORKSPACE)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--table", help="The table to import into (default: from the file or sheet name).")
@click.option("--name-column", help="Boundary files: the attribute column holding each area's name.")
@click.option(
    "--area-kind",
    type=click.Choice(("ward", "sub_area", "neighbourhood")),
    default="ward",
    show_default=True,
    help="Boundary files: what the areas are.",
)
@click.option("--boundary", "as_boundary", is_flag=True, help="Boundary files: merge all shapes into the community boundary.")
@click.option("--exclude", multiple=True, metavar="NAME", help="Boundary files: leave out the area with this name (repeatable).")
def import_(
    path: Path | str, file: Path, table: str | None, name_column: str | None, area_kind: str, as_boundary: bool,
    exclude: tuple[str, ...],
) -> None:
    """Import FILE into the workspace at PATH.

    FILE may be a CSV or XLSX table, a whole exported workspace (a folder of
    CSV files or a workbook with a sheet per table), boundaries (GeoJSON, a
    shapefile, its folder, or a zip), or an Open Referral HSDS data package
    (a folder or zip with datapackage.json). On any error nothing is imported.
    """
    from .store import Workspace
    from .store.areas import import_boundaries, looks_like_boundaries
    from .store.hsds import import_hsds, looks_like_hsds
    from .store.tabular import import_bundle, import_file

    ws = Workspace.open(path)
    if not file.exists():
        raise InputError(Problem(_("no such file or folder"), file=str(file)))
    _require_file_or_folder(file)
    if looks_like_hsds(file):  # before boundaries: both take .zip and .json
        report = import_hsds(ws, file)
        click.echo(_("imported from {file}: {summary}").format(file=file.name, summary=report.summary()))
        for notice in report.notices:
            click.echo(_("note: {notice}").format(notice=notice))
        return
    if looks_like_boundaries(file):
        result = import_boundaries(
            ws, file, name_column=name_column, kind=area_kind, as_boundary=as_boundary, exclude=exclude
        )
        b = result.boundaries
        click.echo(_("imported {added} new and {replaced} replaced areas from {file} ({crs} → WGS 84; extent {west},{south} "
                     "to {east},{north})").format(added=result.added, replaced=result.replaced, file=file.name,
                                                  crs=b.source_crs, **_extent(b.bounds)))
        if b.dropped_columns:
            click.echo(_("not kept: {columns}").format(columns=", ".join(b.dropped_columns)))
        return
    report = import_bundle(ws, file) if file.is_dir() else import_file(ws, file, table)
    click.echo(_("imported from {file}: {summary}").format(file=file.name, summary=report.summary()))


@cli.command()
@click.argument("path", type=WORKSPACE)
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(("csv", "xlsx")), default="csv", show_default=True)
def export(path: Path | str, out: Path, fmt: str) -> None:
    """Export the workspace at PATH to OUT (a folder of CSV files, or one .xlsx workbook)."""
    from .store import Workspace
    from .store.tabular import export_workspace

    ws = Workspace.open(path, read_only=True)
    if fmt == "csv" and out.exists() and not out.is_dir():
        raise InputError(Problem(_("this is a file; give a folder for the CSV files (or use --format xlsx)"), file=str(out)))
    written = export_workspace(ws, out, fmt)
    click.echo(i18n.ngettext("wrote {count} file to {out}", "wrote {count} files to {out}", len(written)).format(
        count=len(written), out=out))


@cli.command()
@click.argument("path", type=WORKSPACE)
@click.option("--strict", is_flag=True, help="Exit non-zero when any stage is incomplete.")
def validate(path: Path | str, strict: bool) -> None:
    """Check the workspace at PATH: completeness stage by stage, and problems found."""
    from .framework import load_catalogue
    from .model.readiness import assess
    from .render.coverage import missing_names
    from .store import TABLES, Workspace
    from .store.integrity import integrity_problems, problems_line

    ws = Workspace.open(path, read_only=True)  # checking changes nothing, not even an old schema
    tables = {t.name: ws.table(t.name) for t in TABLES}
    community = ws.community
    label = f"{community.get('name') or _('(unnamed)')} ({_kind_name(community.get('kind'))})"
    if community.get("illustrative"):
        label += _(" - illustrative sample")
    schema = _("workspace schema {version}").format(version=ws.stored_schema_version)
    if ws.stored_schema_version < ws.schema_version:
        schema += _(" (read as schema {version}; the file is upgraded, after a backup copy, on its first change)").format(version=ws.schema_version)
    click.echo(f"{label}; {schema}")
    click.echo(_plan_state_line(ws, tables, path))
    summaries = assess(tables)
    stage_titles = {stage.key: stage.title for stage in load_catalogue().stages}
    width = max(len(stage_titles.get(s.stage, s.stage)) for s in summaries)
    for summary in summaries:
        done = sum(c.complete for c in summary.checks)
        checks = _("{done}/{total} checks complete").format(done=done, total=len(summary.checks))
        click.echo(f"  {stage_titles.get(summary.stage, summary.stage):<{width}}  {checks}  {i18n.format_percent(summary.completion):>5}")
    gaps = [c for s in summaries for c in s.checks if not c.complete]
    if gaps:
        click.echo(_("to do:"))
        for check in gaps:
            names = missing_names(check)
            missing = "; ".join(names[:6]) + (" ..." if len(names) > 6 else "")
            click.echo(f"  [{stage_titles.get(check.stage, check.stage)}] "
                       + _("{title}: {done}/{total}").format(title=check.title, done=check.done, total=check.total)
                       + (_(" - missing: {items}").format(items=missing) if missing else ""))
    problems = integrity_problems(ws)
    if problems:
        click.echo(_("problems:"))
        for problem in problems:
            click.echo(f"  {problem}")
        raise WorkspaceError(problems_line(problems, path))
    click.echo(_("no problems found"))
    if strict and gaps:
        raise WorkspaceError(_("{count} check(s) incomplete").format(count=len(gaps)))


def _kind_name(kind: object) -> str:
    """A kind of community as people read it ("Municipalité", not "municipality")."""
    from .framework import load_catalogue

    try:
        return load_catalogue().name_of("community_kinds", str(kind))
    except KeyError:
        return str(kind or "?")


def _plan_state_line(ws: Any, tables: Any, path: Path | str) -> str:
    """'plan: adopted, version 1 (“2024 plan”)', or a draft and what freezes it once the councils adopted it."""
    from .model.adoption import plan_adopted
    from .store.versions import latest_version

    version = latest_version(ws)
    if version is not None:
        return _("plan: adopted, {version} in force since {date}").format(version=version.title(), date=version.adopted_on.isoformat())
    if plan_adopted(tables):
        return _("plan: every council has adopted it, but no version is frozen yet: run '{command}' so the plan document "
                 "shows what they adopted").format(command=f'cswb versions adopt {path} --label "…"')
    return _("plan: draft (not adopted by every council yet)")


def _known_table(name: str | None) -> str | None:
    """The table a user named, or a one-line refusal listing the tables."""
    from .store.schema import table as table_spec

    if name is None:
        return None
    try:
        return table_spec(name).name
    except KeyError as exc:
        raise InputError(Problem(str(exc.args[0]))) from None


@cli.command()
@click.argument("path", type=WORKSPACE)
@click.option("--table", help="Only this table's records (e.g. people).")
@click.option("--record", "record_id", metavar="ID", help="Only this record.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True,
              help="How many of the latest changes (and deleted records) to list.")
def history(path: Path | str, table: str | None, record_id: str | None, limit: int) -> None:
    """Who changed what in the workspace at PATH, and when (newest first); then the deleted
    records, each with the command that restores it."""
    import shlex

    from .store import Workspace
    from .store.history import changes, deleted_records

    table = _known_table(table)
    ws = Workspace.open(path, read_only=True)  # reading the history changes nothing
    listed = changes(ws, table=table, record_id=record_id, limit=limit)
    if not listed:
        click.echo(_("no changes recorded for that selection") if table or record_id else _("no changes recorded"))
    width = max((len(c.actor) for c in listed), default=0)
    for change in listed:
        click.echo(f"{change.when}  {change.actor:<{width}}  {change.what}")
    deleted = [d for d in deleted_records(ws, table=table, limit=limit) if record_id in (None, d.record_id)]
    if deleted:
        click.echo("\n" + _("deleted records (restore one with the command shown):"))
        for record in deleted:
            command = shlex.join(["cswb", "restore", str(path), record.table, record.record_id])
            deleted_line = (_("{record}, deleted by {actor}:") if record.actor else _("{record}, deleted:")).format(
                record=record.what, actor=record.actor)
            click.echo(f"{record.when}  {deleted_line}  {command}")


@cli.command()
@click.argument("path", type=WORKSPACE)
@click.argument("table")
@click.argument("record_id")
def restore(path: Path | str, table: str, record_id: str) -> None:
    """Bring back the deleted record RECORD_ID of TABLE in the workspace at PATH ('cswb history'
    lists the deleted records). Refused while a record it refers to is deleted."""
    from .store import Workspace
    from .store.labels import record_noun

    name = _known_table(table)
    assert name is not None
    ws = Workspace.open(path)
    ws.restore(name, record_id)
    click.echo(_("restored {record} “{label}” (as {actor})").format(record=record_noun(name), label=ws.label(name, record_id),
                                                                    actor=ws.actor))


@cli.command()
@click.option(
    "--root",
    type=WORKSPACE,
    default=Path("."),
    show_default=True,
    help="The folder whose sub-folders are community workspaces, or a PostgreSQL database "
    "(postgresql://[user@]host[:port]/database) whose communities are served; keep its password in "
    "PGPASSWORD or ~/.pgpass, not the URL.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8866, show_default=True)
@click.option(
    "--host",
    default=None,
    help="Address to listen on [default: 127.0.0.1; with --workshop, this machine's local network address]."
    " Anything but loopback needs --token or --password-hash (--workshop makes a token if none is given).",
)
@click.option(
    "--workshop",
    metavar="COMMUNITY",
    help="Run a workshop vote for this workspace (its folder name): listen on the local network, make a fresh"
    " access code that opens only its ballot and join screen, and print the join screen's address for the projector.",
)
@click.option("--token", envvar="CSWB_TOKEN", help="Secret visitors add as ?token=... once (env: CSWB_TOKEN).")
@click.option(
    "--password-hash",
    envvar="CSWB_PASSWORD_HASH",
    help="argon2 hash of a password visitors type (env: CSWB_PASSWORD_HASH).",
)
@click.option(
    "--notebooks",
    type=click.Path(path_type=Path, file_okay=False),
    help="Serve your edited notebooks from this folder (see 'cswb notebooks') instead of the packaged ones; "
    "a workspace's own notebooks/ folder still comes first for that community.",
)
@click.option(
    "--extra-notebooks",
    multiple=True,
    hidden=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Also serve the notebooks in this folder (benchmarks).",
)
@click.option(
    "--pool-size",
    type=click.IntRange(0, 8),
    default=1,
    hidden=True,
    help="Preheated kernels kept ready per notebook (0: start one per visit).",
)
@click.option(
    "--base-url",
    envvar="JUPYTERHUB_SERVICE_PREFIX",
    default="/",
    show_default=True,
    help="Path prefix when served behind a proxy, e.g. /workbooks/ (under JupyterHub: the service's prefix).",
)
@click.option(
    "--config",
    "config_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="A Jupyter (traitlets) config file, .py or .json, with Voilà / Jupyter server settings, e.g. "
    "c.VoilaConfiguration.http_keep_alive_timeout = 20 (repeatable; the settings that keep visitors "
    "from running code are kept).",
)
@click.option(
    "--hub",
    is_flag=True,
    help="Run as a JupyterHub service: people sign in at the Hub; Hub groups cswb:<workspace>:<role> say who "
    "sees which community (see the README, 'Hosting under JupyterHub').",
)
@click.option("--max-kernels", type=click.IntRange(1, 10_000), default=DEFAULT_MAX_KERNELS, show_default=True,
              help="Workbook pages open at once on this server (each holds a 110-160 MB kernel).")
@click.option("--max-kernels-per-user", type=click.IntRange(1, 1_000), default=DEFAULT_MAX_KERNELS_PER_VISITOR,
              show_default=True, help="Workbook pages one signed-in person may hold open (under JupyterHub).")
@click.option("--never-connected-seconds", type=click.IntRange(10, 3600), default=DEFAULT_NEVER_CONNECTED_SECONDS,
              show_default=True, help="Reclaim a page's kernel if the page has not connected within this time.")
def serve(
    root: Path | str,
    port: int,
    host: str | None,
    workshop: str | None,
    token: str | None,
    password_hash: str | None,
    notebooks: Path | None,
    extra_notebooks: tuple[Path, ...],
    pool_size: int,
    base_url: str,
    config_files: tuple[Path, ...],
    hub: bool,
    max_kernels: int,
    max_kernels_per_user: int,
    never_connected_seconds: int,
) -> None:
    """Serve the workbooks as web apps, with a launcher listing the workspaces under --root."""
    from .serve.options import ServeOptions, is_loopback, workshop_host

    if host is None:
        host = workshop_host() if workshop else "127.0.0.1"
    if workshop and not is_loopback(host) and not (token or password_hash):
        import secrets

        token = secrets.token_urlsafe(24)  # the facilitator's; printed once with the address
    options = ServeOptions(root, host, port, token or None, password_hash or None, extra_notebooks, pool_size,
                           notebooks=notebooks, base_url=base_url, config_files=config_files,
                           max_kernels=max_kernels, max_kernels_per_user=max_kernels_per_user,
                           never_connected_seconds=never_connected_seconds, hub=hub, workshop=workshop)
    options.checked()  # refuse bad options before the seconds it takes to import Voilà

    from .startup import skip_unused_slow_imports

    skip_unused_slow_imports()  # before Voilà imports jsonschema
    from .serve.app import serve as run_server

    run_server(options)


@cli.group()
def access() -> None:
    """Who may open which community under JupyterHub (its groups cswb:<workspace>:viewer|editor|coordinator).

    Give a token made on the Hub's Token page (by a coordinator of that community, or a Hub admin)
    as CSWB_HUB_TOKEN. A change reaches a person already signed in within a minute.
    """


_HUB_URL = click.option("--hub-url", envvar="CSWB_HUB_URL", default="http://127.0.0.1:8000", show_default=True,
                        help="The Hub's address (env: CSWB_HUB_URL).")
_HUB_TOKEN = click.option("--token", "hub_token", envvar="CSWB_HUB_TOKEN", required=True,
                          help="A Hub API token (env: CSWB_HUB_TOKEN).")


@access.command("grant")
@click.argument("workspace")
@click.argument("role", type=click.Choice(["viewer", "editor", "coordinator"]))
@click.argument("users", nargs=-1, required=True)
@_HUB_URL
@_HUB_TOKEN
def access_grant(workspace: str, role: str, users: tuple[str, ...], hub_url: str, hub_token: str) -> None:
    """Give USERS the ROLE on WORKSPACE."""
    from .serve.hub_groups import grant

    grant(hub_url, hub_token, workspace, role, list(users))
    click.echo(_("{users}: {role} of {workspace}").format(users=", ".join(users), role=_role_name(role), workspace=workspace))


@access.command("revoke")
@click.argument("workspace")
@click.argument("role", type=click.Choice(["viewer", "editor", "coordinator"]))
@click.argument("users", nargs=-1, required=True)
@_HUB_URL
@_HUB_TOKEN
def access_revoke(workspace: str, role: str, users: tuple[str, ...], hub_url: str, hub_token: str) -> None:
    """Take the ROLE on WORKSPACE away from USERS."""
    from .serve.hub_groups import revoke

    revoke(hub_url, hub_token, workspace, role, list(users))
    click.echo(_("{users}: no longer {role} of {workspace}").format(users=", ".join(users), role=_role_name(role),
                                                                      workspace=workspace))


@access.command("list")
@click.argument("workspace")
@_HUB_URL
@_HUB_TOKEN
def access_list(workspace: str, hub_url: str, hub_token: str) -> None:
    """Who has which role on WORKSPACE."""
    from .serve.hub_groups import members

    for role, users in members(hub_url, hub_token, workspace).items():
        click.echo(_("{role}: {users}").format(role=_role_name(role), users=", ".join(users) if users else _("(nobody)")))


_ROLE_NAMES = {"viewer": N_("viewer"), "editor": N_("editor"), "coordinator": N_("coordinator")}


def _role_name(role: str) -> str:
    """A Hub role as people read it, in the current language ("editor" / "rédacteur")."""
    return _(_ROLE_NAMES.get(role, role))


def _iso_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(_("{value} is not a date: write it as YYYY-MM-DD, e.g. 2025-01-31").format(value=repr(value))) from None


@cli.command()
@click.argument("workspaces", nargs=-1, required=True, type=WORKSPACE)
@click.option("--out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the reports: OUT/<workspace folder name>/ for each community (a PostgreSQL "
              "database's: OUT/<community>/).")
@click.option("--kind", type=click.Choice(("plan", "progress")), default="plan", show_default=True,
              help="plan: the plan in the framework's sample-plan order; progress: actions, indicators, changes.")
@click.option("--format", "formats", default="html", show_default=True, metavar="html,pdf,docx",
              help="html, pdf, docx, or several (PDF is printed by headless Chromium; docx is an editable Word document).")
@click.option("--jobs", default="1", show_default=True, metavar="N|auto",
              help="Worker processes, each with its own kernel; auto: one per core, as far as the available "
              "memory allows.")
@click.option("--all-parts", is_flag=True,
              help="Run every cell of the notebooks, not only those the document uses (slower; fuller audit copies).")
@click.option("--notebooks", type=click.Path(path_type=Path, file_okay=False),
              help="Run your edited notebooks from this folder (see 'cswb notebooks') instead of the packaged ones; "
              "a workspace's own notebooks/ folder still comes first for that community.")
@click.option("--since", callback=lambda _ctx, _param, value: _iso_date(value), metavar="YYYY-MM-DD",
              help="Progress report: what changed since this date (default: the last progress report "
              "recorded, else the latest adoption).")
@click.option("--version", "version", type=click.IntRange(1), metavar="N",
              help="The plan's adopted version N ('cswb versions list') to render, or a progress report measures "
              "against; default: the latest adopted version.")
@click.option("--draft", is_flag=True, help="Plan: the working draft, marked as a draft on every page.")
@click.option("--force", is_flag=True,
              help="Remake every report, even those whose workspace, notebooks and options are unchanged.")
@click.option("--shard", metavar="I/N",
              help="Make only the I-th of N stable slices of the communities (for several machines).")
@click.option("--lang", "plan_language", type=click.Choice(("en", "fr", "both")),
              help="The document's language: en, fr, or both (two documents, <kind>.en.<format> and "
              "<kind>.fr.<format>); default: each workspace's plan language (English when not set).")
def report(workspaces: tuple[Path | str, ...], out: Path, kind: str, formats: str, jobs: str, all_parts: bool,
           notebooks: Path | None, since: dt.date | None, version: int | None, draft: bool, force: bool,
           shard: str | None, plan_language: str | None) -> None:
    """Make the plan (or progress report) of each WORKSPACE: run its six workbooks in report mode and
    assemble one document, with the executed notebooks kept next to it. A WORKSPACE may be a
    PostgreSQL database (postgresql://…: each community of its registry) or one of its communities
    (…?community=<name>).

    One community's failure does not stop the others; the summary names the notebook, cell and
    error of each failure, and the exit status is 1 if any failed. A community whose workspace,
    notebooks and options are unchanged since its last successful report in OUT is skipped
    (--force remakes it), so a stopped run, run again, does only what is left.
    """
    import time

    from .notebooks import check_folder
    from .report import build_reports, parse_formats, summary_table
    from .report.batch import parse_jobs, parse_shard
    from .report.from_database import as_workspace_folders
    from .store.workspace import is_workspace, no_workspace_here

    if since and kind != "progress":
        raise CswbError(_("--since is for the progress report (--kind progress): the plan shows no change"))
    workers, slice_ = parse_jobs(jobs), parse_shard(shard) if shard else None
    for workspace in workspaces:  # a typo is refused before any kernel starts
        if not isinstance(workspace, str) and not is_workspace(workspace):
            raise no_workspace_here(workspace)
    started = time.perf_counter()
    with as_workspace_folders(workspaces) as folders:  # a database's communities, as snapshots
        results = build_reports(folders, out, kind=kind, formats=parse_formats(formats), jobs=workers,
                                all_parts=all_parts, notebooks=check_folder(notebooks) if notebooks else None,
                                since=since, version=version, draft=draft, force=force, shard=slice_,
                                language=plan_language)
    if slice_ is not None:
        click.echo(_("shard {index}/{count}: {made} of {total} communities").format(
            index=slice_[0], count=slice_[1], made=len(results), total=len(folders)))
    click.echo(summary_table(results, time.perf_counter() - started))
    failed = [r for r in results if not r.ok]
    if failed:
        raise CswbError(_("{failed} of {total} reports failed (their notebooks and errors are in {out}/<name>.FAILED/)")
                        .format(failed=len(failed), total=len(results), out=out))


@cli.group()
def versions() -> None:
    """Adopted plan versions: the plan's content frozen when its councils adopted it."""


def _version_ref(text: str) -> int | None:
    """A version number, or None for the working state ("draft")."""
    if text.strip().lower() in ("draft", "working"):
        return None
    try:
        number = int(text)
    except ValueError:
        raise InputError(Problem(_("a version is a number from 'cswb versions list' (or 'draft'), not {text}").format(text=repr(text)))) from None
    return number


@versions.command("list")
@click.argument("path", type=WORKSPACE)
def versions_list(path: Path | str) -> None:
    """List the adopted versions of the plan at PATH, and the plan's state."""
    from .store import Workspace
    from .store.versions import list_versions

    ws = Workspace.open(path, read_only=True)
    found = list_versions(ws)
    if not found:
        click.echo(_("no adopted version: the plan is a draft"))
        return
    for v in found:
        click.echo(f"{v.number}  {v.label}  " + _("({kind}, in force since {date})").format(kind=_(v.kind_label).lower(),
                                                                                           date=v.adopted_on.isoformat()))
        for council in v.councils:
            click.echo(f"     {council.statement()}")


@versions.command("adopt")
@click.argument("path", type=WORKSPACE)
@click.option("--label", required=True, help='What the version is called, e.g. "2025 plan" or "2029 revision".')
@click.option("--revision", is_flag=True, help="The councils adopted a revision of an adopted plan.")
def versions_adopt(path: Path | str, label: str, revision: bool) -> None:
    """Freeze the plan at PATH as adopted: refused until every participating council has adopted it
    (with --revision: adopted a revision since the last version)."""
    from .store import Workspace
    from .store.versions import adopt_version

    ws = Workspace.open(path)
    version = adopt_version(ws, label, revision=revision)
    click.echo(_("adopted {version}, in force since {date} (as {actor})").format(
        version=version.title(), date=version.adopted_on.isoformat(), actor=ws.actor))


@versions.command("compare")
@click.argument("path", type=WORKSPACE)
@click.argument("older")
@click.argument("newer")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Also write the comparison as an HTML document.")
def versions_compare(path: Path | str, older: str, newer: str, out: Path | None) -> None:
    """What version NEWER added, dropped and changed against version OLDER ('draft': the working state)."""
    from .model.plan_versions import compare_plans
    from .render.plan_versions import comparison_html, comparison_text
    from .store import Workspace
    from .store.versions import get_version, version_tables, workspace_tables

    ws = Workspace.open(path, read_only=True)
    sides = []
    for text in (older, newer):
        number = _version_ref(text)
        if number is None:
            sides.append((_("the working draft"), workspace_tables(ws)))
        else:
            version = get_version(ws, number)
            sides.append((f"{version.title()}", version_tables(ws, number)))
    differences = compare_plans(sides[0][1], sides[1][1])
    click.echo(comparison_text(differences, sides[0][0], sides[1][0]), nl=False)
    if out is not None:
        plan_name = str(ws.community.get("plan_name") or ws.community.get("name") or _("The plan"))
        out.write_text(comparison_html(differences, plan_name, sides[0][0], sides[1][0]), encoding="utf-8")
        click.echo(_("wrote {out}").format(out=out))


@versions.command("export")
@click.argument("path", type=WORKSPACE)
@click.argument("number", type=int)
@click.argument("out", type=click.Path(path_type=Path))
def versions_export(path: Path | str, number: int, out: Path) -> None:
    """Export version NUMBER of the plan at PATH to OUT, a folder of CSV files ('cswb init --from OUT' reads it)."""
    from .store import Workspace
    from .store.tabular import export_workspace
    from .store.versions import opened_version

    ws = Workspace.open(path, read_only=True)
    if out.exists() and not out.is_dir():
        raise InputError(Problem(_("this is a file; give a folder for the CSV files"), file=str(out)))
    with opened_version(ws, number) as version_ws:
        written = export_workspace(version_ws, out, "csv")
    click.echo(i18n.ngettext("wrote {count} file of version {number} to {out}", "wrote {count} files of version {number} to {out}",
                             len(written)).format(count=len(written), number=number, out=out))


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("target", type=WORKSPACE)
@click.option("--replace", is_flag=True, help="Replace the community if the database already holds it.")
def migrate(source: Path, target: Path | str, replace: bool) -> None:
    """Copy the SQLite workspace at SOURCE into TARGET, a community in PostgreSQL
    (postgresql://[user@]host[:port]/database?community=<name>): every record, deleted ones too,
    the audit trail and the adopted versions, in one transaction; the counts are checked after."""
    from .store.copy import migrate_workspace

    if not isinstance(target, str):
        raise InputError(Problem(_("expected a PostgreSQL URL: {form}").format(form="postgresql://[user@]host[:port]/database?community=<name>")))
    click.echo(migrate_workspace(source, target, replace=replace).summary())


@cli.command(name="notebooks")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--overwrite", is_flag=True, help="Replace notebooks already in FOLDER (your edits there are lost).")
def notebooks_command(folder: Path, overwrite: bool) -> None:
    """Write the six workbook notebooks into FOLDER to read and change in JupyterLab.

    Run your copies with 'cswb serve --notebooks FOLDER' and 'cswb report --notebooks FOLDER'.
    To give one community its own notebooks, put them in its workspace's notebooks/ folder.
    """
    from .notebooks import write_notebooks

    written = write_notebooks(folder, overwrite=overwrite)
    click.echo(i18n.ngettext("wrote {count} notebook to {folder}: {names}", "wrote {count} notebooks to {folder}: {names}",
                             len(written)).format(count=len(written), folder=folder, names=", ".join(p.name for p in written)))
    click.echo(_("open them with: {command}  (set `workspace` in the first code cell)").format(command=f"jupyter lab {folder}"))


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    """The project's warnings as one line (`cswb: warning: ...`); others as Python shows them."""
    if issubclass(category, CswbWarning):
        click.echo(_("cswb: warning: {message}").format(message=message), err=True)
    else:
        warnings._showwarning_orig(message, category, *args, **kwargs)  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    i18n.set_language(cli_language(arguments, os.environ))
    _speak_click_in_current_language()
    translate_help(cli)
    try:
        cli.main(args=arguments, prog_name="cswb", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        click.echo(_("cswb: aborted"), err=True)
        return 130
    except click.ClickException as exc:
        context = getattr(exc, "ctx", None)  # usage errors carry the command they are about
        hint = _(" (see 'cswb {command} --help')").format(command=context.info_name) if context else ""
        click.echo(_("cswb: error: {message}").format(message=exc.format_message() + hint), err=True)
        return exc.exit_code
    except CswbError as exc:
        click.echo(_("cswb: error: {message}").format(message=exc), err=True)
        return getattr(exc, "exit_code", 1)
    except OSError as exc:  # a path that cannot be used, a full disk: the user's to fix, not a bug
        click.echo(_("cswb: error: {message}").format(message=os_error_line(exc)), err=True)
        return 1
    except KeyboardInterrupt:
        click.echo(_("cswb: interrupted"), err=True)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
