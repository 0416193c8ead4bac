from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
    URLField,
    ValidationError,
)
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, NumberRange, Optional

from marketplace.auth.passwords import MIN_PASSWORD_LENGTH
from marketplace.forms_common import MultiCheckboxField, no_control_characters
from marketplace.gigs.languages import language_choices

PASSWORD_MAX = 256


def password_problem(password: str) -> str | None:
    """What is wrong with a new password, in the user's language, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _(
            "Please choose a password of at least %(min)d characters.", min=MIN_PASSWORD_LENGTH
        )
    if len(password) > PASSWORD_MAX:
        return _("Please choose a password of at most %(max)d characters.", max=PASSWORD_MAX)
    if len(set(password)) < 4:
        return _("This password is too easy to guess. Please mix more different characters.")
    return None


def _strong_password(form: object, field: PasswordField) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _email_field() -> EmailField:
    return EmailField(
        _l("Email address"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(_l("Password"), validators=[DataRequired(), _strong_password]),
        PasswordField(
            _l("Repeat password"),
            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        ),
    )


def _display_name_field() -> StringField:
    return StringField(
        _l("Display name"),
        validators=[DataRequired(), Length(min=2, max=80), no_control_characters],
    )


class RegisterSeekerForm(FlaskForm):
    email = _email_field()
    display_name = _display_name_field()
    date_of_birth = DateField(
        _l("Date of birth"),
        validators=[DataRequired(message=_l("Please enter your date of birth."))],
    )
    password, password_confirm = _new_password_fields()


class RegisterCompanyForm(FlaskForm):
    company_name = StringField(
        _l("Company name"),
        validators=[DataRequired(), Length(min=2, max=120), no_control_characters],
    )
    website = URLField(
        _l("Website"),
        validators=[
            Optional(),
            URL(message=_l("Please enter a web address starting with https:// or http://.")),
            Length(max=255),
        ],
    )
    display_name = _display_name_field()
    email = _email_field()
    password, password_confirm = _new_password_fields()


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    remember = BooleanField(_l("Stay logged in"))
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password, password_confirm = _new_password_fields()


class AcceptInvitationForm(FlaskForm):
    display_name = _display_name_field()
    password, password_confirm = _new_password_fields()


class ProfileForm(FlaskForm):
    display_name = _display_name_field()
    languages = MultiCheckboxField(_l("Languages you work in"))
    hours_per_week = IntegerField(
        _l("Hours per week available"),
        validators=[Optional(), NumberRange(min=1, max=60)],
    )
    introduction = TextAreaField(
        _l("Short introduction"), validators=[Length(max=2000), no_control_characters]
    )
    mature_opt_in = BooleanField(
        _l("I am an adult and want to see gigs with mature content (e.g. adult chat).")
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.languages.choices = language_choices()


class CompanyForm(FlaskForm):
    name = StringField(
        _l("Company name"),
        validators=[DataRequired(), Length(min=2, max=120), no_control_characters],
    )
    website = URLField(
        _l("Website"),
        validators=[
            Optional(),
            URL(message=_l("Please enter a web address starting with https:// or http://.")),
            Length(max=255),
        ],
    )
    description = TextAreaField(
        _l("About the company (Markdown)"), validators=[Length(max=10_000), no_control_characters]
    )


class InviteForm(FlaskForm):
    email = _email_field()


class EmptyForm(FlaskForm):
    """For buttons that only POST (logout, resend, language): carries the CSRF token."""


class LanguageForm(FlaskForm):
    language = HiddenField(validators=[DataRequired()])
    next = HiddenField()
