"""Every change to users, companies and memberships happens here.

Services check the rule, write the audit row where a person decided
something, add and flush; the caller commits once.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts import logins
from marketplace.accounts.authentication import forget_failures
from marketplace.accounts.models import (
    ADULT_AGE,
    Company,
    CompanyRole,
    Invitation,
    Membership,
    User,
    UserKind,
    age_on,
    normalize_email,
)
from marketplace.accounts.queries import find_user_by_email
from marketplace.auth import passwords
from marketplace.auth.tokens import MAX_AGE_SECONDS, TokenPurpose, make_token, read_token
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition, NotAllowed
from marketplace.extensions import db
from marketplace.gigs import listing_cache
from marketplace.mail.services import queue_email
from marketplace.urls import absolute_url

MIN_SEEKER_AGE = 16


def clean_website(url: str) -> str:
    """A company website must be an http(s) address: it becomes a link on public pages."""
    url = (url or "").strip()
    if url and not url.lower().startswith(("http://", "https://")):
        raise DomainError(_("Please enter a web address starting with https:// or http://."))
    return url


def _new_user(
    *, email: str, password: str, display_name: str, kind: UserKind, locale: str | None
) -> User:
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise DomainError(_("An account with this email address already exists. Try logging in."))
    user = User(
        email=email,
        password_hash=passwords.hash_password(password),
        display_name=display_name.strip(),
        kind=kind,
        locale=locale,
        languages=[],
    )
    db.session.add(user)
    return user


# --- registration and email verification --------------------------------------


def _require_seeker_age(date_of_birth: date) -> None:
    if age_on(date_of_birth, utcnow().date()) < MIN_SEEKER_AGE:
        raise DomainError(
            _("You must be at least %(age)d years old to work on Nebendesk.", age=MIN_SEEKER_AGE)
        )


def register_seeker(
    *, email: str, password: str, display_name: str, date_of_birth: date, locale: str | None
) -> User:
    _require_seeker_age(date_of_birth)
    user = _new_user(
        email=email,
        password=password,
        display_name=display_name,
        kind=UserKind.SEEKER,
        locale=locale,
    )
    user.date_of_birth = date_of_birth
    db.session.flush()
    send_verification(user)
    return user


def register_company(
    *,
    company_name: str,
    website: str,
    email: str,
    password: str,
    display_name: str,
    locale: str | None,
) -> tuple[Company, User]:
    owner = _new_user(
        email=email,
        password=password,
        display_name=display_name,
        kind=UserKind.COMPANY,
        locale=locale,
    )
    company = Company(name=company_name.strip(), website=clean_website(website), description="")
    db.session.add(company)
    db.session.flush()
    db.session.add(Membership(company_id=company.id, user_id=owner.id, role=CompanyRole.OWNER))
    db.session.flush()
    send_verification(owner)
    return company, owner


def sign_up_seeker(
    *, email: str, password: str, display_name: str, date_of_birth: date, locale: str | None
) -> User | None:
    """The registration form's way in: a new seeker account (None when the address
    already has one: its owner is told by email instead). Either way the same
    checks run, a password is hashed and one email goes out, so whoever filled in
    the form cannot tell which addresses have accounts."""
    _require_seeker_age(date_of_birth)
    owner = find_user_by_email(email)
    if owner is not None:
        _tell_owner_of_attempt(owner, password)
        return None
    return register_seeker(
        email=email,
        password=password,
        display_name=display_name,
        date_of_birth=date_of_birth,
        locale=locale,
    )


def sign_up_company(
    *,
    company_name: str,
    website: str,
    email: str,
    password: str,
    display_name: str,
    locale: str | None,
) -> Company | None:
    """As sign_up_seeker, for a company and its owner."""
    clean_website(website)
    owner = find_user_by_email(email)
    if owner is not None:
        _tell_owner_of_attempt(owner, password)
        return None
    company, _owner = register_company(
        company_name=company_name,
        website=website,
        email=email,
        password=password,
        display_name=display_name,
        locale=locale,
    )
    return company


def _tell_owner_of_attempt(owner: User, password: str) -> None:
    passwords.hash_password(password)  # the work a new account costs, so it takes as long
    queue_email(
        to=owner.email,
        template="accounts/registration_attempt",
        locale=owner.locale,
        user=owner,
        login_link=absolute_url("accounts.login"),
        reset_link=absolute_url("accounts.forgot_password"),
    )


def send_verification(user: User) -> None:
    token = make_token(TokenPurpose.VERIFY_EMAIL, {"user": user.id, "email": user.email})
    queue_email(
        to=user.email,
        template="accounts/verify_email",
        locale=user.locale,
        user=user,
        link=absolute_url("accounts.verify_email", token=token),
        valid_days=MAX_AGE_SECONDS[TokenPurpose.VERIFY_EMAIL] // 86400,
    )


def verify_email(token: str) -> User:
    """Mark the address verified. Raises TokenInvalid/TokenExpired for bad links."""
    payload = read_token(TokenPurpose.VERIFY_EMAIL, token)
    user = db.session.get(User, payload.get("user"))
    if user is None or user.email != payload.get("email"):
        raise DomainError(_("This verification link is not valid for any account."))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


# --- password reset -----------------------------------------------------------


def _password_fingerprint(user: User) -> str:
    # The tail of the hash changes with every new password, so a reset link
    # works once and dies as soon as the password was changed.
    return user.password_hash[-16:]


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists. Says nothing either way."""
    user = find_user_by_email(email)
    if user is None or user.suspended_at is not None:
        return
    token = make_token(
        TokenPurpose.RESET_PASSWORD, {"user": user.id, "fp": _password_fingerprint(user)}
    )
    queue_email(
        to=user.email,
        template="accounts/reset_password",
        locale=user.locale,
        user=user,
        link=absolute_url("accounts.reset_password", token=token),
        valid_hours=MAX_AGE_SECONDS[TokenPurpose.RESET_PASSWORD] // 3600,
    )


