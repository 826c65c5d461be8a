"""The portal's html_params writes exactly what WTForms' own does, and WTForms uses it."""

import pytest
from markupsafe import Markup
from wtforms import Form, RadioField, SelectField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import core

from portal.forms import html

AWKWARD = [
    {},
    {"name": "text1", "id": "f", "class_": "text"},
    {"checked": True, "readonly": False, "name": "text1", "abc": "hello"},
    {"data_attr": "user.name", "aria_labeledby": "name", "data_a_b_c": 1},
    {"value": 'He said "hi" & <left>', "title": "it's"},
    {"value": Markup('<b class="x">bold</b>'), "placeholder": Markup("a&amp;b")},
    {"value": 0, "min": -1.5, "max": None, "step": 10**20},
    {"hx_get": "/defects/new?x=1&y=2", "hx_include": "[name='category'], [name='x']:checked"},
    {"for_": "id", "type": "radio", "selected": True, "disabled": False, "value": "ä ö € ✓"},
]


@pytest.mark.parametrize("params", AWKWARD, ids=range(len(AWKWARD)))
def test_the_same_text_as_wtforms_own(params):
    assert html.html_params(**params) == html._original(**params)
    assert isinstance(html.html_params(**params), Markup)


def test_wtforms_widgets_and_labels_use_it(app):
    assert core.html_params is html.html_params
    assert widgets.html_params is html.html_params
    assert core.Input.html_params is html.html_params

    class Sample(Form):
        name = StringField("Name <1>")
        kind = SelectField(
            "Kind", choices=[SelectChoice("a", 'A "one"'), SelectChoice("b", "B & two")]
        )
        size = RadioField(
            "Size", choices=[SelectChoice("s", "Small"), SelectChoice("l", "Large")], default="l"
        )

    form = Sample(data={"name": 'Anna "A" <b>', "kind": "b"})
    assert (
        form.name()
        == '<input id="name" name="name" type="text" value="Anna &#34;A&#34; &lt;b&gt;">'
    )
    assert form.name.label() == '<label for="name">Name &lt;1&gt;</label>'
    assert form.kind() == (
        '<select id="kind" name="kind"><option value="a">A &#34;one&#34;</option>'
        '<option selected value="b">B &amp; two</option></select>'
    )
    assert '<input checked id="size-1" name="size" type="radio" value="l">' in str(form.size())
