"""Defect notifications: the household's reports, a new report, and the form without signing in."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    render_template,
    request,
    url_for,
)
from flask_babel import ngettext
from flask_login import current_user

from portal import clock, downloads, sessions
from portal.access import current_resident_status
from portal.extensions import htmx
from portal.forms.defects import CommentForm, DecisionForm, DefectForm, VisitorDefectForm
from portal.i18n import current_language
from portal.i18n import gettext as _
from portal.layout import blank_form
from portal.models import DefectReport
from portal.services import buildings, company, defects, incidents, photos
from portal.services.hours import urgent_contact
from portal.web import id_from, render, see_other, show_team

bp = Blueprint("defects", __name__, url_prefix="/defects")


def _uploads(field_name: str = "photos") -> list[bytes]:
    """Read the chosen photos (an empty file input sends one empty part: skip it)."""
    files = [f for f in request.files.getlist(field_name) if f and f.filename]
    return [f.read() for f in files]


def _photo_message(error: photos.PhotoError) -> str:
    if isinstance(error, photos.TooManyPixels):
        return _(
            "A photo was too large: at most %(count)s megapixels. Take a smaller photo or "
            "resize it.",
            count=photos.MAX_MEGAPIXELS,
        )
    if error.args[0] == photos.PhotoError.TOO_LARGE:
        return _("A photo was too large. Choose a smaller photo.")
    return _("A file was not a photo we can read. Choose JPEG or PNG photos.")


def _photo_error(form, error: photos.PhotoError) -> None:
    form.photos.errors = [*form.photos.errors, _photo_message(error)]


def _check_photo_count(form, uploads) -> bool:
    limit = current_app.config["MAX_DEFECT_PHOTOS"]
    if len(uploads) > limit:
        form.photos.errors = [
            ngettext(
                "You can add at most %(num)s photo.", "You can add at most %(num)s photos.", limit
            )
        ]
        return False
    return True


def _urgent_gate(form, team) -> bool:
    """Let an urgent report through only once the reporter has been shown the number to call."""
    urgent = defects.is_urgent(form.category.data, form.cannot_wait.data == "yes")
    if urgent and not form.called.data:
        form.called.errors = [_("This needs immediate attention: call the number above first.")]
        return False
    return True


def _submit(form, uploads, **who) -> DefectReport:
    """Store a report from either form: the defect from the form, the reporter as given."""
    return defects.submit(
        location=form.location.data,
        category=form.category.data,
        description=form.description.data,
        urgent=defects.is_urgent(form.category.data, form.cannot_wait.data == "yes"),
        master_key_allowed=form.master_key_allowed.data,
        pets=form.pets.data,
        uploads=uploads,
        upload_dir=downloads.folder(downloads.DEFECTS),
        public_url=current_app.config["PUBLIC_URL"].rstrip("/"),
        caller=company.maintenance_caller(),
        **who,
    )


def household_report(report_id: int) -> DefectReport:
    """Return a report of the signed-in person's household, or answer 404."""
    lease_id = current_resident_status().residency.lease_id
    return defects.household_report(lease_id, report_id) or abort(404)


def _form_page(template, form, status, **context):
    """Show a defect form; to htmx, only the urgency answer for the choices made so far,
    with the urgent numbers above the form again (they follow a visitor's building)."""
    team = context.pop("team")
    now = clock.helsinki_now()
    asked = htmx and request.method == "GET" and "category" in request.args
    if asked:
        form = DefectForm(formdata=request.args, meta={"csrf": False})
    # A form shown blank (``form`` None, its HTML kept) has nothing chosen yet.
    category = form.category.data if form is not None else None
    urgent_choice = bool(category) and defects.is_urgent(category, form.cannot_wait.data == "yes")
    urgent = urgent_contact(team, now) if team is not None else None
    context.update(
        form=form,
        team=team,
        now=now,
        office_open=urgent.office_open if urgent else None,
        urgent=urgent,
        urgent_choice=urgent_choice,
        # The visitor's form sends the building along: the numbers above the form follow it.
        notice_again="building" in request.args,
    )
    if asked:
        return render_template("defects/_urgency_answer.html", **context)
    context.update(_already_known(category, context.pop("home")))
    return render(template, status=status, **context)


