"""The request catalog: every resident matter and agreement change as one entry of data.

One generic form factory (``portal.forms.requests``), view (``portal.views.requests``),
template and staff queue serve every entry here. Adding a request type is an entry in
``CATALOG``, its translations and a row in the tests; no view or template changes.

An entry says who may submit it, which fields it asks (with conditions: a field shown only
when another answer has a given value), whether files may be attached, which staff handle it,
the states its handling goes through, and any rules written as small named functions below.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel.speaklater import LazyString

from portal.i18n import lazy_gettext as _l
from portal.services import company
from portal.services.dates import notice_end

# Field kinds the form factory knows.
TEXT = "text"
LONG_TEXT = "long_text"
DATE = "date"
CHOICE = "choice"
YES_NO = "yes_no"
NUMBER = "number"
EMAIL = "email"
PHONE = "phone"
PEOPLE = "people"  # rows of first name, last name and date of birth
RESIDENT = "resident"  # one of the household's current residents
RESIDENTS = "residents"  # several of them

# Who may submit.
LEASE_PARTY = "lease_party"
ANY_RESIDENT = "resident"

# Scopes of a power of attorney: an agent whose mandate covers the scope may act.
GENERAL = "general"
SCOPE_TERMINATE_LEASE = "terminate_lease"
# Stored in mandates under its first name, though it now covers booking and applying too.
SCOPE_PARKING_SAUNA = "terminate_parking_sauna"
SCOPE_KEYS = "keys"
SCOPE_MANAGER_STATEMENT = "manager_statement"
SCOPE_DIY = "diy_permit"
SCOPE_INFORMATION = "information"
SCOPE_TRANSFER = "transfer_lease"
MANDATE_SCOPES = {
    GENERAL: _l("All tenancy matters (general power of attorney)"),
    SCOPE_TERMINATE_LEASE: _l("Terminate the lease"),
    SCOPE_PARKING_SAUNA: _l("Terminate a parking space or a sauna turn, and book or apply for one"),
    SCOPE_KEYS: _l("Return or collect the keys"),
    SCOPE_MANAGER_STATEMENT: _l("Order a building manager's statement"),
    SCOPE_DIY: _l("Apply for a DIY renovation permit"),
    SCOPE_INFORMATION: _l("Request information on the agreement or payments"),
    SCOPE_TRANSFER: _l("Transfer the lease to a family member living in the apartment"),
}

# Who handles a type: customer service (the building's team) or maintenance.
CUSTOMER_SERVICE = "customer_service"
MAINTENANCE = "maintenance"
HANDLERS = {CUSTOMER_SERVICE: _l("Customer service"), MAINTENANCE: _l("Maintenance")}

# States of handling. Every type starts as received; a resident may withdraw while it is
# received or waiting for them.
RECEIVED = "received"
IN_PROGRESS = "in_progress"
WAITING = "waiting"
APPROVED = "approved"
REJECTED = "rejected"
DONE = "done"
WITHDRAWN = "withdrawn"
STATE_LABELS = {
    RECEIVED: _l("Received"),
    IN_PROGRESS: _l("In progress"),
    WAITING: _l("Waiting for information from you"),
    APPROVED: _l("Approved"),
    REJECTED: _l("Not approved"),
    DONE: _l("Done"),
    WITHDRAWN: _l("Withdrawn"),
}
CLOSED_STATES = (APPROVED, REJECTED, DONE, WITHDRAWN)
NOTICE_STATES = (RECEIVED, IN_PROGRESS, WAITING, DONE)
DECISION_STATES = (RECEIVED, IN_PROGRESS, WAITING, APPROVED, REJECTED)

YES, NO = "yes", "no"


@dataclass(frozen=True)
class Field:
    """One question of a request form."""

    name: str
    kind: str
    label: object
    help: object = None
    required: bool = True
    choices: tuple = ()  # (value, label) pairs for CHOICE
    max_length: int = 200
    minimum: int | None = None
    maximum: int | None = None
    # Shown (and asked) only when the named field's answer is one of these values.
    show_if: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at besides the answers."""

    today: datetime.date
    lease_parties: int  # current lease parties of the household, the submitter included


