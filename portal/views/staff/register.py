"""The housing register for staff: leases and who lives under them, corrected by hand or
loaded by administrators from CSV files."""

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_login import current_user

from portal.forms.accounts import ContinueForm
from portal.forms.register import LeaseForm, ResidentForm
from portal.i18n import gettext as _
from portal.models import Lease
from portal.services import register as service
from portal.services import register_import
from portal.web import render, see_other

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
            report = register_import.import_register_as(
                current_user, files, current_app.config["IDENTITY_KEY"], apply=apply
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


@bp.get("/")
def index():
    """The register by lease: searched by lease number, address with apartment, or a
    resident's name; paged."""
    q = (request.args.get("q") or "").strip()[:100]
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    rows, more = service.leases_page(current_user, q, page)
    return render("staff/register.html", rows=rows, more=more, page=page, q=q)


def _lease(lease_id: int) -> Lease:
    return service.lease_for(current_user, lease_id) or abort(404)


def _lease_page(lease, lease_form, resident_form, status=200):
    return render(
        "staff/register_lease.html",
        status=status,
        lease=lease,
        residents=service.residents_under(lease),
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
            service.change_lease(
                current_user, found, rent=form.rent.data, deposit=form.deposit.data, end_date=end
            )
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
        service.add_residency(current_user, found, **_line(form))
        flash(_("The resident was added."), "success")
        return see_other(url_for("staff_register.lease", lease_id=found.id))
    return _lease_page(found, LeaseForm(obj=found, prefix="lease"), form, 422)


@bp.route("/residents/<int:residency_id>", methods=["GET", "POST"])
def resident(residency_id):
    """Correct one line of the register: names, role and moving days."""
    line = service.residency_for(current_user, residency_id) or abort(404)
    form = ResidentForm(obj=line, prefix="line")
    if form.validate_on_submit() and _dates_in_order(form):
        service.correct_residency(current_user, line, **_line(form))
        flash(_("The resident's details were saved."), "success")
        return see_other(url_for("staff_register.lease", lease_id=line.lease_id))
    status = 422 if form.is_submitted() else 200
    return render("staff/register_resident.html", status=status, form=form, line=line)


def _dates_in_order(form: ResidentForm) -> bool:
    if form.moved_out.data and form.moved_out.data < form.moved_in.data:
        form.moved_out.errors = [_("The moving-out day cannot be before the moving-in day.")]
        return False
    return True


def _line(form: ResidentForm) -> dict:
    """The names, role and moving days the form holds, as the register service takes them."""
    return {
        "first_name": form.first_name.data,
        "last_name": form.last_name.data,
        "role": form.role.data,
        "moved_in": form.moved_in.data,
        "moved_out": form.moved_out.data,
    }
