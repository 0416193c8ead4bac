"""The measured facts beside ratings, from generated payments and moderation data: what
a reader of the company page and of a worker's profile sees."""

from __future__ import annotations

import uuid
from datetime import timedelta

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation.item_models import ControlItem, DecisionAction
from marketplace.payments.models import (
    Payout,
    PayoutStatus,
    UnitKind,
    UnitStatus,
    WorkUnit,
)
from marketplace.ratings import facts
from tests.moderation.company_helpers import decided, hire_moderator, make_community
from tests.payments.helpers import funded, hired
from tests.ratings.helpers import text_of

H, D = timedelta(hours=1), timedelta(days=1)


def unit(engagement, *, created, status, review=None, rejected=False, disputed=False):
    db.session.add(WorkUnit(
        engagement_id=engagement.id, company_id=engagement.gig.company_id,
        worker_id=engagement.worker_id, gig_id=engagement.gig_id, kind=UnitKind.EMAIL,
        quantity=1, rate_cents=100, amount_cents=100, fee_cents=15, work_date=created.date(),
        source=f"facts:{uuid.uuid4()}", recorded_by_id=engagement.worker_id, status=status,
        created_at=created, review_due_at=created + 3 * D,
        decided_at=created + review if review else None,
        rejection_reason="Too short." if rejected else None,
        disputed_at=created + review + H if disputed else None,
    ))  # fmt: skip


def payout(engagement, *, created, sent, status=PayoutStatus.PAID):
    db.session.add(Payout(
        worker_id=engagement.worker_id, stripe_account_id="acct_test", amount_cents=100,
        status=status, idempotency_key=f"payout:{uuid.uuid4()}", created_at=created,
        sent_at=sent,
    ))  # fmt: skip


def generated_company(now):
    """Six units of one worker: four reviewed in 2, 4, 6 and 8 hours (two rejected, both
    disputed, one won by the worker), one pending, one from before the window; and
    another company's unit."""
    engagement = hired()
    unit(engagement, created=now - 10 * D, review=2 * H, status=UnitStatus.APPROVED)
    unit(engagement, created=now - 5 * D, review=4 * H, status=UnitStatus.APPROVED)
    unit(engagement, created=now - 3 * D, review=6 * H, status=UnitStatus.VOIDED,
         rejected=True, disputed=True)  # fmt: skip
    unit(engagement, created=now - 2 * D, review=8 * H, status=UnitStatus.APPROVED,
         rejected=True, disputed=True)  # won: approved after all  # fmt: skip
    unit(engagement, created=now - 1 * D, status=UnitStatus.PENDING)
    unit(engagement, created=now - 100 * D, review=100 * H, status=UnitStatus.APPROVED)
    # Payouts: the first pays the first unit (25 h after it was recorded); a failed one
    # pays nothing; the last pays the second and the fourth (98 h and 26 h).
    payout(engagement, created=now - 9 * D, sent=now - 9 * D + H)
    payout(engagement, created=now - 8 * D, sent=None, status=PayoutStatus.FAILED)
    payout(engagement, created=now - 1 * D, sent=now - 1 * D + 2 * H)
    other = hired()
    unit(other, created=now - 1 * D, review=90 * H, status=UnitStatus.VOIDED, rejected=True)
    db.session.commit()
    return engagement


def test_company_facts_from_generated_units_and_payouts(db):
    now = utcnow()
    company = generated_company(now).gig.company
    found = facts.company_facts(company, now=now)
    assert found.units == 5  # in the last 90 days
    assert found.median_review == 5 * H  # of 2, 4, 6, 8 hours
    assert found.rejection_percent == 50
    assert (found.disputes_decided, found.disputes_won_by_workers_percent) == (2, 50)
    assert found.median_to_payout == 26 * H  # of 25, 26, 98 hours


def test_the_company_page_shows_the_facts(app, client):
    with app.app_context():
        company_id = generated_company(utcnow()).gig.company_id
    page = text_of(client.get(f"/companies/{company_id}").get_data(as_text=True))
    assert "Median review time 5 hours" in page
    assert "Rejected work 50 %" in page
    assert "Disputes won by workers 50 % (2 disputes)" in page
    assert "Median time from work to payout 26 hours" in page
    assert "No published ratings yet." in page


def test_a_company_without_work_says_so(app, client):
    with app.app_context():
        company_id = hired().gig.company_id
    page = text_of(client.get(f"/companies/{company_id}").get_data(as_text=True))
    assert "No work recorded in this time." in page


def test_worker_facts_count_approval_and_control_accuracy(db):
    community = make_community()
    funded(community.company, 10_000)
    owner = community.company.memberships[0].user
    mia = hire_moderator(community, name="Mia Moderator")
    max_ = hire_moderator(community, name="Max Moderator")
    source = decided(community, max_, DecisionAction.APPROVE, pay=False, author_id="u-9")
    control = ControlItem(
        community_id=community.id,
        source_item_id=source.item_id,
        expected_action=DecisionAction.APPROVE,
        created_by_id=owner.id,
    )
    db.session.add(control)
    db.session.flush()
    for correct in (True, True, True, False):
        decided(community, mia, DecisionAction.APPROVE, control_id=control.id,
                control_correct=correct, strike=False, author_id="u-9")  # fmt: skip
    now = utcnow()
    for status in (UnitStatus.APPROVED, UnitStatus.APPROVED, UnitStatus.APPROVED,
                   UnitStatus.VOIDED):  # fmt: skip
        unit(mia, created=now - 2 * D, review=H, status=status,
             rejected=status == UnitStatus.VOIDED)  # fmt: skip
    unit(mia, created=now - 200 * D, review=H, status=UnitStatus.APPROVED)  # done, not recent
    db.session.commit()
    found = facts.worker_facts(mia.worker, now=now)
    assert found.controls_graded == 4 and found.control_accuracy_percent == 75
    assert found.units_done == 4  # the control copies' units still wait for review
    assert found.approval_percent == 75
    assert found.kinds == [community.gig.kind]
