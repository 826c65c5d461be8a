"""Administrators create staff accounts and close them."""

import datetime

from flask import Blueprint, abort, current_app, flash, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.forms.accounts import ContinueForm
from portal.forms.staff import StaffForm
from portal.i18n import current_language
from portal.i18n import gettext as _
from portal.services import accounts, staff_accounts, teams
from portal.services.staff_accounts import ROLE_LABELS
from portal.web import render, see_other

bp = Blueprint("staff_accounts", __name__, url_prefix="/staff/accounts")


def _form() -> StaffForm:
    form = StaffForm()
    form.team.choices = [SelectChoice("", _("No team"))] + [
        SelectChoice(team.key, team.name(current_language())) for team in teams.service_teams()
    ]
    return form


@bp.route("/", methods=["GET", "POST"])
def index():
    """The staff, and a form to add one: they get a link to choose a password."""
    form = _form()
    status = 200
    if form.validate_on_submit():
        try:
            person, _link = staff_accounts.create(
                accounts.normalise_email(form.email.data),
                form.first_name.data.strip(),
                form.last_name.data.strip(),
                form.role.data,
                form.team.data or None,
                current_user,
                current_app.config["PUBLIC_URL"].rstrip("/"),
                datetime.timedelta(hours=current_app.config["LINK_LIFETIME_HOURS"]),
            )
        except staff_accounts.StaffAccountError:
            form.email.errors = [_("This email address already has a username.")]
        else:
            flash(
                _(
                    "%(name)s can now choose a password from the link we emailed.",
                    name=person.display_name,
                ),
                "success",
            )
            return see_other(url_for("staff_accounts.index"))
        status = 422
    elif form.is_submitted():
        status = 422
    return render(
        "staff/accounts.html",
        status=status,
        form=form,
        people=staff_accounts.staff_members(),
        roles=ROLE_LABELS,
    )


@bp.post("/<int:person_id>/end")
def end(person_id):
    """Close a staff account (not one's own)."""
    person = staff_accounts.staff_member(person_id)
    if person is None:
        abort(404)
    if not ContinueForm().validate_on_submit():
        abort(400)
    if person.id == current_user.id:
        flash(_("You cannot close your own username."), "error")
    else:
        staff_accounts.end(person, current_user)
        flash(_("The username of %(name)s was closed.", name=person.display_name), "success")
    return see_other(url_for("staff_accounts.index"))
