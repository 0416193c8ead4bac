"""A number in a URL that no row can have (too large for the database's integer
type) is "not found", never a server error: on every route with a number in its
path, for every role, before any token or login is checked."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from tests.auth.matrix_common import ROLES
from tests.world import build_world

# PostgreSQL's integer overflows at 2**31, SQLite's at 2**63.
HUGE = (2**31, 2**63)
PLACEHOLDER = re.compile(r"<(?:[^<>:]+:)?(\w+)>")


def numbered_rules(app):
    for rule in app.url_map.iter_rules():
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            yield rule


def url_of(rule, number: int) -> str:
    """The rule's path with ``number`` for its numbers and "x" for anything else (built by
    hand: the app rightly refuses to build such a URL)."""

    def value(match: re.Match[str]) -> str:
        converter = rule._converters[match.group(1)]
        return str(number) if isinstance(converter, IntegerConverter) else "x"

    return PLACEHOLDER.sub(value, rule.rule)


def test_every_numbered_route_is_covered(app):
    rules = list(numbered_rules(app))
    assert len(rules) > 30
    paths = {url_of(rule, 7) for rule in rules}
    assert "/gigs/7" in paths and "/companies/7" in paths
    assert "/api/v1/mailboxes/7/messages" in paths
    assert not any("<" in path for path in paths), paths


def status_of(client, method: str, url: str) -> int | str:
    """The answer's status; under TESTING an error surfaces as the exception itself."""
    try:
        if method == "GET":
            return client.get(url).status_code
        return client.post(url, data={}, headers={"Authorization": "Bearer wrong"}).status_code
    except Exception as exc:
        return f"500 ({type(exc).__name__})"


@pytest.mark.parametrize("role", ROLES)
def test_huge_ids_are_not_found_on_every_route(app, client, login_as, role):
    with app.app_context():
        user = build_world().user_for(role)
        if user is not None:
            login_as(user)
    failures = []
    for rule in numbered_rules(app):
        for number in HUGE:
            url = url_of(rule, number)
            for method in sorted(rule.methods & {"GET", "POST"}):
                status = status_of(client, method, url)
                if status != 404:
                    failures.append(f"{method} {url} → {status}")
    assert failures == []


def test_small_ids_still_work(app, client):
    with app.app_context():
        world = build_world()
        gig_id, company_id = world.published.id, world.company.id
    assert client.get(f"/gigs/{gig_id}").status_code == 200
    assert client.get(f"/companies/{company_id}").status_code == 200
    assert client.get("/gigs/0").status_code == 404
    assert client.get(f"/companies/{2**31 - 1}").status_code == 404


QUERY_NUMBERS = (
    "page=-1",
    "page=0",
    f"page={2**31}",
    f"page={2**63}",
    f"mailbox={2**63}",
    f"gig={2**63}",
    "worker=-1",
)
# Pages that read a page number or a mailbox filter from the query string, and who sees them.
PAGED = {
    "admin.reports": "admin",
    "payments_admin.disputes": "admin",
    "payments_admin.runs": "admin",
    "payments_admin.failed": "admin",
    "payments_admin.rejections": "admin",
    "work.inbox": "seeker",
    "earnings.overview": "seeker",
    "balance.overview": "company",
    "balance.review": "company",
    "mailboxes.conversations": "company",
    "mailboxes.escalations": "company",
}


@pytest.mark.parametrize("endpoint", sorted(PAGED))
def test_numbers_in_the_query_string_never_break_a_page(app, client, login_as, endpoint):
    from tests.auth.test_matrix import EXPECTATIONS

    with app.app_context():
        world = build_world()
        login_as(world.user_for(PAGED[endpoint]))
        url = EXPECTATIONS[(endpoint, "GET")][0](world)
    assert client.get(url).status_code == 200
    failures = []
    for query in QUERY_NUMBERS:
        full = f"{url}{'&' if '?' in url else '?'}{query}"
        status = status_of(client, "GET", full)
        if status not in (200, 404):
            failures.append(f"GET {full} → {status}")
    assert failures == []
