"""Who may call what: one table for every endpoint of the portal, enforced before each request.

Access is denied by default: an endpoint missing from ``ACCESS`` answers 403 to everyone
(and the test suite fails on it), so a new page cannot go live unguarded. The table says
who may *call* an endpoint; which objects a person may see is checked again by the
owner-checked getters each view loads its objects with.
"""

from dataclasses import dataclass

from flask import Flask, abort, current_app, g, request
from flask_login import current_user

from portal.extensions import login_manager
from portal.models import Person
from portal.services.residents import resident_status
from portal.web import render

PUBLIC = "public"
SIGNED_IN = "signed_in"
RESIDENT = "resident"
LEASE_PARTY = "lease_party"
STAFF = "staff"


@dataclass(frozen=True)
class Rule:
    """Who may call an endpoint: a kind of person, and for staff the roles (empty: any)."""

    kind: str
    roles: frozenset[str] = frozenset()


def staff(*roles: str) -> Rule:
    return Rule(STAFF, frozenset(roles))


DEFECT_STAFF = (
    Person.MAINTENANCE,
    Person.CUSTOMER_SERVICE,
    Person.ASOY_CUSTOMER_SERVICE,
    Person.ADMIN,
)

BOOKING_STAFF = (Person.CUSTOMER_SERVICE, Person.ASOY_CUSTOMER_SERVICE, Person.ADMIN)

ACCESS: dict[str, Rule] = {
    "static": Rule(PUBLIC),
    "home.index": Rule(PUBLIC),
    "public.switch_locale": Rule(PUBLIC),
    "public.healthz": Rule(PUBLIC),
    "auth.login": Rule(PUBLIC),
    "auth.logout": Rule(SIGNED_IN),
    "accounts.register": Rule(PUBLIC),
    "accounts.confirm_email": Rule(PUBLIC),
    "accounts.identify": Rule(PUBLIC),
    "accounts.identified": Rule(PUBLIC),
    "accounts.choose_password": Rule(PUBLIC),
    "accounts.check_new_password": Rule(PUBLIC),
    "accounts.forgot_password": Rule(PUBLIC),
    "accounts.reset_password": Rule(PUBLIC),
    "staff.index": staff(),
    "staff.identification": staff(
        Person.CUSTOMER_SERVICE, Person.ASOY_CUSTOMER_SERVICE, Person.ADMIN
    ),
    "staff.identify_resident": staff(
        Person.CUSTOMER_SERVICE, Person.ASOY_CUSTOMER_SERVICE, Person.ADMIN
    ),
    "staff.email_problems": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "defects.index": Rule(RESIDENT),
    "defects.new": Rule(RESIDENT),
    "defects.show": Rule(RESIDENT),
    "defects.comment": Rule(RESIDENT),
    "defects.decision": Rule(RESIDENT),
    "defects.photo": Rule(RESIDENT),
    "defects.report": Rule(PUBLIC),
    "bookings.index": Rule(RESIDENT),
    "bookings.sauna": Rule(RESIDENT),
    "bookings.request_sauna": Rule(LEASE_PARTY),
    "bookings.cancel_sauna": Rule(LEASE_PARTY),
    "bookings.sauna_calendar": Rule(RESIDENT),
    "parking.index": Rule(RESIDENT),
    "parking.apply": Rule(LEASE_PARTY),
    "parking.application": Rule(LEASE_PARTY),
    "parking.terminate": Rule(LEASE_PARTY),
    "staff_parking.index": staff(*BOOKING_STAFF),
    "staff_parking.add_area": staff(*BOOKING_STAFF),
    "staff_parking.add_space": staff(*BOOKING_STAFF),
    "staff_parking.offer": staff(*BOOKING_STAFF),
    "staff_parking.toggle_space": staff(*BOOKING_STAFF),
    "staff_parking.end_contract": staff(*BOOKING_STAFF),
    "requests.index": Rule(RESIDENT),
    "requests.new": Rule(RESIDENT),
    "requests.fields": Rule(RESIDENT),
    "requests.show": Rule(RESIDENT),
    "requests.message": Rule(RESIDENT),
    "requests.withdraw": Rule(RESIDENT),
    "requests.consent": Rule(LEASE_PARTY),
    "requests.attachment": Rule(RESIDENT),
    "staff_requests.queue": staff(*DEFECT_STAFF),
    "staff_requests.catalog_page": staff(*DEFECT_STAFF),
    "staff_requests.show": staff(*DEFECT_STAFF),
    "staff_requests.paper_consent": staff(*BOOKING_STAFF),
    "staff_requests.attachment": staff(*DEFECT_STAFF),
    "messages.index": Rule(RESIDENT),
    "messages.new": Rule(RESIDENT),
    "messages.show": Rule(RESIDENT),
    "messages.attachment": Rule(RESIDENT),
    "staff_messages.queue": staff(*BOOKING_STAFF),
    "staff_messages.show": staff(*BOOKING_STAFF),
    "staff_messages.attachment": staff(*BOOKING_STAFF),
    "notices.index": Rule(RESIDENT),
    "notices.show": Rule(RESIDENT),
    "staff_notices.index": staff(*BOOKING_STAFF),
    "staff_notices.publish": staff(*BOOKING_STAFF),
    "staff_notices.end": staff(*BOOKING_STAFF),
    "payments.index": Rule(RESIDENT),
    "payments.show": Rule(RESIDENT),
    "staff_payments.index": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "staff_payments.import_file": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "staff_payments.resolve": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "building.show": Rule(RESIDENT),
    "building.rescue_plan": Rule(RESIDENT),
    "lease.show": Rule(RESIDENT),
    "profile.show": Rule(SIGNED_IN),
    "profile.bank_account": Rule(SIGNED_IN),
    "profile.confirm_bank_account": Rule(SIGNED_IN),
    "staff_buildings.index": staff(*BOOKING_STAFF),
    "staff_buildings.edit": staff(*BOOKING_STAFF),
    "staff_buildings.rescue_plan": staff(*DEFECT_STAFF),
    "appointments.index": Rule(PUBLIC),
    "appointments.book": Rule(PUBLIC),
    "appointments.manage": Rule(PUBLIC),
    "appointments.move": Rule(PUBLIC),
    "staff_appointments.index": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "staff_appointments.cancel": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "staff_appointments.close_day": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "staff_saunas.index": staff(*BOOKING_STAFF),
    "staff_saunas.add_sauna": staff(*BOOKING_STAFF),
    "staff_saunas.add_turn": staff(*BOOKING_STAFF),
    "staff_saunas.toggle_turn": staff(*BOOKING_STAFF),
    "staff_defects.queue": staff(*DEFECT_STAFF),
    "staff_defects.show": staff(*DEFECT_STAFF),
    "staff_defects.photo": staff(*DEFECT_STAFF),
    # Development only, and only without an SMTP server: the demo's emails.
    "dev.outbox": Rule(PUBLIC),
}


