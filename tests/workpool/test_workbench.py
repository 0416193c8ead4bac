"""The worker's workbench as a worker uses it: the customer's earlier conversations
beside the thread, the searchable canned replies (one signature, never two), the
keyboard help, collision safety (a customer who writes again while the worker types
stops the send, the draft stays), times in the mailbox's zone (the quoted line of
the reply the same as the page), and the name in the worker's replies (the first
name unless the worker chooses otherwise), checked in the mail the SMTP sink got."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.workpool import mailboxes, pool, signatures
from marketplace.workpool.models import (
    Conversation,
    ConversationStatus,
    Mailbox,
    Message,
    Reply,
    ReplyNameMode,
)
from tests.workpool.helpers import deliver
from tests.workpool.helpers import pool as make_pool

CUSTOMER = "anna@kunde.example"
FIRST_ID = "<erste-frage@kunde.example>"
SIGNATURE = "Ihr Shop-Team\nMusterstraße 1, Leipzig"


def text_of(response) -> str:
    return re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(response.get_data(as_text=True)))
    )


@pytest.fixture
def bench(app, login_as, smtp_sink):
    """A funded pool whose hired worker is Mia Musterfrau, a mailbox in New York time
    with a signature and one waiting customer email; Mia is logged in."""
    smtp_sink.clear()
    with app.app_context():
        mailbox, (engagement,), _token = make_pool(signature=SIGNATURE)
        mailbox.time_zone = "America/New_York"
        worker = engagement.worker
        worker.display_name = "Mia Musterfrau"
        db.session.commit()
        message = deliver(mailbox, message_id=FIRST_ID, sender=f"Anna Kunde <{CUSTOMER}>")
        login_as(worker)
        return {"mailbox_id": mailbox.id, "conversation_id": message.conversation_id,
                "worker": worker, "message_id": message.id}  # fmt: skip


def mail_text(sent) -> str:
    return sent.get_content().replace("\r\n", "\n")


def open_workbench(client) -> tuple[str, str]:
    """Press "Next email"; returns the workbench's URL and its HTML."""
    location = client.post("/work/inbox/next").headers["Location"]
    response = client.get(location)
    assert response.status_code == 200
    return location, response.get_data(as_text=True)


def last_seen(page: str) -> str:
    return re.search(r'name="last_seen"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="last_seen"', page)


def seen_id(page: str) -> str:
    match = last_seen(page)
    assert match, "the answer form carries the last message the worker saw"
    return match.group(1) or match.group(2)


def answer(client, location: str, body: str, seen: str | None):
    data = {"body": body}
    if seen is not None:
        data["last_seen"] = seen
    return client.post(f"{location}/answer", data=data)


# --- the customer's earlier conversations ----------------------------------------------------


def test_the_customers_earlier_conversations_are_shown_beside_the_thread(app, client, bench):
    with app.app_context():
        mailbox = db.session.get(Mailbox, bench["mailbox_id"])
        # Anna wrote before, about something else (answered, in the past) ...
        earlier = deliver(mailbox, subject="Rechnung fehlt", sender=f"Anna <{CUSTOMER.upper()}>",
                          body="Bitte die Rechnung zu 4711 schicken.")  # fmt: skip
        conversation = db.session.get(Conversation, earlier.conversation_id)
        conversation.status = ConversationStatus.ANSWERED
        # ... and someone else wrote too; and Anna wrote to another company's mailbox.
        deliver(mailbox, subject="Fremde Frage", sender="ben@kunde.example", body="Ben fragt.")
        other_box, _engagements, _token = make_pool()
        deliver(other_box, subject="Anderer Shop", sender=CUSTOMER, body="Anderswo.")
        # The first email is the oldest: the worker gets it first.
        first = db.session.get(Conversation, bench["conversation_id"])
        first.first_response_due_at = datetime.now(UTC) - timedelta(hours=1)
        db.session.commit()
    location, page = open_workbench(client)
    assert location.endswith(f"/{bench['conversation_id']}")
    history = page[page.index('id="history"') :]
    assert "Rechnung fehlt" in history and "Answered" in history
    assert "Bitte die Rechnung zu 4711 schicken." in history  # read-only, expandable
    assert "<details" in history and "<form" not in history.split("</section>")[0]
    assert "Fremde Frage" not in page and "Ben fragt." not in page
    assert "Anderer Shop" not in page and "Anderswo." not in page