# A rule looks at the cleaned answers and returns {field name: error message}.
Rule = Callable[[dict, RuleContext], dict]


@dataclass(frozen=True)
class RequestType:
    key: str
    title: object
    description: object
    instructions: object
    fields: tuple[Field, ...]
    who: str = ANY_RESIDENT
    mandate_scope: str | None = None
    handler: str = CUSTOMER_SERVICE
    states: tuple[str, ...] = NOTICE_STATES
    attachments: int = 0  # how many photos or PDF documents may be attached
    rules: tuple[Rule, ...] = ()
    # Shown to the resident once the request is sent: what happens next.
    next_steps: object = None
    # Other lease parties must agree before staff can approve (a named rule of its own).
    needs_consent: Callable[[dict], bool] | None = None
    # Staff approval changes the housing register (see portal.services.requests).
    on_approve: str | None = None
    # Weighty enough to ask for the password when the sign-in is not recent.
    reauthenticate: bool = False
    version: int = 1

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


# Rules


def not_in_the_past(*names: str) -> Rule:
    """The named dates are today or later."""

    def rule(answers: dict, context: RuleContext) -> dict:
        return {
            name: _l("The date cannot be in the past.")
            for name in names
            if answers.get(name) and answers[name] < context.today
        }

    rule.__name__ = f"not_in_the_past({', '.join(names)})"
    rule.description = _l("The date cannot be in the past.")
    return rule


def ends_after_it_starts(start: str, end: str) -> Rule:
    def rule(answers: dict, context: RuleContext) -> dict:
        if answers.get(start) and answers.get(end) and answers[end] < answers[start]:
            return {end: _l("The end cannot be before the start.")}
        return {}

    rule.__name__ = f"ends_after_it_starts({start}, {end})"
    rule.description = _l("The end cannot be before the start.")
    return rule


def earliest_notice_end(name: str, months: int = 1) -> Rule:
    """A notice ends at the earliest ``months`` after the end of the month it is given in."""

    def rule(answers: dict, context: RuleContext) -> dict:
        earliest = notice_end(context.today, months)
        if answers.get(name) and answers[name] < earliest:
            from flask_babel import format_date

            return {
                name: _l(
                    "The earliest possible last day is %(date)s: the notice period is counted "
                    "from the end of this month.",
                    date=format_date(earliest),
                )
            }
        return {}

    rule.__name__ = f"earliest_notice_end({name}, {months})"
    rule.description = _l("The earliest last day follows the notice period.")
    return rule


def parking_or_sauna_notice(answers: dict, context: RuleContext) -> dict:
    """A parking space has a month's notice from the end of this month; a sauna turn ends
    at the end of this month at the earliest."""
    months = 1 if answers.get("what") == "parking" else 0
    return earliest_notice_end("end_date", months)(answers, context)


parking_or_sauna_notice.description = _l("The earliest last day follows the notice period.")


def only_my_part_needs_others(answers: dict, context: RuleContext) -> dict:
    """Terminating only one's own part of a lease needs another lease party to continue it."""
    if answers.get("extent") == "mine" and context.lease_parties < 2:
        return {
            "extent": _l(
                "You are the only party to the lease: the termination ends the whole agreement."
            )
        }
    return {}


only_my_part_needs_others.description = _l(
    "A party to the lease can end only their own part when there are other parties."
)


def terminates_for_everyone(answers: dict) -> bool:
    return answers.get("extent") == "all"


# Numbers the texts name

