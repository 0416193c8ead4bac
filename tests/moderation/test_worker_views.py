"""The moderator's pages: "Next item" (and why there is none), the item page with
its word hits, context, blurred images, author history and rules, the actions,
skipping, notes, the dashboard and the menu entry."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    DecisionStatus,
    ItemKind,
    ItemStatus,
    ModerationItem,
)
from marketplace.moderation.models import AuthorNote
from marketplace.payments.models import WorkUnit
from tests.moderation import moderator_helpers as mh


def _setup(app, **kwargs):
    with app.app_context():
        found = mh.community(**kwargs)
        moderator = mh.hire(found)
        return found.id, moderator.worker


def _next(client) -> str:
    response = client.post("/work/moderation/next")
    assert response.status_code == 302
    return response.headers["Location"]


def test_next_item_opens_the_item_with_hits_context_images_and_rules(app, client, login_as):
    community_id, worker = _setup(app)
    with app.app_context():
        found = db.session.get(mh.Community, community_id)
        mh.item(
            found, "Du bist ein Idiot!", word_hits=[{"word": "idiot", "kind": "suspect"}],
            images=["https://cdn.example/bild.jpg"],
        )  # fmt: skip
    login_as(worker)
    assert "Moderation" in client.get("/work/moderation").get_data(as_text=True)
    location = _next(client)
    assert re.search(r"/work/moderation/items/\d+$", location)
    page = client.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "https:" in page.headers["Content-Security-Policy"]
    assert '<mark title="word-list hit: idiot">Idiot</mark>' in html
    assert "Word list: «idiot» (suspect)" in html
    assert "Vorher" in html  # the context
    assert 'class="blurred"' in html and '<details class="reveal"' in html
    assert "Be respectful" in html or "Regel 1" in html
    assert "Keyboard shortcuts" in html
    assert "The penalty ladder proposes 60 minutes." in html  # the first mute on the ladder
    assert "the next strike leads to a warning" in html


def test_why_no_item_is_said(app, client, login_as):
    community_id, worker = _setup(app, funds_cents=0)
    with app.app_context():
        mh.item(db.session.get(mh.Community, community_id))
    login_as(worker)
    client.post("/work/moderation/next")
    html = client.get("/work/moderation").get_data(as_text=True)
    assert "the company must add funds first" in html


def test_not_hired_is_told_and_gets_no_menu_entry(app, client, login_as):
    with app.app_context():
        stranger = mh.UserFactory()
        db.session.refresh(stranger)
    login_as(stranger)
    assert ">Moderation</a>" not in client.get("/work/inbox").get_data(as_text=True)
    client.post("/work/moderation/next")
    html = client.get("/work/moderation").get_data(as_text=True)
    assert "You are not hired on a moderation gig" in html


def test_warn_from_the_page_is_sent_and_paid(app, client, login_as):
    community_id, worker = _setup(app)
    with app.app_context():
        found = db.session.get(mh.Community, community_id)
        mh.item(found, "Halt die Klappe")
        rule_id = mh.rule(found).id
    login_as(worker)
    location = _next(client)
    item_id = int(location.rsplit("/", 1)[1])
    response = client.post(
        f"/work/moderation/items/{item_id}/decide/warn",
        data={"warn-rule_id": str(rule_id), "warn-message": "Bitte freundlich bleiben."},
    )
    assert response.status_code == 302
    html = client.get("/work/moderation").get_data(as_text=True)
    assert "The warning is on its way to the author." in html
    # The notice is announced, and stays a list (a role on the <ul> fails axe's listitem).
    flashes = r'<div role="status">\s*<ul class="flashes">\s*<li class="flash success">'
    assert re.search(flashes, html)
    assert "1</strong> items today" in html
    with app.app_context():
        decision = db.session.scalar(sa.select(Decision))
        assert decision.action == DecisionAction.WARN and decision.message.startswith("Bitte")
        assert db.session.scalar(sa.select(sa.func.count(WorkUnit.id))) == 1


def test_a_removal_without_a_rule_is_refused_and_the_item_stays(app, client, login_as):
    community_id, worker = _setup(app)
    with app.app_context():
        mh.item(db.session.get(mh.Community, community_id))
    login_as(worker)
    location = _next(client)
    item_id = int(location.rsplit("/", 1)[1])
    response = client.post(f"/work/moderation/items/{item_id}/decide/remove", data={})
    assert response.headers["Location"].endswith(f"/items/{item_id}")
    assert "Please choose the rule that was broken." in client.get(location).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ModerationItem, item_id).status == ItemStatus.WAITING


def test_answer_a_question_skip_and_note(app, client, login_as):
    community_id, worker = _setup(app)
    with app.app_context():
        found = db.session.get(mh.Community, community_id)
        mh.item(found, "Wie ändere ich meinen Namen?", kind=ItemKind.QUESTION)
        mh.item(found, "Noch etwas")
    login_as(worker)
    location = _next(client)
    item_id = int(location.rsplit("/", 1)[1])
    assert "Answer the question" in client.get(location).get_data(as_text=True)
    client.post(f"/work/moderation/items/{item_id}/note", data={"text": "Fragt oft nach."})
    assert "Fragt oft nach." in client.get(location).get_data(as_text=True)
    client.post(
        f"/work/moderation/items/{item_id}/decide/answer",
        data={"answer-message": "Im Profil unter Einstellungen."},
    )
    second = _next(client)
    second_id = int(second.rsplit("/", 1)[1])
    client.post(f"/work/moderation/items/{second_id}/skip")
    html = client.get("/work/moderation").get_data(as_text=True)
    assert "Skipping never counts against you." in html
    with app.app_context():
        assert db.session.scalar(sa.select(Decision.action)) == DecisionAction.ANSWER
        assert db.session.scalar(sa.select(sa.func.count(AuthorNote.id))) == 1
        assert db.session.get(ModerationItem, second_id).status == ItemStatus.WAITING


def test_a_ban_proposal_shows_on_the_dashboard(app, client, login_as):
    community_id, worker = _setup(app)
    with app.app_context():
        found = db.session.get(mh.Community, community_id)
        mh.item(found, "Spam")
        rule_id = mh.rule(found, 2).id
    login_as(worker)
    item_id = int(_next(client).rsplit("/", 1)[1])
    client.post(f"/work/moderation/items/{item_id}/decide/ban", data={"ban-rule_id": str(rule_id)})
    html = client.get("/work/moderation").get_data(as_text=True)
    assert "Your ban proposal waits for the company." in html
    assert "Waiting for the company" in html
    with app.app_context():
        assert db.session.scalar(sa.select(Decision.status)) == DecisionStatus.PROPOSED


def test_someone_elses_item_is_not_found(app, client, login_as):
    community_id, worker = _setup(app)
    with app.app_context():
        found = db.session.get(mh.Community, community_id)
        mh.item(found)
        other = mh.hire(found).worker
    login_as(other)
    item_id = int(_next(client).rsplit("/", 1)[1])
    login_as(worker)
    assert client.get(f"/work/moderation/items/{item_id}").status_code == 404
    response = client.post(f"/work/moderation/items/{item_id}/decide/approve", data={})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(ModerationItem, item_id).status == ItemStatus.WAITING


def test_renew_extends_the_lease(app, client, login_as):
    community_id, worker = _setup(app)
    with app.app_context():
        mh.item(db.session.get(mh.Community, community_id))
    login_as(worker)
    item_id = int(_next(client).rsplit("/", 1)[1])
    response = client.post(f"/work/moderation/items/{item_id}/renew")
    assert response.status_code == 200 and "expires_at" in response.get_json()


def test_without_consent_no_url_shows_a_mature_communitys_item(app, client, login_as):
    from datetime import timedelta

    from marketplace.db import utcnow

    with app.app_context():
        found = mh.community(mature=True)
        item = mh.item(found, "Nur für Erwachsene")
        unconsented = mh.hire(found, consent=False).worker
        # Even an item somehow leased to them stays out of reach.
        item.claimed_by_id, item.lease_expires_at = unconsented.id, utcnow() + timedelta(minutes=5)
        db.session.commit()
        item_id = item.id
        db.session.refresh(unconsented)
    login_as(unconsented)
    assert client.get(f"/work/moderation/items/{item_id}").status_code == 404
    for suffix in ("/decide/approve", "/skip", "/note", "/renew"):
        assert client.post(f"/work/moderation/items/{item_id}{suffix}").status_code == 404
    assert client.post("/work/moderation/next").status_code == 302
    with app.app_context():
        assert db.session.get(ModerationItem, item_id).status == ItemStatus.WAITING
        assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 0


def test_the_deciding_moderator_reads_the_evidence_logged_others_get_404(app, client, login_as):
    from marketplace.moderation.item_models import EvidenceRead

    community_id, worker = _setup(app)
    with app.app_context():
        found = db.session.get(mh.Community, community_id)
        mh.item(found, "Beleidigung")
        rule_id = mh.rule(found).id
        other = mh.hire(found).worker
    login_as(worker)
    item_id = int(_next(client).rsplit("/", 1)[1])
    client.post(
        f"/work/moderation/items/{item_id}/decide/remove", data={"remove-rule_id": str(rule_id)}
    )
    with app.app_context():
        decision_id = db.session.scalar(sa.select(Decision.id))
    page = client.get(f"/work/moderation/decisions/{decision_id}").get_data(as_text=True)
    assert "Statement of reasons" in page and "Beleidigung" not in page
    shown = client.post(f"/work/moderation/decisions/{decision_id}/evidence")
    assert shown.status_code == 200 and "Beleidigung" in shown.get_data(as_text=True)
    login_as(other)
    assert client.get(f"/work/moderation/decisions/{decision_id}").status_code == 404
    assert client.post(f"/work/moderation/decisions/{decision_id}/evidence").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(EvidenceRead.id))) == 1
