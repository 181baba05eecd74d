"""Where the package finds its data files and notebooks, installed from a wheel or run from a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    """A top-level folder of the repository: a wheel ships it inside the package as ``_<name>``,
    a source or editable checkout reads it next to the package."""
    installed = _PACKAGE_DIR / f"_{name}"
    if installed.is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"no {name} directory: looked for {installed} and {checkout}")


def data_dir() -> Path:
    """The ``data`` directory: reference catalogues and sample communities."""
    return _shipped("data")


def reference_dir() -> Path:
    """Reference catalogues, such as ``framework.toml``."""
    return data_dir() / "reference"


def samples_dir() -> Path:
    """Illustrative sample communities."""
    return data_dir() / "samples"


def workbooks_dir() -> Path:
    """The six workbook notebooks."""
    return _shipped("workbooks")
