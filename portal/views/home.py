"""The start page: the resident's dashboard, or the public page for visitors."""

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from portal import access, catalog, clock
from portal.i18n import current_language
from portal.services import defects, incidents, mandates, notices, parking, requests, residents
from portal.web import render

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Show the dashboard to a resident, the staff start to staff, the public page to others."""
    if not current_user.is_authenticated:
        return render("home/public.html", now=clock.helsinki_now())
    status = access.current_resident_status()
    if not status.is_active:
        if current_user.is_staff:
            return redirect(url_for("staff.index"))
        return render("home/access.html", resident=status)
    residency = status.residency
    acting = access.current_acting()
    if acting is not None:
        return render(
            "home/acting.html",
            mandate=acting,
            residency=residency,
            scope_labels=catalog.MANDATE_SCOPES,
            types=[
                entry
                for entry in catalog.CATALOG.values()
                if mandates.permits(acting, entry.mandate_scope)
            ],
        )
    request_labels, defect_labels = requests.labels(), defects.list_labels()
    apartment = residency.lease.apartment
    return render(
        "home/dashboard.html",
        residency=residency,
        lease=residency.lease,
        apartment=residency.lease.apartment,
        building=residency.lease.apartment.building,
        household=residents.household(residency.lease_id),
        now=clock.helsinki_now(),
        open_defects=defects.newest_open_reports(residency.lease_id, 5),
        booking_lines=parking.dashboard_lines(residency.lease_id),
        latest_notices=notices.for_resident(
            residency.lease.apartment.building_id, current_user, clock.today(), limit=2
        ),
        open_requests=requests.household_requests(
            residency.lease_id, current_user, open_only=True, limit=5
        ),
        request_titles=request_labels["titles"],
        request_labels=request_labels["labels"],
        defect_labels=defect_labels["labels"],
        defect_categories=defect_labels["categories"],
        incidents=incidents.shown_to_home(
            apartment.building_id, incidents.stairwell_of(apartment.number), clock.now()
        ),
        incident_kinds=incidents.kind_labels(),
        language=current_language(),
    )
