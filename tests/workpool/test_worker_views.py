"""The worker's side of the email pool, as a worker uses it: take the next email,
read the thread while holding its lease, answer (the customer gets a threaded
reply), escalate (the customer gets one acknowledgment), skip; the dashboard and
the worker's own past answers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement
from marketplace.payments.models import UnitStatus, WorkUnit
from marketplace.workpool import mailboxes
from marketplace.workpool.models import (
    Conversation,
    ConversationStatus,
    Escalation,
    Mailbox,
    Reply,
    ReplyKind,
    ReplyStatus,
)
from tests.factories import UserFactory, make_onboarding
from tests.workpool.helpers import deliver, pool

CUSTOMER = "anna@kunde.example"
CUSTOMER_MESSAGE_ID = "<bestellung-4711@kunde.example>"
CUSTOMER_TEXT = "Guten Tag, ich warte noch auf meine Bestellung 4711. Viele Grüße"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def work(app, login_as):
    """A funded email gig (0,80 € per answer) with two hired workers and one waiting
    customer email; the first worker is logged in."""
    with app.app_context():
        mailbox, engagements, token = pool(rate_cents=80, workers=2)
        message = deliver(mailbox, message_id=CUSTOMER_MESSAGE_ID, body=CUSTOMER_TEXT)
        first, second = (e.worker for e in engagements)
        login_as(first)
        return {
            "mailbox_id": mailbox.id,
            "token": token,
            "conversation_id": message.conversation_id,
            "first": first,
            "second": second,
        }


def claim(client) -> str:
    """Press "Next email"; returns where it led."""
    response = client.post("/work/inbox/next")
    assert response.status_code == 302
    return response.headers["Location"]


def conversation_row(app, conversation_id: int) -> Conversation:
    with app.app_context():
        conversation = db.session.get(Conversation, conversation_id)
        db.session.expunge(conversation)
        return conversation


def replies(app) -> list[Reply]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(Reply).order_by(Reply.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


# --- taking the next email ---------------------------------------------------------------


def test_next_email_shows_the_thread_and_the_countdown(app, client, work):
    location = claim(client)
    assert location.endswith(f"/work/inbox/{work['conversation_id']}")
    response = client.get(location)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Wo ist meine Bestellung?" in html
    assert "ich warte noch auf meine Bestellung 4711" in text_of(html)
    assert "Anna Kunde &lt;anna@kunde.example&gt;" in html
    expires = conversation_row(app, work["conversation_id"]).lease_expires_at
    assert f'data-lease-expires="{expires.isoformat()}"' in html
    assert 'data-renew-url="/work/inbox/{}/renew"'.format(work["conversation_id"]) in html
    assert re.search(r"data-countdown>1[45]:\d\d<", html)  # a 15-minute lease
    assert "/static/js/workbench.js" in html
    assert "<script>" not in html  # the CSP allows no inline script
    assert response.headers["Cache-Control"] == "no-store"


def test_the_inbox_offers_the_next_email_and_the_nav_links_to_it(client, work):
    html = client.get("/work/inbox").get_data(as_text=True)
    assert 'action="/work/inbox/next"' in html and "Next email" in html
    assert '<a href="/work/inbox">Inbox</a>' in html
    # Waiting emails are not listed: a worker sees a thread only once they hold it.
    assert "Wo ist meine Bestellung?" not in html


def test_holding_an_email_the_inbox_leads_back_to_it(client, work):
    claim(client)
    html = client.get("/work/inbox").get_data(as_text=True)
    assert f'href="/work/inbox/{work["conversation_id"]}"' in html
    assert "Continue with this email" in html
    assert claim(client).endswith(f"/work/inbox/{work['conversation_id']}")  # the same one


def test_a_second_worker_never_gets_the_same_conversation(app, client, login_as, work):
    claim(client)
    login_as(work["second"])
    response = client.post("/work/inbox/next", follow_redirects=True)
    assert "No email is waiting right now." in response.get_data(as_text=True)
    assert client.get(f"/work/inbox/{work['conversation_id']}").status_code == 404
    with app.app_context():
        mailbox = db.session.get(Mailbox, work["mailbox_id"])
        other = deliver(mailbox, subject="Rechnung fehlt", body="Bitte senden Sie die Rechnung.")
        other_id = other.conversation_id
    assert claim(client).endswith(f"/work/inbox/{other_id}")
    assert conversation_row(app, work["conversation_id"]).claimed_by_id == work["first"].id


def test_unfunded_company_hands_out_no_work(app, client, login_as):
    with app.app_context():
        mailbox, engagements, _token = pool(funds_cents=0)
        deliver(mailbox)
        login_as(engagements[0].worker)
    html = client.post("/work/inbox/next", follow_redirects=True).get_data(as_text=True)
    assert "No funded work right now: the company must add funds first." in html


def test_a_seeker_not_hired_is_told_so(app, client, login_as):
    with app.app_context():
        login_as(UserFactory())
    html = client.post("/work/inbox/next", follow_redirects=True).get_data(as_text=True)
    assert "You are not hired on an email gig yet" in html


def test_nothing_waiting(app, client, login_as):
    with app.app_context():
        _mailbox, engagements, _token = pool()
        login_as(engagements[0].worker)
    html = client.post("/work/inbox/next", follow_redirects=True).get_data(as_text=True)
    assert "No email is waiting right now." in html


def test_changed_rules_lead_to_the_rules_page(app, client, work):
    with app.app_context():
        mailbox = db.session.get(Mailbox, work["mailbox_id"])
        make_onboarding(mailbox.gig, rules="Never promise a delivery date.")
        engagement_id = db.session.scalar(
            sa.select(Engagement.id).where(Engagement.worker_id == work["first"].id)
        )
    html = client.post("/work/inbox/next", follow_redirects=True).get_data(as_text=True)
    assert "The company has changed its rules." in html
    assert f'href="/work/{engagement_id}/rules"' in html
    assert conversation_row(app, work["conversation_id"]).claimed_by_id is None


# --- the lease -------------------------------------------------------------------------------


def test_after_the_lease_ran_out_the_thread_is_gone_and_the_answer_refused_with_the_draft_kept(
    app, client, login_as, work, travel
):
    claim(client)
    travel(utcnow() + timedelta(minutes=16))
    assert client.get(f"/work/inbox/{work['conversation_id']}").status_code == 404
    login_as(work["second"])
    assert claim(client).endswith(f"/work/inbox/{work['conversation_id']}")  # back in the pool
    login_as(work["first"])
    draft = "Guten Tag, Ihr Paket ist unterwegs & kommt morgen."
    response = client.post(f"/work/inbox/{work['conversation_id']}/answer", data={"body": draft})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This email is no longer yours" in html
    assert "Guten Tag, Ihr Paket ist unterwegs &amp; kommt morgen.</textarea>" in html
    assert "ich warte noch auf meine Bestellung" not in html  # the thread is not shown again
    assert replies(app) == []
    assert conversation_row(app, work["conversation_id"]).claimed_by_id == work["second"].id


def test_a_lapsed_lease_nobody_took_still_lets_the_answer_through(app, client, work, travel):
    claim(client)
    travel(utcnow() + timedelta(minutes=16))
    response = client.post(
        f"/work/inbox/{work['conversation_id']}/answer", data={"body": "Ist unterwegs."}
    )
    assert response.status_code == 302
    assert [r.kind for r in replies(app)] == [ReplyKind.ANSWER]


def test_renew_extends_the_lease_and_answers_409_once_lost(app, client, login_as, work, travel):
    claim(client)
    url = f"/work/inbox/{work['conversation_id']}/renew"
    travel(utcnow() + timedelta(minutes=10))
    response = client.post(
        url,
        headers={"X-CSRFToken": client.csrf_token(), "Accept": "application/json"},
        csrf=False,
    )
    assert response.status_code == 200
    expires = conversation_row(app, work["conversation_id"]).lease_expires_at
    assert response.get_json() == {"expires_at": expires.isoformat()}
    assert expires > utcnow() + timedelta(minutes=14)
    # Without the token nothing is renewed.
    assert client.post(url, csrf=False).status_code == 400

    travel(utcnow() + timedelta(minutes=16))
    login_as(work["second"])
    claim(client)
    login_as(work["first"])
    response = client.post(
        url,
        headers={"X-CSRFToken": client.csrf_token(), "Accept": "application/json"},
        csrf=False,
    )
    assert response.status_code == 409
    assert "no longer yours" in response.get_json()["error"]


def test_skip_gives_the_email_back(app, client, work):
    claim(client)
    response = client.post(f"/work/inbox/{work['conversation_id']}/release")
    assert response.status_code == 302 and response.headers["Location"].endswith("/work/inbox")
    conversation = conversation_row(app, work["conversation_id"])
    assert conversation.status == ConversationStatus.WAITING
    assert conversation.lease_expires_at <= utcnow()  # free for the others at once
    assert client.get(f"/work/inbox/{work['conversation_id']}").status_code == 404


# --- answering -----------------------------------------------------------------------------


def test_answer_reaches_the_customer_threaded_and_counts_on_the_dashboard(
    app, client, work, smtp_sink
):
    claim(client)
    response = client.post(
        f"/work/inbox/{work['conversation_id']}/answer",
        data={"body": "Guten Tag Frau Kunde,\n\nIhr Paket kommt morgen."},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Sent. Your answer goes out now" in html

    mail = smtp_sink.last_to(CUSTOMER)
    assert mail["Subject"] == "Re: Wo ist meine Bestellung?"
    assert mail["In-Reply-To"] == CUSTOMER_MESSAGE_ID
    assert mail["References"] == CUSTOMER_MESSAGE_ID
    assert "Ihr Paket kommt morgen." in mail.get_content()
    assert len(smtp_sink.to(CUSTOMER)) == 1

    dashboard = text_of(html.split('id="dashboard"')[1].split("</div> </div>")[0])
    assert "1 answered today" in dashboard and "1 answered this week" in dashboard
    assert "€0.80 waiting for the company's review" in dashboard
    assert '<svg class="chart"' in html
    answers = html.split('id="answers"')[1]
    [reply] = replies(app)
    assert reply.status == ReplyStatus.SENT
    row = text_of(answers.split(f'id="answer-{reply.id}"')[1].split("</tr>")[0])
    assert "Re: Wo ist meine Bestellung?" in row and "Sent" in row and "€0.80" in row
    assert f'href="/work/inbox/answers/{reply.id}"' in answers
    with app.app_context():
        unit = db.session.scalar(sa.select(WorkUnit))
        assert unit.source == f"email:reply:{reply.id}" and unit.status == UnitStatus.PENDING
    assert conversation_row(app, work["conversation_id"]).status == ConversationStatus.ANSWERED


def test_the_answer_page_shows_the_workers_text_not_the_thread(app, client, login_as, work):
    claim(client)
    client.post(
        f"/work/inbox/{work['conversation_id']}/answer", data={"body": "Ihr Paket kommt morgen."}
    )
    [reply] = replies(app)
    assert CUSTOMER_TEXT in reply.body_text  # the email quotes the customer …
    html = client.get(f"/work/inbox/answers/{reply.id}").get_data(as_text=True)
    assert "Re: Wo ist meine Bestellung?" in html and "Ihr Paket kommt morgen." in html
    assert "Ihr Shop-Team" not in html  # their own words: no signature, no quote
    assert "ich warte noch auf meine Bestellung" not in html  # … the page does not
    assert CUSTOMER not in html

    login_as(work["second"])
    assert client.get(f"/work/inbox/answers/{reply.id}").status_code == 404


def test_an_empty_answer_is_refused_and_changes_nothing(app, client, work, smtp_sink):
    claim(client)
    response = client.post(f"/work/inbox/{work['conversation_id']}/answer", data={"body": "  \n "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please write your answer." in html
    assert "ich warte noch auf meine Bestellung 4711" in text_of(html)  # still at work on it
    assert replies(app) == []
    assert smtp_sink.to(CUSTOMER) == []
    conversation = conversation_row(app, work["conversation_id"])
    assert conversation.status == ConversationStatus.WAITING
    assert conversation.claimed_by_id == work["first"].id


def test_canned_replies_are_filled_in_on_the_page(app, client, work):
    with app.app_context():
        mailbox = db.session.get(Mailbox, work["mailbox_id"])
        mailboxes.save_canned_reply(
            mailbox,
            title="Paket unterwegs",
            body="Hallo {customer_name}, Ihre Bestellung {order_number} ist unterwegs. "
            "Viele Grüße, {worker_name}",
        )
        db.session.commit()
        worker_name = work["first"].display_name.split()[0]  # the first name by default
    html = client.get(claim(client)).get_data(as_text=True)
    filled = f"Hallo Anna Kunde, Ihre Bestellung 4711 ist unterwegs. Viele Grüße, {worker_name}"
    assert f'data-insert-text="{filled}"' in html  # for workbench.js to insert
    assert f'<div class="pre">{filled}</div>' in html  # and to copy without JavaScript
    assert "{customer_name}" not in html and "{order_number}" not in html


# --- escalating ---------------------------------------------------------------------------


def test_escalate_sends_exactly_one_acknowledgment(app, client, work, smtp_sink):
    claim(client)
    response = client.post(
        f"/work/inbox/{work['conversation_id']}/escalate",
        data={"note": "The customer asks for a refund; only the shop may decide."},
        follow_redirects=True,
    )
    assert "Escalated; the customer has been told we received the request." in (
        response.get_data(as_text=True)
    )
    [mail] = smtp_sink.to(CUSTOMER)
    assert "Ihr Anliegen ist bei uns eingegangen." in mail.get_content()
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["In-Reply-To"] == CUSTOMER_MESSAGE_ID
    assert conversation_row(app, work["conversation_id"]).status == ConversationStatus.ESCALATED
    with app.app_context():
        [escalation] = db.session.scalars(sa.select(Escalation)).all()
        assert escalation.note == "The customer asks for a refund; only the shop may decide."
    # Sending the form again changes nothing and sends nothing more.
    again = client.post(f"/work/inbox/{work['conversation_id']}/escalate", data={"note": "Again."})
    assert again.status_code == 409
    assert len(smtp_sink.to(CUSTOMER)) == 1


def test_escalate_needs_a_note(app, client, work, smtp_sink):
    claim(client)
    response = client.post(f"/work/inbox/{work['conversation_id']}/escalate", data={"note": ""})
    assert response.status_code == 422
    assert "Please tell the company why you escalate." in response.get_data(as_text=True)
    assert smtp_sink.to(CUSTOMER) == []
    assert conversation_row(app, work["conversation_id"]).status == ConversationStatus.WAITING


# --- what a worker never sees -----------------------------------------------------------------


def test_other_customers_threads_and_the_mailbox_token_never_appear(app, client, work):
    with app.app_context():
        mailbox = db.session.get(Mailbox, work["mailbox_id"])
        deliver(
            mailbox,
            # (no word of the default priority rules: this email must stay behind the first)
            subject="Abo beenden",
            body="Ich beende mein Abo, Kundennummer 99881.",
            sender="Bert Anders <bert@anders.example>",
        )
    pages = [client.get(claim(client)).get_data(as_text=True)]
    pages.append(client.get("/work/inbox").get_data(as_text=True))
    for html in pages:
        assert (
            "Abo beenden" not in html and "99881" not in html and "bert@anders.example" not in html
        )
        assert work["token"] not in html


def test_the_hired_worker_of_another_gig_cannot_act_on_this_conversation(
    app, client, login_as, work
):
    claim(client)
    with app.app_context():
        _mailbox, engagements, _token = pool()
        login_as(engagements[0].worker)
    cid = work["conversation_id"]
    assert client.get(f"/work/inbox/{cid}").status_code == 404
    for action in ("answer", "escalate", "release", "renew"):
        response = client.post(f"/work/inbox/{cid}/{action}", data={"body": "x", "note": "x"})
        assert response.status_code == 404, action
    assert conversation_row(app, cid).claimed_by_id == work["first"].id
