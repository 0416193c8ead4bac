"""Every route of the app against every role.

Each (endpoint, method) in ``app.url_map`` needs an explicit line below; a new
route without one fails ``test_every_route_has_an_expectation``. Outcomes:
``OK`` the role gets the page or its action runs (200, or a redirect that is
not to the login page); ``LOGIN`` redirected to log in; ``NF`` 404, so the
object's existence does not leak.
"""

from __future__ import annotations

import pytest

from marketplace.auth.tokens import TokenPurpose
from tests.auth.matrix_applications import APPLICATIONS
from tests.auth.matrix_balance import BALANCE, REVIEW_FILTERS
from tests.auth.matrix_builder import BUILDER
from tests.auth.matrix_common import (
    ADMIN_ONLY,
    ANY_COMPANY,
    BAD,
    DENIED,
    LOGGED_IN,
    LOGIN,
    NF,
    OK,
    OWN_COMPANY,
    OWN_COMPANY_OR_ADMIN_VIEW,
    PUBLIC,
    REPORTERS,
    ROLES,
    SEEKER_ONLY,
    UrlFor,
    everyone,
)
from tests.auth.matrix_earnings import EARNINGS
from tests.auth.matrix_growth import GROWTH
from tests.auth.matrix_hiring import HIRING
from tests.auth.matrix_messages import HIDDEN_CONVERSATIONS, MESSAGES
from tests.auth.matrix_moderation_company import HIDDEN_COMMUNITY_OBJECTS, MODERATION_COMPANY
from tests.auth.matrix_moderation_io import MODERATION_IO
from tests.auth.matrix_moderation_live import MODERATION_LIVE
from tests.auth.matrix_moderation_matrix import MODERATION_MATRIX
from tests.auth.matrix_moderation_quality import HIDDEN_QUALITY_OBJECTS, MODERATION_QUALITY
from tests.auth.matrix_moderation_sessions import MODERATION_SESSIONS
from tests.auth.matrix_moderation_worker import MODERATION_WORKER
from tests.auth.matrix_payments import PAYMENTS
from tests.auth.matrix_payments_admin import PAYMENTS_ADMIN
from tests.auth.matrix_ratings import HIDDEN_RATING_OBJECTS, RATINGS
from tests.auth.matrix_standing import STANDING
from tests.auth.matrix_workpool_api import WORKPOOL_API
from tests.auth.matrix_workpool_company import WORKPOOL_COMPANY
from tests.auth.matrix_workpool_worker import WORKPOOL_WORKER
from tests.world import build_world

