"""The company's balance history: one line per movement of its money (not one per
ledger entry), as the company sees it, whose balances after each line add up and
end at the balance page's figures."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from marketplace.accounts.models import Company
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.payments import history, ledger, units
from marketplace.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    UnitKind,
    WorkUnit,
)
from tests.payments.helpers import post_events
from tests.payments.test_company_views import make_shop, record, text
from tests.payments.test_stripe_flows import pay_by_card

ROW = re.compile(
    r'<tr data-movement="(\d+)">.*?<td[^>]*class="amount">(.*?)</td>\s*'
    r'<td[^>]*class="available-after">(.*?)</td>\s*<td[^>]*class="reserved-after">(.*?)</td>',
    re.S,
)


def cents(shown: str) -> int:
    """ "-€2.76" → -276 (the page's English money)."""
    shown = re.sub(r"<[^>]+>", "", shown).split("from the")[0].split("to your")[0].strip()
    negative = shown.startswith(("-", "−"))
    value = Decimal(shown.lstrip("-−").replace("€", "").replace(",", ""))
    return int(value * 100) * (-1 if negative else 1)


def lines_on_the_page(client) -> tuple[list[tuple[int, int, int, int]], str]:
    page = text(client.get("/company/balance"))
    rows = [(int(t), cents(a), cents(av), cents(r)) for t, a, av, r in ROW.findall(page)]
    return rows, page


def company_transactions(company_id: int) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(LedgerEntry.transaction_id)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(
                LedgerAccount.owner_id == company_id,
                LedgerAccount.kind.in_(list(history.BALANCES.values())),
            )
        )
    )


def busy_company(app, client, login_as, stripe_emulator, travel):
    """Funded by card; work recorded, approved, rejected (then final), pending; part
    withdrawn to the card. Returns the shop."""
    shop = make_shop(app, login_as, fund=0)
    pay_by_card(app, shop.company_id, 10_000)
    post_events(client, stripe_emulator, "payment_intent.succeeded")
    with app.app_context():
        approved = record(shop.engagement_id, "3", note="approved")
        rejected = record(shop.engagement_id, "2", note="rejected")
        record(shop.engagement_id, "1", note="pending")
        company = db.session.get(Company, shop.company_id)
        owner = company.memberships[0].user
        units.approve(db.session.get(WorkUnit, approved), by=owner)
        units.reject(db.session.get(WorkUnit, rejected), by=owner, reason="Not ours")
        db.session.commit()
    travel(utcnow() + timedelta(days=15))
    with app.app_context():
        units.void_expired_rejections()
        db.session.commit()
    response = client.post("/company/balance/withdraw", data={"amount": "20"})
    assert response.status_code == 302
    return shop


def test_one_line_per_movement_whose_balances_match_the_balance_page(
    app, client, login_as, stripe_emulator, travel
):
    shop = busy_company(app, client, login_as, stripe_emulator, travel)
    rows, page = lines_on_the_page(client)
    with app.app_context():
        transactions = company_transactions(shop.company_id)
        available = ledger.balance(AccountKind.COMPANY_AVAILABLE, shop.company_id)
        reserved = ledger.balance(AccountKind.COMPANY_RESERVED, shop.company_id)
    # funding, 3 reservations, approval, release, withdrawal, refund: 8 movements
    assert len(rows) == len(transactions) == 8
    assert [row[0] for row in rows] == sorted(transactions, reverse=True)  # each once
    newest = rows[0]
    assert (newest[2], newest[3]) == (available, reserved)
    assert f"<strong>€{available / 100:,.2f}</strong> available" in page  # the balance card
    for older, newer in zip(reversed(rows), list(reversed(rows))[1:], strict=False):
        available_change = newer[2] - older[2]
        assert available_change in (0, newer[1]), (older, newer)
    labels = re.findall(
        r'<tr data-movement="\d+">\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>\s*([^<]+?)\s*<', page
    )
    assert labels == [
        "Refunded to your card", "Withdrawal requested", "Rejection final, money released",
        "Work approved, paid to the worker", "Work recorded, money reserved",
        "Work recorded, money reserved", "Work recorded, money reserved",
        "Card payment received",
    ]  # fmt: skip


def test_history_service_ends_at_the_balances_and_reads_in_chunks(
    app, client, login_as, stripe_emulator, travel
):
    shop = busy_company(app, client, login_as, stripe_emulator, travel)
    with app.app_context():
        company = db.session.get(Company, shop.company_id)
        newest = history.history(company).items[0]
        assert newest.available_after == ledger.balance(AccountKind.COMPANY_AVAILABLE, company.id)
        assert newest.reserved_after == ledger.balance(AccountKind.COMPANY_RESERVED, company.id)
        assert newest.withdrawing_after == 0  # refunded
        whole = list(history.statement(company))
        assert [line.transaction_id for line in history.statement(company, chunk=3)] == [
            line.transaction_id for line in whole
        ]
        assert (whole[-1].transaction_id, whole[-1].available_after) == (
            newest.transaction_id, newest.available_after,
        )  # fmt: skip
        changes = {  # what each kind of movement does to (available, reserved, refunding)
            "funding": lambda line: (10_000, 0, 0),
            "unit.reserve": lambda line: (-line.reserved, line.reserved, 0),
            "unit.approve": lambda line: (0, -276, 0),
            "unit.void": lambda line: (184, -184, 0),
            "withdrawal": lambda line: (-2000, 0, 2000),
            "withdrawal.refunded": lambda line: (0, 0, -2000),
        }
        for line in whole:
            assert (line.available, line.reserved, line.withdrawing) == changes[line.kind](line)


def test_the_statement_csv_has_one_row_per_movement(app, client, login_as, stripe_emulator, travel):
    shop = busy_company(app, client, login_as, stripe_emulator, travel)
    rows = list(csv.reader(io.StringIO(client.get("/company/statements.csv").get_data(True))))
    assert rows[0] == [
        "Date", "Transaction", "Kind", "What happened", "Reference", "Available", "Reserved",
        "Being refunded", "Available after", "Reserved after", "Being refunded after", "Currency",
    ]  # fmt: skip
    body = [row[2:3] + row[5:11] for row in rows[1:]]
    assert body[0] == ["funding", "100.00", "0.00", "0.00", "100.00", "0.00", "0.00"]
    assert body[1] == ["unit.reserve", "-2.76", "2.76", "0.00", "97.24", "2.76", "0.00"]
    assert len(body) == 8
    with app.app_context():
        available = ledger.balance(AccountKind.COMPANY_AVAILABLE, shop.company_id)
    assert body[-1][0] == "withdrawal.refunded" and body[-1][4] == f"{available / 100:.2f}"


def test_a_company_without_movements(app, client, login_as):
    make_shop(app, login_as, fund=0)
    rows, page = lines_on_the_page(client)
    assert rows == [] and "No movements yet." in page


def test_units_of_the_history_are_the_companys(app, client, login_as, stripe_emulator, travel):
    shop = busy_company(app, client, login_as, stripe_emulator, travel)
    page = lines_on_the_page(client)[1]
    assert page.count(shop.worker_name) >= 4 and "3 emails" in page
    with app.app_context():
        kinds = {unit.kind for unit in db.session.scalars(sa.select(WorkUnit))}
    assert kinds == {UnitKind.EMAIL}
