"""One review of all work: emails, escalations, moderated items and hours in one
place with one set of amounts (worker pay + fee = total) that agree with every
other page and export; filters by gig, worker and kind; the answered email,
the escalation note or the decided item inline; approving and rejecting keep
the filters."""

from __future__ import annotations

import csv
import io
import re

import pytest

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.payments.models import UnitStatus, WorkUnit
from tests.payments.pay_world import PayWorld, build, part, text

KINDS = ("answer", "escalation", "item", "hours", "manual", "other")


@pytest.fixture
def world(app, login_as) -> PayWorld:
    with app.app_context():
        found = build()
        login_as(db.session.get(User, found.owner_id))
        return found


def log_in(app, login_as, user_id: int) -> None:
    with app.app_context():
        login_as(db.session.get(User, user_id))


def shown_units(response) -> set[int]:
    return {int(i) for i in re.findall(r'<tr id="unit-(\d+)"', response.get_data(as_text=True))}


def ids(world: PayWorld, *names: str) -> set[int]:
    return {getattr(world, name) for name in names}


def euro(cents: int) -> str:
    return f"€{cents // 100}.{cents % 100:02d}"


def test_all_work_is_in_one_review(app, client, world):
    page = client.get("/company/review")
    assert shown_units(page) == ids(world, *KINDS)
    assert "Waiting for review (6)" in text(page)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=email", ("answer", "manual", "other")),
        ("kind=escalation", ("escalation",)),
        ("kind=item", ("item",)),
        ("kind=hour", ("hours",)),
        ("worker={other}", ("other",)),
        ("gig={item_gig}", ("item",)),
        ("gig={email_gig}&worker={worker}&kind=email", ("answer", "manual")),
        ("kind=nonsense&gig=abc", KINDS),  # unknown filters are ignored
    ],
)
def test_filters_by_gig_worker_and_kind(app, client, world, query, expected):
    url = "/company/review?" + query.format(
        other=world.other_worker_id,
        worker=world.worker_id,
        item_gig=world.item_gig_id,
        email_gig=world.email_gig_id,
    )
    page = client.get(url)
    assert shown_units(page) == ids(world, *expected)
    assert f"Waiting for review ({len(expected)})" in text(page)


def test_another_companys_gig_or_worker_filters_to_nothing(app, client, login_as, world):
    from tests.factories import company_member

    with app.app_context():
        stranger = company_member()
        login_as(stranger)
    page = client.get(f"/company/review?gig={world.email_gig_id}&worker={world.worker_id}")
    assert shown_units(page) == set()
    assert "Frage 1" not in text(page) and "Kauft Uhren!" not in text(page)


def test_the_work_is_shown_inline(app, client, world):
    page = client.get("/company/review")
    answer = part(page, f'id="unit-{world.answer}"')
    assert "Read the answer" in answer and "Ihr Paket ist unterwegs." in answer
    assert "Kundentext 1" in answer  # what the customer wrote
    escalation = part(page, f'id="unit-{world.escalation}"')
    assert "Read the escalation" in escalation and "Bitte Rückerstattung" in escalation
    item = part(page, f'id="unit-{world.item}"')
    assert "See the decided item" in item and "Kauft Uhren!" in item and "Removed" in item
    hours = part(page, f'id="unit-{world.hours}"')
    assert "1.5 hours" in hours and "Read" not in hours and "See the" not in hours


def test_approve_reject_and_bulk_keep_the_filters(app, client, world):
    answer = client.post(
        f"/company/review/units/{world.answer}/approve",
        data={"kind": "email", "worker": str(world.worker_id)},
    )
    assert answer.headers["Location"] == f"/company/review?worker={world.worker_id}&kind=email"
    rejected = client.post(
        f"/company/review/units/{world.item}/reject",
        data={"reason": "Kein Verstoß.", "kind": "item"},
    )
    assert rejected.headers["Location"] == "/company/review?kind=item"
    bulk = client.post(
        "/company/review/approve",
        data={"unit_ids": [str(world.hours), str(world.escalation)], "kind": "hour"},
    )
    assert bulk.headers["Location"] == "/company/review?kind=hour"
    assert "2 units approved." in text(client.get(bulk.headers["Location"]))
    with app.app_context():
        status = {name: db.session.get(WorkUnit, getattr(world, name)).status for name in KINDS}
    assert status == {
        "answer": UnitStatus.APPROVED,
        "escalation": UnitStatus.APPROVED,
        "item": UnitStatus.REJECTED,
        "hours": UnitStatus.APPROVED,
        "manual": UnitStatus.PENDING,
        "other": UnitStatus.PENDING,
    }
    decided = client.get("/company/review?tab=history")
    assert shown_units(decided) == ids(world, "answer", "escalation", "item", "hours")
    assert "Reason: Kein Verstoß." in part(decided, f'id="unit-{world.item}"')


def statement_rows(client) -> list[list[str]]:
    return list(csv.reader(io.StringIO(client.get("/company/statements.csv").get_data(True))))


@pytest.mark.parametrize("name", ["answer", "escalation", "item", "hours"])
def test_one_units_amounts_agree_on_every_page(app, client, login_as, world, name):
    unit_id = getattr(world, name)
    with app.app_context():
        unit = db.session.get(WorkUnit, unit_id)
        pay, fee = unit.amount_cents, unit.fee_cents
    total = pay + fee
    assert {
        "answer": (83, 12),
        "escalation": (41, 6),
        "item": (30, 5),
        "hours": (1875, 281),
    }[name] == (pay, fee)

    # The company's review, waiting and decided: worker pay + fee = total.
    def review_cells(response) -> tuple[str, str, str]:
        body = response.get_data(as_text=True)
        row = body[body.index(f'<tr id="unit-{unit_id}"') :]
        row = row[: row.index("</tr>")]
        return tuple(
            re.search(rf'data-label="{label}">([^<]+)<', row).group(1)
            for label in ("Worker pay", "Fee", "Total")
        )

    assert review_cells(client.get("/company/review")) == (euro(pay), euro(fee), euro(total))
    client.post(f"/company/review/units/{unit_id}/approve")
    assert review_cells(client.get("/company/review?tab=history")) == (
        euro(pay),
        euro(fee),
        euro(total),
    )

    # The balance history and the statement: the total left available for the reserve,
    # and the same total left the reserve when it was approved.
    balance = client.get("/company/balance")
    assert f"{euro(total)} from the reserve".replace("€", "-€") in text(balance)
    rows = [row for row in statement_rows(client) if row[4] == f"unit {unit_id}"]
    moves = {row[2]: (row[5], row[6]) for row in rows}
    as_decimal = f"{total // 100}.{total % 100:02d}"
    assert moves["unit.reserve"] == (f"-{as_decimal}", as_decimal)
    assert moves["unit.approve"] == ("0.00", f"-{as_decimal}")

    # The worker: Earnings and its CSV show the worker's pay.
    log_in(app, login_as, world.worker_id)
    earnings = client.get("/earnings")
    amount = re.search(
        r'data-label="Amount">([^<]+)<',
        earnings.get_data(as_text=True).split(f'id="unit-{unit_id}"')[1],
    ).group(1)
    assert amount == euro(pay)
    exported = list(csv.reader(io.StringIO(client.get("/earnings.csv").get_data(True))))
    work = [row for row in exported if row[0] == "Work" and row[7] == "Approved"]
    assert [row[5] for row in work] == [f"{pay // 100}.{pay % 100:02d}"]
    if name == "answer":
        inbox = client.get("/work/inbox")
        assert euro(pay) in part(inbox, f'id="answer-{world.reply_id}"')
