"""The housing register for administrators: loading it from CSV files."""

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.forms.accounts import ContinueForm
from portal.services import audit, register_import
from portal.web import render

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