def test_a_first_time_customer_is_named_as_such(client, bench):
    _location, page = open_workbench(client)
    assert "first conversation with this mailbox" in page


# --- canned replies ---------------------------------------------------------------------------


def test_canned_replies_have_a_search_box_and_stay_a_plain_list_without_script(app, client, bench):
    with app.app_context():
        mailbox = db.session.get(Mailbox, bench["mailbox_id"])
        for title in ("Lieferstatus", "Retoure", "Rechnung"):
            mailboxes.save_canned_reply(
                mailbox, title=title, body=f"{title}: Hallo {{customer_name}}"
            )
        db.session.commit()
    _location, page = open_workbench(client)
    # The search box (shown by workbench.js) has a label; each reply is in the plain list.
    assert re.search(r'<label for="canned-filter">Search canned replies</label>', page)
    assert "data-canned-search hidden" in page
    for title in ("Lieferstatus", "Retoure", "Rechnung"):
        assert f'data-search="{title.lower()} {title.lower()}: hallo anna kunde"' in page
        assert f"<summary>{title}</summary>" in page
    # Scripts only from files (the CSP forbids inline ones); the help line names the keys.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "js/workbench.js" in page
    assert re.search(r"data-shortcuts-help hidden", page)
    help_line = text_of(client.get(_location))
    assert "Ctrl + Enter send" in help_line and "r insert a canned reply" in help_line
    assert "e escalate" in help_line and "s skip" in help_line


def test_a_canned_reply_with_its_own_signature_sends_one_signature(app, client, bench, smtp_sink):
    with app.app_context():
        mailbox = db.session.get(Mailbox, bench["mailbox_id"])
        mailboxes.save_canned_reply(
            mailbox, title="Mit Gruß", body="Guten Tag {customer_name},\n\nes ist unterwegs.\n\n"
            f"Viele Grüße\n{{worker_name}}\n\n{SIGNATURE}",
        )  # fmt: skip
        db.session.commit()
    location, page = open_workbench(client)
    inserted = html.unescape(re.search(r'data-insert-text="([^"]*)"', page).group(1))
    assert inserted == "Guten Tag Anna Kunde,\n\nes ist unterwegs.\n\nViele Grüße\nMia"
    # Whether the worker pasted the whole canned text (with the signature) or not:
    assert answer(client, location, inserted + "\n\n" + SIGNATURE, seen_id(page)).status_code == 302
    text = mail_text(smtp_sink.last_to(CUSTOMER))
    assert text.count("Musterstraße 1, Leipzig") == 1
    assert text.count("-- \n") <= 1


def test_the_signature_is_added_once_under_a_plain_answer():
    assert signatures_signed("Danke!") == "Danke!\n\n-- \n" + SIGNATURE
    assert signatures_signed("Danke!\n\n" + SIGNATURE) == "Danke!\n\n" + SIGNATURE
    assert signatures_signed("Danke!\n-- \nMia") == "Danke!\n-- \nMia"


def signatures_signed(body: str) -> str:
    from marketplace.workpool.replies import signed

    return signed(body, SIGNATURE)


# --- collision safety -------------------------------------------------------------------------


