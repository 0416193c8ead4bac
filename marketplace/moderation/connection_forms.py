"""Forms of the company's "connect a community" pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from marketplace.forms_common import no_control_characters
from marketplace.moderation.models import CommunityKind

_URL_HINT_LENGTH = Length(max=500, message=_l("At most 500 characters."))


class WebhookForm(FlaskForm):
    webhook_url = StringField(
        _l("Webhook URL"),
        validators=[_URL_HINT_LENGTH, no_control_characters],
        render_kw={"inputmode": "url", "autocomplete": "url"},
    )
    submit = SubmitField(_l("Save"))


class ConnectForm(WebhookForm):
    kind = RadioField(
        _l("Kind of community"),
        choices=[
            SelectChoice(CommunityKind.CHAT.value, _l("Chat (messages as people talk)")),
            SelectChoice(CommunityKind.FORUM.value, _l("Forum (posts and threads)")),
        ],
        validators=[InputRequired(message=_l("Please choose chat or forum."))],
    )
    default_language = RadioField(
        _l("Language of the community"),
        choices=[SelectChoice("de", _l("German")), SelectChoice("en", _l("English"))],
        default="de",
        validators=[InputRequired(message=_l("Please choose German or English."))],
    )
    submit = SubmitField(_l("Connect"))
