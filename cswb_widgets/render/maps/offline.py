"""Leaflet for a map page that works with the network cut: the libraries inlined, plus our
own small script and styles.

folium's page would load Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs.
:func:`offline_libraries` instead inlines Leaflet (and Leaflet.markercluster for clustered
assets) from the installed xstatic packages, their few CSS images as ``data:`` URIs, together
with the page's support script (``cswb.addAreas``, ``addAssets``, ``addLegend``, ``describe``)
and styles. Nothing else is needed: markers are CSS circles, not image icons. The result is
read from disk once per process.

The support script takes every piece of data as JSON and turns user text into text nodes
(``textContent``), never markup.
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

from ..figures import TEXT_COLOUR
from .data import ASSET_COLOUR, PARTNER_ASSET_COLOUR

__all__ = ["offline_libraries"]

MAP_BACKGROUND = "#f5f3ef"

_STATIC = Path(__file__).resolve().parent.parent / "static"
_MAP_COLOURS = {"background": MAP_BACKGROUND, "text": TEXT_COLOUR, "asset": ASSET_COLOUR, "partner-asset": PARTNER_ASSET_COLOUR}
_MAP_COLOUR = re.compile(r"var\(--cswb-map-([a-z-]+)\)")


def _support_css() -> str:
    """static/map_support.css with the map's colours filled in (an unknown name is an error)."""
    text = (_STATIC / "map_support.css").read_text(encoding="utf-8")
    return _MAP_COLOUR.sub(lambda m: _MAP_COLOURS[m.group(1)], text)





@functools.cache
def offline_libraries(*, clustered: bool) -> str:
    """Leaflet (and markercluster) inlined from the installed xstatic packages."""
    import xstatic.pkg.leaflet_markercluster as markercluster
    from xstatic.pkg import leaflet

    leaflet_dir, cluster_dir = Path(leaflet.BASE_DIR), Path(markercluster.BASE_DIR)
    styles = [_css_with_inline_images(leaflet_dir / "leaflet.css", leaflet_dir)]
    scripts = [_script_text(leaflet_dir / "leaflet.js")]
    if clustered:
        styles += [
            _css_with_inline_images(cluster_dir / "MarkerCluster.css", cluster_dir),
            _css_with_inline_images(cluster_dir / "MarkerCluster.Default.css", cluster_dir),
        ]
        scripts.append(_script_text(cluster_dir / "leaflet.markercluster.js"))
    styles.append(_support_css())
    scripts.append((_STATIC / "map_support.js").read_text(encoding="utf-8"))
    return "".join(f"<style>\n{s}\n</style>\n" for s in styles) + "".join(
        f"<script>\n{s}\n</script>\n" for s in scripts
    )


_CSS_URL = re.compile(r"url\((?!#)['\"]?([^)'\"]+)['\"]?\)")


def _css_with_inline_images(path: Path, base: Path) -> str:
    # A relative url() would resolve against the page (or the app's URL in an iframe srcdoc).
    def inline(match: re.Match[str]) -> str:
        image = base / match.group(1)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    return _CSS_URL.sub(inline, path.read_text(encoding="utf-8"))


def _script_text(path: Path) -> str:
    code = path.read_text(encoding="utf-8")
    # The source map comment would make open developer tools fetch a file that is not there.
    code = re.sub(r"^//# sourceMappingURL=.*$", "", code, flags=re.MULTILINE)
    if re.search(r"</script|<!--", code, flags=re.IGNORECASE):
        raise RuntimeError(f"{path} cannot be inlined safely in a <script> element")
    return code