def test_a_customer_who_writes_again_stops_the_send_and_the_worker_confirms(
    app, client, bench, smtp_sink
):
    location, page = open_workbench(client)
    seen = seen_id(page)
    assert seen == str(bench["message_id"])
    with app.app_context():  # Anna writes again while the worker types
        mailbox = db.session.get(Mailbox, bench["mailbox_id"])
        newer = deliver(mailbox, in_reply_to=FIRST_ID, body="Ach, und bitte an die Packstation!")
        assert newer.conversation_id == bench["conversation_id"]
        newer_id = newer.id

    draft = "Ihr Paket kommt morgen."
    refused = answer(client, location, draft, seen)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "The customer wrote again while you were typing" in page
    assert f'id="message-{newer_id}"' in page and "data-new-message" in page
    assert "New since you opened this email" in page
    assert draft in page  # the draft is kept in the form
    assert seen_id(page) == str(newer_id)  # the form now carries the newest message
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 0
        assert db.session.get(Conversation, bench["conversation_id"]).status == "waiting"
    assert smtp_sink.to(CUSTOMER) == []

    # The worker read it, adds a line and sends again: now it goes out.
    sent = answer(client, location, draft + " Gern an die Packstation.", seen_id(page))
    assert sent.status_code == 302
    text = mail_text(smtp_sink.last_to(CUSTOMER))
    assert "Gern an die Packstation." in text and "> Ach, und bitte an die Packstation!" in text


def test_the_service_refuses_an_answer_older_than_the_newest_customer_message(app, bench):
    with app.app_context():
        mailbox = db.session.get(Mailbox, bench["mailbox_id"])
        worker = db.session.get(type(bench["worker"]), bench["worker"].id)
        conversation = pool.claim_next(worker).conversation
        db.session.commit()
        newer = deliver(mailbox, in_reply_to=FIRST_ID, body="Noch eine Frage.")
        with pytest.raises(pool.CustomerWroteAgain) as refused:
            pool.answer(conversation, worker=worker, body="Antwort", seen_message_id=newer.id - 1)
        assert refused.value.newest_id == newer.id
        db.session.rollback()
        reply = pool.answer(conversation, worker=worker, body="Antwort", seen_message_id=newer.id)
        assert reply.id is not None


# --- times in the mailbox's zone ----------------------------------------------------------------


def test_times_show_in_the_mailbox_zone_and_the_quote_line_matches_the_page(
    app, client, bench, smtp_sink
):
    arrived = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)  # 10:30 in New York
    with app.app_context():
        message = db.session.get(Message, bench["message_id"])
        message.sent_at = message.received_at = arrived
        db.session.commit()
    location, page = open_workbench(client)
    shown = "3/2/26, 10:30\u202fAM"
    assert shown in html.unescape(page)
    assert "Times in America/New_York" in page
    assert answer(client, location, "Es ist unterwegs.", seen_id(page)).status_code == 302
    text = mail_text(smtp_sink.last_to(CUSTOMER))
    assert f"On {shown}, Anna Kunde wrote:\n> Guten Tag" in text


def test_the_company_sees_the_same_times_as_the_worker(app, client, bench, login_as):
    """The company's conversation page and list show the mailbox's zone too, so the
    quote line under an answer matches what staff see."""
    arrived = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)  # 10:30 in New York
    with app.app_context():
        message = db.session.get(Message, bench["message_id"])
        message.sent_at = message.received_at = message.conversation.waiting_since = arrived
        mailbox = db.session.get(Mailbox, bench["mailbox_id"])
        db.session.commit()
        login_as(mailbox.gig.company.memberships[0].user)
    shown = "3/2/26, 10:30\u202fAM"
    page = client.get(f"/company/mailboxes/conversations/{bench['conversation_id']}")
    assert page.status_code == 200
    assert shown in html.unescape(page.get_data(as_text=True))
    listing = client.get(f"/company/mailboxes/{bench['mailbox_id']}")
    assert listing.status_code == 200
    assert shown in html.unescape(listing.get_data(as_text=True))


def test_the_quote_line_in_german_and_berlin_time(app):
    with app.test_request_context():
        mailbox = Mailbox(time_zone="Europe/Berlin")
        when = datetime(2026, 12, 7, 9, 5, tzinfo=UTC)
        assert (
            signatures.quote_intro(when, "Anna", mailbox, "de")
            == "Am 07.12.26, 10:05 schrieb Anna:"
        )