# (endpoint, method) → (url, expected outcome per role)
FOUNDATION: dict[tuple[str, str], tuple[UrlFor, dict[str, str]]] = {
    ("site.home", "GET"): (lambda w: "/", PUBLIC),
    ("site.about", "GET"): (lambda w: "/about", PUBLIC),
    ("site.healthz", "GET"): (lambda w: "/healthz", PUBLIC),
    ("site.favicon", "GET"): (lambda w: "/favicon.ico", PUBLIC),
    ("site.dev_outbox", "GET"): (lambda w: "/dev/outbox", PUBLIC),  # off in production
    ("site.switch_language", "POST"): (lambda w: "/language", PUBLIC),
    ("static", "GET"): (lambda w: "/static/css/app.css", PUBLIC),
    # accounts
    ("accounts.register", "GET"): (lambda w: "/register", PUBLIC),
    ("accounts.register", "POST"): (lambda w: "/register", PUBLIC),
    ("accounts.register_company", "GET"): (lambda w: "/register/company", PUBLIC),
    ("accounts.register_company", "POST"): (lambda w: "/register/company", PUBLIC),
    ("accounts.login", "GET"): (lambda w: "/login", PUBLIC),
    ("accounts.login", "POST"): (lambda w: "/login", PUBLIC),
    ("accounts.logout", "POST"): (lambda w: "/logout", PUBLIC),
    ("accounts.logins", "GET"): (lambda w: "/account/logins", LOGGED_IN),
    ("accounts.logout_everywhere", "POST"): (lambda w: "/account/logins/end-all", LOGGED_IN),
    ("accounts.verify_email", "GET"): (
        lambda w: f"/verify/{w.token(TokenPurpose.VERIFY_EMAIL)}",
        {**PUBLIC, "anonymous": LOGIN},  # confirmed, then asked to log in
    ),
    ("accounts.resend_verification", "POST"): (lambda w: "/verify/resend", LOGGED_IN),
    ("accounts.forgot_password", "GET"): (lambda w: "/password/forgot", PUBLIC),
    ("accounts.forgot_password", "POST"): (lambda w: "/password/forgot", PUBLIC),
    ("accounts.reset_password", "GET"): (
        lambda w: f"/password/reset/{w.token(TokenPurpose.RESET_PASSWORD)}",
        PUBLIC,
    ),
    ("accounts.reset_password", "POST"): (
        lambda w: f"/password/reset/{w.token(TokenPurpose.RESET_PASSWORD)}",
        PUBLIC,
    ),
    ("accounts.profile", "GET"): (lambda w: "/profile", SEEKER_ONLY),
    ("accounts.profile", "POST"): (lambda w: "/profile", SEEKER_ONLY),
    ("accounts.company_profile", "GET"): (lambda w: "/company/profile", ANY_COMPANY),
    ("accounts.company_profile", "POST"): (lambda w: "/company/profile", ANY_COMPANY),
    ("accounts.company_members", "GET"): (lambda w: "/company/members", ANY_COMPANY),
    ("accounts.company_members", "POST"): (lambda w: "/company/members", ANY_COMPANY),
    ("accounts.revoke_invitation", "POST"): (
        lambda w: f"/company/invitations/{w.invitation.id}/revoke",
        OWN_COMPANY,
    ),
    ("accounts.accept_invitation", "GET"): (
        lambda w: f"/invitations/{w.token(TokenPurpose.INVITATION)}",
        PUBLIC,
    ),
    ("accounts.accept_invitation", "POST"): (
        lambda w: f"/invitations/{w.token(TokenPurpose.INVITATION)}",
        PUBLIC,
    ),
    ("accounts.company_page", "GET"): (lambda w: f"/companies/{w.company.id}", PUBLIC),
    # gigs: public side
    ("gigs.browse", "GET"): (lambda w: "/gigs?q=emails&kind=email_support", PUBLIC),
    ("gigs.detail", "GET"): (lambda w: f"/gigs/{w.draft.id}", OWN_COMPANY_OR_ADMIN_VIEW),
    ("gigs.report", "POST"): (lambda w: f"/gigs/{w.published.id}/report", REPORTERS),
    # gigs: the company's side
    ("gigs.company_gigs", "GET"): (lambda w: "/company/gigs", ANY_COMPANY),
    ("gigs.new_gig", "GET"): (lambda w: "/company/gigs/new", ANY_COMPANY),
    ("gigs.new_gig", "POST"): (lambda w: "/company/gigs/new", ANY_COMPANY),
    ("gigs.manage", "GET"): (lambda w: f"/company/gigs/{w.draft.id}", OWN_COMPANY),
    ("gigs.edit", "GET"): (lambda w: f"/company/gigs/{w.draft.id}/edit", OWN_COMPANY),
    ("gigs.edit", "POST"): (lambda w: f"/company/gigs/{w.draft.id}/edit", OWN_COMPANY),
    ("gigs.submit", "POST"): (lambda w: f"/company/gigs/{w.draft.id}/submit", OWN_COMPANY),
    ("gigs.withdraw", "POST"): (lambda w: f"/company/gigs/{w.in_review.id}/withdraw", OWN_COMPANY),
    ("gigs.close", "POST"): (lambda w: f"/company/gigs/{w.published.id}/close", OWN_COMPANY),
    # admin
    ("admin.dashboard", "GET"): (lambda w: "/admin/", ADMIN_ONLY),
    ("admin.vetting_queue", "GET"): (lambda w: "/admin/vetting", ADMIN_ONLY),
    ("admin.review", "GET"): (lambda w: f"/admin/vetting/{w.revision.id}", ADMIN_ONLY),
    ("admin.approve", "POST"): (lambda w: f"/admin/vetting/{w.revision.id}/approve", ADMIN_ONLY),
    ("admin.reject", "POST"): (lambda w: f"/admin/vetting/{w.revision.id}/reject", ADMIN_ONLY),
    ("admin.tags", "GET"): (lambda w: "/admin/tags", ADMIN_ONLY),
    ("admin.new_tag", "GET"): (lambda w: "/admin/tags/new", ADMIN_ONLY),
    ("admin.new_tag", "POST"): (lambda w: "/admin/tags/new", ADMIN_ONLY),
    ("admin.edit_tag", "GET"): (lambda w: f"/admin/tags/{w.tag.id}/edit", ADMIN_ONLY),
    ("admin.edit_tag", "POST"): (lambda w: f"/admin/tags/{w.tag.id}/edit", ADMIN_ONLY),
    ("admin.companies", "GET"): (lambda w: "/admin/companies?status=verified", ADMIN_ONLY),
    ("admin.company", "GET"): (lambda w: f"/admin/companies/{w.company.id}", ADMIN_ONLY),
    ("admin.verify_company", "POST"): (
        lambda w: f"/admin/companies/{w.company.id}/verify",
        ADMIN_ONLY,
    ),
    ("admin.suspend_company", "POST"): (
        lambda w: f"/admin/companies/{w.company.id}/suspend",
        ADMIN_ONLY,
    ),
    ("admin.unsuspend_company", "POST"): (
        lambda w: f"/admin/companies/{w.company.id}/unsuspend",
        ADMIN_ONLY,
    ),
    ("admin.users", "GET"): (lambda w: "/admin/users?q=world", ADMIN_ONLY),
    ("admin.user", "GET"): (lambda w: f"/admin/users/{w.seeker.id}", ADMIN_ONLY),
    ("admin.suspend_user", "POST"): (lambda w: f"/admin/users/{w.seeker.id}/suspend", ADMIN_ONLY),
    ("admin.unsuspend_user", "POST"): (
        lambda w: f"/admin/users/{w.seeker.id}/unsuspend",
        ADMIN_ONLY,
    ),
    ("admin.reports", "GET"): (lambda w: "/admin/reports", ADMIN_ONLY),
    ("admin.report", "GET"): (lambda w: f"/admin/reports/{w.report.id}", ADMIN_ONLY),
    ("admin.dismiss_report", "POST"): (
        lambda w: f"/admin/reports/{w.report.id}/dismiss",
        ADMIN_ONLY,
    ),
    ("admin.take_down_report", "POST"): (
        lambda w: f"/admin/reports/{w.report.id}/take-down",
        ADMIN_ONLY,
    ),
    ("admin.audit", "GET"): (lambda w: "/admin/audit?object_type=gig", ADMIN_ONLY),
}

