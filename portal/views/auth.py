"""Signing in and out."""

import io

import segno
from flask import Blueprint, current_app, flash, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal import clock, journeys, sessions
from portal.extensions import limit_posts
from portal.forms.auth import CodeForm, SignInForm
from portal.i18n import current_language
from portal.i18n import gettext as _
from portal.layout import blank_form
from portal.services import accounts as account_service
from portal.services import audit, company, throttle, totp
from portal.web import is_safe_path, render, see_other

bp = Blueprint("auth", __name__)

# Only failures count toward the limits: however many people sign in from one address (a
# school, a workplace, a mobile operator's shared address), none of them is ever blocked
# by the others' successes.
SIGN_IN_LIMIT = "10 per minute; 50 per hour"


def failed(response) -> bool:
    return response.status_code >= 400


@bp.route("/login", methods=["GET", "POST"])
@limit_posts(SIGN_IN_LIMIT, deduct_when=failed)
def login():
    """Show the sign-in form and sign the person in with email and password."""
    if current_user.is_authenticated:
        return see_other(url_for("home.index"))
    next_path = request.args.get("next")
    action = url_for("auth.login", next=next_path) if next_path else url_for("auth.login")
    if request.method in ("GET", "HEAD"):
        blank = blank_form("auth/login.html", "form", lambda marks: SignInForm(), action=action)
        return render("auth/login.html", partial="form", blank=blank)
    form = SignInForm()
    if form.validate_on_submit():
        email = account_service.normalise_email(form.email.data)
        known = account_service.person_with_email(email)
        own_device = known is not None and sessions.is_known_device(known.id)
        key = throttle.sign_in_key(email, own_device)
        seconds = throttle.wait(key)
        if seconds:
            # Too soon after too many wrong passwords for this account: the password is
            # not even looked at, so guessing from many addresses gains nothing.
            form.form_errors.append(sessions.too_many_attempts(seconds))
            return render("auth/login.html", partial="form", status=422, form=form, action=action)
        person = account_service.authenticate(email, form.password.data)
        if person is None:
            failures = throttle.failed(key)
            if not own_device:
                throttle.tell_after_burst(key, failures, known, throttle.SIGN_IN)
        else:
            throttle.succeeded(key)
        if person is not None and person.identified_at is None:
            # A username from elsewhere (the apartment search): identify once for this portal.
            return journeys.begin_first_identification(person)
        if person is not None:
            # A fresh session at sign-in: nothing an attacker planted before survives it.
            session.clear()
            if person.is_staff and current_app.config["STAFF_TOTP_REQUIRED"]:
                return journeys.ask_for_code(person, next_path)
            login_user(person)
            audit.record("signed_in", actor=person, subject=person)
            target = next_path if is_safe_path(next_path) else url_for("home.index")
            return sessions.remember_device(see_other(target), person.id)
        # The same words whether the email is unknown or the password wrong.
        audit.record("sign_in_failed", detail=form.email.data.lower()[:254])
        form.form_errors.append(_("The email address or password is incorrect."))
    return render("auth/login.html", partial="form", status=422, form=form, action=action)


@bp.route("/login/code", methods=["GET", "POST"])
@limit_posts(SIGN_IN_LIMIT, deduct_when=failed)
def second_factor():
    """The one-time code from the authenticator app, after the password; the first time,
    the app is set up from a QR code."""
    pending = session.get(journeys.SECOND_FACTOR)
    if not pending or clock.timestamp() - pending.get("at", 0) > journeys.CODE_MINUTES * 60:
        session.pop(journeys.SECOND_FACTOR, None)
        return see_other(url_for("auth.login"))
    person = account_service.person_with_open_account(pending["person_id"])
    if person is None:
        session.clear()
        return see_other(url_for("auth.login"))
    enrolling = "secret" in pending
    secret = pending.get("secret") or person.totp_secret
    form = CodeForm()
    own_device = sessions.is_known_device(person.id)
    key = throttle.person_key(throttle.CODE, person, own_device)
    seconds = throttle.wait(key) if form.is_submitted() else 0
    if seconds:
        form.validate()
        form.code.errors = [sessions.too_many_attempts(seconds)]
    elif form.validate_on_submit():
        step = totp.matching_step(secret, form.code.data, person.totp_last_step)
        if step is not None and account_service.accept_code(person, secret, step):
            next_path = pending.get("next")
            session.clear()
            login_user(person)
            throttle.succeeded(key)
            audit.record(
                "signed_in",
                actor=person,
                subject=person,
                detail="second factor set up" if enrolling else "with a one-time code",
            )
            target = next_path if is_safe_path(next_path) else url_for("home.index")
            return sessions.remember_device(see_other(target), person.id)
        failures = throttle.failed(key)
        if not own_device:
            throttle.tell_after_burst(key, failures, person, throttle.CODE)
        audit.record("second_factor_failed", subject=person)
        form.code.errors = [_("The code was not right. Enter the code the app shows now.")]
    qr = None
    if enrolling:
        uri = totp.provisioning_uri(secret, person.email, _issuer())
        qr = totp_qr_svg(uri, _("QR code for the app"))
    status = 422 if form.is_submitted() else 200
    return render(
        "auth/second_factor.html",
        status=status,
        form=form,
        enrolling=enrolling,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        qr=qr,
    )


def _issuer() -> str:
    """The name the authenticator app lists the codes under: the company's short name."""
    profile = company.current()
    return profile.short_name(current_language()) if profile else _("Resident Portal")


def totp_qr_svg(uri: str, title: str) -> str:
    code = segno.make(uri, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=4, border=4, xmldecl=False, title=title, svgclass="qr")
    return out.getvalue().decode()


@bp.post("/logout")
def logout():
    """Sign out on every device: the session token changes, so a copy of this session's
    cookie (or one on another computer) no longer signs anyone in."""
    if current_user.is_authenticated:
        account_service.sign_out_everywhere(current_user)
    logout_user()
    session.clear()
    # Flashed after the session is cleared, so the sign-in page can say it; the text is
    # still in the person's own language, chosen when this request began.
    flash(_("You have signed out on all your devices."), "success")
    response = see_other(url_for("auth.login"))
    # The browser forgets what it kept of the signed-in pages (htmx keeps none of its own).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
