"""Administrators keep the service teams' contacts: what residents see in the footer,
emails and pages comes from these rows, not from the templates."""

from flask import Blueprint, abort, flash, url_for
from flask_login import current_user

from portal.forms.staff import TeamForm
from portal.i18n import gettext as _
from portal.services import teams
from portal.web import render, see_other

bp = Blueprint("staff_teams", __name__, url_prefix="/staff/teams")


@bp.get("/")
def index():
    return render("staff/teams.html", teams=teams.service_teams())


@bp.route("/<int:team_id>", methods=["GET", "POST"])
def edit(team_id):
    team = teams.service_team(team_id) or abort(404)
    form = TeamForm(obj=team)
    status = 200
    if form.validate_on_submit():
        changed = {name: form[name].data.strip() for name in teams.CONTACT_FIELDS}
        teams.change_contacts(team, changed, current_user)
        flash(_("The contacts were saved."), "success")
        return see_other(url_for("staff_teams.index"))
    if form.is_submitted():
        status = 422
    return render("staff/team.html", status=status, form=form, team=team)
