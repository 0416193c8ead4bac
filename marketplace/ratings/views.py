"""Rating an engagement's other side, the company's answer, the worker's profile; and the
template helpers the company page and the engagement lists use."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Company, User
from marketplace.auth.policies import ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.growth import levels as growth_levels
from marketplace.onboarding.models import Engagement
from marketplace.ratings import facts, queries, services
from marketplace.ratings.forms import AnswerForm, RatingForm
from marketplace.ratings.models import Rating, RatingSide

bp = Blueprint("ratings", __name__)


@bp.app_template_filter("decimal1")
def _decimal1(value: float) -> str:
    return format_decimal(value, format="0.0")


@bp.app_template_filter("rating_duration")
def _duration(value: timedelta | None) -> str:
    """A measured time in words: minutes, hours up to two days, then days."""
    if value is None:
        return "–"
    minutes = round(value.total_seconds() / 60)
    if minutes < 60:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    if minutes < 48 * 60:
        return ngettext("%(num)d hour", "%(num)d hours", round(minutes / 60))
    return _("%(days)s days", days=format_decimal(minutes / 1440, format="0.0"))


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    def rateable_among(engagements: list[Engagement]) -> set[int]:
        """The engagements the viewer may rate now (for the "Rate …" prompts)."""
        if not current_user.is_authenticated:
            return set()
        return services.rateable_among(current_user, list(engagements))

    def company_ratings(company: Company) -> dict[str, object]:
        """What the company's public page shows: published ratings and measured facts."""
        return {
            "summary": queries.summary(RatingSide.WORKER, company.id),
            "latest": queries.latest(RatingSide.WORKER, company.id),
            "facts": facts.company_facts(company),
            "answer_form": AnswerForm(),
        }

    return {"rateable_among": rateable_among, "company_ratings": company_ratings}


def _back(engagement: Engagement) -> str:
    if engagement.worker_id == current_user.id:
        return url_for("applications.mine")
    return url_for("hiring.engagement_list")


@bp.route("/engagements/<int:engagement_id>/rate", methods=["GET", "POST"])
@login_required
def rate(engagement_id: int):
    engagement = db.get_or_404(Engagement, engagement_id)
    ensure_can(current_user, "rating.give", engagement)
    side = services.side_of(current_user, engagement)
    form = RatingForm()
    form.name_aspects(side)
    if form.validate_on_submit():
        try:
            rating = services.rate(
                engagement, by=current_user, stars=form.stars(), text=form.text.data
            )
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            if rating.is_published():
                flash(_("Thank you. Both sides have rated: both ratings are published."),
                      "success")  # fmt: skip
            else:
                flash(_("Thank you. Your rating is published once both sides have rated, "
                        "or %(days)d days after the first rating.",
                        days=current_app.config["RATING_PUBLISH_DAYS"]), "success")  # fmt: skip
            return redirect(_back(engagement))
    return render_template(
        "ratings/rate.html",
        engagement=engagement,
        side=side,
        form=form,
        eligibility=services.eligibility(engagement, side),
        mine=services.rating_of(engagement, side),
        back=_back(engagement),
    )


@bp.route("/ratings/<int:rating_id>/answer", methods=["POST"])
@login_required
def answer(rating_id: int):
    rating = db.get_or_404(Rating, rating_id)
    ensure_can(current_user, "rating.answer", rating)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            services.answer(rating, by=current_user, text=form.answer.data)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Your answer is published below the rating."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    page = url_for("accounts.company_page", company_id=rating.company_id)
    return redirect(f"{page}#rating-{rating.id}")


@bp.route("/workers/<int:user_id>")
@login_required
def worker(user_id: int):
    person = db.get_or_404(User, user_id)
    ensure_can(current_user, "worker.profile", person)
    return render_template(
        "ratings/worker.html",
        person=person,
        name=queries.first_name(person.display_name),
        facts=facts.worker_facts(person),
        summary=queries.summary(RatingSide.COMPANY, person.id),
        latest=queries.latest(RatingSide.COMPANY, person.id),
        own_ratings=queries.by_author_unpublished(person) if person.id == current_user.id else [],
        levels=sorted(growth_levels.levels_of(person).values(), key=lambda lv: lv.kind),
    )
