"""Triage in the browser: the rules editor, tags, setting priority, worker and tags on
a conversation, internal notes (company staff and the worker holding the email), who
sees what, and the company's conversation list filtered by query parameters."""

from __future__ import annotations

import html
from datetime import timedelta

import sqlalchemy as sa

from marketplace.audit.models import AuditEvent
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.workpool import triage
from marketplace.workpool.models import Conversation, Mailbox, Priority
from marketplace.workpool.triage_models import ConversationNote, MailTag
from tests.factories import company_member
from tests.workpool.helpers import deliver
from tests.workpool.helpers import pool as make_pool


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def shop(app):
    """A funded company with a mailbox, two hired workers and two waiting emails."""
    with app.app_context():
        mailbox, engagements, _token = make_pool(workers=2)
        normal = deliver(mailbox, subject="Wo ist mein Paket?", sender="anna@k.example")
        urgent = deliver(mailbox, subject="Unfall beim Aufbau", sender="bert@k.example")
        owner = mailbox.gig.company.memberships[0].user
        return {
            "mailbox": mailbox.id,
            "company": mailbox.company_id,
            "owner": owner,
            "workers": [e.worker for e in engagements],
            "normal": normal.conversation_id,
            "urgent": urgent.conversation_id,
        }


def test_rules_editor_lists_defaults_adds_and_deletes(app, client, login_as):
    s = shop(app)
    login_as(s["owner"])
    page = text(client.get(f"/company/mailboxes/{s['mailbox']}/rules"))
    for phrase in ("Unfall", "Anwalt", "DSGVO", "Kündigung", "GDPR", "lawyer", "cancel"):
        assert phrase in page
    response = client.post(
        f"/company/mailboxes/{s['mailbox']}/rules",
        data={"phrase": "Beschwerde", "priority": "urgent"},
        follow_redirects=True,
    )
    assert "Beschwerde" in text(response)
    with app.app_context():
        mailbox = db.session.get(Mailbox, s["mailbox"])
        assert deliver(mailbox, subject="Beschwerde").conversation.priority == Priority.URGENT
        rule_id = next(r.id for r in triage.rules_of(mailbox) if r.phrase == "Beschwerde")
    client.post(f"/company/mailboxes/rules/{rule_id}/delete")
    assert "Beschwerde" not in text(client.get(f"/company/mailboxes/{s['mailbox']}/rules"))


def test_company_sets_priority_worker_tags_and_notes_on_a_conversation(app, client, login_as):
    s = shop(app)
    login_as(s["owner"])
    client.post("/company/mailboxes/tags", data={"name": "Reklamation", "colour": "red"})
    with app.app_context():
        tag_id = db.session.scalar(sa.select(MailTag.id).where(MailTag.name == "Reklamation"))
    cid, worker = s["normal"], s["workers"][1]
    base = f"/company/mailboxes/conversations/{cid}"
    client.post(f"{base}/priority", data={"priority": "urgent"})
    client.post(f"{base}/assign", data={"worker": str(worker.id)})
    client.post(f"{base}/tags", data={"tags": [str(tag_id)]})
    client.post(f"{base}/notes", data={"body": "Kunde ist Stammkunde."})
    page = text(client.get(base))
    assert "Reklamation" in page and "Kunde ist Stammkunde." in page
    with app.app_context():
        conversation = db.session.get(Conversation, cid)
        assert conversation.priority == Priority.URGENT
        assert conversation.assigned_to_id == worker.id
        actions = set(
            db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == cid))
        )
        assert {"conversation.priority", "conversation.assign", "conversation.tags"} <= actions
    # A worker not hired on the gig cannot be chosen; nothing changes.
    with app.app_context():
        stranger_id = company_member().id
    client.post(f"{base}/assign", data={"worker": str(stranger_id)})
    with app.app_context():
        assert db.session.get(Conversation, cid).assigned_to_id == worker.id


def test_another_company_sees_and_changes_nothing(app, client, login_as):
    s = shop(app)
    with app.app_context():
        owner = db.session.merge(s["owner"])
        tag = triage.create_tag(owner.company, "Intern-Tag-55", "teal", by=owner)
        conversation = db.session.get(Conversation, s["normal"])
        triage.add_note(conversation, "Intern-Notiz-66", by=owner)
        db.session.commit()
        tag_id = tag.id
    with app.app_context():
        login_as(company_member())
    base = f"/company/mailboxes/conversations/{s['normal']}"
    assert client.get(base).status_code == 404
    for action, data in (
        ("priority", {"priority": "low"}),
        ("notes", {"body": "x"}),
        ("tags", {"tags": []}),
        ("assign", {"worker": ""}),
    ):
        assert client.post(f"{base}/{action}", data=data).status_code == 404
    assert client.post(f"/company/mailboxes/tags/{tag_id}/delete").status_code == 404
    tags_page = text(client.get("/company/mailboxes/tags"))
    assert "Intern-Tag-55" not in tags_page
    with app.app_context():
        assert db.session.get(MailTag, tag_id) is not None
        assert db.session.scalar(sa.select(sa.func.count(ConversationNote.id))) == 1


