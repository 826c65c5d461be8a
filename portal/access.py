"""Who may call what: one table for every endpoint of the portal, enforced before each request.

Access is denied by default: an endpoint missing from ``ACCESS`` answers 403 to everyone
(and the test suite fails on it), so a new page cannot go live unguarded. The table says
who may *call* an endpoint; which objects a person may see is checked again by the
owner-checked getters each view loads its objects with.

An agent acting for someone under a power of attorney stands in the grantor's place on
resident pages: the grantor's home decides what they see, the endpoint's scopes decide
whether the mandate covers the call, and every change they make is written to the audit
log under the mandate, where the grantor reads it.
"""

from dataclasses import dataclass

from flask import Flask, abort, current_app, flash, g, render_template, request, session, url_for
from flask_login import current_user, user_logged_in
from markupsafe import Markup

from portal import catalog, clock, context, fragments
from portal.extensions import login_manager
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Person
from portal.services import audit, mandates
from portal.services.residents import resident_status, status_of
from portal.web import LONGEST_REDIRECT, is_safe_path, render, within_limit

PUBLIC = "public"
SIGNED_IN = "signed_in"
RESIDENT = "resident"
LEASE_PARTY = "lease_party"
STAFF = "staff"


@dataclass(frozen=True)
class Rule:
    """Who may call an endpoint: a kind of person, and for staff the roles (empty: any).

    ``scopes``: for resident endpoints, the power-of-attorney scopes of which an agent's
    mandate must cover one (a general mandate covers everything; none listed: only general).
    """

    kind: str
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()


def staff(*roles: str) -> Rule:
    return Rule(STAFF, frozenset(roles))


def resident(*scopes: str) -> Rule:
    return Rule(RESIDENT, scopes=frozenset(scopes))


def lease_party(*scopes: str) -> Rule:
    return Rule(LEASE_PARTY, scopes=frozenset(scopes))


