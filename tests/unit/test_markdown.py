from __future__ import annotations

import pytest

from marketplace.markdown import render_markdown


def test_markdown_is_rendered():
    html = render_markdown("**bold** and *italic*\n\n- one\n- two\n\n[site](https://example.com)")
    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert "<li>one</li>" in html
    assert 'href="https://example.com"' in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html


@pytest.mark.parametrize(
    "evil",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.test></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_dangerous_markup_never_survives(evil):
    html = render_markdown(evil).lower()
    for marker in ("<script", "<img", "<iframe", "<div", '<a href="javascript:', 'href="data:'):
        assert marker not in html


def test_empty_input():
    assert render_markdown(None) == ""
