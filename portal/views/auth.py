"""Signing in and out."""

from flask import Blueprint, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.extensions import limiter
from portal.forms.auth import SignInForm
from portal.services import accounts as account_service
from portal.services import audit
from portal.views import accounts
from portal.web import is_safe_path, render, see_other

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login():
    """Show the sign-in form and sign the person in with email and password."""
    if current_user.is_authenticated:
        return see_other(url_for("home.index"))
    form = SignInForm()
    next_path = request.args.get("next")
    if form.validate_on_submit():
        person = account_service.authenticate(form.email.data, form.password.data)
        if person is not None and person.identified_at is None:
            # A username from elsewhere (the apartment search): identify once for this portal.
            return accounts.begin_first_identification(person)
        if person is not None:
            # A fresh session at sign-in: nothing an attacker planted before survives it.
            session.clear()
            login_user(person)
            audit.record("signed_in", actor=person, subject=person)
            return see_other(next_path if is_safe_path(next_path) else url_for("home.index"))
        # The same words whether the email is unknown or the password wrong.
        audit.record("sign_in_failed", detail=form.email.data.lower()[:254])
        form.form_errors.append(_("The email address or password is incorrect."))
    status = 422 if form.is_submitted() else 200
    return render("auth/login.html", partial="form", status=status, form=form, next=next_path)


@bp.post("/logout")
def logout():
    """Sign out and forget the session."""
    logout_user()
    session.clear()
    return see_other(url_for("auth.login"))
