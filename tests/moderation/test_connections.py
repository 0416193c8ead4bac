"""The company connects a community of its moderation gig: the token is shown once,
a new token retires the old one, the delivery log shows every event and resends."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.gigs.models import GigKind, PayModel
from marketplace.moderation.models import Community
from marketplace.work import outbox
from marketplace.work.models import OutgoingEvent
from tests.factories import PublishedGigFactory
from tests.moderation.io_helpers import connected, item
from tests.moderation.receiver import Receiver

TOKEN = re.compile(r"<code[^>]*data-token>([^<]+)</code>")


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def a_moderation_gig(app):
    with app.app_context():
        gig = PublishedGigFactory(
            kind=GigKind.CHAT_MODERATION,
            pay_model=PayModel.PER_ITEM,
            rate_cents=30,
            title="Moderate our evening chat",
        )
        return gig.communities[0].id, gig.company.memberships[0].user


def post_item(client, community_id: int, token: str):
    return client.post(
        f"/api/v1/communities/{community_id}/items",
        data=json.dumps(item()),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        csrf=False,
    )


def test_connecting_shows_the_token_once_and_it_works(app, client, login_as):
    gig_community_id, owner = a_moderation_gig(app)
    login_as(owner)
    index = client.get("/company/communities/")
    assert "Main chat" in index.text and "Not connected" in index.text
    page = client.get(f"/company/communities/connect/{gig_community_id}")
    assert page.status_code == 200 and "Connect “Main chat”" in page.text
    response = client.post(
        f"/company/communities/connect/{gig_community_id}",
        data={"kind": "chat", "default_language": "de", "webhook_url": "https://chat.example/h"},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = TOKEN.search(response.text).group(1)
    assert "shown only this once" in response.text
    with app.app_context():
        community = db.session.scalar(sa.select(Community))
        assert community.webhook_url == "https://chat.example/h"
        assert token not in community.token_hash
        assert community.webhook_secret in response.text
        community_id = community.id
    # It starts with a netiquette and a ladder the company can edit.
    rules = client.get(f"/company/communities/{community_id}/netiquette").text
    assert "Be respectful" in rules
    assert "mute" in client.get(f"/company/communities/{community_id}/ladder").text.lower()
    for url in ("/company/communities/", f"/company/communities/{community_id}/webhook"):
        assert token not in client.get(url).text
    # The list leads to the community's own pages (netiquette, audit log, dashboard).
    listed = client.get("/company/communities/").text
    assert f'href="/company/communities/{community_id}">Main chat</a>' in listed
    assert post_item(client, community_id, token).status_code == 201
    again = client.post(
        f"/company/communities/connect/{gig_community_id}",
        data={"kind": "chat", "default_language": "de", "webhook_url": ""},
    )
    assert "connected already" in again.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Community.id))) == 1


def test_a_bad_webhook_url_is_refused(app, client, login_as):
    gig_community_id, owner = a_moderation_gig(app)
    login_as(owner)
    response = client.post(
        f"/company/communities/connect/{gig_community_id}",
        data={"kind": "forum", "default_language": "en", "webhook_url": "ftp://chat.example"},
    )
    assert "must be an http:// or https:// address" in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Community.id))) == 0


def test_a_new_token_retires_the_old_one(app, client, login_as):
    with app.app_context():
        community, old_token = connected()
        community_id, owner = community.id, community.company.memberships[0].user
    login_as(owner)
    response = client.post(f"/company/communities/{community_id}/token")
    new_token = TOKEN.search(response.text).group(1)
    assert new_token != old_token
    assert "the old one no longer does" in response.text
    assert post_item(client, community_id, old_token).status_code == 401
    assert post_item(client, community_id, new_token).status_code == 201


def test_the_webhook_url_can_be_changed(app, client, login_as):
    with app.app_context():
        community, _token = connected(webhook_url="https://old.example/hook")
        community_id, owner = community.id, community.company.memberships[0].user
    login_as(owner)
    response = client.post(
        f"/company/communities/{community_id}/webhook",
        data={"webhook_url": "https://new.example/hook"},
        follow_redirects=True,
    )
    assert "The webhook URL is saved." in response.text
    with app.app_context():
        assert db.session.get(Community, community_id).webhook_url == "https://new.example/hook"


def test_the_delivery_log_shows_events_and_resends_them(app, client, login_as, receiver):
    receiver.statuses = [500]
    with app.app_context():
        community, _token = connected(webhook_url=receiver.url)
        community_id, owner = community.id, community.company.memberships[0].user
        event = outbox.emit(community_id, "decision.created", {"decision": {"id": 1}})
        db.session.commit()  # delivered right after the commit: the receiver says 500
        event_id, public_id, _loaded = event.id, event.public_id, owner.id
    login_as(owner)
    log = client.get(f"/company/communities/{community_id}/deliveries")
    assert public_id in log.text and "HTTP 500" in log.text and "Next try" in log.text
    response = client.post(
        f"/company/communities/{community_id}/deliveries/{event_id}/resend",
        follow_redirects=True,
    )
    assert "The event is sent again." in response.text
    assert "Delivered" in response.text
    assert receiver.event_ids() == [public_id, public_id]
    with app.app_context():
        assert db.session.get(OutgoingEvent, event_id).delivered_at is not None


def test_a_new_signing_secret_overlaps_the_old_one_for_a_day(
    app, client, login_as, receiver, travel
):
    """A leaked secret is replaced from the Webhook page; for 24 hours webhooks carry a
    signature with each secret, so the community's software, still set to the old
    one, keeps accepting while it is switched over; then only the new one signs."""
    clock = travel("2026-12-07 08:00")
    with app.app_context():
        community, _token = connected(webhook_url=receiver.url)
        community_id, owner = community.id, community.company.memberships[0].user
        old_secret = community.webhook_secret
    login_as(owner)
    page = client.post(f"/company/communities/{community_id}/webhook/secret", follow_redirects=True)
    assert "There is a new signing secret" in page.text
    new_secret = re.search(r"<code[^>]*data-secret>([^<]+)</code>", page.text).group(1)
    assert new_secret != old_secret
    assert re.search(r"data-previous-secret>([^<]+)</code>", page.text).group(1) == old_secret

    def deliver_one() -> tuple[bytes, str]:
        with app.app_context():
            outbox.emit(community_id, "decision.created", {"decision": {"id": 1}})
            db.session.commit()  # delivered right after the commit
        request = receiver.requests[-1]
        return request.body, request.headers["Nebendesk-Signature"]

    body, signature = deliver_one()
    assert signature.count("v1=") == 2
    assert outbox.verify_signature(old_secret, body, signature)
    assert outbox.verify_signature(new_secret, body, signature)
    assert not outbox.verify_signature("whsec_someone_elses", body, signature)

    clock.shift(timedelta(hours=24, minutes=1))
    body, signature = deliver_one()
    assert signature.count("v1=") == 1
    assert outbox.verify_signature(new_secret, body, signature)
    assert not outbox.verify_signature(old_secret, body, signature)
    page = client.get(f"/company/communities/{community_id}/webhook")
    assert "data-previous-secret" not in page.text


def test_another_companys_community_is_404(app, client, login_as):
    with app.app_context():
        community, _token = connected()
        other, _other_token = connected()
        community_id, other_id = community.id, other.id
        owner = community.company.memberships[0].user
        other_event = outbox.emit(other_id, "decision.created", {"decision": {}}, deliver=False)
        db.session.commit()
        other_event_id, _loaded = other_event.id, owner.id
        other_gig_community = other.gig.communities[0].id
    login_as(owner)
    for url in (
        f"/company/communities/{other_id}/webhook",
        f"/company/communities/{other_id}/deliveries",
        f"/company/communities/connect/{other_gig_community}",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/company/communities/{other_id}/token").status_code == 404
    resend = f"/company/communities/{community_id}/deliveries/{other_event_id}/resend"
    assert client.post(resend).status_code == 404
    index = client.get("/company/communities/")
    assert index.text.count("Connected") == 1
