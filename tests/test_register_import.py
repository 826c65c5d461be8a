"""Loading the housing register from CSV files: checked first, all or nothing, repeatable."""

import datetime
import io
from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.models import Apartment, Building, Lease, Residency, db
from portal.services.register_import import import_register
from tests import harness
from tests.conftest import IDENTITY_KEY

BUILDINGS = (
    "\ufeffname;street_address;postal_code;city;year_built;team\n"
    "Mäkitorppa;Mäkitorpantie 3;00640;Helsinki;1962;customer_service\n"
    "Kivikko;Kivikonkaari 20;00940;Helsinki;;customer_service\n"
)
APARTMENTS = (
    "street_address;postal_code;number;floor;rooms;area;ownership\n"
    "Mäkitorpantie 3;00640;A 1;1;2h+k;48,5;rental\n"
    "Mäkitorpantie 3;00640;A 2;1;1h+kk;31,0;\n"
    "Kivikonkaari 20;00940;B 7;3;3h+k;71.5;asoy\n"
)
LEASES = (
    "number;street_address;postal_code;apartment;start_date;end_date;rent;deposit;"
    "payment_reference\n"
    "V-9001-001;Mäkitorpantie 3;00640;A 1;1.3.2021;;812,40;1600;\n"
    "V-9002-002;Kivikonkaari 20;00940;B 7;2024-06-01;;1 104,90;;\n"
)
RESIDENTS = (
    "lease;first_name;last_name;role;moved_in;moved_out;identity_code\n"
    "V-9001-001;Tuula;Saarinen;lease_party;1.3.2021;;131052-308T\n"
    "V-9001-001;Eino;Saarinen;other_resident;1.3.2021;;\n"
    "V-9002-002;Jussi;Rantanen;lease_party;1.6.2024;;\n"
)


@pytest.fixture(autouse=True)
def in_english(app, request):
    """The report reads in the reader's language; these tests read it in English. (Not
    around the page test: its requests must have contexts of their own.)"""
    if "page" in request.node.name:
        yield
        return
    with app.test_request_context(), force_locale("en"):
        yield


def good_files():
    return {
        "buildings": BUILDINGS.encode(),
        "apartments": APARTMENTS.encode(),
        "leases": LEASES.encode(),
        "residents": RESIDENTS.encode(),
    }


def test_a_dry_run_reports_and_writes_nothing_then_apply_then_again_changes_nothing(app):
    before = harness.database_snapshot(db.obj)
    report = import_register(good_files(), IDENTITY_KEY)
    assert report.ok and not report.applied
    assert report.created == {"buildings": 2, "apartments": 3, "leases": 2, "residents": 3}
    assert harness.database_snapshot(db.obj) == before

    report = import_register(good_files(), IDENTITY_KEY, apply=True)
    assert report.ok and report.applied
    lease = Lease.get(Lease.number == "V-9001-001")
    assert (lease.rent, lease.deposit, lease.start_date) == (
        Decimal("812.40"),
        Decimal("1600.00"),
        datetime.date(2021, 3, 1),
    )
    assert lease.payment_reference == "90010013"  # from the number, with its check digit
    assert Lease.get(Lease.number == "V-9002-002").rent == Decimal("1104.90")
    flat = Apartment.get(Apartment.number == "B 7")
    assert (flat.area, flat.ownership, flat.building.year_built) == (Decimal("71.5"), "asoy", None)
    tuula = Residency.get(Residency.first_name == "Tuula")
    assert tuula.identity_hash and len(tuula.identity_hash) == 64
    # The code itself is stored nowhere.
    assert "131052-308T" not in str(harness.database_snapshot(db.obj))

    after = harness.database_snapshot(db.obj)
    again = import_register(good_files(), IDENTITY_KEY, apply=True)
    assert again.ok
    assert sum(again.created.values()) == sum(again.updated.values()) == 0
    assert again.unchanged == {"buildings": 2, "apartments": 3, "leases": 2, "residents": 3}
    assert harness.database_snapshot(db.obj) == after


