"""Administrators keep the company's own details: its names, logo and colour, the privacy
notice, the sender of email, the customer service point, maintenance's number and the payee
of rents. Every page and email takes them from here, so a change is weighty: it needs a
recent sign-in (or the password again) and is written to the audit log."""

from flask import Blueprint, flash, url_for
from flask_login import current_user

from portal import sessions
from portal.forms.company import CompanyForm, ratio_text
from portal.i18n import gettext as _
from portal.services import company, logos
from portal.sessions import confirm_password, recently_authenticated
from portal.web import render, see_other

bp = Blueprint("staff_settings", __name__, url_prefix="/staff/settings")


def _preview(text: str | None, saved: str) -> dict:
    """The colour the page shows a sample of (the typed one when it reads as a colour, else
    the saved one) and the contrast white text has on it."""
    rgb = company.parse_color(text or "") or company.parse_color(saved)
    if rgb is None:
        return {}
    return {
        "color": "#{:02x}{:02x}{:02x}".format(*rgb),
        "ratio": ratio_text(company.contrast_with_white(rgb)),
    }


@bp.route("", methods=["GET", "POST"])
def edit():
    """Show the company's details, and save them when they are all right."""
    profile = company.current()
    form = CompanyForm(obj=profile)
    needs_password = not recently_authenticated()
    status = 200
    if form.validate_on_submit():
        if needs_password and not confirm_password(form.password.data):
            form.password.errors = [sessions.password_error()]
        else:
            company.change(
                form.values(),
                current_user,
                logo=form.checked_logo,
                drop_logo=form.drop_logo.data,
            )
            flash(_("The company's details were saved."), "success")
            return see_other(url_for("staff_settings.edit"))
        status = 422
    elif form.is_submitted():
        status = 422
    return render(
        "staff/settings.html",
        status=status,
        form=form,
        profile=profile,
        preview=_preview(form.brand_color.data, profile.brand_color if profile else ""),
        needs_password=needs_password and not recently_authenticated(),
        minimum_contrast=company.MIN_CONTRAST,
        logo_kilobytes=logos.MAX_BYTES // 1024,
        logo_side=logos.MAX_SIDE,
    )