def _already_known(category: str | None, home) -> dict:
    """What the "already known" box above a form shows: the incidents of the building (the
    resident's own stairwell, or every one of a visitor's building) that a defect of the
    kind chosen may be part of, and the address it asks again when a choice changes."""
    building, stairwell = home
    found = []
    if building is not None:
        found = incidents.known_for_category(
            incidents.visible_for(building, stairwell, clock.now()), category
        )
    return {
        "known": found,
        "known_url": url_for("incidents.known", building=building, stairwell=stairwell),
        "kinds": incidents.kind_labels(),
        "language": current_language(),
    }


def _page_asked(name: str) -> int:
    """The page number in the address: 1 for anything but a number, at most 10,000 (the
    service shows the last page for a number past it)."""
    return max(1, min(request.args.get(name, 1, type=int) or 1, 10_000))


@bp.get("/")
def index():
    """The household's open reports and then the closed ones, newest first, each list a
    page at a time (``open_page`` and ``page``): a household of many years keeps a short
    page on a phone."""
    lease_id = current_resident_status().residency.lease_id
    open_reports = defects.household_reports_page(
        lease_id, _page_asked("open_page"), open_only=True
    )
    closed = defects.household_reports_page(lease_id, _page_asked("page"), open_only=False)
    return render(
        "defects/index.html",
        open_reports=open_reports,
        closed=closed,
        **defects.list_labels(),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Report a defect in the own apartment or a shared space of the own building."""
    residency = current_resident_status().residency
    apartment = residency.lease.apartment
    team = apartment.building.team
    home = (apartment.building_id, incidents.stairwell_of(apartment.number))
    if request.method in ("GET", "HEAD") and not (htmx and "category" in request.args):
        # As it first shows, the form is kept: only the phone number is the person's own.
        blank = blank_form(
            "defects/new.html",
            "form",
            _blank_defect_form,
            # The fields ask this address again (htmx) when a choice changes.
            {"caller": company.maintenance_caller(), "path": request.path},
            phone=current_user.phone,
        )
        return _form_page(
            "defects/new.html", None, 200, team=team, apartment=apartment, home=home, blank=blank
        )
    form = DefectForm()
    if form.validate_on_submit() and _urgent_gate(form, team):
        uploads = _uploads()
        if _check_photo_count(form, uploads):
            try:
                report = _submit(
                    form,
                    uploads,
                    building=apartment.building,
                    apartment=apartment if form.location.data == "apartment" else None,
                    lease=residency.lease,
                    reporter=current_user,
                    contact={"name": current_user.display_name, "phone": form.phone.data},
                    language=current_user.language,
                )
            except photos.PhotoError as error:
                _photo_error(form, error)
            else:
                flash(
                    _(
                        "Thank you! Your defect notification %(reference)s was sent.",
                        reference=report.reference,
                    ),
                    "success",
                )
                return see_other(url_for("defects.show", report_id=report.id))
    status = 422 if form.is_submitted() else 200
    return _form_page("defects/new.html", form, status, team=team, apartment=apartment, home=home)


def _blank_defect_form(marks: dict[str, str]) -> DefectForm:
    form = DefectForm()
    form.phone.data = marks["phone"]
    return form


@bp.get("/<int:report_id>")
def show(report_id):
    """Show a report of the household with its photos and timeline."""
    report = household_report(report_id)
    # The household answers a done repair, or comments on an open report: the form shows
    # blank (a comment refused is flashed), so it is kept.
    reply = None
    if report.status == DefectReport.DONE:
        action = url_for("defects.decision", report_id=report.id)
        reply = blank_form("defects/show.html", "decision_form", _decision_form, action=action)
    elif report.is_open:
        action = url_for("defects.comment", report_id=report.id)
        reply = blank_form("defects/show.html", "comment_form", _comment_form, action=action)
    return render(
        "defects/show.html",
        report=report,
        events=defects.timeline(report, for_staff=False),
        attachments=defects.photos_of(report),
        labels=defects.EVENT_LABELS,
        categories=defects.CATEGORIES,
        locations=defects.LOCATIONS,
        reply=reply,
        caller=company.maintenance_caller(),
    )


def _decision_form(_marks) -> DecisionForm:
    return DecisionForm()


def _comment_form(_marks) -> CommentForm:
    return CommentForm()


@bp.post("/<int:report_id>/comment")
def comment(report_id):
    """Add a comment or photos to an open report."""
    report = household_report(report_id)
    form = CommentForm()
    if not report.is_open:
        abort(409)
    if form.validate_on_submit():
        uploads = _uploads()
        if not form.note.data and not uploads:
            flash(_("Write a comment or choose a photo."), "error")
        elif _check_photo_count(form, uploads):
            try:
                defects.add_comment(
                    report,
                    current_user,
                    form.note.data or "",
                    uploads,
                    downloads.folder(downloads.DEFECTS),
                )
            except photos.PhotoError as error:
                flash(_photo_message(error), "error")
            else:
                flash(_("Your comment was added."), "success")
        else:
            flash(form.photos.errors[-1], "error")
    else:
        flash(_("The comment is too long."), "error")
    return see_other(url_for("defects.show", report_id=report.id))


@bp.post("/<int:report_id>/decision")
def decision(report_id):
    """Confirm a done repair, or reopen the report."""
    report = household_report(report_id)
    form = DecisionForm()
    choice = request.form.get("choice")
    if report.status != DefectReport.DONE or choice not in ("confirm", "reopen"):
        abort(409)
    if form.validate_on_submit():
        defects.resident_decision(
            report, current_user, reopen=choice == "reopen", note=form.note.data or ""
        )
        flash(_("Thank you, we got your answer."), "success")
    return see_other(url_for("defects.show", report_id=report.id))


@bp.get("/<int:report_id>/photos/<int:attachment_id>")
def photo(report_id, attachment_id):
    """Send a photo of a household report (its thumbnail with ?size=thumb)."""
    return downloads.defect_photo(household_report(report_id), attachment_id)


# Reports without signing in, per address: generous for a building's shared connection.
VISITOR_REPORTS = "5 per minute; 20 per hour"


def _chosen_building(form, every_building):
    """The building the visitor chose in the form sent, or that the address names (for a
    page asked again, or the htmx box): then it is chosen in the form too. None until then."""
    sent = form.building.data if form.is_submitted() else request.args.get("building")
    chosen = id_from(sent)
    building = next((b for b in every_building if b.id == chosen), None)
    if not form.is_submitted():
        form.building.data = str(building.id) if building else ""
    return building


@bp.route("/report", methods=["GET", "POST"])
def report():
    """The form for reporting a defect without signing in. Until the visitor chooses their
    building, each team's urgent number is shown under the team's name; then the number of
    the building's team. Without JavaScript, a button sends the form back with that number
    and everything typed (an address may name the building too, never what was typed)."""
    every_building = buildings.buildings_by_address()
    if not every_building:
        abort(503)
    form = VisitorDefectForm(buildings=every_building)
    building = _chosen_building(form, every_building)
    team = building.team if building else None
    if team is not None:
        show_team(team)
    if form.is_submitted() and request.form.get("show_numbers"):
        # Asked for the building's number only: nothing is checked or sent. The browser
        # cannot be given back the photos chosen, so the visitor is asked to choose them again.
        if _uploads():
            form.photos.errors = [
                _("Photos are not kept when the form comes back: choose them again.")
            ]
        return _form_page(
            "defects/report.html", form, 200, team=team, apartment=None, home=_home(building)
        )
    done = None
    if (
        form.validate_on_submit()
        and not form.website.data
        and not sessions.form_sent_too_often(form, VISITOR_REPORTS, "defect-report")
    ):
        apartment = None
        if form.location.data == "apartment":
            apartment = buildings.apartment_in(building, form.apartment_number.data)
            if apartment is None:
                form.apartment_number.errors = [
                    _(
                        "There is no such apartment in this building. Check the number, "
                        "for example A 12."
                    )
                ]
        uploads = _uploads()
        if (
            not form.apartment_number.errors
            and _urgent_gate(form, team)
            and _check_photo_count(form, uploads)
        ):
            try:
                done = _submit(
                    form,
                    uploads,
                    building=building,
                    apartment=apartment,
                    lease=None,
                    reporter=None,
                    contact={
                        "name": form.name.data,
                        "email": (form.email.data or "").lower(),
                        "phone": form.phone.data,
                    },
                    language=current_language(),
                )
            except photos.PhotoError as error:
                _photo_error(form, error)
    if done is not None:
        return render("defects/reported.html", report=done)
    if form.website.data:
        abort(400)
    status = 422 if form.is_submitted() else 200
    return _form_page(
        "defects/report.html", form, status, team=team, apartment=None, home=_home(building)
    )


def _home(building):
    """A visitor's building for the "already known" box: every stairwell of it, since the
    visitor has not said which is theirs."""
    return (building.id if building else None, None)
