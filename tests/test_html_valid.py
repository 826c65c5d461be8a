"""Every page is valid HTML, checked by the Nu Html Checker (vnu.jar from the npm registry).

Outside CI the test skips with a reason when Java or vnu.jar is missing (`make test`
installs vnu.jar with npm); with PORTAL_REQUIRE_TOOLS=1 a missing checker fails instead.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import harness

VNU = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist"
VNU_JAR = VNU / "vnu.jar"
JAVA = shutil.which("java")
# htmx attributes are ours to use; the checker does not know them.
HTMX_ATTRIBUTE = "Attribute “hx-"


def _checker_or_skip():
    if JAVA and VNU_JAR.exists():
        return
    reason = "the Nu Html Checker needs Java and node_modules/vnu-jar (run `make test`)"
    if os.environ.get("PORTAL_REQUIRE_TOOLS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _validate(paths):
    result = subprocess.run(
        [JAVA, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [m for m in messages if not m.get("message", "").startswith(HTMX_ATTRIBUTE)]


def test_every_page_is_valid_html(app, tmp_path):
    _checker_or_skip()
    table = app.extensions["access_table"]
    files = []
    for kind in harness.KINDS:
        for language in ("fi", "sv", "en"):
            client = harness.sign_in(app, kind, language)
            for route in harness.routes(app):
                if route.method != "GET" or route.endpoint == "static":
                    continue
                if harness.expected(table.get(route.endpoint), kind) != harness.ALLOW:
                    continue
                if route.url(app, kind) is None:
                    continue
                for headers in ({}, {"HX-Request": "true"}):
                    response = client.get(route.url(app, kind), headers=headers)
                    if response.mimetype != "text/html" or (headers and b"<html" in response.data):
                        continue
                    body = response.get_data(as_text=True)
                    if headers:
                        # A fragment is checked inside a minimal page of its own.
                        body = f"<!doctype html><html lang=en><title>x</title>{body}</html>"
                    name = f"{kind.name}-{language}-{route.endpoint}{'-partial' if headers else ''}"
                    path = tmp_path / f"{name}.html"
                    path.write_text(body, encoding="utf-8")
                    files.append(path)
    assert files
    problems = _validate(files)
    report = [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in problems]
    assert not report, "\n".join(report[:30])


def test_the_checker_finds_errors(tmp_path):
    """The checker itself works: a broken page is reported."""
    _checker_or_skip()
    broken = tmp_path / "broken.html"
    broken.write_text("<!doctype html><html lang=en><title>x</title><p><div></p></span>")
    assert _validate([broken])
