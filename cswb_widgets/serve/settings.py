"""Voilà / Jupyter server settings from the operator's --config files, within what stays ours.

Kept apart from `app` so that checking them needs neither Voilà nor a server.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader

from ..errors import CswbError
from ..i18n import _

# Settings `cswb serve` keeps whatever a --config file says: they are what keeps visitors from
# running code, reading sources or seeing tracebacks, and what decides who signed in.
PROTECTED_SETTINGS = {
    "Voila": ("root_dir", "base_url", "ip", "port", "token", "identity_provider_class", "config_file_paths"),
    "VoilaConfiguration": ("template", "allow_template_override", "allow_theme_override", "strip_sources",
                           "show_tracebacks", "http_header_envs"),
    "KernelManager": ("transport",),
}


def with_operator_settings(ours: Config, files: Iterable[Path]) -> Config:
    """`ours` with the settings of the operator's --config files (traitlets .py or .json) on top,
    except PROTECTED_SETTINGS, which stay ours; each one dropped is said on stderr."""
    merged = Config()
    merged.merge(ours)
    for path in files:
        loader = (JSONFileConfigLoader if path.suffix == ".json" else PyFileConfigLoader)(path.name, str(path.parent))
        try:
            loaded = loader.load_config()
        except Exception as exc:  # noqa: BLE001 - a .py config runs code: any error, one line naming the file
            raise CswbError(_("{path}: cannot read this config file ({reason})").format(path=path, reason=f"{type(exc).__name__}: {exc}")) from None
        for section, names in PROTECTED_SETTINGS.items():
            for name in names:
                if section in loaded and name in loaded[section]:
                    print(f"cswb: {path}: {section}.{name} is ignored: cswb serve sets it itself", file=sys.stderr)
                    del loaded[section][name]
        merged.merge(loaded)
    return merged
