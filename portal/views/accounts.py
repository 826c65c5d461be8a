"""Creating a username, identifying, choosing a password and resetting it.

The journey follows the housing company's own description: email confirmation link (valid
24 hours), strong identification with online banking or identification at the office, then
a password. A person with an older username who has never identified is sent here at their
first sign-in.
"""

import datetime

from flask import Blueprint, current_app, flash, request, session, url_for
from flask_babel import format_datetime
from flask_login import current_user, login_user

from portal import bank_id, journeys, links
from portal.extensions import limit_posts
from portal.forms.accounts import ContinueForm, EmailForm, IdentifyForm, NewPasswordForm
from portal.i18n import current_language
from portal.i18n import gettext as _
from portal.models import Person, Token, utcnow
from portal.services import accounts as account_service
from portal.services import audit, company, registration, tokens
from portal.services.passwords import check_password
from portal.web import render, see_other

bp = Blueprint("accounts", __name__)

FORM_LIMIT = "10 per minute; 40 per hour"


def _lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=current_app.config["LINK_LIFETIME_HOURS"])


def _public_url() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/")


def _token_problem_page(status: str, start_again: str):
    """Explain a link that cannot be used, and offer to start again."""
    return render("accounts/link_problem.html", status=400, problem=status, start=start_again)


@bp.route("/register", methods=["GET", "POST"])
@limit_posts(FORM_LIMIT)
def register():
    """Ask for an email address and send the confirmation link."""
    if current_user.is_authenticated:
        return see_other(url_for("home.index"))
    form = EmailForm()
    if form.validate_on_submit():
        email = form.email.data.lower()
        registration.start_registration(email, current_language(), _public_url(), _lifetime())
        return render("accounts/check_email.html", email=email, purpose="register")
    status = 422 if form.is_submitted() else 200
    return render("accounts/register.html", partial="form", status=status, form=form)


@bp.get("/register/confirm/<token>")
def confirm_email_link(token):
    """Open a confirmation link of the older form, with the token in the path."""
    return links.open_link(links.REGISTER, "accounts.confirm_email", token)


@bp.route("/register/confirm", methods=["GET", "POST"])
def confirm_email():
    """Confirm the email from the link; identification comes next.

    Opening the link only shows a button: programs that check links in email (and open
    them) must not use up the link before the person does.
    """
    if opened := links.from_query(links.REGISTER):
        return opened
    checked = tokens.check(Token.REGISTER, links.token(links.REGISTER) or "")
    if not checked.is_valid:
        return _token_problem_page(checked.status, url_for("accounts.register"))
    form = ContinueForm()
    if form.validate_on_submit():
        if not tokens.consume(checked.token):
            return _token_problem_page("used", url_for("accounts.register"))
        links.forget(links.REGISTER)
        journeys.end()
        journeys.begin(journeys.REGISTRATION, email=checked.token.email)
        return see_other(url_for("accounts.identify"))
    return render("accounts/confirm.html", form=form, email=checked.token.email)


def _journey_email() -> str | None:
    """Return the email of the person identifying: registering, or signing in the first time."""
    if state := journeys.step(journeys.REGISTRATION):
        return state["email"]
    if state := journeys.step(journeys.PENDING):
        person = account_service.person_on_journey(state["person_id"])
        return person.email if person else None
    return None


@bp.route("/identify", methods=["GET", "POST"])
@limit_posts(FORM_LIMIT)
def identify():
    """Let the person choose how to identify: online banking or at the office."""
    email = _journey_email()
    if email is None:
        flash(_("Start by creating a username, or sign in."), "info")
        return see_other(url_for("accounts.register"))
    form = IdentifyForm()
    if form.validate_on_submit():
        if form.method.data == "bank":
            if not bank_id.is_configured():
                form.form_errors.append(
                    _(
                        "Identification with online banking is not available "
                        "right now. Please try again later."
                    )
                )
            else:
                return bank_id.start(f"{_public_url()}{url_for('accounts.identified')}")
        else:
            person = registration.identified_at_office(email)
            if person is None:
                return render("accounts/office_pending.html", status=409, email=email)
            return _after_identification(person)
    status = 422 if form.is_submitted() else 200
    return render(
        "accounts/identify.html",
        status=status,
        form=form,
        email=email,
        bank_available=bank_id.is_configured(),
    )


@bp.get("/identify/callback")
def identified():
    """Return from the identification provider and match the person to the housing register."""
    email = _journey_email()
    if email is None:
        return render("accounts/identify_failed.html", status=400, reason="expired")
    try:
        identity = bank_id.finish()
    except bank_id.BankIdError:
        return render("accounts/identify_failed.html", status=400, reason="failed")
    person = registration.identify(
        email,
        identity.identity_hash,
        current_language(),
        (identity.first_name, identity.last_name),
    )
    if person is None:
        return render("accounts/identify_failed.html", status=403, reason="no_match")
    return _after_identification(person)


