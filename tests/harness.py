"""The quality harness: every route of the app, as every kind of person, from the URL map.

A new endpoint joins every check here by itself: the access matrix, the headers, bad input,
the budgets, the browser checks and the HTML checker. What a feature adds is a row in
``portal.access.ACCESS`` and, for routes with arguments, sample values in ``SAMPLES``.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from flask import Flask, url_for

from portal import access
from portal.models import (
    Appointment,
    Attachment,
    Building,
    DefectReport,
    IncidentArea,
    Invoice,
    Mandate,
    Message,
    MessageAttachment,
    MessageThread,
    Notice,
    ParkingApplication,
    ParkingContract,
    ParkingSpace,
    Payment,
    Person,
    RequestAttachment,
    RequestConsent,
    Residency,
    SaunaBooking,
    ServiceRequest,
)
from tests import conftest


@dataclass(frozen=True)
class Kind:
    """A kind of person the harness acts as, and what the access table should let them do."""

    name: str
    email: str | None
    active_resident: bool = False
    lease_party: bool = False
    staff_role: str | None = None
    # An agent acting for someone: whose home the resident pages show, and what the
    # power of attorney covers.
    acting_for: str | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def home(self) -> str | None:
        """The email of the person whose household the resident pages are about."""
        return self.acting_for or self.email


KINDS = [
    Kind("visitor", None),
    Kind("lease_party", conftest.RESIDENT, active_resident=True, lease_party=True),
    Kind("other_resident", conftest.OTHER_RESIDENT, active_resident=True),
    Kind("neighbour", conftest.SWEDISH_RESIDENT, active_resident=True, lease_party=True),
    Kind("asoy_resident", conftest.ASOY_RESIDENT, active_resident=True, lease_party=True),
    Kind("future_resident", conftest.FUTURE_RESIDENT),
    # Kaisa acts for Aino under a power of attorney for parking, sauna and information.
    Kind(
        "agent",
        conftest.AGENT,
        active_resident=True,
        lease_party=True,
        acting_for=conftest.RESIDENT,
        scopes=frozenset({"terminate_parking_sauna", "information"}),
    ),
    Kind("customer_service", conftest.CUSTOMER_SERVICE, staff_role=Person.CUSTOMER_SERVICE),
    Kind("maintenance", conftest.MAINTENANCE, staff_role=Person.MAINTENANCE),
    Kind("asoy_staff", conftest.ASOY_STAFF, staff_role=Person.ASOY_CUSTOMER_SERVICE),
    Kind("admin", conftest.ADMIN, staff_role=Person.ADMIN),
]
KIND_IDS = [kind.name for kind in KINDS]

ALLOW, LOGIN, DENY = "allow", "login", "deny"

# Endpoints that answer with a file or JSON rather than a page (checked, but not as pages).
NOT_PAGES = {
    "static",
    "public.healthz",
    "public.readyz",
    "public.logo",
    "defects.photo",
    "staff_defects.photo",
    "bookings.sauna_calendar",
    "requests.attachment",
    "staff_requests.attachment",
    "messages.attachment",
    "staff_messages.attachment",
    "building.rescue_plan",
    "staff_buildings.rescue_plan",
    "staff_mandates.document",
    "profile.data_json",
}


# Sample values for URL arguments, by endpoint and argument name. Each entry gives, for a
# kind of person, an object of their own ("own") and one of another household ("foreign"):
# the harness expects the own one to open and the foreign one to answer 404. A kind with no
# such object of its own (None) is checked with the foreign one only.
def _residency_of(email: str) -> int:
    return Residency.select(Residency.id).join(Person).where(Person.email == email).get().id


def _staff_residency(kind: "Kind") -> int:
    """A line of the register this staff member serves (the As Oy team: an As Oy home)."""
    if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE:
        return _residency_of(conftest.ASOY_RESIDENT)
    return _residency_of(conftest.RESIDENT)


def _person_of(residency_id: int | None) -> int | None:
    return Residency.get_by_id(residency_id).person_id if residency_id else None


def _foreign_staff_residency(kind: "Kind") -> int | None:
    """A line of the register outside what this staff member serves, if there is one."""
    if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE:
        return _residency_of(conftest.RESIDENT)
    return None


def _household_report(email: str) -> int | None:
    """The first open report of this person's household (None if they have none)."""
    report = (
        DefectReport.select(DefectReport.id)
        .join(Residency, on=(Residency.lease == DefectReport.lease))
        .join(Person)
        .where((Person.email == email) & (DefectReport.status != DefectReport.DONE))
        .order_by(DefectReport.id)
        .first()
    )
    return report.id if report else None