def test_changed_rows_are_updated_in_place(app):
    import_register(good_files(), IDENTITY_KEY, apply=True)
    files = good_files()
    files["leases"] = LEASES.replace("812,40", "830,00").encode()
    files["residents"] = RESIDENTS.replace(
        "Eino;Saarinen;other_resident;1.3.2021;", "Eino;Saarinen;other_resident;1.3.2021;31.12.2026"
    ).encode()
    report = import_register(files, IDENTITY_KEY, apply=True)
    assert report.updated["leases"] == 1 and report.updated["residents"] == 1
    assert report.unchanged["leases"] == 1
    assert Lease.get(Lease.number == "V-9001-001").rent == Decimal("830.00")
    assert Residency.get(Residency.first_name == "Eino").moved_out == datetime.date(2026, 12, 31)
    assert Lease.select().where(Lease.number == "V-9001-001").count() == 1


def test_broken_rows_are_all_reported_with_lines_and_nothing_is_written(app):
    before = harness.database_snapshot(db.obj)
    files = good_files()
    files["buildings"] = (BUILDINGS + "Ei tiimiä;Jokukatu 1;00100;Helsinki;x;nobody\n").encode()
    files["apartments"] = (APARTMENTS + "Olematon tie 9;00100;C 1;1;1h;20;\n").encode()
    files["leases"] = (
        LEASES
        + "V-9003-003;Mäkitorpantie 3;00640;A 2;31.2.2024;;500;;\n"
        + "V-9004-004;Mäkitorpantie 3;00640;A 2;1.1.2024;;-5;;90010013\n"
    ).encode()
    files["residents"] = (
        RESIDENTS
        + "V-0000-000;Olli;Outo;lease_party;1.1.2024;;\n"
        + "V-9001-001;Hilkka;Virhe;tenant;1.1.2024;;010101-123X\n"
        + "V-9002-002;Jussi;Rantanen;lease_party;1.6.2024;;\n"
    ).encode()
    report = import_register(files, IDENTITY_KEY, apply=True)
    assert not report.ok and not report.applied
    found = [str(problem) for problem in report.problems]
    assert found == [
        "buildings.csv, line 4: team 'nobody' is not a service team key",
        "apartments.csv, line 5: no building Olematon tie 9 00100",
        "leases.csv, line 4: start_date '31.2.2024' is not a date (2027-01-31 or 31.1.2027)",
        "leases.csv, line 5: payment_reference 90010013 belongs to lease V-9001-001",
        "residents.csv, line 5: no lease V-0000-000",
        "residents.csv, line 6: role is lease_party or other_resident",
        "residents.csv, line 7: Jussi Rantanen appears twice on lease V-9002-002",
    ]
    assert harness.database_snapshot(db.obj) == before
    assert not Building.select().where(Building.street_address == "Mäkitorpantie 3").exists()


def test_header_and_encoding_problems(app):
    report = import_register(
        {
            "buildings": b"name,street_address\nA,B\n",
            "apartments": "street_address;postal_code;number;rooms;area\n".encode("utf-16"),
            "tenants": b"x\n",
        },
        IDENTITY_KEY,
    )
    found = [str(problem) for problem in report.problems]
    assert (
        "tenants.csv, line 0: unknown file; expected buildings, apartments, leases, residents"
        in found
    )
    assert "buildings.csv, line 1: missing columns: postal_code, city, team" in found
    assert "apartments.csv, line 0: the file is not UTF-8 text" in found


def test_an_invalid_identity_code_is_reported_without_repeating_it(app):
    files = good_files()
    files["residents"] = RESIDENTS.replace("131052-308T", "131052-308X").encode()
    report = import_register(files, IDENTITY_KEY)
    assert [str(p) for p in report.problems] == [
        "residents.csv, line 2: identity_code is not a valid personal identity code"
    ]
    assert "308X" not in " ".join(report.lines())