def test_the_worker_sees_priority_tags_and_notes_and_adds_a_note(app, client, login_as):
    s = shop(app)
    with app.app_context():
        owner = db.session.merge(s["owner"])
        tag = triage.create_tag(owner.company, "Rückruf", "purple", by=owner)
        urgent = db.session.get(Conversation, s["urgent"])
        triage.set_tags(urgent, [tag.id], by=owner)
        triage.add_note(urgent, "Bitte freundlich bleiben.", by=owner)
        normal = db.session.get(Conversation, s["normal"])
        triage.add_note(normal, "Notiz-zu-Anna-123", by=owner)
        db.session.commit()
    first, second = s["workers"]
    login_as(first)
    where = client.post("/work/inbox/next").headers["Location"]
    assert where.endswith(f"/work/inbox/{s['urgent']}")  # urgent first
    page = text(client.get(where))
    assert "Urgent" in page and "Rückruf" in page and "Bitte freundlich bleiben." in page
    assert "Notiz-zu-Anna-123" not in page  # another conversation's note
    response = client.post(
        f"/work/inbox/{s['urgent']}/notes", data={"body": "Kunde will Rückruf um 15 Uhr."}
    )
    assert response.status_code == 302
    assert "Kunde will Rückruf um 15 Uhr." in text(client.get(where))
    # The other worker holds nothing: no note on a conversation they do not hold.
    login_as(second)
    assert client.post(f"/work/inbox/{s['urgent']}/notes", data={"body": "x"}).status_code == 404
    assert client.post(f"/work/inbox/{s['normal']}/notes", data={"body": "x"}).status_code == 404


def test_conversation_list_filters_by_priority_tag_worker_and_overdue(
    app, client, login_as, travel
):
    s = shop(app)
    now = utcnow()
    with app.app_context():
        owner = db.session.merge(s["owner"])
        mailbox = db.session.get(Mailbox, s["mailbox"])
        travel(now - timedelta(hours=30))
        late = deliver(mailbox, subject="Seit gestern offen", sender="carl@k.example")
        travel(now)
        tag = triage.create_tag(owner.company, "VIP", "green", by=owner)
        triage.set_tags(db.session.get(Conversation, s["normal"]), [tag.id], by=owner)
        worker = db.session.merge(s["workers"][0])
        triage.assign(late.conversation, worker.id, by=owner)
        db.session.commit()
        tag_id, worker_id = tag.id, worker.id
    login_as(s["owner"])
    url = f"/company/mailboxes/{s['mailbox']}"
    everything = text(client.get(url))
    assert all(x in everything for x in ("Wo ist mein Paket?", "Unfall beim", "Seit gestern"))
    # urgent first in the list, as "Next" hands them out
    assert everything.index("Unfall beim") < everything.index("Seit gestern")

    def shown(**args) -> list[str]:
        page = text(client.get(url, query_string=args))
        subjects = ("Wo ist mein Paket?", "Unfall beim Aufbau", "Seit gestern offen")
        return [x for x in subjects if x in page]

    assert shown(priority="urgent") == ["Unfall beim Aufbau"]
    assert shown(tag=tag_id) == ["Wo ist mein Paket?"]
    assert shown(worker=worker_id) == ["Seit gestern offen"]
    assert shown(overdue="1") == ["Seit gestern offen"]
    assert shown(status="answered") == []
    # Garbage and other companies' ids are ignored, never an error.
    assert len(shown(tag="999999", worker="abc", priority="x")) == 3


def test_the_conversation_page_lists_the_customers_earlier_conversations(app, client, login_as):
    s = shop(app)
    with app.app_context():
        mailbox = db.session.get(Mailbox, s["mailbox"])
        again = deliver(mailbox, subject="Noch eine Frage", sender="ANNA@k.example")
        cid = again.conversation_id
    login_as(s["owner"])
    page = text(client.get(f"/company/mailboxes/conversations/{cid}"))
    assert "Earlier conversations of this customer" in page
    assert "Wo ist mein Paket?" in page and "Unfall beim Aufbau" not in page


def test_the_inbox_shows_priority_and_tags_of_the_held_and_the_answered_emails(
    app, client, login_as
):
    s = shop(app)
    with app.app_context():
        owner = db.session.merge(s["owner"])
        tag = triage.create_tag(owner.company, "Unfallmeldung", "red", by=owner)
        triage.set_tags(db.session.get(Conversation, s["urgent"]), [tag.id], by=owner)
        db.session.commit()
    login_as(s["workers"][0])
    client.post("/work/inbox/next")
    held = text(client.get("/work/inbox"))
    assert 'id="held-triage"' in held
    assert 'data-priority="urgent">Urgent<' in held
    # The colour is a class: the Content-Security-Policy drops inline style attributes.
    assert '<span class="mail-tag tag-red">Unfallmeldung</span>' in held
    client.post(f"/work/inbox/{s['urgent']}/answer", data={"body": "Gute Besserung!"})
    inbox = text(client.get("/work/inbox"))
    answered = inbox[inbox.index('id="answers"') :]
    assert "Unfall beim Aufbau" in answered and 'data-priority="urgent"' in answered
    assert "Unfallmeldung" not in inbox  # tags only while the worker holds the email


def test_a_note_posts_as_a_plain_form_without_script_and_the_workbench_stays_held(
    app, client, login_as
):
    s = shop(app)
    login_as(s["workers"][0])
    where = client.post("/work/inbox/next").headers["Location"]
    page = client.get(where).get_data(as_text=True)
    form = page[page.index('id="note-form"') - 200 : page.index("Add note")]
    assert f'method="post" action="/work/inbox/{s["urgent"]}/notes"' in form
    assert 'name="csrf_token"' in form and 'name="body"' in form
    worker_id = s["workers"][0].id
    assert f'data-draft-key="nebendesk-answer-{worker_id}-{s["urgent"]}"' in page  # kept by JS
    response = client.post(
        f"/work/inbox/{s['urgent']}/notes",
        data={"body": "Kunde ist verletzt, bitte Rückruf."},
        follow_redirects=True,
    )
    page = text(response)
    assert response.request.path == where
    assert "Your internal note is saved." in page
    assert "Kunde ist verletzt, bitte Rückruf." in page
    assert 'id="answer-form"' in page  # still the worker's email, the answer can follow