def _photo_of(report_id: int | None) -> int | None:
    if report_id is None:
        return None
    attachment = Attachment.select(Attachment.id).where(Attachment.report == report_id).first()
    return attachment.id if attachment else None


def _own_report(kind: "Kind") -> int:
    # Kinds without a household of their own are refused anyway: any report serves.
    if kind.active_resident:
        return _household_report(kind.home)
    return _household_report(conftest.RESIDENT)


def _foreign_report(kind: "Kind") -> int:
    other = (
        conftest.SWEDISH_RESIDENT if kind.home != conftest.SWEDISH_RESIDENT else (conftest.RESIDENT)
    )
    return _household_report(other)


def _staff_report(kind: "Kind") -> int:
    if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE:
        return _household_report(conftest.ASOY_RESIDENT)
    return _household_report(conftest.RESIDENT)


def _foreign_staff_report(kind: "Kind") -> int | None:
    if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE:
        return _household_report(conftest.RESIDENT)
    return None


def _sauna_booking_of(who: str, by_name: bool = False) -> int:
    """A sauna booking of the household of a person (by email, or a register line's name)."""
    if by_name:
        first, last = (part.capitalize() for part in who.split("."))
        lease = Residency.get((Residency.first_name == first) & (Residency.last_name == last)).lease
    else:
        lease = Residency.select().join(Person).where(Person.email == who).get().lease
    booking = SaunaBooking.select(SaunaBooking.id).where(SaunaBooking.lease == lease).first()
    return booking.id if booking else None


def _turn_in(email: str) -> int:
    """A sauna turn of the building where this person lives."""
    from portal.models import Sauna, SaunaTurn

    lease = Residency.select().join(Person).where(Person.email == email).get().lease
    return (
        SaunaTurn.select(SaunaTurn.id)
        .join(Sauna)
        .where(Sauna.building == lease.apartment.building_id)
        .first()
        .id
    )


def _lease_by_name(first_name: str):
    return Residency.get(Residency.first_name == first_name).lease


def _household_lease(kind: "Kind"):
    """The lease of the kind's household (for kinds without one, the lease party's)."""
    email = kind.home if kind.active_resident else conftest.RESIDENT
    return Residency.select().join(Person).where(Person.email == email).get().lease


def _parking_application(lease) -> int | None:
    row = ParkingApplication.select(ParkingApplication.id).where(ParkingApplication.lease == lease)
    return row.first().id if row.exists() else None


def _parking_contract(lease) -> int | None:
    row = ParkingContract.select(ParkingContract.id).where(ParkingContract.lease == lease)
    return row.first().id if row.exists() else None


def _yard_space() -> int:
    return ParkingSpace.get(ParkingSpace.number == "P1").id


def _for_staff(kind: "Kind", value, *, asoy: bool):
    """The value for staff who serve the yard's buildings (asoy=False) or for the As Oy team."""
    return value() if (kind.staff_role == Person.ASOY_CUSTOMER_SERVICE) == asoy else None


PARKING_SPACE = {
    "own": lambda kind: _for_staff(kind, _yard_space, asoy=False),
    "foreign": lambda kind: _for_staff(kind, _yard_space, asoy=True),
}


def _aino_contract() -> int:
    return _parking_contract(_lease_by_name("Aino"))


def _household_request(lease) -> int | None:
    row = (
        ServiceRequest.select(ServiceRequest.id)
        .where(ServiceRequest.lease == lease)
        .order_by(ServiceRequest.id)
        .first()
    )
    return row.id if row else None