def _row_counts():
    return {
        model.__name__: model.select().count() for model in (Building, Apartment, Lease, Residency)
    }


def _refused(files, *problems):
    """Import files that must be refused with exactly these problems, writing nothing."""
    before, counts = harness.database_snapshot(db.obj), _row_counts()
    report = import_register(files, IDENTITY_KEY, apply=True)
    assert not report.ok and not report.applied
    assert [str(problem) for problem in report.problems] == list(problems)
    assert _row_counts() == counts
    assert harness.database_snapshot(db.obj) == before


@pytest.mark.parametrize(
    "code", ["ABCDE", "0094", "009400", "00 94", "\uff10\uff10\uff19\uff14\uff10"]
)
def test_a_postal_code_is_five_digits(app, code):
    files = {
        kind: data.decode().replace(";00940;", f";{code};").encode()
        for kind, data in good_files().items()
    }
    wrong = f"postal_code {code!r} is not a Finnish postal code (five digits)"
    _refused(
        files,
        f"buildings.csv, line 3: {wrong}",
        f"apartments.csv, line 4: {wrong}",
        f"leases.csv, line 3: {wrong}",
        "residents.csv, line 4: no lease V-9002-002",
    )


def test_two_leases_of_one_apartment_at_the_same_time_are_refused(app):
    files = good_files()
    files["leases"] = (
        LEASES
        + "V-9005-005;Mäkitorpantie 3;00640;A 1;1.1.2024;31.12.2024;700;;\n"
        + "V-9006-006;Mäkitorpantie 3;00640;A 2;1.1.2020;31.12.2023;500;;\n"
        # The last day of a lease is still its own: the next begins the day after.
        + "V-9007-007;Mäkitorpantie 3;00640;A 2;31.12.2023;;520;;\n"
    ).encode()
    _refused(
        files,
        "leases.csv, line 4: dates overlap lease V-9001-001 of the same apartment, "
        "from 2021-03-01 with no end",
        "leases.csv, line 6: dates overlap lease V-9006-006 of the same apartment, "
        "from 2020-01-01 to 2023-12-31",
    )
    files["leases"] = (
        LEASES
        + "V-9006-006;Mäkitorpantie 3;00640;A 2;1.1.2020;31.12.2023;500;;\n"
        + "V-9007-007;Mäkitorpantie 3;00640;A 2;1.1.2024;;520;;\n"
    ).encode()
    report = import_register(files, IDENTITY_KEY, apply=True)
    assert report.ok and report.applied
    flat = (
        Apartment.select()
        .join(Building)
        .where((Building.street_address == "Mäkitorpantie 3") & (Apartment.number == "A 2"))
    )
    assert Lease.select().where(Lease.apartment.in_(flat)).count() == 2


LEASE_HEADER = LEASES.split("\n", 1)[0] + "\n"


def _c29() -> Lease:
    """The demo's lease of Kontulankaari 9 C 29, open-ended since long ago."""
    return Lease.select().join(Apartment).where(Apartment.number == "C 29").get()


def _lease_row(number, start, end="", flat="C 29", rent="640,00", reference=""):
    return f"{number};Kontulankaari 9;00940;{flat};{start};{end};{rent};;{reference}\n"


def test_a_lease_on_an_apartment_already_let_is_refused_by_the_command(app, tmp_path):
    let = _c29()
    assert let.end_date is None
    start = (let.start_date + datetime.timedelta(days=400)).isoformat()
    files = {"leases": (LEASE_HEADER + _lease_row("V-9008-008", start)).encode()}
    problem = (
        f"leases.csv, line 2: dates overlap lease {let.number} of the same apartment, "
        f"from {let.start_date.isoformat()} with no end"
    )
    _refused(files, problem)
    (tmp_path / "leases.csv").write_bytes(files["leases"])
    result = app.test_cli_runner().invoke(args=["import-register", str(tmp_path), "--apply"])
    assert result.exit_code == 1
    assert problem in result.output and "nothing was written" in result.output
    assert Lease.select().where(Lease.apartment == let.apartment_id).count() == 1