def test_the_mailbox_time_zone_is_a_setting_checked_against_the_list(app, bench):
    with app.app_context():
        mailbox = db.session.get(Mailbox, bench["mailbox_id"])
        owner = mailbox.gig.company.memberships[0].user
        from tests.workpool.helpers import settings

        with pytest.raises(DomainError, match="time zone"):
            mailboxes.update_mailbox(mailbox, settings(time_zone="Mars/Olympus"), by=owner)
        db.session.rollback()
        mailboxes.update_mailbox(mailbox, settings(time_zone="Europe/Vienna"), by=owner)
        db.session.commit()
        assert db.session.get(Mailbox, bench["mailbox_id"]).time_zone == "Europe/Vienna"
        assert settings().time_zone == "Europe/Berlin"  # the default


# --- the name in the worker's replies ---------------------------------------------------------


def test_by_default_customers_get_the_first_name_and_never_the_surname(
    app, client, bench, smtp_sink
):
    with app.app_context():
        mailbox = db.session.get(Mailbox, bench["mailbox_id"])
        mailboxes.save_canned_reply(mailbox, title="Gruß", body="Viele Grüße\n{worker_name}")
        db.session.commit()
    location, page = open_workbench(client)
    assert "Customers see you as “Mia”." in html.unescape(page)
    inserted = html.unescape(re.search(r'data-insert-text="([^"]*)"', page).group(1))
    assert inserted == "Viele Grüße\nMia"
    assert (
        answer(client, location, "Es ist unterwegs.\n\n" + inserted, seen_id(page)).status_code
        == 302
    )
    sent = smtp_sink.last_to(CUSTOMER)
    assert "Musterfrau" not in sent.as_string()
    assert sent["From"].addresses[0].display_name == "Mia (Shop Support)"
    assert "Viele Grüße\nMia" in mail_text(sent)
    # The thread shows the same sender as the customer got.
    with app.app_context():
        outbound = db.session.scalars(
            sa.select(Message).where(Message.direction == "outbound")
        ).one()
        assert outbound.from_name == "Mia (Shop Support)"


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"mode": "full"}, "Mia Musterfrau"),
        ({"mode": "chosen", "chosen_name": "  Team   Mia "}, "Team Mia"),
        ({"mode": "first", "chosen_name": "ignored"}, "Mia"),
    ],
)
def test_the_worker_chooses_the_name_in_their_replies(
    app, client, bench, smtp_sink, form, expected
):
    page = client.get("/work/inbox/reply-name")
    assert page.status_code == 200 and "My first name" in page.get_data(as_text=True)
    saved = client.post("/work/inbox/reply-name", data=form)
    assert saved.status_code == 302
    assert f"Customers see “{expected}”." in html.unescape(
        client.get(saved.headers["Location"]).get_data(as_text=True)
    )
    location, page = open_workbench(client)
    assert answer(client, location, "Es ist unterwegs.", seen_id(page)).status_code == 302
    sent = smtp_sink.last_to(CUSTOMER)
    assert sent["From"].addresses[0].display_name == f"{expected} (Shop Support)"
    assert ("Musterfrau" in sent.as_string()) == (form["mode"] == "full")


def test_a_chosen_name_must_be_written(app, client, bench):
    refused = client.post("/work/inbox/reply-name", data={"mode": "chosen", "chosen_name": " "})
    assert refused.status_code == 422
    assert "Please write the name you want to sign with." in refused.get_data(as_text=True)
    with app.app_context():
        worker = db.session.get(type(bench["worker"]), bench["worker"].id)
        assert signatures.reply_name_setting(worker) is None
        assert signatures.reply_name(worker) == "Mia"


def test_the_reply_name_rules_as_a_service(app, bench):
    with app.app_context():
        worker = db.session.get(type(bench["worker"]), bench["worker"].id)
        assert signatures.reply_name(worker) == "Mia"
        signatures.set_reply_name(worker, mode=ReplyNameMode.CHOSEN, chosen_name="Mia vom Shop")
        assert signatures.reply_name(worker) == "Mia vom Shop"
        with pytest.raises(DomainError):
            signatures.set_reply_name(worker, mode=ReplyNameMode.CHOSEN, chosen_name="x" * 81)
