"""Script in any free-text field is shown as text, never run.

Every field a person can fill is stored with a payload; every page that shows
it is fetched; the payload must appear only escaped (so the test proves the
field was rendered), and never as live markup.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.audit.services import record
from marketplace.extensions import db
from marketplace.gigs.models import GigCommunity, GigReport, GigRevision, RevisionStatus
from marketplace.messaging.models import ThreadMessage
from tests.world import build_world

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert("
MARKDOWN_PAYLOAD = (
    f"Hello {PAYLOAD}\n\n[click me](javascript:alert(1)) "
    '<a href="javascript:alert(2)">raw</a> <iframe src="https://evil.test"></iframe>'
)
# Live markup only: the same text escaped (&lt;…) is harmless and expected.
DANGEROUS = ("<script>alert", "<img src=x onerror", '<a href="javascript:', "<iframe")


def _poison(world) -> None:
    for user in (world.seeker, world.owner, world.admin):
        user.display_name = f"Name {PAYLOAD}"
    world.seeker.introduction = PAYLOAD
    world.company.name = f"Company {PAYLOAD}"
    world.company.description = MARKDOWN_PAYLOAD
    world.company.website = "https://shop.example/?q=" + PAYLOAD
    for gig in (world.published, world.draft, world.in_review):
        gig.title = f"Gig {PAYLOAD}"
        gig.description = MARKDOWN_PAYLOAD
        gig.rejection_reason = PAYLOAD
        gig.communities.append(
            GigCommunity(name=f"Chat {PAYLOAD}", audience=PAYLOAD, description=PAYLOAD)
        )
    content = dict(world.revision.content)
    content.update(title=f"Revision {PAYLOAD}", description=MARKDOWN_PAYLOAD)
    content["communities"] = [{"name": PAYLOAD, "audience": PAYLOAD, "description": PAYLOAD}]
    world.revision.content = content
    world.tag.name_en = f"Tag {PAYLOAD}"
    world.tag.description_en = PAYLOAD
    world.published.tags.append(world.tag)
    world.report.reason = PAYLOAD
    world.company.suspended_reason = PAYLOAD
    for thread in (world.thread, world.reported_thread):
        for message in db.session.scalars(
            sa.select(ThreadMessage).where(ThreadMessage.thread_id == thread.id)
        ):
            message.body = f"Message {PAYLOAD}"
    world.thread_report.reason = PAYLOAD
    world.measure.reason = PAYLOAD
    world.appeal.text = PAYLOAD
    world.appeal.measure.reason = PAYLOAD
    db.session.add(
        GigRevision(
            gig_id=world.draft.id,
            status=RevisionStatus.REJECTED,
            content=content,
            submitted_by_id=world.owner.id,
            decision_reason=PAYLOAD,
        )
    )
    record(
        actor=world.admin,
        action="gig.reject",
        object_type="gig",
        object_id=world.draft.id,
        before={"note": PAYLOAD},
        after={"note": PAYLOAD},
        reason=PAYLOAD,
    )
    db.session.commit()


PAGES = [
    ("anonymous", lambda w: "/gigs"),
    ("anonymous", lambda w: "/"),
    ("anonymous", lambda w: f"/gigs/{w.published.id}"),
    ("anonymous", lambda w: f"/companies/{w.company.id}"),
    ("seeker", lambda w: "/profile"),
    ("company", lambda w: "/company/gigs"),
    ("company", lambda w: f"/company/gigs/{w.draft.id}"),
    ("company", lambda w: f"/company/gigs/{w.draft.id}/edit"),
    ("company", lambda w: "/company/members"),
    ("company", lambda w: "/company/profile"),
    ("admin", lambda w: "/admin/vetting"),
    ("admin", lambda w: f"/admin/vetting/{w.revision.id}"),
    ("admin", lambda w: "/admin/reports"),
    ("admin", lambda w: f"/admin/reports/{w.report.id}"),
    ("admin", lambda w: f"/admin/companies/{w.company.id}"),
    ("admin", lambda w: "/admin/companies"),
    ("admin", lambda w: f"/admin/users/{w.seeker.id}"),
    ("admin", lambda w: "/admin/users"),
    ("admin", lambda w: "/admin/tags"),
    ("admin", lambda w: "/admin/audit"),
    ("seeker", lambda w: "/messages"),
    ("seeker", lambda w: f"/messages/{w.application.id}"),
    ("company", lambda w: "/messages"),
    ("company", lambda w: f"/messages/{w.application.id}"),
    ("company", lambda w: "/company/engagements"),
    ("admin", lambda w: "/admin/conversations/"),
    ("admin", lambda w: f"/admin/conversations/{w.reported_thread.id}"),
    ("seeker", lambda w: "/account/standing"),
    ("admin", lambda w: "/admin/appeals/"),
    ("admin", lambda w: f"/admin/appeals/{w.appeal.id}"),
]


@pytest.mark.parametrize(("role", "page"), PAGES, ids=[f"{i}" for i in range(len(PAGES))])
def test_payload_is_escaped(app, client, login_as, role, page):
    with app.app_context():
        world = build_world()
        _poison(world)
        url = page(world)
        user = world.user_for(role)
        if user is not None:
            login_as(user)
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    assert ESCAPED in html or "alert(" not in html.replace("&#34;", '"'), url
    for marker in DANGEROUS:
        assert marker not in html, f"{marker!r} is live on {url}"


def test_markdown_link_with_javascript_is_dropped(app, client):
    with app.app_context():
        world = build_world()
        _poison(world)
        gig_id = world.published.id
    html = client.get(f"/gigs/{gig_id}").get_data(as_text=True)
    assert "click me" in html  # the text survives …
    assert 'href="javascript:' not in html.replace("&lt;a href=", "")  # … no script link
    assert ESCAPED in html


def test_report_reason_is_stored_verbatim_and_shown_escaped(app, client, login_as):
    with app.app_context():
        world = build_world()
        admin_id = world.admin.id
        login_as(world.seeker)
        gig_id = world.published.id
    client.post(f"/gigs/{gig_id}/report", data={"reason": PAYLOAD})
    with app.app_context():
        report = db.session.query(GigReport).filter_by(reason=PAYLOAD).one()
        report_id = report.id
        from marketplace.accounts.models import User

        login_as(db.session.get(User, admin_id))
    html = client.get(f"/admin/reports/{report_id}").get_data(as_text=True)
    assert ESCAPED in html
    assert "<script>alert" not in html
