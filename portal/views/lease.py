"""The rental agreement as the housing register holds it."""

from flask import Blueprint

from portal.access import current_resident_status
from portal.services import parking, saunas
from portal.services.residents import household
from portal.web import render

bp = Blueprint("lease", __name__, url_prefix="/lease")


@bp.get("")
def show():
    """Agreement number, apartment, dates, rent and its parts, deposit and residents."""
    residency = current_resident_status().residency
    lease = residency.lease
    sauna_turns = list(saunas.household_bookings(lease.id))
    contracts = list(parking.household_contracts(lease.id))
    parts = [(None, lease.rent)]
    parts += [(b, b.turn.monthly_fee) for b in sauna_turns if b.turn.monthly_fee]
    parts += [(c, c.space.monthly_fee) for c in contracts if c.space.monthly_fee]
    return render(
        "lease/show.html",
        lease=lease,
        apartment=lease.apartment,
        building=lease.apartment.building,
        residents=household(lease.id),
        sauna_turns=sauna_turns,
        contracts=contracts,
        total=sum((amount for _, amount in parts), start=0),
        lease_party=residency.is_lease_party,
    )