def _request_file(request_id: int | None) -> int | None:
    if request_id is None:
        return None
    row = RequestAttachment.select().where(RequestAttachment.request == request_id).first()
    return row.id if row else None


def _staff_request(kind: "Kind") -> int | None:
    """A request this staff member handles: maintenance has none in the demo."""
    if kind.staff_role == Person.MAINTENANCE:
        return None
    if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE:
        return _household_request(_lease_by_name("Hanna"))
    return _household_request(_lease_by_name("Aino"))


def _foreign_staff_request(kind: "Kind") -> int | None:
    if kind.staff_role in (Person.ASOY_CUSTOMER_SERVICE, Person.MAINTENANCE):
        return _household_request(_lease_by_name("Aino"))
    return None


def _pending_consent() -> tuple[int, int]:
    """Matti's termination and Laura's pending agreement (As Oy staff do not serve it)."""
    consent = RequestConsent.select().first()
    return consent.request_id, consent.id


HOUSEHOLD_REQUEST = {
    # Aino's household has no request of a type Kaisa's mandate covers: none of her own.
    "own": lambda kind: None if kind.acting_for else _household_request(_household_lease(kind)),
    "foreign": lambda kind: (
        _household_request(_lease_by_name("Sofia"))
        if kind.home != conftest.SWEDISH_RESIDENT
        else _household_request(_lease_by_name("Aino"))
    ),
}
STAFF_REQUEST = {"own": _staff_request, "foreign": _foreign_staff_request}


def _thread_of(lease) -> int | None:
    row = MessageThread.select(MessageThread.id).where(MessageThread.lease == lease).first()
    return row.id if row else None


def _thread_file(thread_id: int | None) -> int | None:
    if thread_id is None:
        return None
    row = (
        MessageAttachment.select(MessageAttachment.id)
        .join(Message)
        .where(Message.thread == thread_id)
        .first()
    )
    return row.id if row else None


HOUSEHOLD_THREAD = {
    "own": lambda kind: _thread_of(_household_lease(kind)),
    "foreign": lambda kind: (
        _thread_of(_lease_by_name("Sofia"))
        if kind.home != conftest.SWEDISH_RESIDENT
        else _thread_of(_lease_by_name("Aino"))
    ),
}
STAFF_THREAD = {
    "own": lambda kind: _thread_of(
        _lease_by_name("Hanna" if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE else "Aino")
    ),
    # The main team never sees the As Oy team's threads (nor the As Oy team theirs); an
    # administrator sees every thread.
    "foreign": lambda kind: (
        _thread_of(_lease_by_name("Aino"))
        if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE
        else None
        if kind.staff_role == Person.ADMIN
        else _thread_of(_lease_by_name("Hanna"))
    ),
}


def _invoice_of(lease) -> int | None:
    row = Invoice.select(Invoice.id).where(Invoice.lease == lease).first()
    return row.id if row else None


def _unmatched_payment() -> int:
    """The payment that found no invoice, added to the test database by conftest."""
    return Payment.get(Payment.status == Payment.UNMATCHED).id


def _building(street: str) -> int:
    return Building.get(Building.street_address == street).id


STAFF_BUILDING = {
    "own": lambda kind: _building(
        "Kalliolanrinne 4" if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE else "Sturenkatu 21"
    ),
    "foreign": lambda kind: (
        _building("Sturenkatu 21") if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE else None
    ),
}


def _incident_in(street: str) -> int:
    """The demo incident of a building (tests/conftest.py's database has one in each of
    Sturenkatu 21 and Kalliolanrinne 4)."""
    return (
        IncidentArea.select(IncidentArea.incident)
        .join(Building)
        .where(Building.street_address == street)
        .get()
        .incident_id
    )


# The As Oy team changes only the incidents of its own buildings; the others every one.
STAFF_INCIDENT = {
    "own": lambda kind: _incident_in(
        "Kalliolanrinne 4" if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE else "Sturenkatu 21"
    ),
    "foreign": lambda kind: (
        _incident_in("Sturenkatu 21") if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE else None
    ),
}