def test_a_lease_may_follow_one_that_has_ended(app):
    let = _c29()
    last_day = let.start_date + datetime.timedelta(days=3000)
    Lease.update(end_date=last_day).where(Lease.id == let.id).execute()
    on_the_last_day = LEASE_HEADER + _lease_row("V-9008-008", last_day.isoformat())
    _refused(
        {"leases": on_the_last_day.encode()},
        f"leases.csv, line 2: dates overlap lease {let.number} of the same apartment, "
        f"from {let.start_date.isoformat()} to {last_day.isoformat()}",
    )
    next_day = (last_day + datetime.timedelta(days=1)).isoformat()
    following = LEASE_HEADER + _lease_row("V-9008-008", next_day)
    report = import_register({"leases": following.encode()}, IDENTITY_KEY, apply=True)
    assert report.ok and report.applied and report.created["leases"] == 1
    assert Lease.select().where(Lease.apartment == let.apartment_id).count() == 2


def test_the_files_may_end_a_stored_lease_and_let_the_apartment_again(app):
    let = _c29()
    last_day = let.start_date + datetime.timedelta(days=3000)
    ended = _lease_row(
        let.number,
        let.start_date.isoformat(),
        last_day.isoformat(),
        rent=str(let.rent),
        reference=let.payment_reference,
    )
    # The new lease comes first: the stored lease's own row, wherever it is, replaces it.
    after = _lease_row("V-9008-008", (last_day + datetime.timedelta(days=1)).isoformat())
    report = import_register({"leases": (LEASE_HEADER + after + ended).encode()}, IDENTITY_KEY)
    assert report.ok, report.lines()
    assert report.created["leases"] == 1 and report.updated["leases"] == 1
    still_open = _lease_row(
        let.number, let.start_date.isoformat(), rent=str(let.rent), reference=let.payment_reference
    )
    _refused(
        {"leases": (LEASE_HEADER + still_open + after).encode()},
        f"leases.csv, line 3: dates overlap lease {let.number} of the same apartment, "
        f"from {let.start_date.isoformat()} with no end",
    )


def test_the_command_runs_a_dry_run_unless_told_to_apply(app, tmp_path):
    folder = tmp_path / "register"
    folder.mkdir()
    for kind, data in good_files().items():
        (folder / f"{kind}.csv").write_bytes(data)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-register", str(folder)])
    assert result.exit_code == 0, result.output
    assert "leases: 2 new, 0 changed, 0 unchanged" in result.output
    assert "Dry run: nothing was written." in result.output
    assert not Lease.select().where(Lease.number == "V-9001-001").exists()
    result = runner.invoke(args=["import-register", str(folder), "--apply"])
    assert result.exit_code == 0 and "Written." in result.output
    assert Lease.select().where(Lease.number == "V-9001-001").exists()
    (folder / "leases.csv").write_text("number;street_address\n", encoding="utf-8")
    result = runner.invoke(args=["import-register", str(folder), "--apply"])
    assert result.exit_code == 1
    assert "leases.csv, line 1: missing columns" in result.output
    assert "nothing was written" in result.output


def test_an_administrator_checks_then_loads_files_on_the_page(app):
    from tests.conftest import ADMIN, CUSTOMER_SERVICE, csrf_token, sign_in

    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    assert staff.get("/staff/register/import").status_code == 403
    admin = app.test_client()
    sign_in(admin, ADMIN)
    token = csrf_token(admin, "/staff/register/import")

    def upload(files, apply=False):
        data = {kind: (io.BytesIO(content), f"{kind}.csv") for kind, content in files.items()}
        data["csrf_token"] = token
        if apply:
            data["apply"] = "yes"
        return admin.post("/staff/register/import", data=data, content_type="multipart/form-data")

    checked = upload(good_files())
    assert checked.status_code == 200
    assert "nothing was written yet" in checked.text or "ei ole vielä" in checked.text
    assert not Lease.select().where(Lease.number == "V-9001-001").exists()
    broken = upload({**good_files(), "leases": LEASES.replace("812,40", "paljon").encode()})
    assert broken.status_code == 422
    assert "leases.csv" in broken.text and "&#39;paljon&#39;" in broken.text
    assert not Lease.select().where(Lease.number == "V-9001-001").exists()
    written = upload(good_files(), apply=True)
    assert written.status_code == 200
    assert Lease.select().where(Lease.number == "V-9001-001").exists()
    assert upload({}).status_code == 422


