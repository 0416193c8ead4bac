"""The company's side of the email work pool, through its pages: mailboxes and their
inbound token, canned replies, uploading .eml and .mbox files, the conversations and
the stopped-queue banner, escalations answered by SMTP, reviewing answers, the
dashboard and its CSV, and another company seeing none of it."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import mailbox as stdlib_mailbox
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement
from marketplace.payments.models import UnitStatus, WorkUnit
from marketplace.workpool import mailboxes, pool
from marketplace.workpool.models import (
    DEFAULT_ACK_DE,
    DEFAULT_ACK_EN,
    CannedReply,
    Conversation,
    ConversationStatus,
    Mailbox,
    MailboxMode,
    Message,
    Reply,
)
from tests.factories import company_member
from tests.payments.helpers import hired
from tests.workpool import hostile_mail
from tests.workpool.helpers import customer_mail, deliver
from tests.workpool.helpers import pool as make_pool

CORPUS = Path(__file__).parent / "corpus"


def text(response) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


@dataclass
class Shop:
    mailbox_id: int
    token: str
    company_id: int
    owner_id: int
    engagement_ids: list[int]


def make_shop(app, login_as, **kwargs) -> Shop:
    """A funded company with a mailbox and hired workers; its owner is logged in."""
    with app.app_context():
        mailbox, engagements, token = make_pool(**kwargs)
        owner = mailbox.gig.company.memberships[0].user
        login_as(owner)
        return Shop(mailbox.id, token, mailbox.company_id, owner.id, [e.id for e in engagements])


def mailbox_form(**overrides) -> dict[str, str]:
    data = {
        "name": "Support",
        "from_address": "support@shop.example",
        "from_name": "Shop Support",
        "reply_to": "",
        "signature": "Ihr Shop-Team",
        "mode": "pool",
        "forward_to_id": "",
        "ack_de": DEFAULT_ACK_DE,
        "ack_en": DEFAULT_ACK_EN,
        "first_response_hours": "24",
        "retention_days": "90",
        "lease_minutes": "15",
        "escalation_rate": "0,00",
    }
    data.update(overrides)
    return data


def answer_next(engagement_id: int, body: str = "Ihr Paket ist unterwegs.") -> int:
    """The worker takes the next email and answers it (sent by SMTP after the commit)."""
    engagement = db.session.get(Engagement, engagement_id)
    claim = pool.claim_next(engagement.worker)
    assert claim.conversation is not None, claim.no_work
    reply = pool.answer(claim.conversation, worker=engagement.worker, body=body)
    db.session.commit()
    return reply.id


def escalate_next(engagement_id: int, note: str) -> int:
    engagement = db.session.get(Engagement, engagement_id)
    claim = pool.claim_next(engagement.worker)
    assert claim.conversation is not None, claim.no_work
    pool.escalate(claim.conversation, worker=engagement.worker, note=note)
    db.session.commit()
    return claim.conversation.id


def unit_of(reply_id: int) -> WorkUnit:
    return db.session.scalar(
        sa.select(WorkUnit).where(WorkUnit.source == f"email:reply:{reply_id}")
    )


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- mailboxes and the inbound token ------------------------------------------------------


def test_new_mailbox_shows_its_token_once_and_keeps_only_the_hash(app, client, login_as):
    with app.app_context():
        engagement = hired(rate_cents=80)
        gig_id = engagement.gig_id
        login_as(engagement.gig.company.memberships[0].user)
    form_page = text(client.get(f"/company/mailboxes/new/{gig_id}"))
    assert DEFAULT_ACK_DE in form_page and DEFAULT_ACK_EN in form_page  # prefilled

    response = client.post(f"/company/mailboxes/new/{gig_id}", data=mailbox_form())
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = text(response)
    token = re.search(r"<code data-token>([^<]+)</code>", page).group(1)
    with app.app_context():
        mailbox = db.session.scalar(sa.select(Mailbox))
        mailbox_id = mailbox.id
        assert mailbox.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in repr([getattr(mailbox, c.key) for c in Mailbox.__table__.columns])
        forwarding = f"{mailbox.forward_token}@inbound.nebendesk.test"
    assert forwarding in page  # the simpler way in, offered at once
    url = f"http://nebendesk.test/api/v1/mailboxes/{mailbox_id}/messages"
    assert url in page
    assert f'curl -H "Authorization: Bearer {token}"' in page
    assert f"--data-binary @mail.eml {url}" in page
    assert "shown only this once" in page
    # Never again: neither the mailbox's pages nor its settings show it.
    for path in (f"/company/mailboxes/{mailbox_id}", f"/company/mailboxes/{mailbox_id}/edit"):
        assert token not in client.get(path).get_data(as_text=True)

    # The inbound endpoint takes mail with it.
    api = f"/api/v1/mailboxes/{mailbox_id}/messages"
    raw = customer_mail(subject="Kaputtes Rad")
    accepted = client.post(api, data=raw, headers={"Authorization": f"Bearer {token}"}, csrf=False)
    assert accepted.status_code == 201, accepted.get_json()
    assert "Kaputtes Rad" in text(client.get(f"/company/mailboxes/{mailbox_id}"))

    # A new token: shown once, the old one stops working at once.
    rotated = text(client.post(f"/company/mailboxes/{mailbox_id}/token"))
    new_token = re.search(r"<code data-token>([^<]+)</code>", rotated).group(1)
    assert new_token != token
    refused = client.post(
        api, data=customer_mail(), headers={"Authorization": f"Bearer {token}"}, csrf=False
    )
    assert refused.status_code == 401
    again = client.post(api, data=raw, headers={"Authorization": f"Bearer {new_token}"}, csrf=False)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"escalation_rate": "abc"}, "This is not an amount in euros. Please type it like 0,80"),
        ({"escalation_rate": "0,001"}, "Please use at most two decimal places"),
        ({"retention_days": "0"}, "Keep messages for between 1 and 3650 days."),
        ({"first_response_hours": "viele"}, "Not a valid integer value."),
        ({"mode": "forwarded"}, "Please choose a worker hired on this gig to forward to."),
        ({"from_address": "support at shop"}, "Please enter a valid email address."),
        ({"escalation_rate": "5,00"}, "The escalation rate must be between 0 and the gig's rate."),
        ({"ack_en": "  "}, "Both acknowledgment texts (German and English) are needed."),
    ],
)
def test_bad_mailbox_settings_are_refused_and_nothing_is_stored(
    app, client, login_as, overrides, message
):
    with app.app_context():
        engagement = hired(rate_cents=80)
        gig_id = engagement.gig_id
        login_as(engagement.gig.company.memberships[0].user)
    response = client.post(f"/company/mailboxes/new/{gig_id}", data=mailbox_form(**overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert "data-token" not in text(response)
    with app.app_context():
        assert count(Mailbox) == 0


def test_settings_change_to_forwarded_with_a_hired_worker(app, client, login_as):
    shop = make_shop(app, login_as, workers=2)
    with app.app_context():
        worker = db.session.get(Engagement, shop.engagement_ids[1]).worker
        worker_id, worker_name = worker.id, worker.display_name
        deliver(db.session.get(Mailbox, shop.mailbox_id))
    page = text(client.get(f"/company/mailboxes/{shop.mailbox_id}/edit"))
    assert worker_name in page and "Ihr Shop-Team" in page
    response = client.post(
        f"/company/mailboxes/{shop.mailbox_id}/edit",
        data=mailbox_form(mode="forwarded", forward_to_id=str(worker_id), escalation_rate="0,40"),
    )
    assert response.status_code == 302
    with app.app_context():
        mailbox = db.session.get(Mailbox, shop.mailbox_id)
        assert mailbox.mode == MailboxMode.FORWARDED and mailbox.forward_to_id == worker_id
        assert mailbox.escalation_rate_cents == 40
        waiting = db.session.scalar(sa.select(Conversation))
        assert waiting.assigned_to_id == worker_id  # the queue follows
    assert f"forwarded to {worker_name}" in text(
        client.get(f"/company/mailboxes/{shop.mailbox_id}")
    )


def test_a_gig_that_is_not_email_support_has_no_mailbox_page(app, client, login_as):
    from marketplace.gigs.models import GigKind

    with app.app_context():
        engagement = hired()
        engagement.gig.kind = GigKind.CHAT_MODERATION
        db.session.commit()
        gig_id = engagement.gig_id
        login_as(engagement.gig.company.memberships[0].user)
    assert client.get(f"/company/mailboxes/new/{gig_id}").status_code == 404


# --- canned replies ---------------------------------------------------------------------------


def test_canned_replies_add_edit_delete_and_unknown_placeholders(app, client, login_as):
    shop = make_shop(app, login_as)
    base = f"/company/mailboxes/{shop.mailbox_id}/replies"
    page = text(client.get(base))
    for name in mailboxes.PLACEHOLDERS:
        assert "{" + name + "}" in page

    refused = client.post(base, data={"title": "Paket", "body": "Hallo {kundenname}!"})
    assert refused.status_code == 200
    assert "Unknown placeholder {kundenname}. You can use: {customer_name}" in text(refused)
    with app.app_context():
        assert count(CannedReply) == 0

    added = client.post(base, data={"title": "Paket", "body": "Hallo {customer_name}!"})
    assert added.status_code == 302
    with app.app_context():
        canned_id = db.session.scalar(sa.select(CannedReply.id))
    assert "Hallo {customer_name}!" in text(client.get(base))

    edit = f"/company/mailboxes/replies/{canned_id}/edit"
    assert "Hallo {customer_name}!" in text(client.get(edit))
    assert "Unknown placeholder {auftrag}" in text(
        client.post(edit, data={"title": "Paket", "body": "Ihr {auftrag}"})
    )
    client.post(edit, data={"title": "Paket unterwegs", "body": "Nr. {order_number} ist da."})
    with app.app_context():
        canned = db.session.get(CannedReply, canned_id)
        assert (canned.title, canned.body) == ("Paket unterwegs", "Nr. {order_number} ist da.")

    assert client.post(f"/company/mailboxes/replies/{canned_id}/delete").status_code == 302
    with app.app_context():
        assert count(CannedReply) == 0


# --- uploading customer mail -----------------------------------------------------------------


def upload(client, mailbox_id: int, files: list[tuple[bytes, str]]):
    return client.post(
        f"/company/mailboxes/{mailbox_id}/upload",
        data={"files": [(io.BytesIO(raw), name) for raw, name in files]},
        content_type="multipart/form-data",
    )


def corpus(name: str) -> tuple[bytes, str]:
    return (CORPUS / name).read_bytes(), name


def summary(response) -> str:
    match = re.search(r"<p [^>]*data-upload-summary>(.*?)</p>", text(response), re.S)
    return " ".join(match.group(1).split())


def test_upload_eml_files_counts_stored_duplicates_and_unreadable(app, client, login_as):
    shop = make_shop(app, login_as)
    page = text(client.get(f"/company/mailboxes/{shop.mailbox_id}/upload"))
    assert (
        "js/upload.js" in page and "<progress" in page and 'enctype="multipart/form-data"' in page
    )

    first = upload(
        client,
        shop.mailbox_id,
        [corpus("multipart_alternative.eml"), corpus("html_only.eml"),
         (b"this is not an email at all", "notes.eml"), corpus("attachments.eml")],
    )  # fmt: skip
    assert first.status_code == 200
    assert summary(first) == "3 emails stored, 0 duplicates, 1 unreadable."
    assert "notes.eml" in text(first) and "This is not an email we can read" in text(first)
    with app.app_context():
        assert count(Message) == 3 and count(Conversation) == 3  # nothing of notes.eml

    second = upload(client, shop.mailbox_id, [corpus("html_only.eml"), corpus("latin1.eml")])
    assert summary(second) == "1 email stored, 1 duplicate, 0 unreadable."
    assert "Already in the mailbox" in text(second) and "html_only.eml" in text(second)
    with app.app_context():
        assert count(Message) == 4


def test_uploaded_hostile_mail_is_stored_readably_or_named_as_unreadable(app, client, login_as):
    shop = make_shop(app, login_as)
    files = [
        (hostile_mail.READABLE["nul in the charset"][0], "nul-charset.eml"),
        (hostile_mail.READABLE["attachment named in a charset with a NUL"][0], "photo.eml"),
        (hostile_mail.REFUSED["a Content-Type with 20,000 parameters"][0], "absurd.eml"),
    ]
    response = upload(client, shop.mailbox_id, files)
    assert response.status_code == 200
    assert summary(response) == "2 emails stored, 0 duplicates, 1 unreadable."
    assert "absurd.eml" in text(response) and "a header is far too long" in text(response)
    with app.app_context():
        bodies = sorted(m.body_text for m in db.session.scalars(sa.select(Message)))
        assert bodies == ["Foto anbei.", "Meine Lieferung fehlt."]


def test_upload_an_mbox_file(app, client, login_as, tmp_path):
    shop = make_shop(app, login_as)
    with app.app_context():
        known = deliver(db.session.get(Mailbox, shop.mailbox_id), subject="Schon da")
        known_raw = customer_mail(subject="Schon da", message_id=known.message_id)
    first_id = "<first-in-box@kunde.example>"
    box = stdlib_mailbox.mbox(tmp_path / "export.mbox")
    box.add(customer_mail(subject="Rechnung fehlt", message_id=first_id))
    box.add(customer_mail(subject="AW: Rechnung fehlt", in_reply_to=first_id))
    box.add(known_raw)
    box.add(b"Subject: no sender\n\nWho wrote this?\n")
    box.close()
    response = upload(client, shop.mailbox_id, [((tmp_path / "export.mbox").read_bytes(),
                                                 "export.mbox")])  # fmt: skip
    assert summary(response) == "2 emails stored, 1 duplicate, 1 unreadable."
    page = text(response)
    assert "export.mbox, email 4" in page and "it has no sender address" in page
    assert "export.mbox, email 3" in page  # the duplicate, by name
    with app.app_context():
        # The follow-up is threaded into the first email's conversation.
        assert count(Conversation) == 2
        assert count(Message) == 3


@pytest.mark.postgres
def test_an_email_the_database_refuses_leaves_nothing_behind(app, client, login_as):
    """Each email is stored in its own savepoint: one the database refuses half-way
    (its sender is longer than the column) leaves no conversation behind, and the
    others of the upload are kept."""
    shop = make_shop(app, login_as)
    too_long = customer_mail(sender=f"{'x' * 300}@kunde.example", subject="Zu lang")
    response = upload(
        client,
        shop.mailbox_id,
        [corpus("latin1.eml"), (too_long, "long.eml"), corpus("html_only.eml")],
    )
    assert summary(response) == "2 emails stored, 0 duplicates, 1 unreadable."
    assert "long.eml" in text(response)
    with app.app_context():
        assert count(Conversation) == 2 and count(Message) == 2
        assert "Zu lang" not in [c.subject for c in db.session.scalars(sa.select(Conversation))]


def test_upload_refuses_mixed_files_and_too_large_uploads(app, client, login_as, monkeypatch):
    shop = make_shop(app, login_as)
    mixed = upload(client, shop.mailbox_id, [corpus("latin1.eml"), (b"From x\n", "box.mbox")])
    assert "either .eml files or one single .mbox file" in text(mixed)
    nothing = upload(client, shop.mailbox_id, [])
    assert "Please choose .eml files or one .mbox file." in text(nothing)
    other = upload(client, shop.mailbox_id, [(b"hello", "notes.txt")])
    assert "Only .eml and .mbox files can be uploaded, not notes.txt." in text(other)

    monkeypatch.setitem(app.config, "MAILBOX_UPLOAD_MAX_BYTES", 1024 * 1024)
    big = upload(client, shop.mailbox_id, [(b"x" * (1024 * 1024 + 1), "big.eml")])
    assert big.status_code == 413
    assert "larger than 1 MB; nothing was stored" in text(big)
    # Below the app's general limit (2 MB) only the upload's own limit applies, and above it too.
    monkeypatch.setitem(app.config, "MAILBOX_UPLOAD_MAX_BYTES", 3 * 1024 * 1024)
    body = b"From: a@kunde.example\nSubject: gross\n\n" + b"Text " * 500_000
    large = upload(client, shop.mailbox_id, [(body, "large.eml")])
    assert summary(large) == "1 email stored, 0 duplicates, 0 unreadable."
    with app.app_context():
        assert count(Message) == 1


def test_upload_without_csrf_token_is_refused(app, client, login_as):
    shop = make_shop(app, login_as)
    response = client.post(
        f"/company/mailboxes/{shop.mailbox_id}/upload",
        data={"files": [(io.BytesIO(corpus("latin1.eml")[0]), "latin1.eml")]},
        content_type="multipart/form-data",
        csrf=False,
    )
    assert response.status_code == 400
    with app.app_context():
        assert count(Message) == 0


# --- conversations and the stopped queue ---------------------------------------------------------


def test_conversations_by_status_with_time_to_target(app, client, login_as, travel):
    travel("2030-03-10 08:00")
    shop = make_shop(app, login_as, first_response_hours=4)
    with app.app_context():
        mailbox = db.session.get(Mailbox, shop.mailbox_id)
        deliver(mailbox, subject="Erste Frage")
        travel("2030-03-10 09:00")
        deliver(mailbox, subject="Zweite Frage")
    travel("2030-03-10 11:00")
    page = text(client.get(f"/company/mailboxes/{shop.mailbox_id}"))
    assert "Waiting (2)" in page and "Answered (0)" in page
    assert page.index("Erste Frage") < page.index("Zweite Frage")
    assert "due in 60 minutes" in page and "due in 2 hours" in page
    travel("2030-03-10 13:30")
    with app.app_context():
        answer_next(shop.engagement_ids[0])
    page = text(client.get(f"/company/mailboxes/{shop.mailbox_id}"))
    assert "overdue by 30 minutes" in page and "Erste Frage" not in page
    answered = text(client.get(f"/company/mailboxes/{shop.mailbox_id}?status=answered"))
    assert "Erste Frage" in answered and "Zweite Frage" not in answered


def test_unfunded_company_sees_its_queue_is_stopped(app, client, login_as):
    shop = make_shop(app, login_as, funds_cents=0)
    url = f"/company/mailboxes/{shop.mailbox_id}"
    assert "Workers get no more emails" not in text(client.get(url))  # nothing waits yet
    with app.app_context():
        deliver(db.session.get(Mailbox, shop.mailbox_id))
    page = text(client.get(url))
    assert (
        "Workers get no more emails from this mailbox: add funds to keep your queue moving." in page
    )
    assert '<a href="/company/balance">Add funds</a>' in page


def test_a_funded_company_has_no_banner(app, client, login_as):
    shop = make_shop(app, login_as, funds_cents=5_000)
    with app.app_context():
        deliver(db.session.get(Mailbox, shop.mailbox_id))
    assert "Workers get no more emails" not in text(
        client.get(f"/company/mailboxes/{shop.mailbox_id}")
    )


# --- escalations --------------------------------------------------------------------------------


def test_escalation_answered_by_the_company_reaches_the_customer(
    app, client, login_as, smtp_sink, travel
):
    travel("2030-03-10 08:00")
    shop = make_shop(app, login_as, workers=1)
    with app.app_context():
        mailbox = db.session.get(Mailbox, shop.mailbox_id)
        asked = deliver(mailbox, subject="Erstattung?", sender="Berta <berta@kunde.example>")
        deliver(mailbox, subject="Später", sender="Carl <carl@kunde.example>")
        asked_id = asked.message_id
        first = escalate_next(shop.engagement_ids[0], "Kundin will Geld zurück.")
        travel("2030-03-10 09:00")
        escalate_next(shop.engagement_ids[0], "Carl droht mit Anwalt.")
    queue = text(client.get("/company/mailboxes/escalations"))
    assert queue.index("Kundin will Geld zurück.") < queue.index("Carl droht mit Anwalt.")

    thread = text(client.get(f"/company/mailboxes/conversations/{first}"))
    assert "Kundin will Geld zurück." in thread and "Send the answer" in thread
    assert "Guten Tag, ich warte noch auf meine Bestellung 4711." in thread

    empty = client.post(f"/company/mailboxes/conversations/{first}/answer", data={"body": " "})
    assert "Please write your answer." in text(empty)

    smtp_sink.clear()  # the acknowledgments
    response = client.post(
        f"/company/mailboxes/conversations/{first}/answer",
        data={"body": "Wir erstatten Ihnen den Betrag."},
    )
    assert response.status_code == 302
    sent = smtp_sink.to("berta@kunde.example")
    assert len(sent) == 1
    assert sent[0]["In-Reply-To"] == asked_id
    assert sent[0]["Subject"] == "Re: Erstattung?"
    assert "Wir erstatten Ihnen den Betrag." in sent[0].get_content()
    with app.app_context():
        conversation = db.session.get(Conversation, first)
        assert conversation.status == ConversationStatus.ANSWERED
        assert count(WorkUnit) == 0  # the company's own answer is not paid work
    queue = text(client.get("/company/mailboxes/escalations"))
    assert "Kundin will Geld zurück." not in queue and "Carl droht mit Anwalt." in queue
    # A second answer to the same conversation is refused: it is not escalated any more.
    again = client.post(
        f"/company/mailboxes/conversations/{first}/answer", data={"body": "Nochmal"}
    )
    assert "not waiting for the company" in text(again)
    assert len(smtp_sink.to("berta@kunde.example")) == 1
    # In development the reply shows in the dev outbox.
    outbox = text(client.get("/dev/outbox"))
    assert "Re: Erstattung?</strong> → berta@kunde.example" in outbox
    assert "Wir erstatten" in outbox and "sent" in outbox


# --- reviewing answers -------------------------------------------------------------------------


def test_review_approve_reject_and_bulk_approve(app, client, login_as):
    shop = make_shop(app, login_as, workers=1)
    with app.app_context():
        mailbox = db.session.get(Mailbox, shop.mailbox_id)
        for number in (1, 2, 3, 4):
            deliver(mailbox, subject=f"Frage {number}", body=f"Kundentext Nummer {number}")
        replies = [answer_next(shop.engagement_ids[0], f"Antwort Nummer {n}") for n in (1, 2, 3, 4)]
        unit_ids = [unit_of(reply_id).id for reply_id in replies]
    # The old review of answers leads to the company's one review, showing answered emails.
    old = client.get(f"/company/mailboxes/review?mailbox={shop.mailbox_id}")
    assert old.status_code == 302 and old.headers["Location"] == "/company/review?kind=email"
    page = text(client.get(old.headers["Location"]))
    for n in (1, 2, 3, 4):
        assert f"Antwort Nummer {n}" in page and f"Kundentext Nummer {n}" in page
    assert "Decide by" in page and "Read the answer" in page

    first, second, third, fourth = unit_ids
    approved = client.post(f"/company/review/units/{first}/approve", data={"kind": "email"})
    assert approved.headers["Location"] == "/company/review?kind=email"
    no_reason = client.post(f"/company/review/units/{second}/reject", data={})
    assert "Please tell the worker why." in text(client.get(no_reason.headers["Location"]))
    client.post(f"/company/review/units/{second}/reject", data={"reason": "Falsche Auskunft"})
    client.post("/company/review/approve", data={"unit_ids": [str(third), str(fourth)]})
    with app.app_context():
        statuses = [db.session.get(WorkUnit, unit_id).status for unit_id in unit_ids]
        assert statuses == [UnitStatus.APPROVED, UnitStatus.REJECTED,
                            UnitStatus.APPROVED, UnitStatus.APPROVED]  # fmt: skip
        assert db.session.get(WorkUnit, second).rejection_reason == "Falsche Auskunft"
    assert "No work is waiting for your review." in text(client.get("/company/review?kind=email"))


def test_answers_past_their_review_window_are_not_offered(app, client, login_as, travel):
    travel("2030-03-10 08:00")
    shop = make_shop(app, login_as)
    with app.app_context():
        deliver(db.session.get(Mailbox, shop.mailbox_id))
        answer_next(shop.engagement_ids[0], "Antwort ohne Entscheidung")
    assert "Antwort ohne Entscheidung" in text(client.get("/company/review"))
    travel(
        datetime(2030, 3, 10, 8, tzinfo=UTC) + timedelta(hours=app.config["REVIEW_WINDOW_HOURS"])
    )
    assert "Antwort ohne Entscheidung" not in text(client.get("/company/review"))


# --- the dashboard ------------------------------------------------------------------------------


def figure(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}"><strong>([^<]*)</strong>', page)
    return match.group(1)


def test_dashboard_figures_for_a_known_day(app, client, login_as, travel):
    """08:00 three customers write (target: 4 hours). Anna answers the first at 09:00 (1 h)
    and the third at 13:00 (5 h, late); Ben escalates the second at 11:00, which the
    company answers at 15:00 (7 h, late). A fourth customer writes at 13:00 and still
    waits at 18:00 (5 h, past the target). A second, empty mailbox filters to zero."""
    travel("2030-03-10 08:00")
    shop = make_shop(app, login_as, workers=2, first_response_hours=4, escalation_rate_cents=40)
    with app.app_context():
        mailbox = db.session.get(Mailbox, shop.mailbox_id)
        anna = db.session.get(Engagement, shop.engagement_ids[0]).worker
        ben = db.session.get(Engagement, shop.engagement_ids[1]).worker
        anna.display_name, ben.display_name = "Anna Arbeit", "=Ben Bot"
        db.session.commit()
        for subject in ("Eins", "Zwei", "Drei"):
            deliver(mailbox, subject=subject)
        travel("2030-03-10 09:00")
        answer_next(shop.engagement_ids[0])
        travel("2030-03-10 11:00")
        escalated = escalate_next(shop.engagement_ids[1], "Bitte übernehmen")
        travel("2030-03-10 13:00")
        answer_next(shop.engagement_ids[0])
        deliver(mailbox, subject="Vier")
        owner = db.session.get(User, shop.owner_id)
        quiet, _token = mailboxes.create_mailbox(
            mailbox.gig, mailboxes.MailboxSettings(**{
                **{c: getattr(mailbox, c) for c in (
                    "from_address", "from_name", "reply_to", "signature", "mode",
                    "forward_to_id", "ack_de", "ack_en", "first_response_hours",
                    "retention_days", "lease_minutes", "escalation_rate_cents")},
                "name": "Leer",
            }),
            by=owner,
        )  # fmt: skip
        db.session.commit()
        quiet_id = quiet.id
    travel("2030-03-10 15:00")
    client.post(f"/company/mailboxes/conversations/{escalated}/answer", data={"body": "Erledigt."})
    travel("2030-03-10 18:00")

    page = text(client.get("/company/mailboxes/dashboard"))
    assert figure(page, "queue") == "1"
    assert figure(page, "oldest") == "5 hours"
    assert figure(page, "overdue") == "1"
    assert figure(page, "median") == "5 hours"  # of 1 h, 5 h and 7 h
    assert figure(page, "late") == "2"
    # Anna: 2 × (0,80 + 0,12); Ben's escalation: 0,40 + 0,06
    assert figure(page, "spend") == "€2.30"
    assert "over 3 conversations first answered" in page
    assert "first-response time runs from then until the mail server accepted" in page
    assert '<svg class="chart"' in page
    cells = '<td data-label="Worker">{}</td><td data-label="Answered">{}</td>'
    cells += '<td data-label="Escalated">{}</td><td data-label="Spend">{}</td>'
    assert "<tr>" + cells.format("Anna Arbeit", 2, 0, "€1.84") + "</tr>" in page
    assert "<tr>" + cells.format("=Ben Bot", 0, 1, "€0.46") + "</tr>" in page

    quiet_page = text(client.get(f"/company/mailboxes/dashboard?mailbox={quiet_id}"))
    assert figure(quiet_page, "queue") == "0" and figure(quiet_page, "spend") == "€0.00"
    assert "No work in these 14 days." in quiet_page

    response = client.get("/company/mailboxes/dashboard.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    figures_part, _blank, days_part = response.get_data(as_text=True).partition("\r\n\r\n")
    figures = dict(list(csv.reader(io.StringIO(figures_part)))[1:])
    assert figures["Mailboxes"] == "All mailboxes"
    assert figures["Waiting now"] == "1"
    assert figures["Waiting since (oldest)"] == "2030-03-10T13:00:00+00:00"
    assert figures["Waiting past the first-response target"] == "1"
    assert figures["First responses"] == "3"
    assert figures["First responses after the target"] == "2"
    assert figures["Median first-response time (minutes)"] == "300"
    assert figures["Answered by workers"] == "2" and figures["Escalated by workers"] == "1"
    assert figures["Spend (EUR)"] == "2.30"
    days = list(csv.reader(io.StringIO(days_part)))
    assert days[0] == ["Day", "Worker", "Answered", "Escalated", "Spend (EUR)"]
    assert sorted(days[1:]) == [
        ["2030-03-10", "'=Ben Bot", "0", "1", "0.46"],  # no formula in a spreadsheet
        ["2030-03-10", "Anna Arbeit", "2", "0", "1.84"],
    ]
    quiet_csv = client.get(f"/company/mailboxes/dashboard.csv?mailbox={quiet_id}")
    assert "Leer" in quiet_csv.get_data(as_text=True)


def test_dashboard_counts_days_and_keeps_the_window(app, client, login_as, travel):
    travel("2030-03-01 10:00")
    shop = make_shop(app, login_as)
    with app.app_context():
        mailbox = db.session.get(Mailbox, shop.mailbox_id)
        deliver(mailbox, subject="Alt")
        answer_next(shop.engagement_ids[0])
        travel("2030-03-10 10:00")
        deliver(mailbox, subject="Neu")
        answer_next(shop.engagement_ids[0])
    travel("2030-03-16 12:00")  # 1 March is outside the last 14 days, 10 March inside
    rows = list(csv.reader(io.StringIO(
        client.get("/company/mailboxes/dashboard.csv").get_data(as_text=True)
        .partition("\r\n\r\n")[2]
    )))  # fmt: skip
    assert [row[0] for row in rows[1:]] == ["2030-03-10"]


# --- customer text is data ---------------------------------------------------------------------

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_customer_and_worker_text_is_shown_as_text(app, client, login_as):
    shop = make_shop(app, login_as, workers=2)
    with app.app_context():
        mailbox = db.session.get(Mailbox, shop.mailbox_id)
        for _n in range(2):
            deliver(mailbox, subject=f"Hi {PAYLOAD}", body=f"Order 4711 {PAYLOAD}",
                    sender=f'"Eve {PAYLOAD}" <eve@kunde.example>')  # fmt: skip
        answer_next(shop.engagement_ids[0], f"Answer {PAYLOAD}")
        escalated = escalate_next(shop.engagement_ids[1], f"Note {PAYLOAD}")
        mailboxes.save_canned_reply(mailbox, title=f"T {PAYLOAD}", body=f"B {PAYLOAD}")
        db.session.commit()
    m = f"/company/mailboxes/{shop.mailbox_id}"
    for url in (f"{m}?status=answered", f"{m}?status=escalated", f"{m}/replies",
                f"/company/mailboxes/conversations/{escalated}", "/company/mailboxes/escalations",
                "/company/review", "/dev/outbox"):  # fmt: skip
        body = client.get(url).get_data(as_text=True)
        assert "&lt;script&gt;alert(" in body, url
        assert "<script>alert" not in body and "<img src=x onerror" not in body, url


# --- another company ------------------------------------------------------------------------


def test_another_company_finds_nothing(app, client, login_as):
    shop = make_shop(app, login_as)
    with app.app_context():
        mailbox = db.session.get(Mailbox, shop.mailbox_id)
        deliver(mailbox)
        deliver(mailbox)
        reply_id = answer_next(shop.engagement_ids[0])
        unit_id = unit_of(reply_id).id
        escalated = escalate_next(shop.engagement_ids[0], "Bitte übernehmen")
        canned = mailboxes.save_canned_reply(mailbox, title="Hallo", body="Hallo!")
        db.session.commit()
        canned_id = canned.id
        stranger = company_member()
        login_as(stranger)
    m = f"/company/mailboxes/{shop.mailbox_id}"
    gets = [
        m, f"{m}/edit", f"{m}/replies", f"{m}/upload",
        f"/company/mailboxes/conversations/{escalated}",
        f"/company/mailboxes/replies/{canned_id}/edit",
        f"/company/mailboxes/escalations?mailbox={shop.mailbox_id}",
        f"/company/mailboxes/dashboard?mailbox={shop.mailbox_id}",
        f"/company/mailboxes/dashboard.csv?mailbox={shop.mailbox_id}",
    ]  # fmt: skip
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        (f"{m}/edit", mailbox_form(name="Gekapert")),
        (f"{m}/token", {}),
        (f"{m}/replies", {"title": "X", "body": "Y"}),
        (f"/company/mailboxes/replies/{canned_id}/edit", {"title": "X", "body": "Y"}),
        (f"/company/mailboxes/replies/{canned_id}/delete", {}),
        (f"/company/mailboxes/conversations/{escalated}/answer", {"body": "Hallo"}),
        (f"/company/review/units/{unit_id}/approve", {}),
        (f"/company/review/units/{unit_id}/reject", {"reason": "Nein"}),
        ("/company/review/approve", {"unit_ids": [str(unit_id)]}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    upload_response = upload(client, shop.mailbox_id, [corpus("latin1.eml")])
    assert upload_response.status_code == 404
    with app.app_context():
        mailbox = db.session.get(Mailbox, shop.mailbox_id)
        assert mailbox.name == "Support"
        assert mailbox.token_hash == hashlib.sha256(shop.token.encode()).hexdigest()
        assert db.session.get(CannedReply, canned_id).body == "Hallo!"
        assert db.session.get(WorkUnit, unit_id).status == UnitStatus.PENDING
        assert db.session.get(Conversation, escalated).status == ConversationStatus.ESCALATED
        assert count(Reply) == 2  # the worker's answer and the acknowledgment
        assert count(Message) == 4  # two customer emails, the answer, the acknowledgment
    # Its own pages show none of it.
    for url in ("/company/mailboxes/", "/company/mailboxes/escalations",
                "/company/review", "/company/mailboxes/dashboard"):  # fmt: skip
        page = text(client.get(url))
        assert "Support" not in page and "Bitte übernehmen" not in page, url


def test_company_navigation_links_to_mailboxes(app, client, login_as):
    make_shop(app, login_as)
    page = text(client.get("/company/mailboxes/"))
    assert '<a href="/company/mailboxes/">Mailboxes</a>' in page
    assert "Support" in page and "support@shop.example" in page