def _appointment() -> int:
    return Appointment.get(Appointment.name == "Veikko Heinonen").id


def _notice(title: str) -> int:
    return Notice.get(Notice.title_fi == title).id


def _mandate_of(first_name: str) -> int:
    """The (first) power of attorney given by the resident with this first name."""
    return (
        Mandate.select(Mandate.id)
        .join(Residency, on=(Mandate.grantor == Residency.id))
        .where(Residency.first_name == first_name)
        .order_by(Mandate.id)
        .first()
        .id
    )


def _own_mandate(kind: "Kind") -> int | None:
    """A mandate the person gave (Aino, Sofia); others have none of their own."""
    owners = {conftest.RESIDENT: "Aino", conftest.SWEDISH_RESIDENT: "Sofia", conftest.AGENT: "Aino"}
    return _mandate_of(owners[kind.email]) if kind.email in owners else None


# Pirjo's power of attorney to Kaisa: nobody the harness signs in as may read it, except
# staff who serve her building.
OWN_MANDATE = {
    "own": _own_mandate,
    "foreign": lambda kind: _mandate_of("Sofia" if kind.email == conftest.AGENT else "Pirjo"),
}
STAFF_MANDATE = {
    "own": lambda kind: _for_staff(kind, lambda: _mandate_of("Pirjo"), asoy=False),
    "foreign": lambda kind: _for_staff(kind, lambda: _mandate_of("Pirjo"), asoy=True),
}


def _request_type(kind: "Kind") -> str:
    """A request type the person may open: for an agent, one their mandate covers."""
    return "parking_sauna_termination" if kind.acting_for else "disturbance"


STAFF_LEASE = {
    "own": lambda kind: Residency.get_by_id(_staff_residency(kind)).lease_id,
    "foreign": lambda kind: (
        Residency.get_by_id(r).lease_id if (r := _foreign_staff_residency(kind)) else None
    ),
}

RESIDENT_REPORT = {"own": _own_report, "foreign": _foreign_report}
STAFF_REPORT = {"own": _staff_report, "foreign": _foreign_staff_report}

# A link token that was never issued: the page must explain, not fail.
UNKNOWN_TOKEN = {"own": lambda kind: "never-issued-token"}
# The demo visit's link (tests/conftest.py books it).
DEMO_APPOINTMENT_TOKEN = "demo-appointment-link"
# Links every person of the harness has opened: the pages they lead to read their token
# from the session, so without them those pages would only say the link is missing.
OPENED_LINKS = [f"/appointments/manage?t={DEMO_APPOINTMENT_TOKEN}"]

