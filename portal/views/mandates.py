"""Powers of attorney: given and received, giving one, revoking it, acting for someone."""

from flask import Blueprint, abort, current_app, flash, session, url_for
from flask_login import current_user

from portal import access, catalog, clock, sessions
from portal.forms.accounts import ContinueForm
from portal.forms.mandates import GiveMandateForm
from portal.i18n import gettext as _
from portal.models import Mandate, ServiceTeam
from portal.services import accounts, appointments, audit, mandates
from portal.services.residents import ACTIVE, NOT_BEGUN, resident_status
from portal.sessions import confirm_password, recently_authenticated
from portal.web import render, see_other

bp = Blueprint("mandates", __name__, url_prefix="/mandates")


def _refresh_received() -> None:
    if not current_user.is_staff:
        count = mandates.effective_received_count(current_user.email, clock.today())
        session[access.RECEIVED_KEY] = count


@bp.get("/")
def index():
    """The mandates this person gave and received, and the way to act for someone."""
    today = clock.today()
    _refresh_received()
    given = list(mandates.given(current_user))
    received = list(mandates.received(current_user.email))
    own = resident_status(current_user)
    return render(
        "mandates/index.html",
        given=given,
        received=received,
        state=lambda m: mandates.state(m, today),
        labels=mandates.STATE_LABELS,
        scope_labels=catalog.MANDATE_SCOPES,
        may_give=own.kind in (ACTIVE, NOT_BEGUN) and not current_user.is_staff,
    )


def _own_residency():
    """The line of the register a person gives a mandate for: their current or next home."""
    if current_user.is_staff:
        return None
    own = resident_status(current_user)
    return own.residency if own.kind in (ACTIVE, NOT_BEGUN) else None


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Give someone a power of attorney: after a fresh sign-in, active at once."""
    residency = _own_residency()
    if residency is None:
        return render("mandates/cannot_give.html")
    if access.current_acting() is not None:
        return render("mandates/cannot_give.html", status=409, acting=access.current_acting())
    today = clock.today()
    form = GiveMandateForm()
    form.today = today
    needs_password = not recently_authenticated()
    if not form.is_submitted():
        form.valid_from.data = today
    status = 200
    if form.validate_on_submit():
        agent_email = accounts.normalise_email(form.agent_email.data)
        if agent_email == current_user.email:
            form.agent_email.errors = [_("You cannot give a power of attorney to yourself.")]
        elif needs_password and not confirm_password(form.password.data):
            form.password.errors = [sessions.password_error()]
        else:
            mandate = mandates.give(
                residency,
                current_user,
                mandates.Agent(agent_email, form.agent_first_name.data, form.agent_last_name.data),
                form.chosen_scopes(),
                form.other_matters.data or "",
                form.valid_from.data,
                form.valid_until.data,
                current_app.config["PUBLIC_URL"].rstrip("/"),
            )
            flash(
                _(
                    "The power of attorney is in force. We told %(name)s by email.",
                    name=mandate.agent_name,
                ),
                "success",
            )
            return see_other(url_for("mandates.show", mandate_id=mandate.id))
        status = 422
    elif form.is_submitted():
        status = 422
    return render(
        "mandates/new.html",
        status=status,
        form=form,
        residency=residency,
        needs_password=needs_password,
    )


def _visible(mandate_id: int) -> Mandate:
    return mandates.visible_to(mandate_id, current_user) or abort(404)


@bp.get("/<int:mandate_id>")
def show(mandate_id):
    """One mandate: what it covers, its validity and everything done under it."""
    mandate = _visible(mandate_id)
    today = clock.today()
    is_grantor = mandate.grantor.person_id == current_user.id
    return render(
        "mandates/show.html",
        mandate=mandate,
        state=mandates.state(mandate, today),
        labels=mandates.STATE_LABELS,
        scope_labels=catalog.MANDATE_SCOPES,
        is_grantor=is_grantor,
        is_agent=mandate.agent_email == current_user.email,
        effective=mandates.is_effective(mandate, today),
        history=list(mandates.history(mandate)),
        history_label=mandates.history_label,
        history_link=access.acted_link,
        form=ContinueForm(),
    )


@bp.post("/<int:mandate_id>/revoke")
def revoke(mandate_id):
    """The grantor takes the mandate back; it stops at once."""
    mandate = _visible(mandate_id)
    if not ContinueForm().validate_on_submit():
        abort(400)
    try:
        mandates.revoke(mandate, current_user, current_app.config["PUBLIC_URL"].rstrip("/"))
    except mandates.MandateRefused as refused:
        if refused.reason == mandates.MandateRefused.NOT_YOURS:
            abort(403)
        flash(_("This power of attorney is no longer in force."), "error")
    else:
        flash(
            _("The power of attorney was revoked. We told %(name)s.", name=mandate.agent_name),
            "success",
        )
    return see_other(url_for("mandates.show", mandate_id=mandate.id))


@bp.post("/<int:mandate_id>/act")
def act(mandate_id):
    """Start handling the grantor's matters under this mandate."""
    mandate = _visible(mandate_id)
    if not ContinueForm().validate_on_submit():
        abort(400)
    if mandate.agent_email != current_user.email:
        flash(_("Only %(name)s can use this power of attorney.", name=mandate.agent_name), "error")
        return see_other(url_for("mandates.show", mandate_id=mandate.id))
    if current_user.is_staff or not mandates.is_effective(mandate, clock.today()):
        flash(_("This power of attorney is not in force, so it cannot be used."), "error")
        return see_other(url_for("mandates.show", mandate_id=mandate.id))
    session[access.ACTING_KEY] = mandate.id
    audit.record(
        "acting_started", actor=current_user, subject=mandate.grantor.person, mandate=mandate
    )
    flash(_("You are now handling the matters of %(name)s.", name=mandate.grantor_name), "success")
    return see_other(url_for("home.index"))


@bp.post("/stop")
def stop():
    """Return to one's own matters."""
    if not ContinueForm().validate_on_submit():
        abort(400)
    session.pop(access.ACTING_KEY, None)
    flash(_("You are handling your own matters again."), "success")
    return see_other(url_for("mandates.index"))


@bp.get("/form")
def paper_form():
    """The power of attorney on paper, for printing: filled in from the register for a
    signed-in resident, blank for anyone else (an estate, someone without a username)."""
    residency = None
    if current_user.is_authenticated and access.current_acting() is None:
        residency = _own_residency()
    team = residency.lease.apartment.building.team if residency else ServiceTeam.default()
    return render(
        "mandates/paper.html",
        residency=residency,
        address=appointments.service_point_address(),
        email=team.email if team else "",
        scopes=catalog.MANDATE_SCOPES,
        today=clock.today(),
    )