# The number maintenance calls from is the company's, the same for every household: a text
# names it through this lazy value, read when the text is shown (on the page and in the
# confirmation email alike).
MAINTENANCE_CALLER = LazyString(company.maintenance_caller)
# Where keys go is the company's too (a security company's service point, say).
KEY_SERVICE = LazyString(company.key_service)


def with_numbers(text, numbers: dict[str, str]) -> str:
    """Show a catalog text in the current language with the numbers of the team that answers
    the household filled in where it names them (``%(phone)s``, ``%(phone_hours)s``,
    ``%(on_call_phone)s``; see ``portal.services.hours.team_numbers``). A text that names
    none is shown as it is, a per cent sign and all."""
    shown = str(text)
    if "%(" not in shown:
        return shown
    return shown % defaultdict(str, numbers)


# The catalog

_PHONE = Field(
    "phone",
    PHONE,
    _l("Phone number"),
    help=_l("We call or text this number if we need to ask something."),
)

CATALOG: dict[str, RequestType] = {}


def register(entry: RequestType) -> RequestType:
    CATALOG[entry.key] = entry
    return entry


register(
    RequestType(
        key="disturbance",
        title=_l("Notice of disturbance"),
        description=_l("Noise or other disturbance from a neighbour or in the building."),
        instructions=_l(
            "If you can, talk to your neighbour first: they may not know they disturb. Write "
            "down the dates and times of the disturbance. We do not tell the other party who "
            "made the notice. In an emergency or a violent situation call 112."
        ),
        fields=(
            Field(
                "source",
                CHOICE,
                _l("Where does the disturbance come from?"),
                choices=(
                    ("apartment", _l("Another apartment")),
                    ("common", _l("The stairwell, yard or other common areas")),
                    ("unknown", _l("I do not know")),
                ),
            ),
            Field(
                "apartment",
                TEXT,
                _l("Which apartment?"),
                help=_l("For example A 12. Leave empty if you are not sure."),
                required=False,
                max_length=40,
                show_if=("source", ("apartment",)),
            ),
            Field(
                "time_of_day",
                CHOICE,
                _l("When does it happen?"),
                choices=(
                    ("night", _l("At night (10 pm – 7 am)")),
                    ("day", _l("In the daytime")),
                    ("both", _l("Both")),
                ),
            ),
            Field("since", DATE, _l("Since when?")),
            Field(
                "description",
                LONG_TEXT,
                _l("What happens?"),
                help=_l("Dates, times and what you heard or saw."),
                max_length=4000,
            ),
            Field(
                "talked",
                YES_NO,
                _l("Have you talked to the neighbour about it?"),
                show_if=("source", ("apartment",)),
            ),
        ),
        attachments=3,
        next_steps=_l(
            "Customer service reads your notice and contacts the other party if needed. We may "
            "ask you to keep a diary of the disturbance."
        ),
    )
)

register(
    RequestType(
        key="smoking",
        title=_l("Notice of disruptive smoking"),
        description=_l("Tobacco smoke coming into your home from a balcony, a window or the yard."),
        instructions=_l(
            "Write down when the smoke comes and from where. We remind the residents of the "
            "building of the smoking rules and, where needed, contact the household concerned."
        ),
        fields=(
            Field(
                "where",
                CHOICE,
                _l("Where is the smoking?"),
                choices=(
                    ("balcony", _l("On a balcony")),
                    ("apartment", _l("Inside an apartment")),
                    ("yard", _l("In the yard or at the door")),
                    ("stairwell", _l("In the stairwell")),
                ),
            ),
            Field(
                "apartment",
                TEXT,
                _l("Which apartment, if you know?"),
                required=False,
                max_length=40,
                show_if=("where", ("balcony", "apartment")),
            ),
            Field("since", DATE, _l("Since when?")),
            Field(
                "description",
                LONG_TEXT,
                _l("When does the smoke come, and how does it affect you?"),
                max_length=4000,
            ),
        ),
        next_steps=_l("Customer service handles your notice and tells you what was done."),
    )
)

