"""Every POST route refuses a request without a valid CSRF token, and changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from tests.auth.test_matrix import EXPECTATIONS, OK, ROLES
from tests.world import build_world

# Stripe calls the webhook without a session; its signature is the proof
# (tests/payments/test_webhooks.py refuses unsigned and forged requests).
# The community API has no session either: its bearer token is the proof
# (tests/moderation/test_api.py refuses a missing, wrong or other community's token).
CSRF_EXEMPT = {
    ("stripe_webhook.receive", "POST"),
    ("workpool_api.receive_message", "POST"),
    ("moderation_api.receive_item", "POST"),
    ("moderation_api.receive_batch", "POST"),
}
POST_ROUTES = sorted(key for key in EXPECTATIONS if key[1] == "POST" and key not in CSRF_EXEMPT)


def database_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table: the whole world is small enough to compare."""
    snapshot = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table)).all()
        snapshot[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return snapshot


def test_every_post_route_is_covered(app):
    posts = {(r.endpoint, "POST") for r in app.url_map.iter_rules() if "POST" in r.methods}
    assert posts == set(POST_ROUTES) | CSRF_EXEMPT


@pytest.mark.parametrize(("endpoint", "method"), POST_ROUTES, ids=lambda v: v)
@pytest.mark.parametrize("token", ["missing", "forged"])
def test_post_without_valid_csrf_token_is_refused(app, client, login_as, endpoint, method, token):
    url_for_world, expected = EXPECTATIONS[(endpoint, method)]
    # Someone allowed to post; the CSRF check comes first, so for a route no
    # role of the world may use (a hired worker's), any logged-in role shows it.
    role = next((r for r in reversed(ROLES) if expected[r] == OK), "seeker")
    with app.app_context():
        world = build_world()
        url = url_for_world(world)
        user = world.user_for(role)
        if user is not None:
            login_as(user)
        before = database_snapshot()
    data = {} if token == "missing" else {"csrf_token": "forged.token.value"}
    response = client.post(url, data=data, csrf=False)
    assert response.status_code == 400
    assert b"This form has expired or was not sent from this site" in response.data
    with app.app_context():
        assert database_snapshot() == before