def _after_identification(person: Person):
    """Sign in a person who already has a password; otherwise let them choose one."""
    if journeys.step(journeys.PENDING) and person.password_hash:
        journeys.end()
        session.clear()
        login_user(person)
        audit.record("signed_in", actor=person, subject=person)
        flash(_("Thank you, you have been identified."), "success")
        return see_other(url_for("home.index"))
    journeys.end()
    journeys.begin(journeys.IDENTIFIED, person_id=person.id)
    return see_other(url_for("accounts.choose_password"))


def _personal_terms(person: Person | None) -> tuple[str, ...]:
    if person is None:
        return ()
    return (person.first_name, person.last_name, person.email)


def _company_terms() -> tuple[str, ...]:
    """The company's short names: the first word many of its residents would try."""
    profile = company.current()
    if profile is None:
        return ()
    return (profile.short_name_fi, profile.short_name_sv, profile.short_name_en)


def _password_form(person: Person | None) -> NewPasswordForm:
    return NewPasswordForm(
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
        personal=_personal_terms(person),
        guessable=_company_terms(),
    )


def _rules(password: str, person: Person | None):
    return check_password(
        password,
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
        personal=_personal_terms(person),
        guessable=_company_terms(),
    )


def _password_page(form: NewPasswordForm, person: Person, action: str, reset: bool = False):
    """Show the password form with the rules, marked against what was typed."""
    return render(
        "accounts/choose_password.html",
        status=422 if form.is_submitted() else 200,
        form=form,
        person=person,
        rules=_rules(form.password.data or "", person),
        action=action,
        reset=reset,
    )


@bp.route("/register/password", methods=["GET", "POST"])
def choose_password():
    """Choose the password after identifying; then the person is signed in."""
    state = journeys.step(journeys.IDENTIFIED)
    person = account_service.person_on_journey(state["person_id"]) if state else None
    if person is None:
        flash(_("Start by creating a username, or sign in."), "info")
        return see_other(url_for("accounts.register"))
    form = _password_form(person)
    if form.validate_on_submit():
        registration.set_password(person, form.password.data)
        journeys.end()
        session.clear()
        login_user(person)
        flash(_("Welcome! Your username is ready."), "success")
        return see_other(url_for("home.index"))
    return _password_page(form, person, url_for("accounts.choose_password"))


@bp.post("/password/check")
def check_new_password():
    """Answer which password rules the typed password meets (for live feedback with htmx)."""
    state = journeys.step(journeys.IDENTIFIED)
    person = account_service.person_on_journey(state["person_id"]) if state else None
    if person is None and (reset := session.get("reset_person_id")):
        person = account_service.person_on_journey(reset)
    password = request.form.get("password", "")[:200]
    return render(
        "accounts/_password_rules.html", rules=_rules(password, person), typed=bool(password)
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
@limit_posts(FORM_LIMIT)
def forgot_password():
    """Send a reset link, answering the same whether or not the address is known."""
    form = EmailForm()
    if form.validate_on_submit():
        email = form.email.data.lower()
        registration.start_password_reset(email, _public_url(), _lifetime())
        return render("accounts/check_email.html", email=email, purpose="reset")
    status = 422 if form.is_submitted() else 200
    return render("accounts/forgot.html", partial="form", status=status, form=form)


@bp.get("/password/reset/<token>")
def reset_password_link(token):
    """Open a reset link of the older form, with the token in the path."""
    return links.open_link(links.RESET, "accounts.reset_password", token)


@bp.route("/password/reset", methods=["GET", "POST"])
@limit_posts(FORM_LIMIT)
def reset_password():
    """Choose a new password from the emailed link; every other session ends."""
    if opened := links.from_query(links.RESET):
        return opened
    checked = tokens.check(Token.RESET, links.token(links.RESET) or "")
    person = checked.token.person if checked.is_valid else None
    if person is None or not person.is_active:
        return _token_problem_page(
            checked.status if not checked.is_valid else "invalid",
            url_for("accounts.forgot_password"),
        )
    session["reset_person_id"] = person.id
    form = _password_form(person)
    if form.validate_on_submit():
        if not tokens.consume(checked.token):
            return _token_problem_page("used", url_for("accounts.forgot_password"))
        registration.reset_password(
            person, form.password.data, when=format_datetime(utcnow(), "short")
        )
        # The link is used up with everything else the session held.
        session.clear()
        flash(_("Your password has been changed. You were signed out everywhere else."), "success")
        if person.is_staff and current_app.config["STAFF_TOTP_REQUIRED"]:
            # A new password is not a second factor: staff go on to the code.
            return journeys.ask_for_code(person, None)
        login_user(person)
        return see_other(url_for("home.index"))
    return _password_page(form, person, url_for("accounts.reset_password"), reset=True)
