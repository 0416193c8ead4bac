"""Forms of the company's "connect a community" pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
)
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


class MatrixSettingsForm(FlaskForm):
    """A room on the company's Matrix homeserver; the token is never shown again
    (empty when editing: the stored one is kept)."""

    homeserver_url = StringField(
        _l("Homeserver URL"),
        validators=[
            InputRequired(message=_l("Please enter the homeserver's URL.")),
            _URL_HINT_LENGTH,
            no_control_characters,
        ],
        render_kw={
            "inputmode": "url",
            "autocomplete": "url",
            "placeholder": "https://matrix.example.com",
        },
    )
    access_token = PasswordField(
        _l("Access token of the bot account"),
        validators=[Length(max=500, message=_l("At most 500 characters.")), no_control_characters],
        render_kw={"autocomplete": "off"},
    )
    room = StringField(
        _l("Room id or alias"),
        validators=[
            InputRequired(message=_l("Please enter the room's id or alias.")),
            Length(max=255, message=_l("At most 255 characters.")),
            no_control_characters,
        ],
        render_kw={"autocomplete": "off", "placeholder": "#community:matrix.example.com"},
    )
    warn_by_direct_message = BooleanField(_l("Send warnings as a direct message to the author"))
    submit = SubmitField(_l("Test and save"))


class MatrixConnectForm(MatrixSettingsForm):
    kind = ConnectForm.kind
    default_language = ConnectForm.default_language
    submit = SubmitField(_l("Test and connect"))