# What a specific power of attorney may reach. Parking spaces and sauna turns are one
# matter: an agent for them books, applies, answers offers and gives notice alike.
# Requests: each type's own scope is checked again by the form; the list shows an agent
# only the types their mandate covers.
PARKING_SAUNA = catalog.SCOPE_PARKING_SAUNA
INFORMATION = catalog.SCOPE_INFORMATION
REQUEST_SCOPES = tuple(
    sorted({entry.mandate_scope for entry in catalog.CATALOG.values() if entry.mandate_scope})
)


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
    "public.readyz": Rule(PUBLIC),
    "public.logo": Rule(PUBLIC),
    "auth.login": Rule(PUBLIC),
    "auth.second_factor": Rule(PUBLIC),
    "auth.logout": Rule(SIGNED_IN),
    "accounts.register": Rule(PUBLIC),
    "accounts.confirm_email": Rule(PUBLIC),
    "accounts.confirm_email_link": Rule(PUBLIC),
    "accounts.identify": Rule(PUBLIC),
    "accounts.identified": Rule(PUBLIC),
    "accounts.choose_password": Rule(PUBLIC),
    "accounts.check_new_password": Rule(PUBLIC),
    "accounts.forgot_password": Rule(PUBLIC),
    "accounts.reset_password": Rule(PUBLIC),
    "accounts.reset_password_link": Rule(PUBLIC),
    "staff.index": staff(),
    "staff.identification": staff(
        Person.CUSTOMER_SERVICE, Person.ASOY_CUSTOMER_SERVICE, Person.ADMIN
    ),
    "staff.identify_resident": staff(
        Person.CUSTOMER_SERVICE, Person.ASOY_CUSTOMER_SERVICE, Person.ADMIN
    ),
    "staff.email_problems": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "staff.person": staff(*BOOKING_STAFF),
    "defects.index": Rule(RESIDENT),
    "defects.new": Rule(RESIDENT),
    "defects.show": Rule(RESIDENT),
    "defects.comment": Rule(RESIDENT),
    "defects.decision": Rule(RESIDENT),
    "defects.photo": Rule(RESIDENT),
    "defects.report": Rule(PUBLIC),
    "bookings.index": resident(PARKING_SAUNA),
    "bookings.sauna": resident(PARKING_SAUNA),
    "bookings.request_sauna": lease_party(PARKING_SAUNA),
    "bookings.swap_sauna": lease_party(PARKING_SAUNA),
    "bookings.cancel_sauna": lease_party(PARKING_SAUNA),
    "bookings.sauna_calendar": resident(PARKING_SAUNA),
    "parking.index": resident(PARKING_SAUNA),
    "parking.apply": lease_party(PARKING_SAUNA),
    "parking.application": lease_party(PARKING_SAUNA),
    "parking.terminate": lease_party(PARKING_SAUNA),
    "staff_parking.index": staff(*BOOKING_STAFF),
    "staff_parking.add_area": staff(*BOOKING_STAFF),
    "staff_parking.add_space": staff(*BOOKING_STAFF),
    "staff_parking.offer": staff(*BOOKING_STAFF),
    "staff_parking.toggle_space": staff(*BOOKING_STAFF),
    "staff_parking.end_contract": staff(*BOOKING_STAFF),
    "requests.index": resident(*REQUEST_SCOPES),
    "requests.new": resident(*REQUEST_SCOPES),
    "requests.fields": resident(*REQUEST_SCOPES),
    "requests.show": resident(*REQUEST_SCOPES),
    "requests.message": resident(*REQUEST_SCOPES),
    "requests.withdraw": resident(*REQUEST_SCOPES),
    "requests.consent": Rule(LEASE_PARTY),
    "requests.attachment": resident(*REQUEST_SCOPES),
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
    "payments.index": resident(INFORMATION),
    "payments.show": resident(INFORMATION),
    "staff_payments.index": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "staff_payments.import_file": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "staff_payments.resolve": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "building.show": Rule(RESIDENT),
    "building.rescue_plan": Rule(RESIDENT),
    "lease.show": resident(INFORMATION),
    "profile.show": Rule(SIGNED_IN),
    "profile.bank_account": Rule(SIGNED_IN),
    "profile.confirm_bank_account": Rule(SIGNED_IN),
    "profile.confirm_bank_account_link": Rule(SIGNED_IN),
    "profile.data": Rule(SIGNED_IN),
    "profile.data_table": Rule(SIGNED_IN),
    "profile.data_json": Rule(SIGNED_IN),
    "staff_buildings.index": staff(*BOOKING_STAFF),
    "staff_buildings.edit": staff(*BOOKING_STAFF),
    "staff_buildings.rescue_plan": staff(*DEFECT_STAFF),
    "staff_buildings.team": staff(Person.ADMIN),
    "appointments.index": Rule(PUBLIC),
    "appointments.book": Rule(PUBLIC),
    "appointments.manage": Rule(PUBLIC),
    "appointments.manage_link": Rule(PUBLIC),
    "appointments.move": Rule(PUBLIC),
    "staff_appointments.index": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "staff_appointments.cancel": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "staff_appointments.close_day": staff(Person.CUSTOMER_SERVICE, Person.ADMIN),
    "mandates.index": Rule(SIGNED_IN),
    "mandates.new": Rule(SIGNED_IN),
    "mandates.show": Rule(SIGNED_IN),
    "mandates.revoke": Rule(SIGNED_IN),
    "mandates.act": Rule(SIGNED_IN),
    "mandates.stop": Rule(SIGNED_IN),
    "mandates.paper_form": Rule(PUBLIC),
    "staff_mandates.index": staff(*BOOKING_STAFF),
    "staff_mandates.register": staff(*BOOKING_STAFF),
    "staff_mandates.show": staff(*BOOKING_STAFF),
    "staff_mandates.verify": staff(*BOOKING_STAFF),
    "staff_mandates.end": staff(*BOOKING_STAFF),
    "staff_mandates.document": staff(*BOOKING_STAFF),
    "staff_register.import_files": staff(Person.ADMIN),
    "staff_register.index": staff(*BOOKING_STAFF),
    "staff_register.lease": staff(*BOOKING_STAFF),
    "staff_register.add_resident": staff(*BOOKING_STAFF),
    "staff_register.resident": staff(*BOOKING_STAFF),
    "staff_audit.index": staff(Person.ADMIN),
    "staff_accounts.index": staff(Person.ADMIN),
    "staff_accounts.end": staff(Person.ADMIN),
    "staff_teams.index": staff(Person.ADMIN),
    "staff_teams.edit": staff(Person.ADMIN),
    "staff_settings.edit": staff(Person.ADMIN),
    "staff_saunas.index": staff(*BOOKING_STAFF),
    "staff_saunas.add_sauna": staff(*BOOKING_STAFF),
    "staff_saunas.add_turn": staff(*BOOKING_STAFF),
    "staff_saunas.toggle_turn": staff(*BOOKING_STAFF),
    "staff_defects.queue": staff(*DEFECT_STAFF),
    "staff_defects.show": staff(*DEFECT_STAFF),
    "staff_defects.photo": staff(*DEFECT_STAFF),
    "staff_incidents.index": staff(*DEFECT_STAFF),
    "staff_incidents.announce": staff(*DEFECT_STAFF),
    "staff_incidents.show": staff(*DEFECT_STAFF),
    "staff_incidents.update": staff(*DEFECT_STAFF),
    "staff_incidents.resolve": staff(*DEFECT_STAFF),
    "staff_incidents.link": staff(*DEFECT_STAFF),
    # Current incidents are public: an address and what is cut, no one's personal data.
    "incidents.lookup": Rule(PUBLIC),
    "incidents.known": Rule(PUBLIC),
    # Development only, and only without an SMTP server: the demo's emails.
    "dev.outbox": Rule(PUBLIC),
}


