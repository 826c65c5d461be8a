"""WTForms' ``html_params``, without the string formatter.

WTForms writes each attribute of every input, option and label with ``Markup.format``,
which goes through Python's ``string.Formatter``: on the defect form, with its lists of
choices, that was a third of the page's time. This function gives the same text (the
tests compare the two on awkward values) and is put in WTForms' place once, at start.
"""

from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.widgets import core

_original = core.html_params


def html_params(**kwargs) -> Markup:
    """The attributes as WTForms writes them: sorted by name, ``class_`` as ``class``,
    ``data_``/``aria_`` names with hyphens, True as a bare name, False left out."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = core.clean_key(key)
        if value is True:
            params.append(str(escape(key)))
        elif value is not False:
            params.append(f'{escape(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))  # noqa: S704  # nosec B704 - every part escaped above


def install() -> None:
    """Put ``html_params`` wherever WTForms looks it up (a module and two widget classes)."""
    core.html_params = html_params
    widgets.html_params = html_params
    core.Input.html_params = staticmethod(html_params)
    core.Button.html_params = staticmethod(html_params)
