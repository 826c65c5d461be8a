"""Email that is never lost: queued in the outbox with the change that caused it, then sent.

A message is rendered in the recipient's language when it is queued and written to the
``outbox_email`` table in the caller's transaction. A worker (a thread of the web process or
``flask --app portal mail-worker``) sends due messages over SMTP; a failure stays queued with
its error and is retried with growing pauses, until it is marked failed for staff to see.
"""

import contextlib
import datetime
import html
import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask_babel import force_locale
from jinja2_fragments.flask import render_block

from portal.models import CompanyProfile, OutboxEmail, utcnow
from portal.services import company

MAX_ATTEMPTS = 12
CLAIM_SECONDS = 120
_URL = re.compile(r"https?://[^\s<>\"]+")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0
    # Empty: the company profile's sender, read at each round (an administrator may change it).
    sender: str = ""

    @classmethod
    def from_config(cls, config) -> "SmtpSettings":
        return cls(
            host=config["SMTP_HOST"],
            port=config["SMTP_PORT"],
            username=config["SMTP_USERNAME"],
            password=config["SMTP_PASSWORD"],
            starttls=config["SMTP_STARTTLS"],
            timeout=config["SMTP_TIMEOUT"],
        )


def text_to_html(text: str) -> str:
    """Turn a plain-text message into simple HTML: paragraphs, line breaks and links."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(block)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return "<!doctype html>\n<html><body>\n" + "\n".join(paragraphs) + "\n</body></html>\n"


def render(template: str, language: str, **context) -> tuple[str, str]:
    """Render ``emails/<template>.txt`` in the language: its subject line and its text.

    Every message also gets the company's name in that language (``company_name``, and the
    short one as ``company_short_name``; empty before the company is set up), for the footer
    and any sentence that names the company in the nominative."""
    from portal.i18n import BABEL_LOCALES

    profile = company.current()
    context.setdefault("company_name", profile.name(language) if profile else "")
    context.setdefault("company_short_name", profile.short_name(language) if profile else "")
    name = f"emails/{template}.txt"
    with force_locale(BABEL_LOCALES.get(language, "fi_FI")):
        subject = " ".join(render_block(name, "subject", **context).split())
        body = render_block(name, "body", **context).strip() + "\n"
    return subject, body


def queue(to: str, template: str, language: str, *, calendar: str = "", **context) -> OutboxEmail:
    """Render ``emails/<template>.txt`` in the language and put it in the outbox (with a
    calendar file, an .ics text, when given)."""
    subject, body = render(template, language, **context)
    return OutboxEmail.create(
        to_address=to,
        subject=subject,
        body_text=body,
        body_html=text_to_html(body),
        language=language,
        calendar=calendar,
    )


def _message(row: OutboxEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    if row.calendar:
        message.add_attachment(
            row.calendar.encode(),
            maintype="text",
            subtype="calendar",
            filename="appointment.ics",
        )
    # Set after the body: setting the content replaces the Content-* headers.
    message["Content-Language"] = row.language
    return message


def _backoff(attempts: int) -> datetime.timedelta:
    """Wait a minute after the first failure, doubling up to six hours."""
    return datetime.timedelta(seconds=min(60 * 2 ** (attempts - 1), 6 * 3600))


def _claim(row: OutboxEmail, now: datetime.datetime) -> bool:
    """Take a message for this worker, so that two workers never send the same one."""
    taken = (
        OutboxEmail.update(claimed_until=now + datetime.timedelta(seconds=CLAIM_SECONDS))
        .where(
            (OutboxEmail.id == row.id)
            & (OutboxEmail.status == OutboxEmail.QUEUED)
            & (OutboxEmail.claimed_until.is_null() | (OutboxEmail.claimed_until < now))
        )
        .execute()
    )
    return taken == 1


def _company_sender() -> str:
    """The From of the portal's emails, as the company profile says now."""
    profile = CompanyProfile.select().order_by(CompanyProfile.id).first()
    return profile.mail_sender if profile and profile.mail_sender_address else ""