SAMPLES: dict[str, dict[str, dict]] = {
    "static": {"filename": {"own": lambda kind: "css/portal.css"}},
    "accounts.confirm_email_link": {"token": UNKNOWN_TOKEN},
    "accounts.reset_password_link": {"token": UNKNOWN_TOKEN},
    # Jari of maintenance: an account the administrator may close.
    "staff_accounts.end": {
        "person_id": {"own": lambda kind: Person.get(Person.email == conftest.MAINTENANCE).id}
    },
    "staff_teams.edit": {"team_id": {"own": lambda kind: 1}},
    "staff_register.lease": {"lease_id": STAFF_LEASE},
    "staff_register.add_resident": {"lease_id": STAFF_LEASE},
    "staff_register.resident": {
        "residency_id": {"own": _staff_residency, "foreign": _foreign_staff_residency}
    },
    "staff.person": {
        "person_id": {
            "own": lambda kind: _person_of(_staff_residency(kind)),
            "foreign": lambda kind: _person_of(_foreign_staff_residency(kind)),
        }
    },
    "staff.identify_resident": {
        "residency_id": {"own": _staff_residency, "foreign": _foreign_staff_residency}
    },
    "defects.show": {"report_id": RESIDENT_REPORT},
    "defects.comment": {"report_id": RESIDENT_REPORT},
    "defects.decision": {"report_id": RESIDENT_REPORT},
    "defects.photo": {
        "report_id": RESIDENT_REPORT,
        "attachment_id": {
            "own": lambda kind: _photo_of(_own_report(kind)),
            "foreign": lambda kind: _photo_of(_foreign_report(kind)),
        },
    },
    "bookings.cancel_sauna": {
        "booking_id": {
            "own": lambda kind: _sauna_booking_of(
                kind.home if kind.active_resident else conftest.RESIDENT
            ),
            "foreign": lambda kind: _sauna_booking_of("veikko.heinonen", by_name=True),
        }
    },
    "staff_saunas.toggle_turn": {
        "turn_id": {
            "own": lambda kind: (
                _turn_in(conftest.RESIDENT)
                if kind.staff_role != Person.ASOY_CUSTOMER_SERVICE
                else None
            ),
            "foreign": lambda kind: (
                _turn_in(conftest.RESIDENT)
                if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE
                else None
            ),
        }
    },
    "parking.application": {
        "application_id": {
            "own": lambda kind: _parking_application(_household_lease(kind)),
            "foreign": lambda kind: _parking_application(_lease_by_name("Amina")),
        }
    },
    "parking.terminate": {
        "contract_id": {
            "own": lambda kind: _parking_contract(_household_lease(kind)),
            "foreign": lambda kind: _parking_contract(_lease_by_name("Veikko")),
        }
    },
    "requests.new": {"type_key": {"own": lambda kind: _request_type(kind)}},
    "requests.fields": {"type_key": {"own": lambda kind: _request_type(kind)}},
    "requests.show": {"request_id": HOUSEHOLD_REQUEST},
    "requests.message": {"request_id": HOUSEHOLD_REQUEST},
    "requests.withdraw": {"request_id": HOUSEHOLD_REQUEST},
    "requests.consent": {"request_id": HOUSEHOLD_REQUEST},
    "requests.attachment": {
        "request_id": HOUSEHOLD_REQUEST,
        "attachment_id": {
            "own": lambda kind: _request_file(_household_request(_household_lease(kind))),
            "foreign": lambda kind: _request_file(HOUSEHOLD_REQUEST["foreign"](kind)),
        },
    },
    "staff_requests.show": {"request_id": STAFF_REQUEST},
    "staff_requests.paper_consent": {
        "request_id": {
            "own": lambda kind: _for_staff(kind, lambda: _pending_consent()[0], asoy=False),
            "foreign": lambda kind: _for_staff(kind, lambda: _pending_consent()[0], asoy=True),
        },
        "consent_id": {
            "own": lambda kind: _for_staff(kind, lambda: _pending_consent()[1], asoy=False),
            "foreign": lambda kind: _for_staff(kind, lambda: _pending_consent()[1], asoy=True),
        },
    },
    "staff_requests.attachment": {
        "request_id": STAFF_REQUEST,
        "attachment_id": {
            "own": lambda kind: _request_file(_staff_request(kind)),
            "foreign": lambda kind: _request_file(_foreign_staff_request(kind)),
        },
    },
    "messages.show": {"thread_id": HOUSEHOLD_THREAD},
    "messages.attachment": {
        "thread_id": HOUSEHOLD_THREAD,
        "attachment_id": {
            "own": lambda kind: _thread_file(HOUSEHOLD_THREAD["own"](kind)),
            "foreign": lambda kind: _thread_file(HOUSEHOLD_THREAD["foreign"](kind)),
        },
    },
    "staff_messages.show": {"thread_id": STAFF_THREAD},
    "staff_messages.attachment": {
        "thread_id": STAFF_THREAD,
        "attachment_id": {
            "own": lambda kind: _thread_file(STAFF_THREAD["own"](kind)),
            "foreign": lambda kind: _thread_file(STAFF_THREAD["foreign"](kind)),
        },
    },
    "notices.show": {
        "notice_id": {
            "own": lambda kind: _notice("Asiakaspalvelu joulun aikaan"),
            "foreign": lambda kind: _notice(
                "Porraskäytävien maalaus" if kind.home == conftest.ASOY_RESIDENT else "Pihatalkoot"
            ),
        }
    },
    "staff_notices.end": {
        "notice_id": {
            "own": lambda kind: _notice(
                "Pihatalkoot"
                if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE
                else "Asiakaspalvelu joulun aikaan"
            ),
            "foreign": lambda kind: (
                _notice("Porraskäytävien maalaus")
                if kind.staff_role == Person.ASOY_CUSTOMER_SERVICE
                else None
            ),
        }
    },
    "payments.show": {
        "invoice_id": {
            "own": lambda kind: _invoice_of(_household_lease(kind)),
            "foreign": lambda kind: _invoice_of(
                _lease_by_name("Aino" if kind.home == conftest.SWEDISH_RESIDENT else "Sofia")
            ),
        }
    },
    "staff_payments.resolve": {"payment_id": {"own": lambda kind: _unmatched_payment()}},
    "profile.confirm_bank_account_link": {"token": UNKNOWN_TOKEN},
    "appointments.manage_link": {"token": {"own": lambda kind: DEMO_APPOINTMENT_TOKEN}},
    "staff_appointments.cancel": {"appointment_id": {"own": lambda kind: _appointment()}},
    "profile.data_table": {"table": {"own": lambda kind: "residency"}},
    "mandates.show": {"mandate_id": OWN_MANDATE},
    # Only a grantor revokes; the agent's own would end the acting the other checks need.
    "mandates.revoke": {
        "mandate_id": {
            "own": lambda kind: None if kind.acting_for else _own_mandate(kind),
            "foreign": OWN_MANDATE["foreign"],
        }
    },
    "mandates.act": {"mandate_id": OWN_MANDATE},
    "staff_mandates.show": {"mandate_id": STAFF_MANDATE},
    "staff_mandates.verify": {
        "mandate_id": {
            "own": lambda kind: _for_staff(kind, lambda: _mandate_of("Sofia"), asoy=False),
            "foreign": lambda kind: _for_staff(kind, lambda: _mandate_of("Sofia"), asoy=True),
        }
    },
    "staff_mandates.end": {"mandate_id": STAFF_MANDATE},
    "staff_mandates.document": {"mandate_id": STAFF_MANDATE},
    "staff_buildings.edit": {"building_id": STAFF_BUILDING},
    "staff_buildings.rescue_plan": {"building_id": STAFF_BUILDING},
    "staff_buildings.team": {"building_id": STAFF_BUILDING},
    "staff_parking.offer": {"space_id": PARKING_SPACE},
    "staff_parking.toggle_space": {"space_id": PARKING_SPACE},
    "staff_parking.end_contract": {
        "contract_id": {
            "own": lambda kind: _for_staff(kind, _aino_contract, asoy=False),
            "foreign": lambda kind: _for_staff(kind, _aino_contract, asoy=True),
        }
    },
    "staff_defects.show": {"report_id": STAFF_REPORT},
    "staff_incidents.show": {"incident_id": STAFF_INCIDENT},
    "staff_incidents.update": {"incident_id": STAFF_INCIDENT},
    "staff_incidents.resolve": {"incident_id": STAFF_INCIDENT},
    "staff_defects.photo": {
        "report_id": STAFF_REPORT,
        "attachment_id": {
            "own": lambda kind: _photo_of(_staff_report(kind)),
            "foreign": lambda kind: _photo_of(_foreign_staff_report(kind)),
        },
    },
}


