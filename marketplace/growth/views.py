"""The worker's pages: "My levels" (each level explained, the facts, what is missing
for the next one) and offers to accept or decline."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.forms import EmptyForm
from marketplace.auth.policies import ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.growth import levels, offers, rules, terms
from marketplace.growth.models import Level, Offer, WorkerLevel, WorkKind

bp = Blueprint("growth", __name__)


@dataclass
class KindLevel:
    kind: WorkKind
    stored: WorkerLevel | None
    facts: rules.Facts | None

    @property
    def level(self) -> Level:
        return self.stored.level if self.stored else Level.NEW

    @property
    def next(self) -> Level | None:
        return self.level.next

    @property
    def missing(self) -> list[str]:
        if self.next is None or self.facts is None:
            return []
        return rules.missing_for(self.facts, self.kind, self.next)


@bp.route("/account/levels")
@login_required
def levels_page():
    ensure_can(current_user, "levels.view_own")
    stored = levels.levels_of(current_user)
    kinds = [k for k in WorkKind if k in stored or k in levels.kinds_worked(current_user)]
    rows = [
        KindLevel(
            kind=kind,
            stored=stored.get(kind),
            facts=rules.Facts.from_json(stored[kind].facts) if kind in stored else None,
        )
        for kind in kinds
    ]
    waiting = [offer for offer in offers.offers_for_worker(current_user) if offer.is_open]
    return render_template(
        "growth/levels.html",
        rows=rows,
        thresholds=rules.THRESHOLDS,
        window_days=rules.WINDOW_DAYS,
        penalty_days=rules.PENALTY_WINDOW_DAYS,
        waiting=waiting,
    )


@bp.route("/account/offers")
@login_required
def offers_page():
    ensure_can(current_user, "levels.view_own")
    found = offers.offers_for_worker(current_user)
    return render_template(
        "growth/offers.html",
        offers=found,
        current_terms={o.engagement_id: terms.current(o.engagement) for o in found},
        form=EmptyForm(),
    )


def _answer(offer_id: int, accept: bool):
    offer = db.get_or_404(Offer, offer_id)
    ensure_can(current_user, "offer.answer", offer)
    if EmptyForm().validate():
        try:
            if accept:
                offers.accept(offer, by=current_user)
            else:
                offers.decline(offer, by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            if accept:
                flash(
                    _("Offer accepted. The new terms apply to your work from today on."), "success"
                )
            else:
                flash(_("Offer declined. Your terms stay as they were."), "success")
    return redirect(url_for("growth.offers_page"))


@bp.post("/account/offers/<int:offer_id>/accept")
@login_required
def accept(offer_id: int):
    return _answer(offer_id, accept=True)


@bp.post("/account/offers/<int:offer_id>/decline")
@login_required
def decline(offer_id: int):
    return _answer(offer_id, accept=False)
