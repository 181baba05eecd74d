"""The command's own language: `cswb --lang fr`, else CSWB_LANG, else the POSIX locale (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cswb_widgets import i18n
from cswb_widgets.cli import cli_language, main


@pytest.mark.parametrize(("argv", "environ", "expected"), [
    (["--lang", "fr", "report"], {"LANG": "en_CA.UTF-8"}, "fr"),
    (["--lang=fr", "validate"], {}, "fr"),
    (["report", "--lang", "fr"], {}, "en"),  # the report's --lang is the document's language, not the command's
    (["report"], {"CSWB_LANG": "fr", "LC_ALL": "en_CA.UTF-8"}, "fr"),
    (["report"], {"LC_ALL": "fr_CA.UTF-8", "LANG": "en_CA.UTF-8"}, "fr"),
    (["report"], {"LC_MESSAGES": "fr_FR", "LANG": "en_US.UTF-8"}, "fr"),
    (["report"], {"LANG": "fr_CA.UTF-8"}, "fr"),
    (["report"], {"LC_ALL": "C", "LANG": "fr_CA.UTF-8"}, "en"),  # LC_ALL wins, and C is English
    (["report"], {"LANG": "de_DE.UTF-8"}, "en"),  # not a language of ours
    (["report"], {}, "en"),
])
def test_the_commands_language_comes_from_the_option_then_the_environment(argv, environ, expected) -> None:
    assert cli_language(argv, environ) == expected


def _clean_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CSWB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def test_help_and_errors_speak_french_and_english_again(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    _clean_locale(monkeypatch)
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    assert main(["report", "--help"]) == 0
    french = capsys.readouterr().out
    assert french.startswith("Utilisation : cswb report")
    with i18n.use_language("fr"):
        assert i18n._("Plan: the working draft, marked as a draft on every page.") in " ".join(french.split())
    assert "Show this message and exit" not in french and "Afficher ce message et quitter." in french
    code = main(["report", str(tmp_path), "--out", str(tmp_path / "out"), "--lang", "xx"])
    error = capsys.readouterr().err
    assert code == 2 and error.startswith("cswb : erreur : Valeur non valide pour '--lang'")
    assert len(error.strip().splitlines()) == 1
    # The same process, in English again: the help texts were kept as written.
    monkeypatch.setenv("LANG", "en_CA.UTF-8")
    assert main(["--help"]) == 0
    english = capsys.readouterr().out
    assert english.startswith("Usage: cswb") and "Community Safety and Well-Being planning workspaces." in english
    assert main(["--lang", "fr", "--help"]) == 0
    assert "Commandes" in capsys.readouterr().out