EXPECTATIONS = {
    **FOUNDATION, **APPLICATIONS, **BUILDER, **HIRING,
    **PAYMENTS, **BALANCE, **EARNINGS, **PAYMENTS_ADMIN,
    **WORKPOOL_WORKER, **WORKPOOL_COMPANY, **WORKPOOL_API, **STANDING, **MESSAGES,
    **MODERATION_IO,
    **MODERATION_MATRIX,
    **MODERATION_WORKER,
    **MODERATION_SESSIONS,
    **MODERATION_LIVE,
    **MODERATION_COMPANY,
    **MODERATION_QUALITY,
    **GROWTH,
    **RATINGS,
}  # fmt: skip

# Objects of another company, or not public, stay hidden from those who may not see them.
EXTRA_CASES: list[tuple[str, str, UrlFor, dict[str, str]]] = [
    ("published gig", "GET", lambda w: f"/gigs/{w.published.id}", PUBLIC),
    (
        "gig of another company to manage",
        "GET",
        lambda w: f"/company/gigs/{w.published.id}",
        OWN_COMPANY,
    ),
    ("unknown gig", "GET", lambda w: "/gigs/999999", everyone(NF)),
    ("unknown revision", "GET", lambda w: "/admin/vetting/999999", everyone(NF)),
    ("unknown company page", "GET", lambda w: "/companies/999999", everyone(NF)),
    ("unknown measure", "POST", lambda w: "/account/standing/measures/999999/appeal",
     {**everyone(NF), "anonymous": LOGIN}),
    ("another person's appealed measure", "POST",
     lambda w: f"/account/standing/measures/{w.appeal.measure_id}/appeal",
     {**everyone(NF), "anonymous": LOGIN}),
    *HIDDEN_CONVERSATIONS,
    *HIDDEN_COMMUNITY_OBJECTS,
    *HIDDEN_QUALITY_OBJECTS,
    *REVIEW_FILTERS,
    *HIDDEN_RATING_OBJECTS,
]  # fmt: skip


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_an_expectation(app):
    assert app_routes(app) == set(EXPECTATIONS)


def outcome_of(response) -> str:
    if response.status_code == 404:
        return NF
    if response.status_code == 400:
        return BAD
    if response.status_code == 401:
        return DENIED
    if response.status_code in (301, 302, 303) and "/login" in response.headers["Location"]:
        return LOGIN
    assert response.status_code in (200, 301, 302, 303), response.status_code
    return OK


def _request(client, login_as, app, role, method, url_for_world):
    with app.app_context():
        world = build_world()
        user = world.user_for(role)
        url = url_for_world(world)
        if user is not None:
            login_as(user)
    if method == "GET":
        return client.get(url)
    return client.post(url, data={})


CASES = [
    pytest.param(endpoint, method, role, id=f"{endpoint}-{method}-{role}")
    for (endpoint, method) in EXPECTATIONS
    for role in ROLES
]


@pytest.mark.parametrize(("endpoint", "method", "role"), CASES)
def test_route_by_role(app, client, login_as, endpoint, method, role):
    url_for_world, expected = EXPECTATIONS[(endpoint, method)]
    response = _request(client, login_as, app, role, method, url_for_world)
    assert outcome_of(response) == expected[role]


@pytest.mark.parametrize(
    ("name", "method", "role"),
    [(name, method, role) for name, method, _u, _e in EXTRA_CASES for role in ROLES],
)
def test_hidden_objects_by_role(app, client, login_as, name, method, role):
    _name, _method, url_for_world, expected = next(c for c in EXTRA_CASES if c[0] == name)
    response = _request(client, login_as, app, role, method, url_for_world)
    assert outcome_of(response) == expected[role]
