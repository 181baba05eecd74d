"""Hosting rules without a server: Hub groups to roles, the base URL, the kernel ledger, the
operator's config files, and the length limit on one-line fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from cswb_widgets.access import group_name, may, roles_from_groups
from cswb_widgets.errors import CswbError, InputError
from cswb_widgets.serve.kernel_caps import KernelLedger
from cswb_widgets.serve.options import ServeOptions, check_base_url
from cswb_widgets.store import Workspace
from cswb_widgets.store.limits import MAX_SHORT_TEXT_CHARS


def test_groups_give_each_community_the_highest_role_and_nothing_else() -> None:
    groups = [
        group_name("maple-falls", "viewer"), group_name("maple-falls", "editor"),
        group_name("pine-ridge", "viewer"), "cswb:pine-ridge:owner", "cswb::editor", "admins", "cswb:a:b:coordinator",
    ]
    assert roles_from_groups(groups) == {"maple-falls": "editor", "pine-ridge": "viewer", "a:b": "coordinator"}
    assert roles_from_groups([]) == {}
    with pytest.raises(ValueError, match="role must be one of"):
        group_name("maple-falls", "owner")


@pytest.mark.parametrize(("role", "needed", "allowed"), [
    ("viewer", "editor", False), ("editor", "editor", True), ("editor", "coordinator", False),
    ("coordinator", "editor", True), ("nonsense", "viewer", False), (None, "coordinator", True),
])
def test_each_role_may_do_what_the_roles_below_it_may(role: str | None, needed: str, allowed: bool) -> None:
    assert may(role, needed) is allowed


@pytest.mark.parametrize(("given", "expected"), [("/", "/"), ("/wb", "/wb/"), ("/services/cswb/", "/services/cswb/")])
def test_base_url_is_normalised(given: str, expected: str) -> None:
    assert check_base_url(given) == expected


@pytest.mark.parametrize("given", ["wb/", "/a//b", "/../x", "/a/./b", "/a b/", "/a?x=1", "//evil.example"])
def test_base_url_that_is_not_a_plain_prefix_is_refused(given: str) -> None:
    with pytest.raises(CswbError, match="is not a path prefix"):
        check_base_url(given)


def test_the_ledger_refuses_one_page_over_each_cap_and_names_it() -> None:
    ledger = KernelLedger(max_kernels=3, max_per_visitor=2)
    ledger.handed = {"k1": ("kim", 0.0), "k2": ("kim", 0.0)}
    status, message = ledger.refusal("kim", {"k1", "k2"}) or (0, "")
    assert status == 429 and "the limit per person on this server (2)" in message
    assert ledger.refusal("bob", {"k1", "k2"}) is None
    with ledger.page_for("bob"):  # bob's page is between the check and its kernel: it counts
        status, message = ledger.refusal("ann", {"k1", "k2"}) or (0, "")
    assert status == 503 and "its limit (3)" in message
    # A kernel that has ended (shut down, culled) no longer counts.
    assert ledger.refusal("kim", {"k1"}) is None
    # Without a Hub nobody is known: only the server's cap applies.
    ledger.handed = {"k1": (None, 0.0), "k2": (None, 0.0)}
    assert ledger.refusal(None, {"k1", "k2"}) is None
    ledger.handed["k3"] = (None, 0.0)
    assert (ledger.refusal(None, {"k1", "k2", "k3"}) or (0, ""))[0] == 503


def test_only_pages_that_never_connected_are_reclaimed_after_the_allowed_time() -> None:
    ledger = KernelLedger(never_connected_seconds=60)
    ledger.handed = {"never": ("kim", 0.0), "young": ("kim", 50.0), "connected": ("kim", 0.0), "closed": ("kim", 0.0)}
    assert ledger.never_connected({"connected": 1, "closed": 1}, now=30.0) == []
    # "closed" connected once and then left: the idle cull (cull_idle_timeout) is its business.
    assert sorted(ledger.never_connected({"connected": 1}, now=100.0)) == ["never"]


def test_operator_settings_apply_but_cannot_loosen_what_keeps_visitors_safe(tmp_path: Path, capsys) -> None:
    from traitlets.config import Config

    from cswb_widgets.serve.settings import with_operator_settings

    ours = Config()
    ours.VoilaConfiguration.show_tracebacks = False
    ours.VoilaConfiguration.http_keep_alive_timeout = 10
    settings = tmp_path / "voila_settings.py"
    settings.write_text(
        "c.VoilaConfiguration.http_keep_alive_timeout = 25\n"
        "c.VoilaConfiguration.show_tracebacks = True\n"
        "c.MappingKernelManager.cull_idle_timeout = 300\n",
        encoding="utf-8",
    )
    merged = with_operator_settings(ours, [settings])
    assert merged.VoilaConfiguration.http_keep_alive_timeout == 25
    assert merged.MappingKernelManager.cull_idle_timeout == 300
    assert merged.VoilaConfiguration.show_tracebacks is False
    assert "VoilaConfiguration.show_tracebacks is ignored" in capsys.readouterr().err

    broken = tmp_path / "broken.py"
    broken.write_text("c.Voila.port = \n", encoding="utf-8")
    with pytest.raises(CswbError, match=r"broken\.py: cannot read this config file"):
        with_operator_settings(ours, [broken])


def test_serve_options_check_the_prefix_and_config_files(tmp_path: Path) -> None:
    options = ServeOptions(tmp_path, base_url="/wb").checked()
    assert options.base_url == "/wb/" and options.address.endswith(":8866/wb/")
    with pytest.raises(CswbError, match="no such config file"):
        ServeOptions(tmp_path, config_files=(tmp_path / "missing.py",)).checked()
    with pytest.raises(CswbError, match=r"ending in \.py or \.json"):
        ServeOptions(tmp_path, config_files=(tmp_path / "settings.yaml",)).checked()
    with pytest.raises(CswbError, match="people sign in at the Hub"):
        ServeOptions(tmp_path, hub=True, token="x" * 20).checked()
    # Under the Hub no token is needed, whatever the address.
    assert ServeOptions(tmp_path, host="0.0.0.0", hub=True).checked().hub


def test_an_over_long_name_is_refused_naming_its_limit_and_nothing_is_stored(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "ws", name="X", kind="municipality") as ws:
        with pytest.raises(InputError, match=f"column 'name': expected at most {MAX_SHORT_TEXT_CHARS:,} characters"):
            ws.add("organizations", name="N" * (MAX_SHORT_TEXT_CHARS + 1), sector="other")
        assert ws.table("organizations").empty
        ws.add("organizations", name="N" * MAX_SHORT_TEXT_CHARS, sector="other", description="d" * 5_000)
        assert len(ws.table("organizations")) == 1


def test_the_ballot_rate_limit_lets_a_burst_through_then_refills_per_client() -> None:
    from cswb_widgets.serve.rate_limit import RateLimiter

    limiter = RateLimiter(burst=3, per_minute=60)
    assert [limiter.allow("phone", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("another phone", now=0.0)  # each client has its own bucket
    assert not limiter.allow("phone", now=0.5)
    assert limiter.allow("phone", now=1.5)  # one request a second comes back


def test_the_client_behind_the_local_proxy_is_the_forwarded_address() -> None:
    from types import SimpleNamespace

    from cswb_widgets.serve.rate_limit import client_of

    proxied = SimpleNamespace(remote_ip="127.0.0.1", headers={"X-Forwarded-For": "10.0.0.7, 127.0.0.1"})
    direct = SimpleNamespace(remote_ip="10.0.0.8", headers={"X-Forwarded-For": "1.2.3.4"})  # not our proxy: ignored
    assert client_of(proxied) == "10.0.0.7"
    assert client_of(direct) == "10.0.0.8"
