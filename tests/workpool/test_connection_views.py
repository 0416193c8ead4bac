"""The mailbox's connection page: the forwarding address with its instructions,
"Test connection" naming what failed in the reader's language, saving only after
a passing test, passwords never shown again, disconnecting; and another company
reaching none of it."""

from __future__ import annotations

import html

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.workpool.models import Mailbox, MailboxConnection
from tests.factories import company_member
from tests.workpool.helpers import pool as make_pool
from tests.workpool.imap_helpers import COMPANY_SMTP_LOGIN


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def shop(app, login_as, locale: str = "en") -> int:
    with app.app_context():
        mailbox, _engagements, _token = make_pool()
        owner = mailbox.gig.company.memberships[0].user
        owner.locale = locale
        db.session.commit()
        login_as(owner)
        return mailbox.id


def form(account, smtp, **overrides) -> dict[str, str]:
    data = {
        "imap_host": "127.0.0.1",
        "imap_port": str(account.port),
        "imap_security": "none",
        "imap_username": account.username,
        "imap_password": account.password,
        "imap_folder": "INBOX",
        "after_fetch": "seen",
        "move_to_folder": "",
        "smtp_host": "127.0.0.1",
        "smtp_port": str(smtp.port),
        "smtp_security": "none",
        "smtp_username": COMPANY_SMTP_LOGIN[0],
        "smtp_password": COMPANY_SMTP_LOGIN[1],
        "file_in_sent": "y",
        "sent_folder": "",
    }
    data.update(overrides)
    return data


def connection_of(app, mailbox_id: int) -> MailboxConnection | None:
    with app.app_context():
        return db.session.scalar(
            sa.select(MailboxConnection).where(MailboxConnection.mailbox_id == mailbox_id)
        )


def test_the_page_shows_the_forwarding_address_and_how_to_use_it(app, client, login_as):
    mailbox_id = shop(app, login_as)
    page = text(client.get(f"/company/mailboxes/{mailbox_id}/connect"))
    with app.app_context():
        token = db.session.get(Mailbox, mailbox_id).forward_token
    assert f"{token}@inbound.nebendesk.test" in page
    assert "set a forwarding rule at your provider" in page
    assert "Test connection" in page and "Save and connect" in page


def test_a_failed_test_is_explained_in_german_and_saves_nothing(
    app, client, login_as, imap_account, company_smtp
):
    mailbox_id = shop(app, login_as, locale="de")
    url = f"/company/mailboxes/{mailbox_id}/connect"
    wrong = form(imap_account, company_smtp, imap_password="Falsch-9731")
    page = text(client.post(url, data={**wrong, "test": "1"}))
    assert "Die Verbindung funktioniert noch nicht." in page
    assert "Der IMAP-Server hat den Benutzernamen oder das Passwort abgelehnt." in page
    assert "Falsch-9731" not in page  # the typed password is not sent back

    page = text(client.post(url, data={**wrong, "save": "1"}))
    assert "Nichts wurde gespeichert" in page
    assert connection_of(app, mailbox_id) is None


def test_a_passing_test_then_save_connects_and_never_shows_the_password(
    app, client, login_as, imap_account, company_smtp
):
    mailbox_id = shop(app, login_as)
    url = f"/company/mailboxes/{mailbox_id}/connect"
    page = text(client.post(url, data={**form(imap_account, company_smtp), "test": "1"}))
    assert "The connection works." in page
    assert connection_of(app, mailbox_id) is None  # a test stores nothing

    response = client.post(url, data={**form(imap_account, company_smtp), "save": "1"})
    assert response.status_code == 302
    page = text(client.get(url))
    assert "Connected. New mail is fetched every minute" in page
    assert imap_account.username in page
    assert imap_account.password not in page and COMPANY_SMTP_LOGIN[1] not in page

    # Changing a setting with the password fields left empty keeps the passwords.
    keep = form(imap_account, company_smtp, imap_password="", smtp_password="", after_fetch="leave")
    assert client.post(url, data={**keep, "save": "1"}).status_code == 302
    assert connection_of(app, mailbox_id).after_fetch == "leave"


def test_disconnecting_deletes_the_stored_account(
    app, client, login_as, imap_account, company_smtp
):
    mailbox_id = shop(app, login_as)
    url = f"/company/mailboxes/{mailbox_id}/connect"
    client.post(url, data={**form(imap_account, company_smtp), "save": "1"})
    assert connection_of(app, mailbox_id) is not None
    response = client.post(f"{url}/disconnect", follow_redirects=True)
    assert "Disconnected. We deleted the stored passwords" in text(response)
    assert connection_of(app, mailbox_id) is None


def test_a_new_forwarding_address(app, client, login_as):
    mailbox_id = shop(app, login_as)
    with app.app_context():
        old = db.session.get(Mailbox, mailbox_id).forward_token
    response = client.post(
        f"/company/mailboxes/{mailbox_id}/connect/forwarding", follow_redirects=True
    )
    with app.app_context():
        new = db.session.get(Mailbox, mailbox_id).forward_token
    assert new != old
    assert f"{new}@inbound.nebendesk.test" in text(response)
    assert old not in text(response)


def test_another_company_reaches_nothing(app, client, login_as, imap_account, company_smtp):
    mailbox_id = shop(app, login_as)
    with app.app_context():
        login_as(company_member())
    url = f"/company/mailboxes/{mailbox_id}/connect"
    assert client.get(url).status_code == 404
    assert (
        client.post(url, data={**form(imap_account, company_smtp), "save": "1"}).status_code == 404
    )
    assert client.post(f"{url}/forwarding").status_code == 404
    assert connection_of(app, mailbox_id) is None


def test_without_an_inbound_domain_no_forwarding_address_is_offered(
    app, client, login_as, monkeypatch
):
    monkeypatch.setitem(app.config, "INBOUND_DOMAIN", "")
    mailbox_id = shop(app, login_as)
    page = text(client.get(f"/company/mailboxes/{mailbox_id}/connect"))
    assert "Forwarding addresses are not offered on this site." in page
    assert "@inbound" not in page
