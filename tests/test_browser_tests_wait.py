"""Browser tests wait for what they check: an assertion never reads the page's state once, right
after an action, since on a loaded machine the page may not have caught up yet (a fresh-clone run
failed that way). They use Playwright's `expect`, which retries until its timeout."""

from __future__ import annotations

import ast
from pathlib import Path

BROWSER_TESTS = Path(__file__).parent / "browser"

# Locator and Page methods that read the state once, without waiting.
SNAPSHOT_READS = frozenset({
    "count", "is_visible", "is_hidden", "is_checked", "is_enabled", "is_disabled", "is_editable",
    "inner_text", "inner_html", "text_content", "input_value", "get_attribute", "all_inner_texts",
    "all_text_contents", "title", "content",
})


def _snapshot_reads_in_asserts(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Assert):
            continue
        for inner in ast.walk(node.test):
            is_method_call = isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
            if is_method_call and inner.func.attr in SNAPSHOT_READS:
                found.append((node.lineno, inner.func.attr))
    return found


def test_no_browser_test_asserts_on_a_one_time_read() -> None:
    files = sorted(BROWSER_TESTS.glob("*.py"))
    assert len(files) >= 10  # the browser tests are where they should be
    offences = [
        f"{path.name}:{line}: assert on .{method}(); use expect(...) instead"
        for path in files
        for line, method in _snapshot_reads_in_asserts(path.read_text(encoding="utf-8"))
    ]
    assert not offences, "\n".join(offences)


def test_the_check_finds_a_one_time_read() -> None:
    offending = 'def test_x(page):\n    page.click("a")\n    assert page.locator("b").count() == 1\n'
    assert _snapshot_reads_in_asserts(offending) == [(3, "count")]
    assert _snapshot_reads_in_asserts('def test_x(page):\n    expect(page.locator("b")).to_have_count(1)\n') == []
