"""The resident's profile: contact information, language, notifications and bank account."""

import datetime
import json

from flask import Blueprint, abort, current_app, flash, url_for
from flask_login import current_user

from portal import links, sessions
from portal.forms.accounts import ContinueForm
from portal.forms.profile import BankAccountForm, ContactForm
from portal.i18n import gettext as _
from portal.i18n import remember_language
from portal.models import Token
from portal.services import payments as payment_rules
from portal.services import personal_data, profile, tokens
from portal.services.profile import masked
from portal.sessions import confirm_password, recently_authenticated
from portal.web import render, see_other

bp = Blueprint("profile", __name__, url_prefix="/profile")

PURPOSE = Token.BANK_ACCOUNT


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
        profile.save_contact(
            current_user,
            contact_form.phone.data,
            contact_form.language.data,
            contact_form.notify_by_email.data,
        )
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
            profile.ask_to_change_bank_account(
                current_user,
                iban,
                current_app.config["PUBLIC_URL"].rstrip("/"),
                datetime.timedelta(hours=current_app.config["LINK_LIFETIME_HOURS"]),
            )
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
        if not profile.change_bank_account(current_user, checked.token):
            return render("profile/link_problem.html", status=400)
        links.forget(links.BANK_ACCOUNT)
        flash(_("Your bank account number was changed."), "success")
        return see_other(url_for("profile.show"))
    return render(
        "profile/confirm_bank_account.html",
        account=masked(checked.token.payload),
        form=form,
    )


@bp.get("/data")
def data():
    """What the portal holds about the signed-in person: a count per kind, each a link."""
    return render("profile/data.html", tables=personal_data.kinds_of_data(current_user))


ROWS_SHOWN = 100


@bp.get("/data/<table>")
def data_table(table):
    """The person's rows of one kind, each field as it is stored."""
    if table not in personal_data.TABLES:
        abort(404)
    found = personal_data.rows(current_user, table)
    return render(
        "profile/data_table.html",
        label=personal_data.label(table),
        field_label=personal_data.field_label,
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