register(
    RequestType(
        key="diy_renovation",
        title=_l("Permission for a DIY renovation"),
        description=_l("Painting, wallpapering, flooring or other changes you make yourself."),
        instructions=_l(
            "Apply before you start. Renovations are made at your own cost, professionally and "
            "with materials suitable for the building. Wet rooms, electrical work and plumbing "
            "may only be done by qualified professionals. Attach product sheets or photos if "
            "you have them."
        ),
        who=LEASE_PARTY,
        mandate_scope=SCOPE_DIY,
        states=DECISION_STATES,
        fields=(
            Field(
                "work",
                CHOICE,
                _l("What would you like to do?"),
                choices=(
                    ("painting", _l("Paint walls or ceilings")),
                    ("wallpaper", _l("Wallpaper")),
                    ("flooring", _l("Change the flooring")),
                    ("fittings", _l("Change kitchen or bathroom fittings")),
                    ("other", _l("Something else")),
                ),
            ),
            Field(
                "work_other",
                TEXT,
                _l("What else?"),
                show_if=("work", ("other",)),
            ),
            Field("rooms", TEXT, _l("In which rooms?")),
            Field(
                "materials",
                LONG_TEXT,
                _l("Materials, colours and products"),
                max_length=2000,
            ),
            Field(
                "doer",
                CHOICE,
                _l("Who does the work?"),
                choices=(("self", _l("We do it ourselves")), ("company", _l("A company"))),
            ),
            Field(
                "company",
                TEXT,
                _l("Name of the company"),
                show_if=("doer", ("company",)),
            ),
            Field("start", DATE, _l("Work starts")),
            Field("end", DATE, _l("Work ends")),
        ),
        attachments=5,
        rules=(not_in_the_past("start"), ends_after_it_starts("start", "end")),
        next_steps=_l(
            "We check the plan and answer in the portal and by email. Do not start before you "
            "have the permission."
        ),
    )
)

register(
    RequestType(
        key="lease_transfer",
        title=_l("Transfer of the lease to a family member"),
        description=_l("The lease passes to a family member who lives in the apartment with you."),
        instructions=_l(
            "The lease can be transferred to a spouse, partner, child or parent who lives in "
            "the apartment and is listed in the housing register. We check that the rent has "
            "been paid and make a new agreement with the new tenant."
        ),
        who=LEASE_PARTY,
        mandate_scope=SCOPE_TRANSFER,
        states=DECISION_STATES,
        fields=(
            Field(
                "recipient",
                RESIDENT,
                _l("To whom?"),
                help=_l("Residents listed in the housing register for your apartment."),
            ),
            Field(
                "relationship",
                CHOICE,
                _l("Family relationship"),
                choices=(
                    ("spouse", _l("Spouse or partner")),
                    ("child", _l("Child")),
                    ("parent", _l("Parent")),
                    ("other", _l("Other family member")),
                ),
            ),
            Field("transfer_date", DATE, _l("From which date?")),
            Field("reason", LONG_TEXT, _l("Reason"), required=False, max_length=2000),
            _PHONE,
        ),
        rules=(not_in_the_past("transfer_date"),),
        next_steps=_l(
            "Customer service contacts you and the new tenant to sign the new agreement."
        ),
    )
)

register(
    RequestType(
        key="apartment_inspection",
        title=_l("Request for an apartment inspection"),
        description=_l("A maintenance inspection of the apartment's condition."),
        instructions=_l(
            "Tell us why you need an inspection and when it suits you. For a single fault, "
            "a defect notification is quicker."
        ),
        who=LEASE_PARTY,
        handler=MAINTENANCE,
        fields=(
            Field(
                "reason",
                CHOICE,
                _l("Reason"),
                choices=(
                    ("condition", _l("The condition of the apartment")),
                    ("moisture", _l("Suspected moisture or mould")),
                    ("other", _l("Something else")),
                ),
            ),
            Field("details", LONG_TEXT, _l("Tell us more"), max_length=3000),
            Field(
                "times",
                TEXT,
                _l("Times that suit you"),
                help=_l("For example: weekdays after 3 pm."),
            ),
            Field(
                "master_key", YES_NO, _l("May we come in with a master key if nobody is at home?")
            ),
            _PHONE,
        ),
        attachments=3,
        next_steps=_l(
            "Maintenance calls you to agree on the time. The call comes from a number starting "
            "with %(caller)s.",
            caller=MAINTENANCE_CALLER,
        ),
    )
)