def expected(rule: access.Rule | None, kind: Kind) -> str:
    """Return what the access table promises this kind of person for a rule."""
    if rule is None:
        return DENY
    if rule.kind == access.PUBLIC:
        return ALLOW
    if kind.email is None:
        return LOGIN
    if rule.kind == access.SIGNED_IN:
        return ALLOW
    if rule.kind == access.STAFF:
        allowed = kind.staff_role and (not rule.roles or kind.staff_role in rule.roles)
        return ALLOW if allowed else DENY
    if not kind.active_resident:
        return DENY
    if kind.acting_for and "general" not in kind.scopes and not rule.scopes & kind.scopes:
        return DENY
    if rule.kind == access.LEASE_PARTY and not kind.lease_party:
        return DENY
    return ALLOW


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    arguments: tuple[str, ...]

    def url(self, app: Flask, kind: Kind, which: str = "own") -> str | None:
        """Build the URL with sample arguments; None when no sample of that sort exists."""
        values = {}
        for name in self.arguments:
            sample = SAMPLES.get(self.endpoint, {}).get(name, {}).get(which)
            value = sample(kind) if sample else None
            if value is None:
                return None
            values[name] = value
        with app.test_request_context():
            return url_for(self.endpoint, **values)


def routes(app: Flask) -> list[Route]:
    """List every endpoint and method of the app from its URL map."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append(Route(rule.endpoint, method, tuple(sorted(rule.arguments))))
    return sorted(found, key=lambda r: (r.method, r.endpoint))


LANGUAGES = ("fi", "sv", "en")


def pages(app: Flask, kind: Kind) -> list[tuple[str, str]]:
    """The pages this kind of person may open: (endpoint, URL) pairs, and a page that is not
    there."""
    table = app.extensions["access_table"]
    found = [
        (route.endpoint, url)
        for route in routes(app)
        if (url := route.url(app, kind))
        and route.method == "GET"
        and route.endpoint not in NOT_PAGES
        and expected(table.get(route.endpoint), kind) == ALLOW
    ]
    return [*found, ("not found", "/no-such-page")]


def share_languages(app: Flask) -> dict[tuple[str, str], set[str]]:
    """Share the languages out among the kinds of person who see each page, for checks too
    slow to run in every language as every kind of person: the n-th kind who sees a page
    takes the n-th language in turn, and the last one whatever languages are left. Every
    page is then checked in every language, most of them once. Keys: (kind name, endpoint)."""
    viewers: dict[str, list[str]] = {}
    for kind in KINDS:
        for endpoint, _url in pages(app, kind):
            viewers.setdefault(endpoint, []).append(kind.name)
    plan: dict[tuple[str, str], set[str]] = {}
    for endpoint, names in viewers.items():
        for position, name in enumerate(names):
            plan[(name, endpoint)] = {LANGUAGES[position % len(LANGUAGES)]}
        plan[(names[-1], endpoint)] |= set(LANGUAGES[len(names) :])
    return plan


def acting_url(kind: Kind) -> str:
    """Where an agent starts acting under the mandate the kind stands for."""
    return f"/mandates/{_own_mandate(kind)}/act"


def sign_in(app: Flask, kind: Kind, language: str = "en"):
    """Return a test client signed in as the kind of person (or a visitor), in a language."""
    client = app.test_client()
    if kind.email:
        response = conftest.sign_in(client, kind.email)
        assert response.status_code == 303, f"{kind.name} could not sign in"
        if kind.acting_for:
            act = acting_url(kind)
            token = conftest.csrf_token(client, "/mandates/")
            assert client.post(act, data={"csrf_token": token}).status_code == 303
        conftest.use_language(client, language)
    else:
        client.set_cookie("locale", language)
    for link in OPENED_LINKS:
        assert client.get(link).status_code == 303, f"{link} did not open"
    return client


def outcome(response) -> str:
    """Classify a response as let in, sent to sign in, or refused."""
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and location.startswith("/login?next="):
        return LOGIN
    if response.status_code in (401, 403):
        return DENY
    return ALLOW


class FormCollector(HTMLParser):
    """Collect the forms of a page: action, method and the names of their fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": attributes.get("action", ""),
                    "method": (attributes.get("method") or "get").lower(),
                    "fields": set(),
                }
            )
        elif tag in ("input", "select", "textarea", "button") and self.forms:
            name = attributes.get("name")
            if name and name != "csrf_token":
                self.forms[-1]["fields"].add(name)