# The session key of the mandate an agent acts under, and of how many they hold.
ACTING_KEY = "acting_for"
RECEIVED_KEY = "mandates_received"

# Changes by an agent that are not actions of their own (a form redrawn for a question).
NOT_ACTIONS = frozenset({"requests.fields"})


def current_acting():
    """Return (once per request) the mandate the signed-in agent acts under, or None.

    A mandate revoked, ended or expired since the agent switched stops at once: the
    session forgets it and the agent is told.
    """
    state = context.request_globals()
    if "acting" not in state:
        state.acting = None
        mandate_id = session.get(ACTING_KEY)
        me = context.person()
        if mandate_id is not None and me.is_authenticated:
            mandate = None
            if not me.is_staff and isinstance(mandate_id, int):
                mandate = mandates.for_acting(mandate_id, me.email, clock.today())
            if mandate is None:
                session.pop(ACTING_KEY, None)
                flash(
                    _(
                        "The power of attorney you were using is no longer in force. "
                        "You are handling your own matters again."
                    ),
                    "info",
                )
            state.acting = mandate
    return state.acting


def current_resident_status():
    """Return (and remember for this request) where the signed-in person stands; for an
    agent acting under a mandate, where the grantor stands."""
    state = context.request_globals()
    if "resident_status" not in state:
        acting = current_acting()
        if acting is not None:
            state.resident_status = status_of(acting.grantor, clock.today())
        else:
            state.resident_status = resident_status(context.person())
    return state.resident_status


def access_closed_page(status):
    """Render the page that explains why resident pages are not open (yet) for this person."""
    return render("home/access.html", status=403, resident=status)


