"""A small corpus of hostile email: NUL bytes where the standard library does not
expect them, charsets nobody knows, broken transfer encodings, absurd headers and
structures. Each one must end as a safe store (readable text, replacement
characters) or a clear refusal, never as an error.

READABLE: name → (raw email, a piece of text the stored body must contain).
REFUSED: name → (raw email, the reason parse() gives).
"""

from __future__ import annotations

HEAD = b"From: Anna <anna@kunde.example>\r\nTo: support@shop.example\r\nSubject: Hilfe\r\n"


def _mail(headers: bytes, body: bytes, head: bytes = HEAD) -> bytes:
    return head + headers + b"\r\n" + body + b"\r\n"


def _multipart(*parts: bytes, boundary: bytes = b"B0UND") -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return _mail(
        b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n',
        body + b"--" + boundary + b"--",
    )


READABLE: dict[str, tuple[bytes, str]] = {
    "nul in the charset": (
        _mail(b'Content-Type: text/plain; charset="utf\x00-8"\r\n', b"Meine Lieferung fehlt."),
        "Meine Lieferung fehlt.",
    ),
    "nul in an RFC 2231 charset": (
        _mail(
            b"Content-Type: text/plain; charset*0*=us-ascii''utf; charset*1*=%00-8\r\n",
            b"Wo ist mein Paket?",
        ),
        "Wo ist mein Paket?",
    ),
    "nul in the charset of an HTML-only mail": (
        _mail(b'Content-Type: text/html; charset="\x00"\r\n', b"<p>Bitte <b>R\xfcckruf</b></p>"),
        "Bitte R\u00fcckruf",
    ),
    "unknown charset": (
        _mail(b"Content-Type: text/plain; charset=x-klingon\r\n", b"Gr\xc3\xbc\xc3\x9fe"),
        "Grüße",
    ),
    "a codec that is not a text encoding": (
        _mail(b"Content-Type: text/plain; charset=rot13\r\n", b"Hallo Support"),
        "Hallo Support",
    ),
    "utf-8 that is not utf-8": (
        _mail(b"Content-Type: text/plain; charset=utf-8\r\n", b"Preis 12\x80 \xff\xfe ok"),
        "ok",
    ),
    "nul bytes in subject, body and sender": (
        HEAD.replace(b"Subject: Hilfe", b"Subject: Hi\x00lfe").replace(b"Anna", b"An\x00na")
        + b"\r\nText mit\x00 Null und \x07 Klingel\r\n",
        "Text mit Null und  Klingel",
    ),
    "nul in the sender address and Message-ID": (
        _mail(
            b"Message-ID: <abc\x00def@kunde.example>\r\n",
            b"Adresse kaputt",
            head=b"From: <anna\x00@kunde.example>\r\nSubject: x\r\n",
        ),
        "Adresse kaputt",
    ),
    "raw 8-bit headers": (
        _mail(
            b"", b"Text", head=b"From: J\xf6rg <j@kunde.example>\r\nSubject: \xff\xfe caf\xe9\r\n"
        ),
        "Text",
    ),
    "encoded word with a lone surrogate": (
        _mail(b"", b"Text", head=b"From: a@kunde.example\r\nSubject: =?utf-8?b?7aCA?= x\r\n"),
        "Text",
    ),
    "broken base64": (
        _mail(
            b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n", b"SGFsbG8!!!=="
        ),
        "Hallo",
    ),
    "broken quoted-printable": (
        _mail(
            b"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n",
            b"Gr=FC=ZZe =\r\n=0",
        ),
        "Gr",
    ),
    "unknown transfer encoding": (
        _mail(b"Content-Transfer-Encoding: x-martian\r\n", b"Text bleibt Text"),
        "Text bleibt Text",
    ),
    "attachment named in a charset with a NUL": (
        _multipart(
            b"Content-Type: text/plain\r\n\r\nFoto anbei.",
            b"Content-Type: image/png; name*=utf\x00-8''a%00b%ff\r\n"
            b"Content-Disposition: attachment; filename*=utf\x00-8''%ff%00.png\r\n\r\nPNG",
        ),
        "Foto anbei.",
    ),
    "nested message with a NUL charset": (
        _multipart(
            b"Content-Type: text/plain\r\n\r\nWeitergeleitet:",
            b"Content-Type: message/rfc822\r\n\r\nFrom: c@d.example\r\n"
            b'Content-Type: text/plain; charset="\x00"\r\n\r\ninnen',
        ),
        "Weitergeleitet:",
    ),
    "garbage Content-Type": (
        _mail(b"Content-Type: ;;;==\x00\r\n", b"trotzdem lesbar"),
        "trotzdem lesbar",
    ),
    "garbage date and addresses": (
        _mail(
            b'Date: Mon, 99 Foo 99999 99:99:99 +9999\r\nTo: <<<@@@>>>, "x" <\x00@\x00>\r\n',
            b"Datum egal",
        ),
        "Datum egal",
    ),
}

REFUSED: dict[str, tuple[bytes, str]] = {
    "nesting deeper than anyone writes": (
        _mail(
            b"Content-Type: multipart/mixed; boundary=X0\r\n",
            b"".join(
                b"--X%d\r\nContent-Type: multipart/mixed; boundary=X%d\r\n\r\n" % (i, i + 1)
                for i in range(3000)
            )
            + b"tief",
        ),
        "too_complex",
    ),
    "thousands of parts": (
        _multipart(*[b"Content-Type: text/plain\r\n\r\nTeil"] * 3000),
        "too_complex",
    ),
    "a Content-Type with 20,000 parameters": (
        _mail(
            b"Content-Type: text/plain; "
            + b"; ".join(b"p%d=v" % i for i in range(20_000))
            + b"\r\n",
            b"Text",
        ),
        "header_too_long",
    ),
    "a To header with 20,000 recipients": (
        _mail(b"Cc: " + b", ".join(b"x%d@y.example" % i for i in range(20_000)) + b"\r\n", b"Text"),
        "header_too_long",
    ),
}