class PageParser(HTMLParser):
    """Collect what the page checks look at: language, headings, forms, inline code."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self.h1 = 0
        self.lang = None
        self.validated_by_browser = False
        self.in_head = False
        self.styles = 0

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag == "h1":
            self.h1 += 1
        if tag == "form" and not (attributes.get("action") and attributes.get("method")):
            self.problems.append("form without action and method")
        if tag == "form":
            self.validated_by_browser = "novalidate" not in attributes
        # The browser's own check would stop the form before our translated summary.
        required = tag in ("input", "select", "textarea") and "required" in attributes
        if required and self.validated_by_browser:
            self.problems.append(f"required field {attributes.get('name')} without novalidate")
        if tag == "script" and not attributes.get("src"):
            self.problems.append("inline script")
        # One style element is allowed: the company's colours in the head, let in by its hash
        # in the page's Content Security Policy. No other, and no style attributes.
        if tag == "head":
            self.in_head = True
        if tag == "style":
            self.styles += 1
            if not self.in_head or self.styles > 1:
                self.problems.append("inline style")
        if "style" in attributes:
            self.problems.append("inline style")
        if any(name.startswith("on") for name in attributes):
            self.problems.append(f"inline event handler on <{tag}>")
        if tag == "img" and "alt" not in attributes:
            self.problems.append("image without alt text")


def page_problems(html: str, language: str) -> list[str]:
    """Return what is wrong with a page that every page must get right."""
    parser = PageParser()
    parser.feed(html)
    problems = list(parser.problems)
    if parser.lang != language:
        problems.append(f"lang is {parser.lang!r}, not {language!r}")
    if parser.h1 != 1:
        problems.append(f"{parser.h1} h1 headings")
    return problems


class SummaryParser(HTMLParser):
    """Collect the ids of a page in document order and the links of its error summaries."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.first_of_group: dict[str, str] = {}  # a choice group's name: its first box's id
        self.group_of: dict[str, str] = {}  # a choice box's id: its group's name
        self.depth = 0  # how deep inside an error summary we are; 0 is outside

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(attributes["id"])
            if tag == "input" and attributes.get("type") in ("radio", "checkbox"):
                self.first_of_group.setdefault(attributes.get("name"), attributes["id"])
                self.group_of[attributes["id"]] = attributes.get("name")
        if self.depth:
            self.depth += tag not in ("br", "img", "input", "hr", "wbr")
            if tag == "a" and (attributes.get("href") or "").startswith("#"):
                self.links.append(attributes["href"][1:])
        elif (attributes.get("id") or "").endswith("form-errors"):
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1


