"""Every page is valid HTML, checked by the Nu Html Checker (vnu.jar from the npm registry).

Outside CI the test skips with a reason when Java or vnu.jar is missing (`make test`
installs vnu.jar with npm); with PORTAL_REQUIRE_TOOLS=1 a missing checker fails instead.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import harness

# Page markup comes from the templates, whatever database holds the data.
pytestmark = pytest.mark.same_on_any_database

VNU = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist"
VNU_JAR = VNU / "vnu.jar"
JAVA = shutil.which("java")
# htmx attributes are ours to use; the checker does not know them.
HTMX_ATTRIBUTE = "Attribute “hx-"
CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*value="[^"]*"')


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
    """Every page and its htmx partial, as every kind of person who sees it; the languages
    of each page are shared out among those people (harness.share_languages)."""
    _checker_or_skip()
    plan = harness.share_languages(app)
    files = []
    # Some pages come out the same for several kinds of person: each text is checked once.
    seen = set()
    for kind in harness.KINDS:
        for language in harness.LANGUAGES:
            chosen = [
                (endpoint, url)
                for endpoint, url in harness.pages(app, kind)
                if language in plan[(kind.name, endpoint)]
            ]
            client = harness.sign_in(app, kind, language)
            for endpoint, url in chosen:
                for headers in ({}, {"HX-Request": "true"}):
                    response = client.get(url, headers=headers)
                    if response.mimetype != "text/html" or (headers and b"<html" in response.data):
                        continue
                    body = response.get_data(as_text=True)
                    if headers:
                        # A fragment is checked inside a minimal page of its own.
                        body = f"<!doctype html><html lang=en><title>x</title>{body}</html>"
                    same = hashlib.sha256(CSRF_VALUE.sub("", body).encode()).digest()
                    if same in seen:
                        continue
                    seen.add(same)
                    name = f"{kind.name}-{language}-{endpoint}{'-partial' if headers else ''}"
                    path = tmp_path / f"{name.replace(' ', '-')}.html"
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