register(
    RequestType(
        key="resident_change",
        title=_l("Change of residents"),
        description=_l("Someone moves into the apartment or out of it."),
        instructions=_l(
            "Everyone who lives in the apartment must be listed in the housing register. A "
            "party to the lease who moves out terminates their part of the lease instead."
        ),
        who=LEASE_PARTY,
        states=DECISION_STATES,
        on_approve="update_register",
        fields=(
            Field(
                "change",
                CHOICE,
                _l("What changes?"),
                choices=(("in", _l("Someone moves in")), ("out", _l("Someone moves out"))),
            ),
            Field(
                "movers_in",
                PEOPLE,
                _l("Who moves in?"),
                help=_l("First name, last name and date of birth of each person."),
                show_if=("change", ("in",)),
            ),
            Field(
                "movers_out",
                RESIDENTS,
                _l("Who moves out?"),
                help=_l("Other residents of the apartment (not parties to the lease)."),
                show_if=("change", ("out",)),
            ),
            Field("date", DATE, _l("Date of moving")),
        ),
        next_steps=_l(
            "Customer service updates the housing register and tells you when it is done."
        ),
    )
)

register(
    RequestType(
        key="lease_termination",
        reauthenticate=True,
        title=_l("Termination of the rental agreement"),
        description=_l("Give notice on the lease of your apartment."),
        instructions=_l(
            "The notice period is one calendar month, counted from the last day of the month "
            "in which you give notice: notice given in January ends the lease on the last day "
            "of February at the earliest. If there are several parties to the lease, a "
            "termination of the whole agreement needs every one of them; if only you leave, "
            "the agreement continues for the others."
        ),
        who=LEASE_PARTY,
        mandate_scope=SCOPE_TERMINATE_LEASE,
        states=DECISION_STATES,
        on_approve="end_lease",
        fields=(
            Field(
                "extent",
                CHOICE,
                _l("What do you terminate?"),
                choices=(
                    ("all", _l("The whole agreement: everyone moves out")),
                    ("mine", _l("Only my part: the other parties to the lease stay")),
                ),
            ),
            Field("end_date", DATE, _l("Last day of the lease")),
            Field(
                "new_address",
                TEXT,
                _l("Your new address"),
                help=_l("For the final invoice and the return of the deposit."),
                required=False,
            ),
            _PHONE,
        ),
        rules=(earliest_notice_end("end_date"), only_my_part_needs_others),
        needs_consent=terminates_for_everyone,
        next_steps=_l(
            "What happens next: customer service confirms the termination and the last day. "
            "Maintenance calls you to agree on the final inspection. Return every key on the "
            "last day at the latest; we send you instructions. Where keys are returned and "
            "collected: %(key_service)s The deposit is returned after the final inspection to "
            "the bank account in your profile, less any unpaid rent or repairs.",
            key_service=KEY_SERVICE,
        ),
    )
)

