"""The resident's profile: contact information, language, notifications and bank account."""

import datetime
import json

from flask import Blueprint, abort, current_app, flash, url_for
from flask_login import current_user

from portal import links, sessions
from portal.forms.accounts import ContinueForm
from portal.forms.profile import BankAccountForm, ContactForm
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.i18n import remember_language
from portal.models import Person, Token, db
from portal.services import audit, mail, personal_data, tokens
from portal.services import payments as payment_rules
from portal.sessions import confirm_password, recently_authenticated
from portal.web import render, see_other

bp = Blueprint("profile", __name__, url_prefix="/profile")

PURPOSE = Token.BANK_ACCOUNT


def masked(iban: str) -> str:
    """Only the country and the last four digits: enough to recognise, useless to copy."""
    return f"{iban[:2]} •••• {iban[-4:]}" if iban else ""


def _page(contact_form, bank_form, status=200):
    return render(
        "profile/show.html",
        status=status,
        contact_form=contact_form,
        bank_form=bank_form,
        account=masked(current_user.iban),
        needs_password=not recently_authenticated(),
    )


@bp.route("", methods=["GET", "POST"])
def show():
    """Contact information and notifications; the bank account has its own form."""
    contact_form = ContactForm(
        prefix="contact",
        data={
            "phone": current_user.phone,
            "language": current_user.language,
            "notify_by_email": current_user.notify_by_email,
        },
    )
    if contact_form.validate_on_submit():
        Person.update(
            phone=(contact_form.phone.data or "").strip(),
            language=contact_form.language.data,
            notify_by_email=contact_form.notify_by_email.data,
        ).where(Person.id == current_user.id).execute()
        response = remember_language(see_other(url_for("profile.show")), contact_form.language.data)
        flash(_("Your information was saved."), "success")
        return response
    status = 422 if contact_form.is_submitted() else 200
    return _page(contact_form, BankAccountForm(prefix="bank"), status)


@bp.post("/bank-account")
def bank_account():
    """Ask for a bank account change: a recent sign-in (or the password), then a link by email."""
    bank_form = BankAccountForm(prefix="bank")
    if bank_form.validate_on_submit():
        iban = payment_rules.valid_iban(bank_form.iban.data or "")
        if iban is None:
            bank_form.iban.errors = [
                _("That is not a valid IBAN. Check the number, for example FI21 1234 5600 0007 85.")
            ]
        elif not recently_authenticated() and not confirm_password(bank_form.password.data):
            bank_form.password.errors = [sessions.password_error()]
        else:
            with db.atomic():
                raw = tokens.issue(
                    PURPOSE,
                    current_user.email,
                    datetime.timedelta(hours=current_app.config["LINK_LIFETIME_HOURS"]),
                    person=current_user,
                    payload=iban,
                )
                mail.queue(
                    current_user.email,
                    "confirm_bank_account",
                    current_user.language,
                    account=masked(iban),
                    link=f"{current_app.config['PUBLIC_URL'].rstrip('/')}"
                    f"/profile/bank-account/confirm?t={raw}",
                    hours=current_app.config["LINK_LIFETIME_HOURS"],
                )
                audit.record("bank_account_change_requested", actor=current_user)
            flash(
                _(
                    "We sent a confirmation link to %(email)s. The new account number is taken "
                    "into use when you open the link.",
                    email=current_user.email,
                ),
                "success",
            )
            return see_other(url_for("profile.show"))
    contact_form = ContactForm(
        prefix="contact",
        data={
            "phone": current_user.phone,
            "language": current_user.language,
            "notify_by_email": current_user.notify_by_email,
        },
    )
    return _page(contact_form, bank_form, 422)


@bp.get("/bank-account/confirm/<token>")
def confirm_bank_account_link(token):
    """Open a confirmation link of the older form, with the token in the path."""
    return links.open_link(links.BANK_ACCOUNT, "profile.confirm_bank_account", token)


@bp.route("/bank-account/confirm", methods=["GET", "POST"])
def confirm_bank_account():
    """Show the account the link would set, and set it on a click by the same person."""
    if opened := links.from_query(links.BANK_ACCOUNT):
        return opened
    checked = tokens.check(PURPOSE, links.token(links.BANK_ACCOUNT) or "")
    own = checked.token is not None and checked.token.person_id == current_user.id
    if not checked.is_valid or not own:
        return render(
            "profile/link_problem.html", status=400 if checked.status != tokens.EXPIRED else 410
        )
    form = ContinueForm()
    if form.validate_on_submit():
        with db.atomic():
            if not tokens.consume(checked.token):
                return render("profile/link_problem.html", status=400)
            links.forget(links.BANK_ACCOUNT)
            Person.update(iban=checked.token.payload).where(Person.id == current_user.id).execute()
            audit.record("bank_account_changed", actor=current_user)
            mail.queue(
                current_user.email,
                "bank_account_changed",
                current_user.language,
                account=masked(checked.token.payload),
            )
        flash(_("Your bank account number was changed."), "success")
        return see_other(url_for("profile.show"))
    return render(
        "profile/confirm_bank_account.html",
        account=masked(checked.token.payload),
        form=form,
    )


TABLE_LABELS = {
    "person": _l("Your account"),
    "residency": _l("Your lines in the housing register"),
    "lease": _l("Rental agreements"),
    "invoice": _l("Invoices"),
    "token": _l("Links sent to you"),
    "outbox_email": _l("Email sent to you"),
    "mandate": _l("Powers of attorney"),
    "audit_entry": _l("Log of events"),
    "defect_report": _l("Defect notifications"),
    "defect_event": _l("Defect notification updates"),
    "sauna_booking": _l("Sauna turns"),
    "parking_application": _l("Parking space applications"),
    "parking_contract": _l("Parking space contracts"),
    "service_request": _l("Service requests"),
    "request_event": _l("Service request updates"),
    "request_consent": _l("Consents to requests"),
    "read_mark": _l("What you have read"),
    "message_thread": _l("Conversations"),
    "message": _l("Messages"),
    "appointment": _l("Customer service visits"),
}


@bp.get("/data")
def data():
    """What the portal holds about the signed-in person: a count per kind, each a link."""
    counts = personal_data.counts(current_user)
    return render(
        "profile/data.html",
        tables=[(name, TABLE_LABELS.get(name, name), count) for name, count in counts.items()],
    )


ROWS_SHOWN = 100


@bp.get("/data/<table>")
def data_table(table):
    """The person's rows of one kind, each field as it is stored."""
    if table not in personal_data.TABLES:
        abort(404)
    found = personal_data.rows(current_user, table)
    return render(
        "profile/data_table.html",
        label=TABLE_LABELS.get(table, table),
        rows=found[:ROWS_SHOWN],
        more=max(0, len(found) - ROWS_SHOWN),
    )


@bp.get("/data.json")
def data_json():
    """The same as a JSON file to keep or to take elsewhere."""
    body = json.dumps(
        {"person": current_user.email, "tables": personal_data.export(current_user)},
        ensure_ascii=False,
        indent=1,
    )
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response
