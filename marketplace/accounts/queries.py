"""Reading users (by address) and companies, and the admin's lists of them."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import Company, User, normalize_email
from marketplace.extensions import db
from marketplace.pagination import Page, paginate

COMPANY_FILTERS = ("unverified", "verified", "suspended")
USER_FILTERS = ("suspended", "unverified")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def companies_for_admin(q: str, status: str, page: int) -> Page[Company]:
    stmt = sa.select(Company).order_by(Company.created_at.desc(), Company.id.desc())
    if q:
        stmt = stmt.where(Company.name.ilike(_like(q), escape="\\"))
    if status == "unverified":
        stmt = stmt.where(Company.verified_at.is_(None), Company.suspended_at.is_(None))
    elif status == "verified":
        stmt = stmt.where(Company.verified_at.is_not(None))
    elif status == "suspended":
        stmt = stmt.where(Company.suspended_at.is_not(None))
    return paginate(stmt, page)


def users_for_admin(q: str, status: str, page: int) -> Page[User]:
    stmt = sa.select(User).order_by(User.created_at.desc(), User.id.desc())
    if q:
        pattern = _like(q.lower())
        stmt = stmt.where(
            sa.or_(
                User.email.ilike(pattern, escape="\\"),
                User.display_name.ilike(pattern, escape="\\"),
            )
        )
    if status == "suspended":
        stmt = stmt.where(User.suspended_at.is_not(None))
    elif status == "unverified":
        stmt = stmt.where(User.email_verified_at.is_(None))
    return paginate(stmt, page)
