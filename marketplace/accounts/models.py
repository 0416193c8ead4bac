"""Users, companies and who belongs to which company."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import TimestampMixin, enum_column, utcnow
from marketplace.extensions import db

if TYPE_CHECKING:
    from marketplace.gigs.models import Gig

ADULT_AGE = 18


class UserKind(StrEnum):
    SEEKER = "seeker"
    COMPANY = "company"
    ADMIN = "admin"


class CompanyRole(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"


def normalize_email(email: str) -> str:
    """Addresses are stored and compared trimmed and in lower case."""
    return email.strip().lower()


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class User(TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    display_name: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[UserKind] = mapped_column(enum_column(UserKind), default=UserKind.SEEKER)
    date_of_birth: Mapped[date | None]
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    email_verified_at: Mapped[datetime | None]
    mature_opt_in_at: Mapped[datetime | None]
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    hours_per_week: Mapped[int | None]
    introduction: Mapped[str] = mapped_column(sa.Text, default="")
    suspended_at: Mapped[datetime | None]
    suspended_reason: Mapped[str | None] = mapped_column(sa.Text)
    # When a suspension ends by itself (None: a ban, until an admin lifts it).
    suspended_until: Mapped[datetime | None]
    # No longer read or written: failed logins are counted per address in
    # LoginThrottle. Still filled by the bulk seeds; to be dropped with them.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Bumped when the password changes or the account is suspended; a login made
    # before no longer matches (see LoginSession), on top of being revoked.
    auth_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None]

    # The login this object was loaded for (set by the login loader; not a column).
    current_login = None

    membership: Mapped[Membership | None] = relationship(
        back_populates="user", foreign_keys="Membership.user_id"
    )

    # Flask-Login protocol -------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.suspended_at is None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What the session and remember-me cookies hold: the login's key."""
        if self.current_login is None or self.current_login.key is None:
            raise RuntimeError("log in through accounts.logins.begin(), not login_user() alone")
        return self.current_login.key

    # What the rest of the app asks ------------------------------------------
    @property
    def is_admin(self) -> bool:
        return self.kind == UserKind.ADMIN

    @property
    def is_seeker(self) -> bool:
        return self.kind == UserKind.SEEKER

    @property
    def company(self) -> Company | None:
        return self.membership.company if self.membership else None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def age(self, today: date | None = None) -> int | None:
        if self.date_of_birth is None:
            return None
        return age_on(self.date_of_birth, today or utcnow().date())

    @property
    def is_adult(self) -> bool:
        age = self.age()
        return age is not None and age >= ADULT_AGE

    @property
    def sees_mature_content(self) -> bool:
        return self.is_adult and self.mature_opt_in_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Company(TimestampMixin, db.Model):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    website: Mapped[str] = mapped_column(sa.String(255), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    verified_at: Mapped[datetime | None]
    suspended_at: Mapped[datetime | None]
    suspended_reason: Mapped[str | None] = mapped_column(sa.Text)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="company", order_by="Membership.id"
    )
    gigs: Mapped[list[Gig]] = relationship(back_populates="company", lazy="write_only")

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.name}>"


class Membership(TimestampMixin, db.Model):
    """A user's seat in a company. One company per user account."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    role: Mapped[CompanyRole] = mapped_column(enum_column(CompanyRole))

    company: Mapped[Company] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="membership", foreign_keys=[user_id])


class Invitation(TimestampMixin, db.Model):
    """An emailed invitation to join a company as a manager."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[CompanyRole] = mapped_column(enum_column(CompanyRole))
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    company: Mapped[Company] = relationship()
    invited_by: Mapped[User] = relationship()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class LoginSession(db.Model):
    """One login on one browser: what the session cookie and the remember-me cookie
    refer to. The cookies hold ``<id>.<secret>``; only the secret's SHA-256 is
    stored. Logging out revokes the row; a live row is not revoked, younger than
    REMEMBER_COOKIE_DURATION and made under the user's current ``auth_version``."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # random, not a count
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    auth_version: Mapped[int]
    remember: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    # The cookie value, known only right after login or while loading it (not a column).
    key = None


class LoginThrottle(db.Model):
    """Failed logins per email address, whether or not an account has it, so that
    a known and an unknown address are counted and locked alike. The key is the
    SHA-256 of the normalized address: strangers' addresses are not kept."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