def user_for_reset_token(token: str) -> User:
    payload = read_token(TokenPurpose.RESET_PASSWORD, token)
    user = db.session.get(User, payload.get("user"))
    if user is None or _password_fingerprint(user) != payload.get("fp"):
        raise DomainError(_("This reset link has already been used. Please request a new one."))
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    user.password_hash = passwords.hash_password(new_password)
    user.auth_version += 1
    logins.end_all(user)  # every browser, every remember-me cookie
    forget_failures(user.email)  # the mailbox proved the address: no lock either
    # Whoever can read the mailbox proved they own the address.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


# --- profile and preferences -----------------------------------------------


def update_profile(
    user: User,
    *,
    display_name: str,
    languages: list[str],
    hours_per_week: int | None,
    introduction: str,
    mature_opt_in: bool,
) -> User:
    if mature_opt_in and not user.is_adult:
        raise NotAllowed(
            _("Only adults (%(age)d or older) can choose to see mature content.", age=ADULT_AGE)
        )
    user.display_name = display_name.strip()
    user.languages = sorted(set(languages))
    user.hours_per_week = hours_per_week
    user.introduction = introduction.strip()
    if mature_opt_in and user.mature_opt_in_at is None:
        user.mature_opt_in_at = utcnow()
    elif not mature_opt_in:
        user.mature_opt_in_at = None
    return user


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_("This language is not available."))
    user.locale = locale


def update_company(company: Company, *, name: str, website: str, description: str) -> Company:
    company.name = name.strip()
    company.website = clean_website(website)
    company.description = description.strip()
    listing_cache.bump()  # cards show the company's name
    return company


# --- company members --------------------------------------------------------


def invite_member(company: Company, *, email: str, by: User) -> Invitation:
    """Invite an address to manage the company's gigs. Whether the address has an
    account elsewhere (a job seeker's, another company's) is not the inviter's to
    know: the invitation looks the same to them, and that address gets an email
    saying it cannot join with that account instead of a link."""
    email = normalize_email(email)
    existing_user = find_user_by_email(email)
    membership = existing_user.membership if existing_user is not None else None
    if membership is not None and membership.company_id == company.id:
        raise DomainError(_("%(email)s is already a member of your company.", email=email))
    already = db.session.scalar(
        sa.select(Invitation).where(
            Invitation.company_id == company.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    )
    if already is not None:
        raise DomainError(_("%(email)s has already been invited.", email=email))
    invitation = Invitation(
        company_id=company.id, email=email, role=CompanyRole.MANAGER, invited_by_id=by.id
    )
    db.session.add(invitation)
    db.session.flush()
    if existing_user is not None:
        queue_email(
            to=email,
            template="accounts/invitation_existing_account",
            locale=existing_user.locale,
            company=company,
            inviter=by,
        )
        return invitation
    token = make_token(TokenPurpose.INVITATION, {"invitation": invitation.id, "email": email})
    queue_email(
        to=email,
        template="accounts/invitation",
        locale=by.locale,
        company=company,
        inviter=by,
        link=absolute_url("accounts.accept_invitation", token=token),
        valid_days=MAX_AGE_SECONDS[TokenPurpose.INVITATION] // 86400,
    )
    return invitation


def invitation_for_token(token: str) -> Invitation:
    payload = read_token(TokenPurpose.INVITATION, token)
    invitation = db.session.get(Invitation, payload.get("invitation"))
    if invitation is None or invitation.email != payload.get("email") or not invitation.is_open:
        raise DomainError(_("This invitation is no longer valid. Please ask for a new one."))
    return invitation


def accept_invitation(token: str, *, display_name: str, password: str, locale: str | None) -> User:
    """Create the invited manager's account (the link proves the address)."""
    invitation = invitation_for_token(token)
    user = _new_user(
        email=invitation.email,
        password=password,
        display_name=display_name,
        kind=UserKind.COMPANY,
        locale=locale,
    )
    user.email_verified_at = utcnow()
    db.session.flush()
    db.session.add(
        Membership(company_id=invitation.company_id, user_id=user.id, role=invitation.role)
    )
    invitation.accepted_at = utcnow()
    return user


def revoke_invitation(invitation: Invitation) -> None:
    if not invitation.is_open:
        raise InvalidTransition(_("This invitation was already used or revoked."))
    invitation.revoked_at = utcnow()


def notify_company_members(company: Company, template: str, **context: object) -> None:
    """Email every active member of ``company``, each in their own language."""
    for membership in company.memberships:
        member = membership.user
        if member.suspended_at is None:
            queue_email(
                to=member.email, template=template, locale=member.locale, member=member, **context
            )


def create_admin(*, email: str, password: str, display_name: str = "Admin") -> User:
    user = _new_user(
        email=email,
        password=password,
        display_name=display_name,
        kind=UserKind.ADMIN,
        locale=None,
    )
    user.email_verified_at = utcnow()
    return user
