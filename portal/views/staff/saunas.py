"""Staff define the saunas of the buildings and their weekly turns."""

from flask import Blueprint, abort, flash, url_for
from flask_login import current_user
from peewee import IntegrityError

from portal.forms.saunas import SaunaForm, TurnForm
from portal.i18n import WeekdayNames
from portal.i18n import gettext as _
from portal.models import Building, Sauna, SaunaBooking, SaunaTurn, db
from portal.services.staff import served
from portal.web import render, see_other

bp = Blueprint("staff_saunas", __name__, url_prefix="/staff/saunas")


def _buildings():
    return list(
        Building.select().where(served(current_user, Building.id)).order_by(Building.street_address)
    )


def _saunas():
    return list(
        Sauna.select(Sauna, Building)
        .join(Building)
        .where(served(current_user, Building.id))
        .order_by(Building.street_address, Sauna.name)
    )


def _forms():
    names = WeekdayNames()
    return (
        SaunaForm(buildings=_buildings(), prefix="sauna"),
        TurnForm(saunas=_saunas(), weekday_names=[names[i] for i in range(7)], prefix="turn"),
    )


def _page(sauna_form, turn_form, status=200):
    saunas = _saunas()
    turns = list(
        SaunaTurn.select()
        .where(SaunaTurn.sauna.in_([s.id for s in saunas]))
        .order_by(SaunaTurn.weekday, SaunaTurn.start_time)
    )
    # Only the turns listed: reading every building's bookings would cost more with each
    # building added, and would tell of turns this staff member does not serve.
    held = {
        b.turn_id
        for b in SaunaBooking.select(SaunaBooking.turn).where(
            (SaunaBooking.status == SaunaBooking.ACTIVE)
            & SaunaBooking.turn.in_([turn.id for turn in turns])
        )
    }
    return render(
        "staff/saunas.html",
        status=status,
        saunas=saunas,
        turns=turns,
        held=held,
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
        Sauna.create(building=int(sauna_form.building.data), name=sauna_form.name.data)
        flash(_("The sauna was added."), "success")
        return see_other(url_for("staff_saunas.index"))
    return _page(sauna_form, turn_form, 422)


@bp.post("/turns")
def add_turn():
    """Add a weekly turn to a sauna."""
    sauna_form, turn_form = _forms()
    if turn_form.validate_on_submit():
        try:
            with db.atomic():
                SaunaTurn.create(
                    sauna=int(turn_form.sauna.data),
                    weekday=turn_form.weekday.data,
                    start_time=turn_form.start_time.data,
                    minutes=turn_form.minutes.data,
                    kind=turn_form.kind.data,
                    monthly_fee=turn_form.monthly_fee.data,
                )
        except IntegrityError:
            turn_form.start_time.errors = [_("That sauna already has a turn at that time.")]
        else:
            flash(_("The turn was added."), "success")
            return see_other(url_for("staff_saunas.index"))
    return _page(sauna_form, turn_form, 422)


@bp.post("/turns/<int:turn_id>/toggle")
def toggle_turn(turn_id):
    """Take a turn out of use, or back into use; a turn a household holds stays in use."""
    turn = (
        SaunaTurn.select(SaunaTurn)
        .join(Sauna)
        .where((SaunaTurn.id == turn_id) & served(current_user, Sauna.building))
        .first()
    )
    if turn is None:
        abort(404)
    held = (
        SaunaBooking.select()
        .where((SaunaBooking.turn == turn.id) & (SaunaBooking.status == SaunaBooking.ACTIVE))
        .exists()
    )
    if turn.active and held:
        flash(_("A household holds this turn: it stays in use until their booking ends."), "error")
    else:
        turn.active = not turn.active
        turn.save(only=[SaunaTurn.active])
        flash(_("The turn was updated."), "success")
    return see_other(url_for("staff_saunas.index"))
