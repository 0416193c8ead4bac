"""Registration, login, email verification, password reset, profile, company page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from marketplace.accounts import logins as login_sessions
from marketplace.accounts import services
from marketplace.accounts.forms import (
    AcceptInvitationForm,
    CompanyForm,
    EmptyForm,
    ForgotPasswordForm,
    InviteForm,
    ProfileForm,
    RegisterCompanyForm,
    RegisterSeekerForm,
    ResetPasswordForm,
)
from marketplace.accounts.login_views import bp, home_for, log_in
from marketplace.accounts.models import Company, Invitation
from marketplace.auth.policies import ensure_can
from marketplace.auth.tokens import TokenExpired, TokenInvalid
from marketplace.errors import DomainError
from marketplace.extensions import db, limiter
from marketplace.gigs.queries import company_public_gigs
from marketplace.web import select_locale


def _token_error(exc: Exception) -> str:
    if isinstance(exc, TokenExpired):
        return _("This link has expired. Please request a new one.")
    return _("This link is not valid. Please check that you copied it completely.")


# --- registration -------------------------------------------------------------


def _check_your_email(email: str):
    """The same answer whether or not the address already had an account."""
    flash(
        _("Almost done: we sent an email to %(email)s. Please open the link in it to confirm "
          "your address, then log in.", email=email.strip()),
        "success",
    )  # fmt: skip
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterSeekerForm()
    if form.validate_on_submit():
        try:
            services.sign_up_seeker(
                email=form.email.data,
                password=form.password.data,
                display_name=form.display_name.data,
                date_of_birth=form.date_of_birth.data,
                locale=select_locale(),
            )
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            return _check_your_email(form.email.data)
    return render_template("accounts/register.html", form=form)


@bp.route("/register/company", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register_company():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterCompanyForm()
    if form.validate_on_submit():
        try:
            services.sign_up_company(
                company_name=form.company_name.data,
                website=form.website.data or "",
                email=form.email.data,
                password=form.password.data,
                display_name=form.display_name.data,
                locale=select_locale(),
            )
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            return _check_your_email(form.email.data)
    return render_template("accounts/register_company.html", form=form)


@bp.route("/verify/<token>")
def verify_email(token: str):
    try:
        user = services.verify_email(token)
    except (TokenInvalid, DomainError) as exc:
        message = exc.message if isinstance(exc, DomainError) else _token_error(exc)
        return render_template("errors/error.html", title=_("Link not valid"), message=message), 400
    db.session.commit()
    flash(_("Thank you, your email address %(email)s is confirmed.", email=user.email), "success")
    return redirect(home_for(user) if current_user.is_authenticated else url_for("accounts.login"))


@bp.post("/verify/resend")
@login_required
@limiter.limit("5 per hour")
def resend_verification():
    if current_user.is_verified:
        flash(_("Your email address is already confirmed."), "info")
    else:
        services.send_verification(current_user)
        db.session.commit()
        flash(_("We sent the confirmation email again."), "success")
    return redirect(home_for(current_user))


# --- password reset -----------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _("If an account exists for %(email)s, we have emailed a link to reset the password.",
              email=form.email.data),
            "info",
        )  # fmt: skip
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except (TokenInvalid, DomainError) as exc:
        message = exc.message if isinstance(exc, DomainError) else _token_error(exc)
        return render_template("errors/error.html", title=_("Link not valid"), message=message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        db.session.commit()
        logout_user()
        flash(_("Your password has been changed. Please log in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


# --- seeker profile -----------------------------------------------------------------


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    ensure_can(current_user, "seeker.profile")
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.mature_opt_in.data = current_user.mature_opt_in_at is not None
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                display_name=form.display_name.data,
                languages=form.languages.data or [],
                hours_per_week=form.hours_per_week.data,
                introduction=form.introduction.data or "",
                mature_opt_in=form.mature_opt_in.data,
            )
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html", form=form, logins=login_sessions.live(current_user)
    )


# --- company page and members -----------------------------------------------------


def _own_company() -> Company:
    company = current_user.company if current_user.is_authenticated else None
    if company is None:
        abort(404)
    return company


@bp.route("/company/profile", methods=["GET", "POST"])
@login_required
def company_profile():
    company = _own_company()
    ensure_can(current_user, "company.manage", company)
    form = CompanyForm(obj=company)
    if form.validate_on_submit():
        try:
            services.update_company(
                company,
                name=form.name.data,
                website=form.website.data or "",
                description=form.description.data or "",
            )
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("The company page is saved."), "success")
            return redirect(url_for("accounts.company_profile"))
    return render_template("accounts/company_profile.html", form=form, company=company)


@bp.route("/company/members", methods=["GET", "POST"])
@login_required
def company_members():
    company = _own_company()
    ensure_can(current_user, "company.view_private", company)
    form = InviteForm()
    if form.validate_on_submit():
        ensure_can(current_user, "company.manage", company)
        try:
            services.invite_member(company, email=form.email.data, by=current_user)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("accounts.company_members"))
    invitations = db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.company_id == company.id)
        .order_by(Invitation.created_at.desc())
    ).all()
    return render_template(
        "accounts/company_members.html",
        company=company,
        form=form,
        invitations=invitations,
        revoke_form=EmptyForm(),
    )


@bp.post("/company/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id: int):
    company = _own_company()
    invitation = db.get_or_404(Invitation, invitation_id)
    if invitation.company_id != company.id:
        abort(404)
    ensure_can(current_user, "company.manage", company)
    try:
        services.revoke_invitation(invitation)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The invitation is revoked."), "success")
    return redirect(url_for("accounts.company_members"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        invitation = services.invitation_for_token(token)
    except (TokenInvalid, DomainError) as exc:
        message = exc.message if isinstance(exc, DomainError) else _token_error(exc)
        return render_template("errors/error.html", title=_("Link not valid"), message=message), 400
    if current_user.is_authenticated:
        flash(_("Please log out first to accept an invitation for another account."), "info")
        return redirect(home_for(current_user))
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                token,
                display_name=form.display_name.data,
                password=form.password.data,
                locale=select_locale(),
            )
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            log_in(user)
            flash(_("Welcome to %(company)s!", company=invitation.company.name), "success")
            return redirect(url_for("gigs.company_gigs"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation)


@bp.route("/companies/<int:company_id>")
def company_page(company_id: int):
    company = db.get_or_404(Company, company_id)
    ensure_can(current_user, "company.view", company)
    gigs = company_public_gigs(current_user, company)
    return render_template("accounts/company_page.html", company=company, gigs=gigs)
