"""Loading the housing register from CSV files: buildings, apartments, leases and residents.

Every row of every file is checked before anything is written; a file with a problem row
writes nothing and the report names each problem with its file and line. Besides each value,
the checks hold the register together: postal codes are Finnish (five digits), and an
apartment has one lease at a time, counting the leases stored and those in the files. A row
that matches what is stored changes nothing, so the same files can be imported again. Rows
are matched by their natural keys: a building by street address and postal code, an apartment
by its building and number, a lease by its number, a resident by lease and identity code (or,
without a code, by lease and name). Personal identity codes are hashed with the identity key
as they are read; the code itself is never stored.

Files are UTF-8 (a byte-order mark is allowed) with a header row; comma or semicolon
separated, as spreadsheet programs write them.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from portal.i18n import lazy_gettext as _l
from portal.models import Apartment, Building, Lease, Person, Residency, ServiceTeam, db
from portal.services import audit
from portal.services.identity import IdentityCodeError, identity_hash
from portal.services.references import finnish_reference

KINDS = ("buildings", "apartments", "leases", "residents")

COLUMNS = {
    "buildings": {
        "required": ("name", "street_address", "postal_code", "city", "team"),
        "optional": ("year_built",),
    },
    "apartments": {
        "required": ("street_address", "postal_code", "number", "rooms", "area"),
        "optional": ("floor", "ownership"),
    },
    "leases": {
        "required": ("number", "street_address", "postal_code", "apartment", "start_date", "rent"),
        "optional": ("end_date", "deposit", "payment_reference"),
    },
    "residents": {
        "required": ("lease", "first_name", "last_name", "role", "moved_in"),
        "optional": ("moved_out", "identity_code"),
    },
}

MAX_BYTES = 20 * 1024 * 1024

# Finnish postal codes are five digits (00100, 99999); ASCII digits only, since other
# scripts' digits pass str.isdigit() but no letter is ever addressed with them.
POSTAL_CODE = re.compile(r"[0-9]{5}")


@dataclass
class Problem:
    file: str
    line: int
    message: object  # a lazy string, shown in the reader's language

    def __str__(self) -> str:
        return str(
            _l(
                "%(file)s, line %(line)s: %(message)s",
                file=self.file,
                line=self.line,
                message=self.message,
            )
        )


@dataclass
class Report:
    """What an import found and, when applied, did: counts per kind and every problem."""

    problems: list[Problem] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        out = [str(problem) for problem in self.problems]
        for kind in KINDS:
            total = self.created[kind] + self.updated[kind] + self.unchanged[kind]
            if total:
                out.append(
                    str(
                        _l(
                            "%(file)s: %(new)s new, %(changed)s changed, %(same)s unchanged",
                            file=kind,
                            new=self.created[kind],
                            changed=self.updated[kind],
                            same=self.unchanged[kind],
                        )
                    )
                )
        return out


class _RowError(Exception):
    pass


def _date(value: str, name: str, required: bool = True) -> datetime.date | None:
    value = value.strip()
    if not value:
        if required:
            raise _RowError(_l("%(name)s is empty", name=name))
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise _RowError(
        _l(
            "%(name)s %(value)s is not a date (2027-01-31 or 31.1.2027)",
            name=name,
            value=repr(value),
        )
    )


def _decimal(value: str, name: str, required: bool = True, places: int = 2) -> Decimal | None:
    value = value.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not value:
        if required:
            raise _RowError(_l("%(name)s is empty", name=name))
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise _RowError(
            _l("%(name)s %(value)s is not a number", name=name, value=repr(value))
        ) from None
    if not number.is_finite() or number < 0 or number >= Decimal(10) ** 7:
        raise _RowError(_l("%(name)s %(value)s is out of range", name=name, value=repr(value)))
    return number.quantize(Decimal(1).scaleb(-places))


def _integer(value: str, name: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise _RowError(
            _l("%(name)s %(value)s is not a whole number", name=name, value=repr(value))
        ) from None


def _text(row: dict, name: str, limit: int, required: bool = True) -> str:
    value = (row.get(name) or "").strip()
    if required and not value:
        raise _RowError(_l("%(name)s is empty", name=name))
    if len(value) > limit:
        raise _RowError(_l("%(name)s is longer than %(limit)s characters", name=name, limit=limit))
    return value


def _postal_code(row: dict) -> str:
    value = _text(row, "postal_code", 10)
    if not POSTAL_CODE.fullmatch(value):
        raise _RowError(
            _l(
                "postal_code %(value)s is not a Finnish postal code (five digits)",
                value=repr(value),
            )
        )
    return value


def _overlap(lease: tuple, start: datetime.date, end: datetime.date | None):
    """Return why a lease from ``start`` to ``end`` (None: open-ended) cannot share its
    apartment with ``lease`` (number, start, end), or None when their days do not meet.
    Both last days belong to the lease, so the next one may begin the day after."""
    number, other_start, other_end = lease
    if (other_end is not None and other_end < start) or (end is not None and end < other_start):
        return None
    if other_end is None:
        return _l(
            "dates overlap lease %(lease)s of the same apartment, from %(start)s with no end",
            lease=number,
            start=other_start.isoformat(),
        )
    return _l(
        "dates overlap lease %(lease)s of the same apartment, from %(start)s to %(end)s",
        lease=number,
        start=other_start.isoformat(),
        end=other_end.isoformat(),
    )


def read_rows(kind: str, data: bytes, report: Report) -> list[tuple[int, dict]]:
    """Parse one file into (line number, row) pairs; header problems go to the report."""
    name = f"{kind}.csv"
    if len(data) > MAX_BYTES:
        report.problems.append(Problem(name, 0, _l("the file is larger than 20 MB")))
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.problems.append(Problem(name, 0, _l("the file is not UTF-8 text")))
        return []
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [column.strip() for column in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS[kind]["required"] if c not in header]
    if missing:
        report.problems.append(
            Problem(name, 1, _l("missing columns: %(columns)s", columns=", ".join(missing)))
        )
        return []
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if None in row:
                report.problems.append(
                    Problem(name, reader.line_num, _l("more values than columns in the header"))
                )
                continue
            if not any((value or "").strip() for value in row.values()):
                continue
            rows.append((reader.line_num, row))
    except csv.Error:
        report.problems.append(Problem(name, reader.line_num, _l("the file is not readable CSV")))
    return rows


@dataclass
class _Plan:
    """The checked rows, as values ready to write, keyed by their natural keys."""

    buildings: dict = field(default_factory=dict)
    apartments: dict = field(default_factory=dict)
    leases: dict = field(default_factory=dict)
    residents: dict = field(default_factory=dict)


def _check(files: dict[str, bytes], identity_key: str, report: Report) -> _Plan:
    plan = _Plan()
    teams = {team.key: team.id for team in ServiceTeam.select()}
    known_buildings = {(b.street_address.lower(), b.postal_code): b.id for b in Building.select()}
    known_apartments = {
        (a.building_id, a.number.lower())
        for a in Apartment.select(Apartment.building, Apartment.number)
    }
    building_of = {key: ("db", value) for key, value in known_buildings.items()}
    known_leases = {lease.number.upper() for lease in Lease.select(Lease.number)}
    references = {
        lease.payment_reference: lease.number.upper()
        for lease in Lease.select(Lease.number, Lease.payment_reference)
    }

    def rows(kind):
        return read_rows(kind, files[kind], report) if kind in files else []

    def problem(kind, line, message):
        report.problems.append(Problem(f"{kind}.csv", line, message))

    for line, row in rows("buildings"):
        try:
            street = _text(row, "street_address", 200)
            postal = _postal_code(row)
            team = _text(row, "team", 40)
            if team not in teams:
                raise _RowError(_l("team %(team)s is not a service team key", team=repr(team)))
            key = (street.lower(), postal)
            if key in plan.buildings:
                raise _RowError(_l("%(address)s appears twice", address=f"{street} {postal}"))
            plan.buildings[key] = dict(
                name=_text(row, "name", 120),
                street_address=street,
                postal_code=postal,
                city=_text(row, "city", 80),
                year_built=_integer(row.get("year_built") or "", "year_built"),
                team=teams[team],
            )
            building_of[key] = ("new", key)
        except _RowError as error:
            problem("buildings", line, error.args[0])

    for line, row in rows("apartments"):
        try:
            street = _text(row, "street_address", 200)
            postal = _postal_code(row)
            building = building_of.get((street.lower(), postal))
            if building is None:
                raise _RowError(_l("no building %(address)s", address=f"{street} {postal}"))
            number = _text(row, "number", 20)
            ownership = (row.get("ownership") or "").strip() or Apartment.RENTAL
            if ownership not in (Apartment.RENTAL, Apartment.ASOY):
                raise _RowError(_l("ownership is rental or asoy"))
            key = (street.lower(), postal, number.lower())
            if key in plan.apartments:
                raise _RowError(_l("apartment %(number)s appears twice", number=number))
            area = _decimal(row.get("area") or "", "area", places=1)
            plan.apartments[key] = dict(
                building=building,
                number=number,
                floor=_integer(row.get("floor") or "", "floor"),
                rooms=_text(row, "rooms", 40),
                area=area,
                ownership=ownership,
            )
        except _RowError as error:
            problem("apartments", line, error.args[0])

    def apartment_exists(street, postal, number):
        key = (street.lower(), postal, number.lower())
        if key in plan.apartments:
            return True
        building = building_of.get((street.lower(), postal))
        return (
            building is not None
            and building[0] == "db"
            and (
                building[1],
                number.lower(),
            )
            in known_apartments
        )

    lease_numbers = set(known_leases)
    lease_rows = rows("leases")
    # The leases each apartment already has, but for those the file itself brings: its
    # version of a lease replaces the stored one, so the stored dates no longer count.
    in_file = {(row.get("number") or "").strip().upper() for _line, row in lease_rows}
    occupied: dict[tuple, list[tuple]] = {}
    for number, start, end, street, postal, flat in (
        Lease.select(
            Lease.number,
            Lease.start_date,
            Lease.end_date,
            Building.street_address,
            Building.postal_code,
            Apartment.number,
        )
        .join(Apartment)
        .join(Building)
        .tuples()
    ):
        if number.upper() not in in_file:
            key = (street.lower(), postal, flat.lower())
            occupied.setdefault(key, []).append((number, start, end))
    for line, row in lease_rows:
        try:
            number = _text(row, "number", 30)
            street = _text(row, "street_address", 200)
            postal = _postal_code(row)
            flat = _text(row, "apartment", 20)
            if not apartment_exists(street, postal, flat):
                raise _RowError(_l("no apartment %(address)s", address=f"{street} {postal} {flat}"))
            start = _date(row.get("start_date") or "", "start_date")
            end = _date(row.get("end_date") or "", "end_date", required=False)
            if end and end < start:
                raise _RowError(_l("end_date is before start_date"))
            reference = (row.get("payment_reference") or "").replace(" ", "")
            digits = "".join(ch for ch in number if ch.isdigit())
            if not reference:
                if not 3 <= len(digits) <= 19:
                    raise _RowError(_l("payment_reference is empty and the number has no digits"))
                reference = finnish_reference(digits)
            elif not reference.isdigit() or finnish_reference(reference[:-1]) != reference:
                raise _RowError(
                    _l("payment_reference %(value)s has a wrong check digit", value=repr(reference))
                )
            owner = references.get(reference)
            if owner and owner != number.upper():
                raise _RowError(
                    _l(
                        "payment_reference %(reference)s belongs to lease %(lease)s",
                        reference=reference,
                        lease=owner,
                    )
                )
            references[reference] = number.upper()
            if number.upper() in plan.leases:
                raise _RowError(_l("lease %(number)s appears twice", number=number))
            rent = _decimal(row.get("rent") or "", "rent")
            deposit = _decimal(row.get("deposit") or "", "deposit", required=False)
            # One apartment, one lease at a time: against the stored leases and the
            # earlier rows of the file alike.
            apartment = (street.lower(), postal, flat.lower())
            for other in occupied.get(apartment, []):
                if reason := _overlap(other, start, end):
                    raise _RowError(reason)
            occupied.setdefault(apartment, []).append((number, start, end))
            plan.leases[number.upper()] = dict(
                number=number,
                apartment=apartment,
                start_date=start,
                end_date=end,
                rent=rent,
                deposit=deposit or Decimal("0.00"),
                payment_reference=reference,
            )
            lease_numbers.add(number.upper())
        except _RowError as error:
            problem("leases", line, error.args[0])

    for line, row in rows("residents"):
        try:
            lease = _text(row, "lease", 30).upper()
            if lease not in lease_numbers:
                raise _RowError(_l("no lease %(lease)s", lease=lease))
            first = _text(row, "first_name", 100)
            last = _text(row, "last_name", 100)
            role = _text(row, "role", 20)
            if role not in (Residency.LEASE_PARTY, Residency.OTHER_RESIDENT):
                raise _RowError(_l("role is lease_party or other_resident"))
            moved_in = _date(row.get("moved_in") or "", "moved_in")
            moved_out = _date(row.get("moved_out") or "", "moved_out", required=False)
            if moved_out and moved_out < moved_in:
                raise _RowError(_l("moved_out is before moved_in"))
            code = (row.get("identity_code") or "").strip()
            hashed = None
            if code:
                try:
                    hashed = identity_hash(code, identity_key)
                except IdentityCodeError:
                    # Never repeat the code itself: reports are read and logged.
                    raise _RowError(
                        _l("identity_code is not a valid personal identity code")
                    ) from None
            key = (lease, hashed) if hashed else (lease, first.lower(), last.lower())
            if key in plan.residents:
                raise _RowError(
                    _l(
                        "%(name)s appears twice on lease %(lease)s",
                        name=f"{first} {last}",
                        lease=lease,
                    )
                )
            plan.residents[key] = dict(
                first_name=first,
                last_name=last,
                role=role,
                moved_in=moved_in,
                moved_out=moved_out,
                identity_hash=hashed,
            )
        except _RowError as error:
            problem("residents", line, error.args[0])
    return plan


def _upsert(model, existing, values: dict, kind: str, report: Report, **create_extra):
    """Create the row, or update the fields that differ; count which it was."""
    if existing is None:
        row = model.create(**values, **create_extra)
        report.created[kind] += 1
        return row
    changed = {}
    for name, value in values.items():
        current = getattr(
            existing, f"{name}_id" if name in ("building", "team", "apartment", "lease") else name
        )
        if current != value:
            changed[name] = value
    if changed:
        model.update(**changed).where(model.id == existing.id).execute()
        report.updated[kind] += 1
    else:
        report.unchanged[kind] += 1
    return existing


def _write(plan: _Plan, report: Report) -> None:
    buildings = {(b.street_address.lower(), b.postal_code): b for b in Building.select()}
    for key, values in plan.buildings.items():
        buildings[key] = _upsert(Building, buildings.get(key), values, "buildings", report)
    apartments = {(a.building_id, a.number.lower()): a for a in Apartment.select()}
    apartment_ids = {}
    for key, values in plan.apartments.items():
        street, postal, number = key
        building = buildings[(street, postal)]
        values = {**values, "building": building.id}
        row = _upsert(
            Apartment, apartments.get((building.id, number)), values, "apartments", report
        )
        apartment_ids[key] = row.id
    leases = {lease.number.upper(): lease for lease in Lease.select()}
    for number, values in plan.leases.items():
        street, postal, flat = values["apartment"]
        apartment = apartment_ids.get(values["apartment"])
        if apartment is None:
            building = buildings[(street, postal)]
            apartment = apartments[(building.id, flat)].id
        values = {**values, "apartment": apartment}
        leases[number] = _upsert(Lease, leases.get(number), values, "leases", report)
    by_lease: dict[int, list[Residency]] = {}
    for residency in Residency.select():
        by_lease.setdefault(residency.lease_id, []).append(residency)
    for key, values in plan.residents.items():
        lease = leases[key[0]]
        existing = None
        for residency in by_lease.get(lease.id, []):
            if values["identity_hash"] and residency.identity_hash == values["identity_hash"]:
                existing = residency
                break
            if (
                not values["identity_hash"]
                and residency.first_name.lower() == values["first_name"].lower()
                and residency.last_name.lower() == values["last_name"].lower()
            ):
                existing = residency
                break
        values = {**values, "lease": lease.id}
        if existing is not None and not values["identity_hash"]:
            values.pop("identity_hash")  # a file without codes keeps the codes we have
        _upsert(Residency, existing, values, "residents", report)


def import_register(files: dict[str, bytes], identity_key: str, *, apply: bool = False) -> Report:
    """Check the files (a dict from kind to the file's bytes) and, with ``apply`` and no
    problems, write them in one transaction."""
    report = Report()
    unknown = [kind for kind in files if kind not in KINDS]
    for kind in unknown:
        report.problems.append(
            Problem(
                f"{kind}.csv", 0, _l("unknown file; expected %(kinds)s", kinds=", ".join(KINDS))
            )
        )
    with db.atomic() as transaction:
        plan = _check(files, identity_key, report)
        if report.problems:
            return report
        _write(plan, report)
        if not apply:
            # A dry run writes inside the transaction to count what would change, then
            # takes it all back.
            transaction.rollback()
            return report
        report.applied = True
    return report


def import_register_as(
    person: Person, files: dict[str, bytes], identity_key: str, *, apply: bool = False
) -> Report:
    """Import the files as ``import_register`` does for a staff member, and record in the
    audit log what they wrote when the files were applied."""
    report = import_register(files, identity_key, apply=apply)
    if report.applied:
        audit.record("register_imported", actor=person, detail=", ".join(report.lines())[:500])
    return report
