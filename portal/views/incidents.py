"""Current incidents for anyone: looked up by street address, and the "already known" box
the defect forms ask for when a building or a kind of defect is chosen."""

from flask import Blueprint, request

from portal import clock
from portal.i18n import current_language
from portal.services import incidents
from portal.web import id_from, render

bp = Blueprint("incidents", __name__, url_prefix="/incidents")

# The longest address looked for: a street address is far shorter.
ADDRESS_LIMIT = 100


@bp.get("")
def lookup():
    """Current incidents by street address, without signing in."""
    address = " ".join((request.args.get("address") or "").split())[:ADDRESS_LIMIT]
    return render(
        "incidents/lookup.html",
        partial="results",
        address=address,
        found=incidents.lookup(address, clock.now()) if address else [],
        searched=bool(address),
        kinds=incidents.kind_labels(),
        language=current_language(),
    )


@bp.get("/known")
def known():
    """The incidents of a building (and stairwell) that a defect of the chosen kind may be
    part of: the box above a defect form, swapped in by htmx when a choice changes."""
    building = id_from(request.args.get("building"))
    stairwell = (request.args.get("stairwell") or "")[:10] or None
    found = []
    if building is not None:
        found = incidents.known_for_category(
            incidents.visible_for(building, stairwell, clock.now()),
            request.args.get("category"),
        )
    return render(
        "incidents/known.html",
        partial="known",
        known=found,
        kinds=incidents.kind_labels(),
        language=current_language(),
    )
