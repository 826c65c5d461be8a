"""The housing register for staff: leases and who lives under them, corrected by hand or
loaded by administrators from CSV files."""

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms.accounts import ContinueForm
from portal.forms.fields import LocalDateField
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Apartment, Building, Lease, Residency
from portal.services import audit, register_import
from portal.services.staff import served
from portal.web import contains_pattern, render, see_other

bp = Blueprint("staff_register", __name__, url_prefix="/staff/register")


@bp.route("/import", methods=["GET", "POST"])
def import_files():
    """Check the chosen CSV files and report every problem; write them only when asked and
    nothing is wrong."""
    form = ContinueForm()
    report = None
    status = 200
    if form.validate_on_submit():
        files = {
            kind: upload.read()
            for kind in register_import.KINDS
            if (upload := request.files.get(kind)) and upload.filename
        }
        if not files:
            form.form_errors.append(_("Choose at least one file."))
            status = 422
        else:
            apply = request.form.get("apply") == "yes"
            report = register_import.import_register(
                files, current_app.config["IDENTITY_KEY"], apply=apply
            )
            if report.applied:
                audit.record(
                    "register_imported",
                    actor=current_user,
                    detail=", ".join(report.lines())[:500],
                )
            status = 200 if report.ok else 422
    elif form.is_submitted():
        status = 400
    return render(
        "staff/register_import.html",
        status=status,
        form=form,
        report=report,
        kinds=register_import.KINDS,
        columns=register_import.COLUMNS,
    )


PAGE = 50


def _leases():
    """Leases with their home, in the buildings this staff member serves."""
    return (
        Lease.select(Lease, Apartment, Building)
        .join(Apartment)
        .join(Building)
        .where(served(current_user, Building.id))
    )


@bp.get("/")
def index():
    """The register by lease: searched by lease number, address with apartment, or a
    resident's name; paged."""
    q = (request.args.get("q") or "").strip()[:100]
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    query = _leases()
    if q:
        like = contains_pattern(q)
        named = Residency.select(Residency.lease).where(
            Residency.first_name.concat(" ").concat(Residency.last_name) ** like
        )
        query = query.where(
            (Lease.number**like)
            | (Building.street_address.concat(" ").concat(Apartment.number) ** like)
            | Lease.id.in_(named)
        )
    rows = list(
        query.order_by(Building.street_address, Apartment.number, Lease.start_date.desc())
        .limit(PAGE + 1)
        .offset((page - 1) * PAGE)
    )
    return render("staff/register.html", rows=rows[:PAGE], more=len(rows) > PAGE, page=page, q=q)


class EuroField(DecimalField):
    """A sum as Finns write it too: 1 043,60."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].replace("\u00a0", "").replace(" ", "").replace(",", ".")]
        super().process_formdata(valuelist)


class LeaseForm(FlaskForm):
    rent = EuroField(
        _l("Rent per month (€)"),
        places=2,
        validators=[InputRequired(_l("Write the rent.")), NumberRange(min=0, max=99999)],
    )
    deposit = EuroField(
        _l("Deposit (€)"), places=2, validators=[Optional(), NumberRange(min=0, max=99999)]
    )
    end_date = LocalDateField(_l("Last day of the lease"), validators=[Optional()])


class ResidentForm(FlaskForm):
    first_name = StringField(
        _l("First name"), validators=[InputRequired(_l("Write the first name.")), Length(max=100)]
    )
    last_name = StringField(
        _l("Last name"), validators=[InputRequired(_l("Write the last name.")), Length(max=100)]
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(Residency.LEASE_PARTY, _l("Lease party")),
            SelectChoice(Residency.OTHER_RESIDENT, _l("Other resident")),
        ],
    )
    moved_in = LocalDateField(_l("Moved in"), validators=[InputRequired(_l("Write the day."))])
    moved_out = LocalDateField(_l("Moved out"), validators=[Optional()])


def _lease(lease_id: int) -> Lease:
    return _leases().where(Lease.id == lease_id).first() or abort(404)


def _residents(lease: Lease) -> list[Residency]:
    return list(
        Residency.select()
        .where(Residency.lease == lease.id)
        .order_by(Residency.role, Residency.moved_in, Residency.id)
    )


def _lease_page(lease, lease_form, resident_form, status=200):
    return render(
        "staff/register_lease.html",
        status=status,
        lease=lease,
        residents=_residents(lease),
        lease_form=lease_form,
        resident_form=resident_form,
    )


@bp.route("/leases/<int:lease_id>", methods=["GET", "POST"])
def lease(lease_id):
    """One lease: rent, deposit and last day, and who lives under it."""
    found = _lease(lease_id)
    form = LeaseForm(obj=found, prefix="lease")
    if form.validate_on_submit():
        end = form.end_date.data
        if end and end < found.start_date:
            form.end_date.errors = [_("The last day cannot be before the lease began.")]
        else:
            Lease.update(rent=form.rent.data, deposit=form.deposit.data or 0, end_date=end).where(
                Lease.id == found.id
            ).execute()
            audit.record("lease_changed", actor=current_user, detail=found.number)
            flash(_("The lease was saved."), "success")
            return see_other(url_for("staff_register.lease", lease_id=found.id))
        return _lease_page(found, form, ResidentForm(prefix="new"), 422)
    if form.is_submitted():
        return _lease_page(found, form, ResidentForm(prefix="new"), 422)
    return _lease_page(found, form, ResidentForm(prefix="new"))


@bp.post("/leases/<int:lease_id>/residents")
def add_resident(lease_id):
    """A new line of the register under this lease."""
    found = _lease(lease_id)
    form = ResidentForm(prefix="new")
    if form.validate_on_submit() and _dates_in_order(form):
        Residency.create(
            lease=found,
            first_name=form.first_name.data.strip(),
            last_name=form.last_name.data.strip(),
            role=form.role.data,
            moved_in=form.moved_in.data,
            moved_out=form.moved_out.data,
        )
        audit.record("residency_added", actor=current_user, detail=found.number)
        flash(_("The resident was added."), "success")
        return see_other(url_for("staff_register.lease", lease_id=found.id))
    return _lease_page(found, LeaseForm(obj=found, prefix="lease"), form, 422)


@bp.route("/residents/<int:residency_id>", methods=["GET", "POST"])
def resident(residency_id):
    """Correct one line of the register: names, role and moving days."""
    line = (
        Residency.select(Residency, Lease, Apartment, Building)
        .join(Lease)
        .join(Apartment)
        .join(Building)
        .where((Residency.id == residency_id) & served(current_user, Building.id))
        .first()
    ) or abort(404)
    form = ResidentForm(obj=line, prefix="line")
    if form.validate_on_submit() and _dates_in_order(form):
        Residency.update(
            first_name=form.first_name.data.strip(),
            last_name=form.last_name.data.strip(),
            role=form.role.data,
            moved_in=form.moved_in.data,
            moved_out=form.moved_out.data,
        ).where(Residency.id == line.id).execute()
        audit.record(
            "residency_changed",
            actor=current_user,
            subject=line.person_id,
            detail=line.lease.number,
        )
        flash(_("The resident's details were saved."), "success")
        return see_other(url_for("staff_register.lease", lease_id=line.lease_id))
    status = 422 if form.is_submitted() else 200
    return render("staff/register_resident.html", status=status, form=form, line=line)


def _dates_in_order(form: ResidentForm) -> bool:
    if form.moved_out.data and form.moved_out.data < form.moved_in.data:
        form.moved_out.errors = [_("The moving-out day cannot be before the moving-in day.")]
        return False
    return True
