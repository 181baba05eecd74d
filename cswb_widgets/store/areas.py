"""Bring boundary files into a workspace as its boundary or sub-areas (wards)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Problem
from ..i18n import _
from .boundaries import BoundarySet, read_boundaries
from .workspace import Workspace

BOUNDARY_SUFFIXES = (".geojson", ".json", ".shp", ".zip")


def looks_like_boundaries(path: Path) -> bool:
    if path.is_dir():
        return any(path.glob("*.shp"))
    return path.suffix.lower() in BOUNDARY_SUFFIXES


@dataclass(frozen=True)
class AreaImport:
    boundaries: BoundarySet
    added: int
    replaced: int


def import_boundaries(
    ws: Workspace,
    path: str | Path,
    *,
    name_column: str | None,
    kind: str = "ward",
    as_boundary: bool = False,
    exclude: tuple[str, ...] = (),
) -> AreaImport:
    """Add one area per feature (or one dissolved community boundary).

    An area of the same kind and name is replaced, so a corrected file can be
    imported again. Only names and geometry are kept.
    """
    path = Path(path)
    community_name = ws.community.get("name") or "Community boundary"
    boundaries = read_boundaries(
        path, name_column, dissolve=as_boundary, dissolved_name=community_name if as_boundary else None
    )
    names = [f.name for f in boundaries.features]
    unknown = [n for n in exclude if n not in names]
    if unknown:
        raise InputError(Problem(_("no area named '{name}' to exclude; names: {names}").format(name=unknown[0], names=", ".join(names)), file=str(path)))
    kind = "boundary" if as_boundary else kind
    existing = ws.table("areas")
    by_name = {
        (k, n): i for i, k, n in zip(existing["id"], existing["kind"], existing["name"], strict=True)
    }
    added = replaced = 0
    with ws.batch(f"import boundaries {path.name}"):
        for feature in boundaries.features:
            if feature.name in exclude:  # e.g. a whole-city row in a ward file
                continue
            record = {"name": feature.name, "kind": kind, "geometry": feature.geometry, "source": path.name}
            current = by_name.get((kind, feature.name))
            if current:
                ws.update("areas", current, **record)
                replaced += 1
            else:
                ws.add("areas", record)
                added += 1
    return AreaImport(boundaries, added, replaced)
