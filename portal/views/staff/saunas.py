"""Staff define the saunas of the buildings and their weekly turns."""

from flask import Blueprint, abort, flash, url_for
from flask_login import current_user

from portal.forms.saunas import SaunaForm, TurnForm
from portal.i18n import WeekdayNames
from portal.i18n import gettext as _
from portal.services import saunas
from portal.services.staff import served_buildings
from portal.web import render, see_other

bp = Blueprint("staff_saunas", __name__, url_prefix="/staff/saunas")


def _forms():
    names = WeekdayNames()
    return (
        SaunaForm(buildings=served_buildings(current_user), prefix="sauna"),
        TurnForm(
            saunas=saunas.saunas_for(current_user),
            weekday_names=[names[i] for i in range(7)],
            prefix="turn",
        ),
    )


def _page(sauna_form, turn_form, status=200):
    listed = saunas.saunas_for(current_user)
    turns = saunas.turns_of(listed)
    return render(
        "staff/saunas.html",
        status=status,
        saunas=listed,
        turns=turns,
        held=saunas.held_turn_ids([turn.id for turn in turns]),
        sauna_form=sauna_form,
        turn_form=turn_form,
    )


@bp.get("/")
def index():
    """List the saunas and turns of the buildings the staff member serves."""
    return _page(*_forms())


@bp.post("/")
def add_sauna():
    """Add a sauna to a building."""
    sauna_form, turn_form = _forms()
    if sauna_form.validate_on_submit():
        saunas.add_sauna(int(sauna_form.building.data), sauna_form.name.data)
        flash(_("The sauna was added."), "success")
        return see_other(url_for("staff_saunas.index"))
    return _page(sauna_form, turn_form, 422)


@bp.post("/turns")
def add_turn():
    """Add a weekly turn to a sauna."""
    sauna_form, turn_form = _forms()
    if turn_form.validate_on_submit():
        try:
            saunas.add_turn(
                int(turn_form.sauna.data),
                weekday=turn_form.weekday.data,
                start_time=turn_form.start_time.data,
                minutes=turn_form.minutes.data,
                kind=turn_form.kind.data,
                monthly_fee=turn_form.monthly_fee.data,
            )
        except saunas.TurnClash:
            turn_form.start_time.errors = [_("That sauna already has a turn at that time.")]
        else:
            flash(_("The turn was added."), "success")
            return see_other(url_for("staff_saunas.index"))
    return _page(sauna_form, turn_form, 422)


@bp.post("/turns/<int:turn_id>/toggle")
def toggle_turn(turn_id):
    """Take a turn out of use, or back into use; a turn a household holds stays in use."""
    turn = saunas.turn_for(current_user, turn_id) or abort(404)
    try:
        saunas.switch_turn_use(turn)
    except saunas.BookingRefused:
        flash(_("A household holds this turn: it stays in use until their booking ends."), "error")
    else:
        flash(_("The turn was updated."), "success")
    return see_other(url_for("staff_saunas.index"))