def refusal(rule: Rule | None) -> str | None:
    """Return why the current person may not call under ``rule`` (None: they may)."""
    if rule is None:
        return "forbidden"
    if rule.kind == PUBLIC:
        return None
    # The person itself, not the proxy: a page's links ask this dozens of times.
    person = context.person()
    if not person.is_authenticated:
        return "sign_in"
    if rule.kind == SIGNED_IN:
        return None
    if rule.kind == STAFF:
        in_role = not rule.roles or person.staff_role in rule.roles
        return None if person.is_staff and in_role else "forbidden"
    status = current_resident_status()
    if not status.is_active:
        return "closed"
    acting = current_acting()
    if acting is not None and not mandates.permits(acting, rule.scopes):
        return "not_covered"
    if rule.kind == LEASE_PARTY and not status.residency.is_lease_party:
        return "forbidden"
    return None


def not_covered_page():
    """Explain to an agent that the mandate they act under does not reach this page."""
    return render("mandates/not_covered.html", status=403, mandate=current_acting())


def _to_sign_in():
    """Send a visitor to sign in, and then back. Flask-Login names the whole address asked
    for, query and all: when that makes too long an address, only its path comes back."""
    response = login_manager.unauthorized()
    if len(response.headers.get("Location", "")) > LONGEST_REDIRECT:
        back_to_page = url_for("auth.login", next=request.path)
        response.headers["Location"] = within_limit(back_to_page, url_for("auth.login"))
    return response


def enforce(rule: Rule | None):
    """Return a response that refuses the request under ``rule``, or None to let it through."""
    if rule is None:
        current_app.logger.error("Endpoint %s is missing from the access table", request.endpoint)
    reason = refusal(rule)
    if reason == "sign_in":
        return _to_sign_in()
    if reason == "closed":
        return access_closed_page(current_resident_status())
    if reason == "not_covered":
        return not_covered_page()
    if reason == "forbidden":
        abort(403)
    return None


def may_open(endpoint: str) -> bool:
    """Tell whether the signed-in person (or visitor) may call an endpoint: for links."""
    app = context.request_context().app
    if endpoint not in app.view_functions:
        return False
    return refusal(app.extensions["access_table"].get(endpoint)) is None


# The header's menu: the staff's, or a resident's; each link shown only to who may open it.
STAFF_MENU = (
    ("staff.index", _l("Back office")),
    ("staff_defects.queue", _l("Defect notifications")),
    ("staff_incidents.index", _l("Incidents")),
    ("staff_requests.queue", _l("Service requests")),
    ("staff_messages.queue", _l("Messages")),
    ("staff_notices.index", _l("Notices")),
    ("staff_payments.index", _l("Payments")),
    ("staff_buildings.index", _l("Buildings")),
    ("staff_appointments.index", _l("Visits")),
    ("staff_mandates.index", _l("Powers of attorney")),
    ("staff_saunas.index", _l("Saunas and turns")),
    ("staff_parking.index", _l("Parking")),
)
RESIDENT_MENU = (
    ("home.index", _l("Home")),
    ("defects.index", _l("Defect notifications")),
    ("requests.index", _l("Requests")),
    ("messages.index", _l("Messages")),
    ("notices.index", _l("Notices")),
    ("payments.index", _l("Payments")),
    ("lease.show", _l("Rental agreement")),
    ("building.show", _l("Building")),
    ("bookings.index", _l("Bookings")),
    ("mandates.index", _l("Powers of attorney")),
    ("profile.show", _l("Your information")),
)


def _menu_standing(person) -> tuple:
    """Everything ``refusal`` reads to judge a signed-in person's menu links: the staff
    role, or where the resident (or the grantor they act for) stands and what the mandate
    covers. People of the same standing see the same menu."""
    if person.is_staff:
        return ("staff", person.staff_role)
    status = current_resident_status()
    if not status.is_active:
        return ("resident", False)
    acting = current_acting()
    scopes = None if acting is None else frozenset(acting.scope_list)
    return ("resident", True, status.residency.is_lease_party, scopes)