def test_the_page_refuses_an_apartment_let_twice_in_the_readers_language(app):
    from tests.conftest import ADMIN, csrf_token, sign_in, use_language

    admin = app.test_client()
    sign_in(admin, ADMIN)
    use_language(admin, "fi")
    let = _c29()
    start = (let.start_date + datetime.timedelta(days=400)).isoformat()
    leases = LEASE_HEADER + _lease_row("V-9008-008", start)
    buildings = BUILDINGS.replace(";00940;", ";ABCDE;")
    response = admin.post(
        "/staff/register/import",
        data={
            "leases": (io.BytesIO(leases.encode()), "leases.csv"),
            "buildings": (io.BytesIO(buildings.encode()), "buildings.csv"),
            "apply": "yes",
            "csrf_token": csrf_token(admin, "/staff/register/import"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "buildings.csv, rivi 3: postal_code &#39;ABCDE&#39; ei ole suomalainen postinumero" in (
        response.text
    )
    assert (
        f"leases.csv, rivi 2: päivät ovat päällekkäin saman asunnon vuokrasopimuksen {let.number} "
        f"kanssa, {let.start_date.isoformat()} alkaen toistaiseksi" in response.text
    )
    assert not Lease.select().where(Lease.number == "V-9008-008").exists()


def test_staff_correct_a_lease_and_its_residents_on_the_page(app):
    from tests.conftest import ASOY_STAFF, CUSTOMER_SERVICE, csrf_token, sign_in, use_language

    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    use_language(staff, "en")
    sofia = Residency.get(Residency.first_name == "Sofia")
    listed = staff.get("/staff/register/?q=sofia lindqvist").text
    assert f'href="/staff/register/leases/{sofia.lease_id}"' in listed
    url = f"/staff/register/leases/{sofia.lease_id}"
    token = csrf_token(staff, url)
    bad = staff.post(url, data={"lease-rent": "-1", "csrf_token": token})
    assert bad.status_code == 422
    before_start = staff.post(
        url, data={"lease-rent": "930,50", "lease-end_date": "1.1.2000", "csrf_token": token}
    )
    assert before_start.status_code == 422
    assert "cannot be before the lease began" in before_start.text
    assert staff.post(url, data={"lease-rent": "930.50", "csrf_token": token}).status_code == 303
    assert Lease.get_by_id(sofia.lease_id).rent == Decimal("930.50")
    added = staff.post(
        f"{url}/residents",
        data={
            "new-first_name": "Erik",
            "new-last_name": "Lindqvist",
            "new-role": "other_resident",
            "new-moved_in": "1.12.2026",
            "csrf_token": token,
        },
    )
    assert added.status_code == 303
    erik = Residency.get((Residency.first_name == "Erik") & (Residency.lease == sofia.lease_id))
    line_url = f"/staff/register/residents/{erik.id}"
    wrong = staff.post(
        line_url,
        data={
            "line-first_name": "Erik",
            "line-last_name": "Lindqvist",
            "line-role": "other_resident",
            "line-moved_in": "1.12.2026",
            "line-moved_out": "1.11.2026",
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 422 and "cannot be before the moving-in day" in wrong.text
    asoy = app.test_client()
    sign_in(asoy, ASOY_STAFF)
    assert asoy.get(url).status_code == 404
    assert asoy.get(line_url).status_code == 404
