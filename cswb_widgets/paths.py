"""Where the package finds its data files, installed from a wheel or run from a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The ``data`` directory: reference catalogues and sample communities.

    A wheel ships the repository's ``data/`` inside the package as ``_data``; a source or
    editable checkout reads ``data/`` next to the package.
    """
    installed = _PACKAGE_DIR / "_data"
    if installed.is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent / "data"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"no data directory: looked for {installed} and {checkout}")


def reference_dir() -> Path:
    """Reference catalogues, such as ``framework.toml``."""
    return data_dir() / "reference"


def samples_dir() -> Path:
    """Illustrative sample communities."""
    return data_dir() / "samples"
