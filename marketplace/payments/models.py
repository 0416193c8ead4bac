"""Money: the double-entry ledger, work units, card payments, payouts, withdrawals,
connected Stripe accounts and the Stripe events received.

All amounts are integer cents in ``currency`` (EUR). The ledger is append-only:
a LedgerTransaction's entries sum to zero, and every transaction names the
business event that caused it (``reference_type`` / ``reference_id``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Company, User
from marketplace.db import TimestampMixin, enum_column, utcnow
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement


class AccountKind(StrEnum):
    COMPANY_AVAILABLE = "company_available"  # prepaid, free to spend
    COMPANY_RESERVED = "company_reserved"  # promised to recorded work units
    COMPANY_WITHDRAWING = "company_withdrawing"  # on its way back to the card
    WORKER_PAYABLE = "worker_payable"  # earned, not yet paid out
    WORKER_IN_TRANSIT = "worker_in_transit"  # in a payout being sent
    PLATFORM_FEES = "platform_fees"  # Nebendesk's revenue
    STRIPE_CLEARING = "stripe_clearing"  # the other side of money entering or leaving Stripe


# Accounts whose balance must never go below zero (the clearing account is
# the mirror of everything held, so it is negative by design).
NON_NEGATIVE = frozenset(set(AccountKind) - {AccountKind.STRIPE_CLEARING})


class LedgerAccount(db.Model):
    """One balance: e.g. a company's available money. ``balance_cents`` is a cache of
    the sum of its entries, kept in the same transaction; `flask ledger check` proves it."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        sa.UniqueConstraint("kind", "owner_id"),
        sa.CheckConstraint(
            "kind = 'stripe_clearing' OR balance_cents >= 0", name="non_negative_balance"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AccountKind] = mapped_column(enum_column(AccountKind))
    # The company's or worker's id; 0 for the platform's own accounts.
    owner_id: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    balance_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class LedgerTransaction(db.Model):
    __tablename__ = "ledger_transactions"
    __table_args__ = (
        sa.Index("ix_ledger_transactions_reference", "reference_type", "reference_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))  # e.g. "funding", "unit.approve"
    reference_type: Mapped[str] = mapped_column(sa.String(32))  # "payment", "unit", "payout" …
    reference_id: Mapped[int]
    # A transaction caused by a Stripe event is booked once per event id.
    stripe_event_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    memo: Mapped[str] = mapped_column(sa.String(255), default="")

    entries: Mapped[list[LedgerEntry]] = relationship(back_populates="transaction")


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_accounts.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    account: Mapped[LedgerAccount] = relationship()


# --- card payments (funding) ------------------------------------------------------


class PaymentStatus(StrEnum):
    CREATED = "created"  # PaymentIntent made; the company has not paid yet
    SUCCEEDED = "succeeded"  # Stripe said so in a signed webhook; the balance is credited
    FAILED = "failed"
    CANCELED = "canceled"


class Payment(TimestampMixin, db.Model):
    """A company's card payment to fund its balance (one Stripe PaymentIntent)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    status: Mapped[PaymentStatus] = mapped_column(
        enum_column(PaymentStatus), default=PaymentStatus.CREATED
    )
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    client_secret: Mapped[str | None] = mapped_column(sa.String(255))
    refunded_cents: Mapped[int] = mapped_column(default=0)
    succeeded_at: Mapped[datetime | None]
    failure_message: Mapped[str | None] = mapped_column(sa.Text)  # Stripe's words (English)
    # Stripe's decline_code or code: what the page explains in the company's language.
    failure_code: Mapped[str | None] = mapped_column(sa.String(64))

    company: Mapped[Company] = relationship()

    @property
    def refundable_cents(self) -> int:
        return (
            self.amount_cents - self.refunded_cents if self.status == PaymentStatus.SUCCEEDED else 0
        )


class StripeCustomer(db.Model):
    """The Stripe customer that pays for a company."""

    __tablename__ = "stripe_customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(sa.String(255), unique=True)


class StripeEvent(db.Model):
    """Every webhook event received, stored once per event id."""

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(sa.String(255), default="")


# --- work units -----------------------------------------------------------------------


class UnitKind(StrEnum):
    EMAIL = "email"  # an answered customer email
    ITEM = "item"  # a moderated item
    HOUR = "hour"  # an hour of moderation
    REVIEW = "review"  # a team lead's review of another worker's unit (source "review:<id>")


class UnitStatus(StrEnum):
    # Recorded while the company's balance could not cover it: kept, nothing reserved;
    # counted (→ pending, money reserved) in the order recorded once funds arrive.
    WAITING = "waiting"
    PENDING = "pending"  # waiting for the company's review; money reserved
    APPROVED = "approved"  # worker's payable, fee to the platform
    REJECTED = "rejected"  # the worker may dispute within the dispute window; money held
    DISPUTED = "disputed"  # an admin decides
    VOIDED = "voided"  # rejection final: the money is the company's again


UNIT_TRANSITIONS: dict[UnitStatus, frozenset[UnitStatus]] = {
    UnitStatus.WAITING: frozenset({UnitStatus.PENDING}),
    UnitStatus.PENDING: frozenset({UnitStatus.APPROVED, UnitStatus.REJECTED}),
    UnitStatus.REJECTED: frozenset({UnitStatus.DISPUTED, UnitStatus.VOIDED}),
    UnitStatus.DISPUTED: frozenset({UnitStatus.APPROVED, UnitStatus.VOIDED}),
    UnitStatus.APPROVED: frozenset(),
    UnitStatus.VOIDED: frozenset(),
}


class WorkUnit(TimestampMixin, db.Model):
    """Paid work: an answered email, moderated items, hours. Recording one reserves
    its amount plus the platform fee from the company's available balance; when that
    cannot cover it, the unit waits for funds (nothing reserved, nothing lost)."""

    __tablename__ = "work_units"
    __table_args__ = (
        sa.Index("ix_work_units_status_review_due_at", "status", "review_due_at"),
        sa.Index("ix_work_units_engagement_id_work_date", "engagement_id", "work_date"),
        sa.CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        sa.CheckConstraint("fee_cents >= 0", name="fee_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(sa.ForeignKey("engagements.id"))
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    gig_id: Mapped[int] = mapped_column(sa.ForeignKey("gigs.id"), index=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    rate_cents: Mapped[int]
    amount_cents: Mapped[int]
    fee_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    work_date: Mapped[date]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # Where the unit came from ("timesheet", "manual", "email:<message id>" …): unique,
    # so the same piece of work can never be paid twice.
    source: Mapped[str] = mapped_column(sa.String(120), unique=True)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[UnitStatus] = mapped_column(enum_column(UnitStatus), default=UnitStatus.PENDING)
    review_due_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    auto_approved: Mapped[bool] = mapped_column(default=False)
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    dispute_note: Mapped[str | None] = mapped_column(sa.Text)
    disputed_at: Mapped[datetime | None]
    dispute_decision: Mapped[str | None] = mapped_column(sa.Text)

    engagement: Mapped[Engagement] = relationship()
    worker: Mapped[User] = relationship(foreign_keys=[worker_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    company: Mapped[Company] = relationship()

    @property
    def total_cents(self) -> int:
        """What the company pays: the worker's amount plus the platform fee."""
        return self.amount_cents + self.fee_cents


# --- payouts ---------------------------------------------------------------------------


class ConnectedAccount(TimestampMixin, db.Model):
    """A worker's Stripe Connect account (Express), kept current by account.updated."""

    __tablename__ = "connected_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    stripe_account_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    details_submitted: Mapped[bool] = mapped_column(default=False)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)
    transfers_active: Mapped[bool] = mapped_column(default=False)


class PayoutStatus(StrEnum):
    PENDING = "pending"  # written and money set aside; Stripe may or may not have been asked
    PAID = "paid"  # Stripe created the transfer
    FAILED = "failed"  # Stripe refused; the money went back to the worker's payable


class PayoutRun(db.Model):
    __tablename__ = "payout_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    paid_count: Mapped[int] = mapped_column(default=0)
    paid_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    failed_count: Mapped[int] = mapped_column(default=0)


class Payout(TimestampMixin, db.Model):
    """One Stripe Transfer to a worker. The row (with its idempotency key) is
    committed before Stripe is called, so a crash can neither lose nor double it."""

    __tablename__ = "payouts"
    __table_args__ = (sa.Index("ix_payouts_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payout_runs.id"), index=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    stripe_account_id: Mapped[str] = mapped_column(sa.String(255))
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    status: Mapped[PayoutStatus] = mapped_column(
        enum_column(PayoutStatus), default=PayoutStatus.PENDING
    )
    idempotency_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    stripe_transfer_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    error_code: Mapped[str | None] = mapped_column(sa.String(100))
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None]

    worker: Mapped[User] = relationship()


# --- withdrawals -----------------------------------------------------------------------


class WithdrawalStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class Withdrawal(TimestampMixin, db.Model):
    """A company takes unused balance back: refunds against its card payments."""

    __tablename__ = "withdrawals"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    status: Mapped[WithdrawalStatus] = mapped_column(
        enum_column(WithdrawalStatus), default=WithdrawalStatus.PENDING
    )
    refunds: Mapped[list[WithdrawalRefund]] = relationship(
        back_populates="withdrawal", order_by="WithdrawalRefund.id"
    )


class WithdrawalRefund(db.Model):
    """One Stripe Refund of a withdrawal, against one card payment."""

    __tablename__ = "withdrawal_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    withdrawal_id: Mapped[int] = mapped_column(sa.ForeignKey("withdrawals.id"), index=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    amount_cents: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    status: Mapped[WithdrawalStatus] = mapped_column(
        enum_column(WithdrawalStatus), default=WithdrawalStatus.PENDING
    )
    error_message: Mapped[str | None] = mapped_column(sa.Text)

    withdrawal: Mapped[Withdrawal] = relationship(back_populates="refunds")
    payment: Mapped[Payment] = relationship()
