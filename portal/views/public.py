"""Pages and actions for everyone: language choice, and the health and readiness checks."""

from flask import Blueprint, abort, current_app, flash, jsonify, make_response, request
from flask_babel import force_locale
from flask_login import current_user

from portal import database
from portal.forms.preferences import LanguageForm
from portal.i18n import BABEL_LOCALES, remember_language
from portal.i18n import gettext as _
from portal.models import db
from portal.services import company, mail, profile
from portal.web import is_safe_path, see_other

bp = Blueprint("public", __name__)


@bp.post("/locale")
def switch_locale():
    """Switch the language: remember it in a cookie, and in the profile when signed in."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    language = form.language.data
    if current_user.is_authenticated and language != current_user.language:
        profile.choose_language(current_user, language)
        # The profile's language is also that of every email to come: say so, in it.
        with force_locale(BABEL_LOCALES[language]):
            flash(_("Emails from the portal now come in this language too."), "info")
    target = form.next.data if is_safe_path(form.next.data) else "/"
    return remember_language(see_other(target), language)


@bp.get("/healthz")
def healthz():
    """Answer whether the portal runs and its database answers."""
    try:
        database.ping()
    except Exception:
        current_app.logger.exception("Health check: database did not answer")
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/readyz")
def readyz():
    """Answer whether the portal can do its work, for monitoring and a load balancer: the
    database answers, its schema is current, and email is going out. Plain text: "ready",
    or "not ready" and one line per problem, with 503."""
    problems = []
    try:
        database.ping()
    except Exception:
        current_app.logger.exception("Readiness check: database did not answer")
        problems.append("database: not answering")
    else:
        pending = database.pending_migrations(db.obj)
        if pending:
            problems.append(f"database: {len(pending)} migration(s) not applied: run upgrade")
        elif company.current() is None:
            problems.append("company: not set up yet: run init-company")
        limit = current_app.config["READY_MAIL_MINUTES"]
        waited = mail.oldest_unsent() if current_app.config["SMTP_HOST"] else None
        if waited is not None and waited.total_seconds() > limit * 60:
            minutes = int(waited.total_seconds() // 60)
            problems.append(
                f"email: the oldest unsent message has waited {minutes} minutes"
                f" (limit {limit}): is the mail worker running?"
            )
    text = "\n".join(["not ready", *problems] if problems else ["ready"]) + "\n"
    response = make_response(text, 503 if problems else 200)
    response.mimetype = "text/plain"
    response.headers["Cache-Control"] = "no-store"
    return response


def _versioned(response, wanted: str):
    """Keep a response for a year under the address of this version of the profile; under
    any other address (an old page asking for an old version) it is not kept at all."""
    if request.args.get("v") == wanted:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/company/logo")
def logo():
    """The company's logo (a checked SVG or a PNG)."""
    profile = company.current()
    if profile is None or not profile.logo:
        abort(404)
    response = make_response(bytes(profile.logo))
    response.mimetype = profile.logo_type
    # An SVG opened on its own is a document: it may draw, never run, fetch or style itself
    # from elsewhere (the logo was cleaned of all that when it was saved, this holds anyway).
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; frame-ancestors 'none'; sandbox"
    )
    return _versioned(response, company.version(profile))