def deliver_due(settings: SmtpSettings, now: datetime.datetime | None = None, limit: int = 20):
    """Send the messages that are due; return (sent, failed) counts for this round."""
    if not settings.host:
        return 0, 0
    sender = settings.sender or _company_sender()
    if not sender:
        # Before the company is set up there is no one to send as: the mail waits.
        return 0, 0
    now = now or utcnow()
    due = list(
        OutboxEmail.select()
        .where(
            (OutboxEmail.status == OutboxEmail.QUEUED)
            & (OutboxEmail.next_attempt_at <= now)
            & (OutboxEmail.claimed_until.is_null() | (OutboxEmail.claimed_until < now))
        )
        .order_by(OutboxEmail.id)
        .limit(limit)
    )
    claimed = [row for row in due if _claim(row, now)]
    if not claimed:
        return 0, 0
    sent = failed = 0
    smtp, connect_error = None, None
    try:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.starttls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password)
    except (OSError, smtplib.SMTPException) as error:
        smtp, connect_error = None, error
    for row in claimed:
        try:
            if smtp is None:
                raise connect_error
            smtp.send_message(_message(row, sender))
        except (OSError, smtplib.SMTPException) as error:
            failed += 1
            attempts = row.attempts + 1
            OutboxEmail.update(
                attempts=attempts,
                last_error=f"{type(error).__name__}: {error}"[:500],
                next_attempt_at=now + _backoff(attempts),
                claimed_until=None,
                status=OutboxEmail.FAILED if attempts >= MAX_ATTEMPTS else OutboxEmail.QUEUED,
            ).where(OutboxEmail.id == row.id).execute()
        else:
            sent += 1
            OutboxEmail.update(
                status=OutboxEmail.SENT,
                sent_at=utcnow(),
                attempts=row.attempts + 1,
                claimed_until=None,
                last_error="",
            ).where(OutboxEmail.id == row.id).execute()
    if smtp is not None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()
    return sent, failed


def waiting_cutoff(minutes: int, now: datetime.datetime | None = None) -> datetime.datetime:
    """Email queued before this has waited ``minutes`` (see ``waiting_since``)."""
    return (now or utcnow()) - datetime.timedelta(minutes=minutes)


def waiting_before(cutoff):
    """The condition for queued email that nobody has tried to send since ``cutoff``."""
    return (
        (OutboxEmail.status == OutboxEmail.QUEUED)
        & (OutboxEmail.attempts == 0)
        & (OutboxEmail.created_at < cutoff)
    )


def waiting_since(minutes: int, now: datetime.datetime | None = None):
    """The condition for queued email that nobody has tried to send for ``minutes``: with
    a mail worker running, email goes out within seconds, so this means it has stopped."""
    return waiting_before(waiting_cutoff(minutes, now))


def oldest_unsent(now: datetime.datetime | None = None) -> datetime.timedelta | None:
    """How long the oldest email still in the queue has waited (None: the queue is empty)."""
    oldest = (
        OutboxEmail.select(OutboxEmail.created_at)
        .where(OutboxEmail.status == OutboxEmail.QUEUED)
        .order_by(OutboxEmail.created_at)
        .first()
    )
    return None if oldest is None else (now or utcnow()) - oldest.created_at


def newest(limit: int) -> list[OutboxEmail]:
    """List the newest emails in the outbox, at most ``limit``, newest first, sent or not."""
    return list(OutboxEmail.select().order_by(OutboxEmail.id.desc()).limit(limit))


def undelivered(stale_minutes: int, limit: int) -> list[OutboxEmail]:
    """List the newest email that has not gone out, at most ``limit``: failed for good,
    waiting for another try, or never tried for ``stale_minutes``. The bodies stay behind:
    the list shows only who, what and why."""
    return list(
        OutboxEmail.select(
            OutboxEmail.id,
            OutboxEmail.to_address,
            OutboxEmail.subject,
            OutboxEmail.status,
            OutboxEmail.attempts,
            OutboxEmail.last_error,
            OutboxEmail.next_attempt_at,
            OutboxEmail.created_at,
        )
        .where(
            (OutboxEmail.status == OutboxEmail.FAILED)
            | ((OutboxEmail.status == OutboxEmail.QUEUED) & (OutboxEmail.attempts > 0))
            | waiting_since(stale_minutes)
        )
        .order_by(OutboxEmail.id.desc())
        .limit(limit)
    )


def never_tried(stale_minutes: int) -> int:
    """Count the queued email nobody has tried to send for ``stale_minutes``."""
    return OutboxEmail.select().where(waiting_since(stale_minutes)).count()
