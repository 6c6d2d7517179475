"""Browser tests wait for states, never for time, and never through eval (issue 9, item 15).

`page.wait_for_function` given a string evaluates it with eval inside the page, which the
store's CSP blocks: such a wait passes only when its condition is already true, so it fails
under load. Sleeps and bare `wait_for_load_state()` after a click race the navigation.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FORBIDDEN_CALLS = {"wait_for_function", "wait_for_timeout", "wait_for_load_state", "sleep"}


def _browser_test_files() -> list[Path]:
    return sorted(ROOT.glob("metavast/*/tests/test_browser*.py"))


def test_no_browser_test_waits_by_eval_or_by_time():
    files = _browser_test_files()
    assert len(files) >= 6
    offenders = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in FORBIDDEN_CALLS
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}")
    assert offenders == []
