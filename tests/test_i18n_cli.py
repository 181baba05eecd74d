"""No English left in what a French user meets outside the apps: every `cswb` command's help, the
usual output of the commands a coordinator runs, their refusals (one line, naming file, row and
column), imports through the apps' upload button, and the Hub's refusals of `cswb access`.

Checked with the same English-word detector as the apps (tests/i18n_apps.py); what people typed
(names in the workspace and in the imported files), paths, option names and the product's proper
names are left aside.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from i18n_apps import PROPER_NAMES, english_left, html_text, workspace_words

from cswb_widgets import i18n
from cswb_widgets.cli import cli, main
from cswb_widgets.serve.hub_groups import _refusal
from cswb_widgets.store import Workspace
from cswb_widgets.store.tabular import import_file
from cswb_widgets.widgets.file_import import FileImport

HSDS_EXAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "hsds-3.0-example"
FRENCH_SAMPLE = "lac-des-epinettes"


def _command_paths(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _command_paths(sub, (*path, name))


COMMANDS = list(_command_paths(cli))


@pytest.fixture(autouse=True)
def french_command_line(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("CSWB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    yield
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


def _cswb(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main(["--lang", "fr", *map(str, argv)])
    captured = capsys.readouterr()
    return code, _spaced(captured.out), _spaced(captured.err)


def _spaced(text: str) -> str:
    """French typography's no-break spaces («\u00a0x\u00a0») as plain ones, for the assertions."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _words_of(text: str) -> list[str]:
    """The lines of a command's output with what is not a sentence taken out: paths, option names
    (--record), metavars (PATH, N|auto), choices ([csv|xlsx]) and commands quoted to type."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"\S*/\S*", " ", line)  # paths and URLs
        line = re.sub(r"«\s*cswb [^»]*»|'cswb [^']*'", " ", line)  # a command to type
        line = re.sub(r"(?<![\w-])--?[A-Za-z][\w-]*", " ", line)
        line = re.sub(r"\[[\w|,.-]+\]|\b[A-Z][A-Z_|,.]+\b", " ", line)
        if line.strip():
            lines.append(line)
    return lines


def _english(text: str, typed: list[str] = ()) -> list[str]:  # type: ignore[assignment]
    return english_left(_words_of(text), typed, PROPER_NAMES)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda path: " ".join(path) or "cswb")
def test_every_commands_help_is_in_french(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _cswb(capsys, *command, "--help")
    assert code == 0 and out.startswith("Utilisation : cswb")
    assert len(out.splitlines()) >= 4  # the help itself, not a refusal
    left = _english(out)
    assert not left, f"cswb {' '.join(command)} --help still holds English:\n  " + "\n  ".join(left)


@pytest.fixture(scope="module")
def french_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The French sample, made and filled by the commands a coordinator runs, in French; with
    everything they printed."""
    root = tmp_path_factory.mktemp("french-cli")
    capsys_free: list[str] = []
    workspace = root / "lac"
    risks = root / "risks.csv"
    risks.write_text("name,description\nIsolement des aînés,Aînés seuls l'hiver\n", encoding="utf-8")
    runs = [
        ["init", workspace, "--from", FRENCH_SAMPLE],
        ["import", workspace, HSDS_EXAMPLE],
        ["import", workspace, risks],
        ["validate", workspace],
        ["export", workspace, root / "export"],
        ["versions", "list", workspace],
        ["versions", "export", workspace, "1", root / "version-1"],
        ["versions", "compare", workspace, "1", "draft"],
        ["notebooks", root / "notebooks"],
    ]
    import contextlib
    import io

    for argv in runs:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--lang", "fr", *map(str, argv)])
        assert code == 0, (argv, err.getvalue())
        capsys_free.append(_spaced(out.getvalue() + err.getvalue()))
    i18n.set_language(i18n.DEFAULT_LANGUAGE)
    yield workspace, "\n".join(capsys_free)
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_the_usual_commands_speak_french(french_workspace: tuple[Path, str]) -> None:
    workspace, printed = french_workspace
    assert "importé de hsds-3.0-example : Organismes : 1 ajouté; Inventaire des ressources : 1 ajouté" in printed
    assert "Registre et analyse des risques : 1 ajouté" in printed
    assert re.search(r"\d+ fichiers écrits dans ", printed)
    left = _english(printed, workspace_words(workspace))
    assert not left, "cswb still prints English:\n  " + "\n  ".join(left)