def summary_problems(html: str) -> list[str]:
    """Return what is wrong with the page's error summaries: a link to no field or into the
    middle of a choice group, or links in another order than the fields on the page (the
    order a person meets them)."""
    parser = SummaryParser()
    parser.feed(html)
    missing = [link for link in parser.links if link not in parser.ids]
    if missing:
        return [f"summary links to missing fields {missing}"]
    middle = [
        link
        for link in parser.links
        if link in parser.group_of and parser.first_of_group[parser.group_of[link]] != link
    ]
    if middle:
        return [f"summary links into the middle of a choice group {middle}"]
    positions = [parser.ids.index(link) for link in parser.links]
    if positions != sorted(positions):
        return [f"summary order {parser.links} is not the page's order"]
    return []


def forms_of(html: str) -> list[dict]:
    collector = FormCollector()
    collector.feed(html)
    return collector.forms


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_of(client) -> str:
    """Return a CSRF token for the client's current session."""
    return conftest.csrf_token(client, "/")


def database_snapshot(database) -> str:
    """Return every row of every table as text, in key order, to compare before and after
    (on SQLite and PostgreSQL alike).

    Read marks are left out: remembering what a person has opened is the one write a page
    view makes on purpose. So are the rate limit counters, which count attempts, not data.
    """
    lines = []
    for table in sorted(database.get_tables()):
        if table in ("read_mark", "rate_counter", "migratehistory"):
            continue
        cursor = database.execute_sql(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608
        lines += [f"{table}: {tuple(map(_comparable, row))!r}" for row in cursor.fetchall()]
    return "\n".join(lines)


def _comparable(value):
    """A column's value as text that compares by content: PostgreSQL returns binary columns
    (the company's logo) as memoryview objects, whose repr is an address."""
    return bytes(value) if isinstance(value, memoryview) else value
