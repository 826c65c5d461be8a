"""Pages and actions for everyone: language choice and the health check."""

from flask import Blueprint, abort, current_app, jsonify
from flask_login import current_user

from portal.forms.preferences import LanguageForm
from portal.i18n import LOCALE_COOKIE
from portal.models import Person, db
from portal.web import is_safe_path, see_other

bp = Blueprint("public", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.post("/locale")
def switch_locale():
    """Switch the language: remember it in a cookie, and in the profile when signed in."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    language = form.language.data
    if current_user.is_authenticated and current_user.language != language:
        Person.update(language=language).where(Person.id == current_user.id).execute()
    target = form.next.data if is_safe_path(form.next.data) else "/"
    response = see_other(target)
    response.set_cookie(
        LOCALE_COOKIE,
        language,
        max_age=ONE_YEAR,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.get("/healthz")
def healthz():
    """Answer whether the portal runs and its database answers."""
    try:
        db.execute_sql("SELECT 1").fetchone()
    except Exception:
        current_app.logger.exception("Health check: database did not answer")
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