def current_resident_status():
    """Return (and remember for this request) where the signed-in person stands."""
    if "resident_status" not in g:
        g.resident_status = resident_status(current_user)
    return g.resident_status


def access_closed_page(status):
    """Render the page that explains why resident pages are not open (yet) for this person."""
    return render("home/access.html", status=403, resident=status)


def refusal(rule: Rule | None) -> str | None:
    """Return why the current person may not call under ``rule`` (None: they may)."""
    if rule is None:
        return "forbidden"
    if rule.kind == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return "sign_in"
    if rule.kind == SIGNED_IN:
        return None
    if rule.kind == STAFF:
        in_role = not rule.roles or current_user.staff_role in rule.roles
        return None if current_user.is_staff and in_role else "forbidden"
    status = current_resident_status()
    if not status.is_active:
        return "closed"
    if rule.kind == LEASE_PARTY and not status.residency.is_lease_party:
        return "forbidden"
    return None


def enforce(rule: Rule | None):
    """Return a response that refuses the request under ``rule``, or None to let it through."""
    if rule is None:
        current_app.logger.error("Endpoint %s is missing from the access table", request.endpoint)
    reason = refusal(rule)
    if reason == "sign_in":
        return login_manager.unauthorized()
    if reason == "closed":
        return access_closed_page(current_resident_status())
    if reason == "forbidden":
        abort(403)
    return None


def may_open(endpoint: str) -> bool:
    """Tell whether the signed-in person (or visitor) may call an endpoint: for links."""
    if endpoint not in current_app.view_functions:
        return False
    return refusal(current_app.extensions["access_table"].get(endpoint)) is None


def init_app(app: Flask) -> None:
    """Enforce the access table before every request of the app."""
    app.extensions["access_table"] = dict(ACCESS)
    app.jinja_env.globals["may_open"] = may_open

    @app.before_request
    def check_access():
        if request.endpoint is None:
            return None  # no route matched: the 404 or 405 handler answers
        return enforce(app.extensions["access_table"].get(request.endpoint))
