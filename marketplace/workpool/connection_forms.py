"""The form that connects a mailbox to the company's own IMAP/SMTP account.
Passwords are never put back into the page: an empty password field keeps the
stored one."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from marketplace.forms_common import no_control_characters
from marketplace.workpool.connections import ConnectionSettings
from marketplace.workpool.models import AfterFetch, MailboxConnection, Security

_PORT = NumberRange(min=1, max=65535, message=_l("A port is a number from 1 to 65535."))
_HOST_REQUIRED = DataRequired(message=_l("Please enter the server's host name."))


def _security_choices() -> list[SelectChoice]:
    return [
        SelectChoice(Security.TLS.value, _l("TLS (usually port 993 for IMAP, 465 for SMTP)")),
        SelectChoice(
            Security.STARTTLS.value, _l("STARTTLS (usually port 143 for IMAP, 587 for SMTP)")
        ),
        SelectChoice(Security.NONE.value, _l("None (unencrypted; not recommended)")),
    ]


def _port(label: Any) -> IntegerField:
    return IntegerField(
        label, validators=[InputRequired(message=_l("Please enter the port.")), _PORT]
    )


class ConnectionForm(FlaskForm):
    imap_host = StringField(
        _l("IMAP server"), validators=[_HOST_REQUIRED, Length(max=253), no_control_characters]
    )
    imap_port = _port(_l("IMAP port"))
    imap_security = SelectField(_l("IMAP encryption"), choices=_security_choices())
    imap_username = StringField(
        _l("User name"),
        validators=[
            DataRequired(message=_l("Please enter the user name of the account.")),
            Length(max=254),
            no_control_characters,
        ],
    )
    imap_password = PasswordField(_l("Password or app password"), validators=[Length(max=500)])
    imap_folder = StringField(
        _l("Folder to fetch from"),
        validators=[
            DataRequired(message=_l("Please enter a folder, e.g. INBOX.")),
            Length(max=255),
            no_control_characters,
        ],
    )
    after_fetch = RadioField(
        _l("After an email is fetched"),
        choices=[
            SelectChoice(AfterFetch.SEEN.value, _l("Mark it as read")),
            SelectChoice(AfterFetch.MOVE.value, _l("Move it to another folder")),
            SelectChoice(AfterFetch.LEAVE.value, _l("Leave it as it is")),
        ],
        default=AfterFetch.SEEN.value,
    )
    move_to_folder = StringField(
        _l("Folder to move fetched emails to"), validators=[Length(max=255), no_control_characters]
    )
    fetch_existing = BooleanField(_l("Also fetch the emails already in the folder"))
    smtp_host = StringField(
        _l("SMTP server"), validators=[_HOST_REQUIRED, Length(max=253), no_control_characters]
    )
    smtp_port = _port(_l("SMTP port"))
    smtp_security = SelectField(_l("SMTP encryption"), choices=_security_choices())
    smtp_username = StringField(
        _l("SMTP user name"), validators=[Length(max=254), no_control_characters]
    )
    smtp_password = PasswordField(_l("SMTP password"), validators=[Length(max=500)])
    file_in_sent = BooleanField(_l("File a copy of every reply in the Sent folder"))
    sent_folder = StringField(
        _l("Sent folder"), validators=[Length(max=255), no_control_characters]
    )
    test = SubmitField(_l("Test connection"))
    save = SubmitField(_l("Save and connect"))

    def __init__(
        self, *args: Any, connection: MailboxConnection | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.connection = connection
        if not self.is_submitted():
            for name, value in _initial(connection).items():
                getattr(self, name).data = value

    def validate_move_to_folder(self, field: StringField) -> None:
        if self.after_fetch.data == AfterFetch.MOVE.value and not (field.data or "").strip():
            raise ValidationError(_l("Please name the folder to move fetched emails to."))

    def validate_imap_password(self, field: PasswordField) -> None:
        if not field.data and self.connection is None:
            raise ValidationError(_l("Please enter the password of the IMAP account."))

    def settings(self) -> ConnectionSettings:
        return ConnectionSettings(
            imap_host=self.imap_host.data.strip(),
            imap_port=self.imap_port.data,
            imap_security=Security(self.imap_security.data),
            imap_username=self.imap_username.data.strip(),
            imap_password=self.imap_password.data or "",
            imap_folder=self.imap_folder.data.strip(),
            after_fetch=AfterFetch(self.after_fetch.data),
            move_to_folder=(self.move_to_folder.data or "").strip(),
            smtp_host=self.smtp_host.data.strip(),
            smtp_port=self.smtp_port.data,
            smtp_security=Security(self.smtp_security.data),
            smtp_username=(self.smtp_username.data or "").strip(),
            smtp_password=self.smtp_password.data or "",
            file_in_sent=bool(self.file_in_sent.data),
            sent_folder=(self.sent_folder.data or "").strip(),
            fetch_existing=bool(self.fetch_existing.data),
        )


def _initial(connection: MailboxConnection | None) -> dict[str, Any]:
    if connection is None:
        return {
            "imap_port": 993,
            "imap_security": Security.TLS.value,
            "imap_folder": "INBOX",
            "after_fetch": AfterFetch.SEEN.value,
            "smtp_port": 465,
            "smtp_security": Security.TLS.value,
            "file_in_sent": True,
        }
    return {
        "imap_host": connection.imap_host,
        "imap_port": connection.imap_port,
        "imap_security": connection.imap_security.value,
        "imap_username": connection.imap_username,
        "imap_folder": connection.imap_folder,
        "after_fetch": connection.after_fetch.value,
        "move_to_folder": connection.move_to_folder,
        "smtp_host": connection.smtp_host,
        "smtp_port": connection.smtp_port,
        "smtp_security": connection.smtp_security.value,
        "smtp_username": connection.smtp_username,
        "file_in_sent": connection.file_in_sent,
        "sent_folder": connection.sent_folder,
    }
