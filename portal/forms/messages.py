"""Forms of customer service messages."""

from flask_wtf import FlaskForm
from wtforms import MultipleFileField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.i18n import lazy_gettext as _l
from portal.services.messages import MAX_BODY, TOPICS


def _body():
    return TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(_l("Write a message.")),
            Length(max=MAX_BODY, message=_l("At most %(max)d characters.")),
        ],
    )


def _attachments():
    return MultipleFileField(_l("Attachments (optional)"))


class ReplyForm(FlaskForm):
    body = _body()
    attachments = _attachments()


class NewThreadForm(FlaskForm):
    # Declared in the order of the page, which the error summary follows.
    topic = RadioField(
        _l("Topic"),
        choices=[SelectChoice(key, label) for key, label in TOPICS.items()],
        validators=[DataRequired(_l("Choose the topic."))],
    )
    subject = StringField(
        _l("Subject"),
        validators=[
            DataRequired(_l("Write a subject.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    body = _body()
    attachments = _attachments()
