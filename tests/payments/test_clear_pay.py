"""Clear pay: every unit says what it is, its rate and the date by which the
company must decide (the auto-approval rule, proved by travelling in time);
earnings rows link to the work they pay for where the worker may see it; the
Inbox, the moderation dashboard and Earnings show the same totals."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import format_datetime

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.payments import units
from marketplace.payments.models import UnitStatus, WorkUnit
from tests.payments.pay_world import PayWorld, build, part

START = datetime(2030, 3, 10, 8, 0, tzinfo=UTC)
KINDS = ("answer", "escalation", "item", "hours", "manual")


@pytest.fixture
def world(app, login_as, travel) -> PayWorld:
    travel(START)
    with app.app_context():
        found = build()
        login_as(db.session.get(User, found.worker_id))
        return found


def shown(app, when: datetime) -> str:
    """A time as the pages print it (short, in the app's time zone)."""
    with app.test_request_context():
        return re.sub(r"\s+", " ", format_datetime(when, "short"))


def log_in(app, login_as, user_id: int) -> None:
    with app.app_context():
        login_as(db.session.get(User, user_id))


def test_every_unit_says_its_kind_rate_and_decide_by_date(app, client, login_as, world):
    due = START + timedelta(hours=app.config["REVIEW_WINDOW_HOURS"])
    assert due == datetime(2030, 3, 13, 8, 0, tzinfo=UTC)
    earnings = client.get("/earnings")
    rows = {name: part(earnings, f'id="unit-{getattr(world, name)}"') for name in KINDS}
    assert "1 email" in rows["answer"] and "answered email" in rows["answer"]
    assert "€0.83 per email" in rows["answer"]
    assert "escalation · 1 email" in rows["escalation"]
    assert "€0.41 per escalation" in rows["escalation"]
    assert "moderated item · Lobby" in rows["item"] and "€0.30 per item" in rows["item"]
    assert "1.5 hours" in rows["hours"] and "€12.50 per hour" in rows["hours"]
    assert "2 emails" in rows["manual"] and "€0.83 per email" in rows["manual"]
    # The date by which the company must decide, not a duration.
    for row in rows.values():
        assert f"The company decides by {shown(app, due)}" in row, row

    inbox = client.get("/work/inbox")
    answer_row = part(inbox, f'id="answer-{world.reply_id}"')
    assert "answered email (€0.83 per email)" in answer_row
    assert "€0.83" in answer_row and "In review" in answer_row and shown(app, due) in answer_row

    log_in(app, login_as, world.owner_id)
    review = client.get("/company/review")
    for name in (*KINDS, "other"):
        row = part(review, f'id="unit-{getattr(world, name)}"')
        assert shown(app, due) in row, row
    assert "€0.41 per escalation" in part(review, f'id="unit-{world.escalation}"')


def test_the_decide_by_date_is_when_the_work_is_approved_automatically(
    app, client, login_as, world, travel
):
    due = START + timedelta(hours=app.config["REVIEW_WINDOW_HOURS"])
    travel(due - timedelta(seconds=1))
    with app.app_context():
        assert units.auto_approve_due() == 0
        assert db.session.get(WorkUnit, world.answer).status == UnitStatus.PENDING
    # Up to the shown date the company can still decide.
    log_in(app, login_as, world.owner_id)
    assert shown(app, due) in part(client.get("/company/review"), f'id="unit-{world.answer}"')

    travel(due)
    with app.app_context():
        assert units.auto_approve_due() == 6  # every unit of the world, the other worker's too
        db.session.commit()
        found = db.session.get(WorkUnit, world.answer)
        assert (found.status, found.auto_approved) == (UnitStatus.APPROVED, True)
    log_in(app, login_as, world.worker_id)
    row = part(client.get("/earnings"), f'id="unit-{world.answer}"')
    assert "Approved" in row and "decides by" not in row


def test_earnings_rows_link_to_the_work_the_worker_may_see(app, client, world):
    earnings = client.get("/earnings")
    body = earnings.get_data(as_text=True)

    def link_in(name: str) -> str | None:
        start = body.index(f'id="unit-{getattr(world, name)}"')
        row = body[start : body.index("</tr>", start)]
        found = re.search(r'<a href="([^"]+)">', row)
        return found.group(1) if found else None

    assert link_in("answer") == f"/work/inbox/answers/{world.reply_id}"
    assert link_in("item") == f"/work/moderation/decisions/{world.decision_id}"
    assert link_in("hours") == f"/work/{world.hour_engagement_id}/timesheet"
    # An escalation has no page of the worker's; work the company logged has none either.
    assert link_in("escalation") is None and link_in("manual") is None
    for name in ("answer", "item", "hours"):
        assert client.get(link_in(name)).status_code == 200, name


def test_a_link_is_only_given_where_the_worker_may_see_the_work(app, world):
    from marketplace.payments.work_links import worker_links

    with app.test_request_context():
        other = db.session.get(User, world.other_worker_id)
        found = [db.session.get(WorkUnit, i) for i in (world.answer, world.item, world.other)]
        # The other worker: their own answer links; the first worker's work never does.
        reply_id = found[2].source.removeprefix("email:reply:")
        assert worker_links(other, found) == {world.other: f"/work/inbox/answers/{reply_id}"}
        worker = db.session.get(User, world.worker_id)
        worker.suspended_at = START  # a suspended account may see nothing
        assert worker_links(worker, found) == {}


def figures(response) -> dict[str, str]:
    body = response.get_data(as_text=True)
    return dict(re.findall(r'data-figure="(\w+)"><strong>([^<]+)</strong>', body))


def test_inbox_moderation_dashboard_and_earnings_show_the_same_totals(app, client, world):
    with app.app_context():
        owner = db.session.get(User, world.owner_id)
        units.approve(db.session.get(WorkUnit, world.answer), by=owner)
        units.approve(db.session.get(WorkUnit, world.item), by=owner)
        units.reject(db.session.get(WorkUnit, world.manual), by=owner, reason="Nicht vereinbart.")
        units.dispute(
            db.session.get(WorkUnit, world.manual),
            by=db.session.get(User, world.worker_id),
            note="Es war vereinbart.",
        )
        db.session.commit()
    earnings = figures(client.get("/earnings"))
    assert earnings == figures(client.get("/work/inbox"))
    assert earnings == figures(client.get("/work/moderation"))
    # 0.83 + 0.30 approved; 0.41 + 18.75 (1.5 hours) in review; 1.66 disputed.
    assert earnings == {
        "pending": "€19.16",
        "payable": "€1.13",
        "paid": "€0.00",
        "disputed": "€1.66",
    }


def test_the_earnings_export_names_each_kind_of_work(app, client, world):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(client.get("/earnings.csv").get_data(as_text=True))))
    kinds = sorted(row[3] for row in rows if row[0] == "Work")
    assert kinds == sorted(
        ["Answered emails", "Answered emails", "Escalations", "Moderated items", "Hours"]
    )
