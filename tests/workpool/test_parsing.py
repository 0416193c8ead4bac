"""Real-world-shaped customer mail becomes readable text, clean headers and
safely named attachments."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from marketplace.workpool.parsing import NotAnEmail, html_to_text, parse
from tests.workpool import hostile_mail

CORPUS = Path(__file__).parent / "corpus"


def mail(name: str):
    return parse((CORPUS / name).read_bytes())


def test_multipart_alternative_prefers_the_plain_text_and_decodes_everything():
    parsed = mail("multipart_alternative.eml")
    assert parsed.subject == "Wo bleibt meine Bestellung – Nr. 4711?"
    assert (parsed.from_address, parsed.from_name) == ("anna.schmidt@example.com", "Anna Schmidt")
    assert parsed.message_id == "<20261124091502.AB12@mail.example.com>"
    assert "Versandbestätigung bekommen. Können Sie nachsehen?" in parsed.text
    assert "Viele Grüße" in parsed.text and not parsed.was_html
    assert parsed.date.isoformat() == "2026-11-24T08:15:02+00:00"


def test_html_only_mail_becomes_readable_text():
    parsed = mail("html_only.eml")
    assert parsed.was_html
    assert "I need a return label for order 5123." in parsed.text
    assert "- Helmet" in parsed.text and "- Gloves" in parsed.text
    assert "my order (https://example.net/order/5123)" in parsed.text
    assert "alert" not in parsed.text and "color:red" not in parsed.text


def test_iso_8859_1_body_and_encoded_words():
    parsed = mail("latin1.eml")
    assert parsed.subject == "Rücksendung Größe"
    assert parsed.from_name == "Jürgen Müller"
    assert "Grüß Gott, die Größe passt nicht." in parsed.text


def test_windows_1252_body():
    parsed = mail("windows1252.eml")
    assert "The invoice says € 12,50 but I paid € 10 – please check “quickly”." in parsed.text


def test_attachments_are_listed_with_safe_names_and_sizes():
    parsed = mail("attachments.eml")
    assert parsed.text == "The bell broke after two days. Photo attached."
    names = [(a.filename, a.content_type, a.size) for a in parsed.attachments]
    assert names == [
        ("_.._bell photo.png", "image/png", 70),
        ("Rechnung März.pdf", "application/pdf", 15),
    ]


def test_a_missing_message_id_gets_a_stable_one():
    first, second = mail("no_message_id.eml"), mail("no_message_id.eml")
    assert first.message_id.startswith("<generated-")
    assert first.message_id == second.message_id


def test_a_follow_up_knows_the_thread_from_references_only():
    parsed = mail("followup_references_only.eml")
    assert parsed.in_reply_to is None
    assert parsed.thread_ids == (
        "<reply-from-us@radwerk.example>",
        "<20261124091502.AB12@mail.example.com>",
    )


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \r\n", b"just some text without headers", b"Subject: hi\r\n\r\nno sender",
     b"From: a@b.example\r\n\r\n"],
)  # fmt: skip
def test_garbage_is_refused(raw):
    with pytest.raises(NotAnEmail):
        parse(raw)


def test_html_to_text_keeps_paragraphs():
    assert html_to_text("<p>One</p><p>Two<br>Three</p>") == "One\n\nTwo\nThree"


# --- hostile mail -------------------------------------------------------------------------

UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _texts(parsed) -> list[str]:
    return [
        parsed.message_id, parsed.in_reply_to or "", *parsed.references, parsed.subject,
        parsed.from_address, parsed.from_name, *parsed.to_addresses, parsed.text,
        *(f"{a.filename} {a.content_type}" for a in parsed.attachments),
    ]  # fmt: skip


@pytest.mark.parametrize("name", sorted(hostile_mail.READABLE))
def test_hostile_mail_is_stored_as_readable_text(name):
    raw, expected = hostile_mail.READABLE[name]
    parsed = parse(raw)
    assert expected in parsed.text
    for value in _texts(parsed):
        assert not UNSAFE.search(value), (name, value)
        value.encode("utf-8")  # storable: no lone surrogates
    assert "@" in parsed.from_address and len(parsed.message_id) <= 998


@pytest.mark.parametrize("name", sorted(hostile_mail.REFUSED))
def test_absurd_mail_is_refused_with_a_reason(name):
    raw, reason = hostile_mail.REFUSED[name]
    with pytest.raises(NotAnEmail) as refused:
        parse(raw)
    assert refused.value.reason == reason


def test_replacement_characters_stand_where_bytes_were_unreadable():
    parsed = parse(hostile_mail.READABLE["raw 8-bit headers"][0])
    assert "\ufffd" in parsed.subject and "caf" in parsed.subject
    surrogate = parse(hostile_mail.READABLE["encoded word with a lone surrogate"][0])
    assert "\ufffd" in surrogate.subject
