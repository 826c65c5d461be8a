"""The back office start page."""

from flask import Blueprint
from flask_login import current_user

from portal.services.staff import scope_summary
from portal.web import render

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
def index():
    """Show the staff member's start page with the size of the register they look after."""
    return render("staff/index.html", summary=scope_summary(current_user))