def menu_endpoints() -> tuple[str, ...]:
    """The endpoints of the signed-in person's menu links: those they may open, judged once
    per standing (a dozen links, each judged by its access rule) and kept."""
    person = context.person()
    standing = _menu_standing(person)
    kept = current_app.extensions["menus"]
    shown = kept.get(standing)
    if shown is None:
        table = current_app.extensions["access_table"]
        judged: dict[Rule | None, bool] = {}
        links = []
        for endpoint, _label in STAFF_MENU if person.is_staff else RESIDENT_MENU:
            rule = table.get(endpoint)
            if rule not in judged:
                judged[rule] = refusal(rule) is None
            if judged[rule] and endpoint in current_app.view_functions:
                links.append(endpoint)
        shown = kept[standing] = tuple(links)
    return shown


MENU_LABELS = dict(STAFF_MENU + RESIDENT_MENU)


def _menu_html(endpoints: tuple[str, ...], section: str) -> str:
    return render_template(
        "layout/_menu.html",
        links=[
            (url_for(endpoint), MENU_LABELS[endpoint], endpoint.partition(".")[0] == section)
            for endpoint in endpoints
        ],
    )


def main_menu() -> Markup:
    """The signed-in person's menu, with the link of this page's section marked. Every
    signed-in page shows it, and there are only a few kinds of it: each is made once per
    language and kept (``fragments``)."""
    endpoints = menu_endpoints()
    section = (request.endpoint or "").partition(".")[0]
    if not any(endpoint.startswith(section + ".") for endpoint in endpoints):
        section = ""  # a page outside the menu's sections: one kept menu for all of them
    return fragments.kept(("menu", endpoints, section), lambda: _menu_html(endpoints, section))


def may_request(type_key: str) -> bool:
    """Tell whether the signed-in person may open the form of a request type: for links.
    An agent needs a mandate that covers the type itself, not only the list of requests."""
    entry = catalog.CATALOG.get(type_key)
    if entry is None or not may_open("requests.new"):
        return False
    acting = current_acting()
    return acting is None or mandates.permits(acting, entry.mandate_scope)


def record_agent_action(response):
    """Write what an agent changed under a mandate to the audit log: one entry per change
    that went through (not refused, not a form returned with errors)."""
    acting = g.get("acting")
    if acting is None or request.method in ("GET", "HEAD", "OPTIONS"):
        return response
    rule = current_app.extensions["access_table"].get(request.endpoint)
    if rule is None or rule.kind not in (RESIDENT, LEASE_PARTY):
        return response
    if request.endpoint in NOT_ACTIONS or response.status_code >= 400:
        return response
    if any(category == "error" for category, _message in session.get("_flashes", [])):
        return response
    # Where the change led (the request just made, the list given notice on) is what the
    # grantor opens from their history; otherwise the address that was called.
    target = response.headers.get("HX-Location") or response.headers.get("Location") or ""
    audit.record(
        f"acted:{request.endpoint}",
        actor=current_user,
        subject=acting.grantor.person,
        detail=target if is_safe_path(target) else request.path,
        mandate=acting,
    )
    return response


def remember_received(sender, user, **extra):
    """At sign-in: how many mandates the person may act under, for the header's switch."""
    if not user.is_staff:
        session[RECEIVED_KEY] = mandates.effective_received_count(user.email, clock.today())


def init_app(app: Flask) -> None:
    """Enforce the access table before every request of the app."""
    app.extensions["access_table"] = dict(ACCESS)
    app.extensions["menus"] = {}
    app.jinja_env.globals["may_open"] = may_open
    app.jinja_env.globals["may_request"] = may_request
    app.jinja_env.globals["acting"] = lambda: g.get("acting")
    user_logged_in.connect(remember_received, app)

    @app.before_request
    def check_access():
        if request.endpoint is None:
            return None  # no route matched: the 404 or 405 handler answers
        if ACTING_KEY in session:
            current_acting()
        return enforce(app.extensions["access_table"].get(request.endpoint))

    app.after_request(record_agent_action)


def acted_link(entry) -> str | None:
    """Where an agent's recorded action led, when it is a page of the portal (a request, a
    report): the grantor opens it from the mandate's history."""
    if entry.action.startswith("acted:") and is_safe_path(entry.detail):
        return entry.detail
    return None