@pytest.mark.slow
def test_history_and_restore_speak_french(french_workspace: tuple[Path, str], capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    workspace = shutil.copytree(french_workspace[0], tmp_path / "lac")
    with Workspace.open(workspace, actor="Dana") as ws:
        risk = ws.table("risks").iloc[0]
        ws.delete("risks", risk["id"], cascade=True)
    code, history, _err = _cswb(capsys, "history", workspace, "--limit", "5")
    assert code == 0 and f"suppression : risque « {risk['name']} »" in history
    assert "enregistrements supprimés (rétablissez-en un avec la commande indiquée) :" in history
    code, restored, _err = _cswb(capsys, "restore", workspace, "risks", risk["id"])
    assert code == 0 and restored.startswith(f"rétablissement : risque « {risk['name']} »")
    left = _english(history + restored, workspace_words(workspace))
    assert not left, "\n  ".join(left)


def _bad_files(folder: Path) -> list[tuple[Path, str]]:
    """Files a person gets wrong, each with what its French refusal must name."""
    bad_choice = folder / "risks.csv"
    bad_choice.write_text("name,priority\nLogement,peut-être\n", encoding="utf-8")
    bad_bytes = folder / "assets.csv"
    bad_bytes.write_bytes("name,description\nCentre,caf\u00e9 \u00e0 c\u00f4t\u00e9\n".encode() + b"\x81\n")
    bad_json = folder / "paquet"
    bad_json.mkdir()
    (bad_json / "datapackage.json").write_text('{"resources": [', encoding="utf-8")
    return [(bad_choice, "ligne 2, colonne « priority »"), (bad_bytes, "ligne 3"), (bad_json, "ligne 1")]


def test_a_bad_file_is_refused_in_one_french_line(maple: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    for path, where in _bad_files(tmp_path):
        code, out, err = _cswb(capsys, "import", maple, path)
        assert code == 1 and out == ""
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith(f"cswb : erreur : {path}") and where in err, err
        left = _english(err)
        assert not left, f"{path.name}: {err}"


@pytest.mark.slow  # 17 commands: about 3 s
def test_the_commands_refusals_are_in_french(maple: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("x", encoding="utf-8")
    refused = [
        ("init", maple),
        ("import", maple, tmp_path / "missing.csv"),
        ("import", maple, a_file),
        ("export", maple, a_file),
        ("versions", "compare", maple, "1", "two"),
        ("versions", "list", tmp_path),
        ("versions", "adopt", maple, "--label", "Encore"),
        ("history", maple, "--table", "risques"),
        ("restore", maple, "risks", "personne"),
        ("report", maple, "--out", tmp_path / "out", "--since", "2024-01-01"),
        ("report", maple, "--out", tmp_path / "out", "--format", "xls"),
        ("report", maple, "--out", tmp_path / "out", "--version", "1", "--draft"),
        ("serve", "--root", tmp_path / "nowhere"),
        ("serve", "--root", tmp_path, "--host", "0.0.0.0"),
        ("serve", "--root", tmp_path, "--token", "abc"),
        ("serve", "--root", tmp_path, "--base-url", "a b"),
        ("migrate", maple, tmp_path / "elsewhere"),
    ]
    for argv in refused:
        code, _out, err = _cswb(capsys, *argv)
        assert code != 0, argv
        assert len(err.strip().splitlines()) == 1 and err.startswith("cswb : erreur : "), (argv, err)
        left = _english(err)
        assert not left, f"cswb {' '.join(map(str, argv))}: {err}"


@pytest.mark.parametrize(("content", "said"), [
    (b"name\nLogement\n", "Registre et analyse des risques : 1 ajouté"),
    (b"name,priority\nLogement,peut-\xc3\xaatre\n", "ligne 2, colonne « priority »"),
], ids=["good", "bad"])
def test_an_upload_in_the_french_apps_says_what_happened_in_french(maple: Path, content: bytes, said: str) -> None:
    with Workspace.open(maple) as ws:
        upload = FileImport(ws, lambda ws, path: import_file(ws, path, "risks"), description="Risques", accept=".csv")
        i18n.set_language("fr")
        upload.load("risques.csv", content)
    shown = _spaced(" ".join(html_text(upload.status.value)))
    assert said in shown
    assert not english_left([shown], [], PROPER_NAMES), shown


@pytest.mark.parametrize(("status", "said"), [(401, ""), (403, ""), (404, ""), (400, "No such user: ana"), (500, "boom")])
def test_the_hubs_refusals_are_in_french(status: int, said: str) -> None:
    with i18n.use_language("fr"):
        line = str(_refusal(status, "/groups/cswb%3Alac%3Aeditor/users", said))
    assert ("Hub" in line and "cswb:lac:editor" in line) or status == 401
    assert not english_left([line.replace(said, "")], [], PROPER_NAMES), line


@pytest.mark.parametrize("query", ["", "workspace=..%2Fetc", "workspace=a&workspace=b", "workspace=nowhere"])
def test_the_servers_refusals_of_an_address_are_in_french(query: str, tmp_path: Path) -> None:
    """What an app page says (400/404) when its address names no workspace it may open."""
    from cswb_widgets.errors import WorkspaceError
    from cswb_widgets.store.served_root import slug_from_query, workspace_under

    with i18n.use_language("fr"), pytest.raises(WorkspaceError) as refused:
        workspace_under(tmp_path, slug_from_query(query))
    line = str(refused.value)
    assert not english_left([re.sub(r"'[^']*'|\S*/\S*", " ", line)], [], PROPER_NAMES), line