register(
    RequestType(
        key="keys",
        title=_l("Key return or pickup"),
        description=_l("Returning keys when you move out, or collecting keys."),
        instructions=_l(
            "Keys are not returned to or collected from our customer service. Where keys are "
            "returned and collected: %(key_service)s Customer service sends you the "
            "instructions.",
            key_service=KEY_SERVICE,
        ),
        who=LEASE_PARTY,
        mandate_scope=SCOPE_KEYS,
        fields=(
            Field(
                "action",
                CHOICE,
                _l("Return or collect?"),
                choices=(("return", _l("Return keys")), ("collect", _l("Collect keys"))),
            ),
            Field("date", DATE, _l("On which day?")),
            Field(
                "count",
                NUMBER,
                _l("How many keys?"),
                minimum=1,
                maximum=20,
                show_if=("action", ("return",)),
            ),
            Field("note", LONG_TEXT, _l("Anything else"), required=False, max_length=1000),
        ),
        rules=(not_in_the_past("date"),),
        next_steps=_l("Customer service sends you the instructions of the key service point."),
    )
)

register(
    RequestType(
        key="door_opening",
        title=_l("Door opening order"),
        description=_l("Order a door opening for a later time, for example after losing keys."),
        instructions=_l(
            "If you are locked out now, call: %(phone_hours)s at %(phone)s, at other times the "
            "on-call service at %(on_call_phone)s. We usually come within an hour. The "
            "service has a fee, invoiced by post. For security, we only open the door for "
            "residents listed in the housing register, who must show a passport or other "
            "photo ID."
        ),
        handler=MAINTENANCE,
        fields=(
            Field(
                "person",
                RESIDENT,
                _l("Who will be at the door?"),
                help=_l("Only residents listed in the housing register."),
            ),
            Field("date", DATE, _l("Date")),
            Field("time", TEXT, _l("Time"), help=_l("For example 17:30."), max_length=20),
            _PHONE,
            Field(
                "fee_accepted",
                YES_NO,
                _l("I understand the service has a fee, invoiced by post."),
            ),
        ),
        rules=(not_in_the_past("date"),),
        next_steps=_l("Maintenance calls the number you gave before coming."),
    )
)

register(
    RequestType(
        key="manager_statement",
        title=_l("Building manager's statement"),
        description=_l("Order a statement about the building and the apartment."),
        instructions=_l("Tell us why you need the statement and how you want to receive it."),
        who=LEASE_PARTY,
        mandate_scope=SCOPE_MANAGER_STATEMENT,
        fields=(
            Field("purpose", TEXT, _l("What is it for?")),
            Field(
                "delivery",
                CHOICE,
                _l("How should we send it?"),
                choices=(("email", _l("By email")), ("post", _l("By post"))),
            ),
            Field("email", EMAIL, _l("Email address"), show_if=("delivery", ("email",))),
            Field(
                "address",
                TEXT,
                _l("Postal address"),
                show_if=("delivery", ("post",)),
            ),
        ),
        next_steps=_l("Customer service sends the statement and tells you if there is a fee."),
    )
)

register(
    RequestType(
        key="parking_sauna_termination",
        title=_l("Termination of a parking space or sauna turn"),
        description=_l(
            "For a space or turn that is not shown in the portal's bookings, for example one "
            "agreed on paper."
        ),
        instructions=_l(
            "Spaces and turns shown under Bookings you can cancel there directly. A parking "
            "space has one month's notice, counted from the end of this month; a sauna turn "
            "ends at the end of this month."
        ),
        who=LEASE_PARTY,
        mandate_scope=SCOPE_PARKING_SAUNA,
        fields=(
            Field(
                "what",
                CHOICE,
                _l("What do you terminate?"),
                choices=(("parking", _l("A parking space")), ("sauna", _l("A sauna turn"))),
            ),
            Field(
                "identifier",
                TEXT,
                _l("Number of the space or time of the turn"),
                max_length=60,
            ),
            Field("end_date", DATE, _l("Last day")),
        ),
        rules=(parking_or_sauna_notice,),
        next_steps=_l("Customer service confirms the last day."),
    )
)


def may_submit(entry: RequestType, *, is_lease_party: bool) -> bool:
    return entry.who == ANY_RESIDENT or is_lease_party
