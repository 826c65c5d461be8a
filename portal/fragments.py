"""Parts of the layout that every page repeats, made once and kept.

The head of each page, the brand, the menu and the footer depend on a handful of values
only (the language, the company's logo and colour, which menu links the person may open, the
team whose contacts the page names); rendered anew they cost more than the whole of a small
page. Each part is kept under every value it is made from: the key *is* the input, so
nothing has to be forgotten when data changes, and a server never shows another server's
stale copy. A template made into a fragment sees only the values given to it, the
translating functions and ``url_for`` (never the person, the session or the request).
"""

from collections.abc import Callable

from flask import current_app
from markupsafe import Markup

from portal import context
from portal.i18n import current_locale

# Each app keeps at most this many parts (languages × menus × teams is a few hundred); when
# full it starts again rather than tracking use.
KEPT = 1024


def kept(key: tuple, make: Callable[[], str]) -> Markup:
    """The HTML ``make()`` returns, kept under ``key`` and this request's language and address
    root: made once per process for each."""
    # The request's own objects, not their proxies: a page keeps a dozen parts.
    request_context = context.request_context()
    store = request_context.app.extensions["fragments"]
    full_key = (current_locale(), request_context.request.script_root, *key)
    html = store.get(full_key)
    if html is None:
        html = Markup(make())  # noqa: S704  # nosec B704 - rendered by an autoescaping template
        if len(store) >= KEPT:
            store.clear()
        store[full_key] = html
    return html


def render_once(template: str, **values) -> Markup:
    """``template`` rendered with ``values`` alone, not kept (a part that names one person)."""
    return Markup(current_app.jinja_env.get_template(template).render(values))  # noqa: S704  # nosec B704


def fragment(template: str, **values) -> Markup:
    """``template`` rendered with ``values`` alone (each hashable), kept under them."""
    return kept((template, *values.items()), lambda: render_once(template, **values))


def init_app(app) -> None:
    app.extensions["fragments"] = {}
    app.jinja_env.globals["fragment"] = fragment
