"""The company's moderation dashboard of a community, from seeded decisions: the
figures a person reads on the page and in the CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation.item_models import (
    ControlItem,
    DecisionAction,
    EscalationCategory,
    Strike,
)
from marketplace.moderation.models import Community
from tests.moderation.company_helpers import decided, hire_moderator, item, make_community
from tests.moderation.test_company_views import text
from tests.payments.helpers import funded

MIN = timedelta(minutes=1)


def seed(app, login_as) -> str:
    """Two moderators' month: seven real decisions (waits 10…70 minutes), three graded
    control copies, one decision from before the window, two items waiting."""
    with app.app_context():
        community = make_community()
        community.strike_expiry_days = 30
        owner = community.company.memberships[0].user
        funded(community.company, 10_000)
        mia = hire_moderator(community, name="Mia Moderator")
        max_ = hire_moderator(community, name="Max Moderator")
        now = utcnow()
        decided(community, mia, DecisionAction.WARN, rule_number=1, waited=10 * MIN)
        decided(community, mia, DecisionAction.REMOVE, rule_number=2, waited=20 * MIN)
        decided(community, mia, DecisionAction.MUTE, rule_number=1, waited=30 * MIN)
        decided(community, max_, DecisionAction.APPROVE, waited=40 * MIN, author_id="u-4")
        decided(
            community, max_, DecisionAction.ESCALATE, waited=50 * MIN, author_id="u-5",
            category=EscalationCategory.THREAT, internal_note="Threatens a user.",
        )  # fmt: skip
        decided(community, mia, DecisionAction.WARN, rule_number=3, waited=60 * MIN,
                author_id="u-2")  # fmt: skip
        lifted = decided(community, max_, DecisionAction.REMOVE, rule_number=3,
                         waited=70 * MIN, author_id="u-2")  # fmt: skip
        strike = db.session.query(Strike).filter_by(decision_id=lifted.id).one()
        strike.lifted_at = now
        # Before the window: not counted, though its (expired) strike is u-1's fourth.
        decided(community, mia, DecisionAction.WARN, rule_number=1,
                decided_at=now - timedelta(days=40))  # fmt: skip
        # Control copies of the first approval: Mia right once and wrong once, Max right.
        source = decided(community, max_, DecisionAction.APPROVE, pay=False, author_id="u-9")
        control = ControlItem(
            community_id=community.id,
            source_item_id=source.item_id,
            expected_action=DecisionAction.APPROVE,
            created_by_id=owner.id,
        )
        db.session.add(control)
        db.session.flush()
        for engagement, correct in ((mia, True), (mia, False), (max_, True)):
            decided(community, engagement, DecisionAction.APPROVE, control_id=control.id,
                    control_correct=correct, strike=False, author_id="u-9")  # fmt: skip
        item(community, received_at=now - timedelta(hours=3), author_id="u-7")
        item(community, received_at=now - timedelta(hours=1), author_id="u-8")
        db.session.commit()
        login_as(owner)
        return f"/company/communities/{community.id}"


def test_dashboard_shows_queue_times_decisions_offenders_moderators_and_spend(
    app, client, login_as
):
    url = seed(app, login_as)
    response = client.get(f"{url}/dashboard")
    assert response.status_code == 200
    page = text(response)
    assert "2 items waiting now" in page
    assert "3 hours the oldest has been waiting" in page
    # 8 real items decided in the window (7 + the control's source), waits 10…70 and 10 min
    assert "over 8 items decided in these 30 days" in page
    assert "35 minutes median time to decision" in page
    assert "8 decisions in these 30 days" in page
    # 10 paid items (7 + 3 control copies) at 0.30 + 15 % fee = 0.35 each
    assert "€3.50 spent on 10 moderated items" in page
    assert "Approved 2 Removed 2 Warned 2 Muted 1 Escalated 1" in page
    assert "1. Be respectful 2 2. No spam or advertising 1 3. No personal data 2" in page
    assert "Mia Moderator 4 2 50 %" in page
    assert "Max Moderator 4 1 100 %" in page
    assert "User u-1 (u-1) 3 4 User u-2 (u-2) 1 2" in page
    assert "u-4" not in page  # one strike is no repeat


def test_dashboard_csv_has_the_same_figures(app, client, login_as):
    url = seed(app, login_as)
    response = client.get(f"{url}/dashboard.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    figures = {row[0]: row[1] for row in rows[:10] if len(row) == 2}
    assert figures["Waiting now"] == "2"
    assert figures["Items decided"] == "8"
    assert figures["Median time to decision (minutes)"] == "35.0"
    assert figures["Decisions"] == "8"
    assert figures["Paid items"] == "10"
    assert figures["Spend (EUR)"] == "3.50"
    assert ["Removed", "2"] in rows
    assert ["1. Be respectful", "2"] in rows
    assert ["Mia Moderator", "4", "2", "1", "50"] in rows
    assert ["Max Moderator", "4", "1", "1", "100"] in rows
    assert ["User u-1 (u-1)", "3", "4"] in rows


def test_empty_dashboard_says_so(app, client, login_as):
    with app.app_context():
        community = make_community()
        login_as(community.company.memberships[0].user)
        url = f"/company/communities/{community.id}"
    page = text(client.get(f"{url}/dashboard"))
    assert "0 items waiting now" in page
    assert "– median time to decision" in page
    assert "No decisions in these days." in page
    assert "No author has more than one strike." in page


def test_german_dashboard(app, client, login_as):
    url = seed(app, login_as)
    with app.app_context():
        community = db.session.get(Community, int(url.rsplit("/", 1)[1]))
        community.company.memberships[0].user.locale = "de"
        db.session.commit()
    page = text(client.get(f"{url}/dashboard"))
    assert "2 Beiträge warten jetzt" in page
    assert "1. Respektvoller Umgang 2" in page
