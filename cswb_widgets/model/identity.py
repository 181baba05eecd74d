"""The plan's visual identity: which logo images are accepted, and how they are stored."""

from __future__ import annotations

import base64

LOGO_LIMIT = 300_000  # bytes: enough for a crisp logo, small enough for every report page
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
LOGO_KIND_NAMES = {"png": "image/png", "image/png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg",
                   "image/jpeg": "image/jpeg"}


def logo_kind(content: bytes) -> str | None:
    """The image type the bytes begin with (PNG or JPEG), or None for anything else (SVG included)."""
    return next((mime for magic, mime in LOGO_TYPES.items() if content.startswith(magic)), None)


def logo_problem(content: bytes, kind: str | None = None) -> str | None:
    """Why these bytes cannot be the plan's logo, or None when they can.

    `kind` (``"png"``, ``"jpeg"`` or a MIME type), when given, must be what the bytes are.
    """
    found = logo_kind(content)
    if found is None:
        return "The logo must be a PNG or JPEG image (SVG can carry scripts)."
    if kind is not None and LOGO_KIND_NAMES.get(str(kind).strip().lower()) != found:
        return f"The logo was said to be '{kind}' but its content is {found.split('/')[1].upper()}."
    if len(content) > LOGO_LIMIT:
        return f"The logo is {len(content) // 1000} KB; keep it under {LOGO_LIMIT // 1000} KB."
    return None


def logo_data_uri(content: bytes) -> str:
    """The logo as stored (a data: URI); call `logo_problem` first."""
    return f"data:{logo_kind(content)};base64,{base64.b64encode(content).decode('ascii')}"
