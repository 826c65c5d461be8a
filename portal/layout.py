"""The frame of every page: its head, header and footer (``base.html`` places them).

Most of the frame is the same for everyone who sees the same language, company and menu,
so it comes from kept fragments (``portal.fragments``). The header is kept with a mark
where each person's own values go (the CSRF token, the page's address for the language
switch, their name), and those are put in at each request: a header made anew cost more
than the rest of a small page. While an agent acts under a power of attorney the header
names the grantor, and is made for that page alone.
"""

import datetime
import re
import secrets
from collections.abc import Callable

from flask import request, session
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block
from markupsafe import Markup, escape

from portal import access, clock, context, csrf_tokens, fragments
from portal.i18n import current_language, template_at_clock, template_datetime
from portal.services import company, incidents
from portal.web import footer_team, logo_src, page_address, page_status

# Marks that no text of the portal holds: a random part, made anew in each process.
_MARK = f"\x1f{secrets.token_hex(6)}"
CSRF_MARK = f"{_MARK}:csrf\x1f"
NEXT_MARK = f"{_MARK}:next\x1f"
NAME_MARK = f"{_MARK}:name\x1f"
# The marks are put in in one pass, so that no value put in is read again for a mark.
_MARKS = re.compile(re.escape(_MARK) + ":(csrf|next|name)\x1f")
# A blank form's marks: the CSRF token and the person's own values, named by the view.
_FORM_MARKS = re.compile(re.escape(_MARK) + r":(\w+)\x1f")


class Frame:
    """One page's frame; the header and footer are made when the layout places them (the
    footer after the content, which may have found the page's team)."""

    __slots__ = ("head", "language", "logo", "profile", "short_name")

    def __init__(self):
        self.language = current_language()
        self.profile = company.current()
        self.short_name = self.profile.short_name(self.language) if self.profile else None
        self.logo = logo_src()
        self.head = fragments.fragment(
            "layout/_head.html",
            logo=self.logo,
            color=self.profile.brand_color if self.profile else None,
            theme=company.theme_css(self.profile),
        )

    def header(self) -> Markup:
        me = context.person()
        signed_in = me.is_authenticated
        acting = context.request_globals().get("acting")
        values = {
            "page_lang": self.language,
            "logo": self.logo,
            "short_name": self.short_name,
            "signed_in": signed_in,
            "act_for": signed_in and acting is None and bool(session.get("mandates_received")),
            "menu": access.main_menu() if signed_in else None,
            "sign_in": not signed_in and request.endpoint != "auth.login",
        }
        token = csrf_tokens.page_token()
        name = me.display_name if signed_in else ""
        if acting is not None:
            return fragments.render_once(
                "layout/_header.html",
                csrf=token,
                next=page_address(),
                name=name,
                acting=acting,
                **values,
            )
        kept = fragments.fragment(
            "layout/_header.html",
            csrf=CSRF_MARK,
            next=NEXT_MARK,
            name=NAME_MARK,
            acting=None,
            **values,
        )
        own = {"csrf": escape(token), "next": escape(page_address()), "name": escape(name)}
        # Kept HTML, each value put in escaped.
        return Markup(_MARKS.sub(lambda mark: own[mark.group(1)], kept))  # noqa: S704  # nosec B704

    def banner(self) -> Markup | str:
        """One line on the incidents in force (or about to start) in the resident's building
        and stairwell, on every page they open; nothing for visitors and staff."""
        me = context.person()
        if not me.is_authenticated or me.is_staff:
            return ""
        status = page_status()
        if status is None or not status.is_active:
            return ""
        apartment = status.residency.lease.apartment
        shown = incidents.shown_to_home(
            apartment.building_id, incidents.stairwell_of(apartment.number), clock.utcnow()
        )
        if not shown:
            return ""
        first = shown[0]
        now = clock.helsinki_now()
        starts, ends = (
            moment.replace(tzinfo=datetime.UTC).astimezone(clock.HELSINKI)
            for moment in (first.starts_at, first.ends_at)
        )
        started = starts <= now
        # The end's day goes without saying when it is the start's (or, once begun, today).
        same_day = ends.date() == (now if started else starts).date()
        return fragments.fragment(
            "layout/_banner.html",
            kind=incidents.kind_labels()[first.kind],
            emergency=first.emergency,
            start=None if started else template_datetime(first.starts_at, "short"),
            end=template_at_clock(ends.time()) if same_day else template_datetime(ends, "short"),
            others=len(shown) - 1,
        )

    def footer(self) -> Markup | str:
        team = footer_team()
        if team is None:
            return ""
        return fragments.fragment(
            "layout/_footer.html",
            name=team.name(self.language),
            phone=team.phone,
            phone_hours=team.phone_hours,
            email=team.email,
            on_call_phone=team.on_call_phone,
            privacy_url=self.profile.privacy_url if self.profile else None,
        )


def blank_form(
    template: str,
    block: str,
    build: Callable[[dict[str, str]], FlaskForm],
    shown: dict | None = None,
    **own: str | None,
) -> Markup:
    """The ``block`` of ``template`` holding a form that has not been sent, as a GET shows
    it: made once per language and what it shows, and kept, as the header is. Making a form and
    drawing its fields cost more than the rest of a sign-in page.

    ``build(marks)`` makes the form, setting the person's own values to ``marks[name]``;
    ``own`` gives those values (escaped and put in at each request, with the CSRF token).
    ``shown`` holds everything else the block shows (each value hashable, the request's
    path too if the block reads it): it is what the block is kept under, with the language.
    The block may read nothing else but ``url_for`` and the translations. A value that
    differs from page to page (a report's own address) goes in ``own``, never in
    ``shown``: the kept parts would grow with every page."""
    shown = shown or {}
    marks = {name: f"{_MARK}:{name}\x1f" for name in own}

    def make() -> str:
        form = build(marks)
        form.csrf_token.current_token = CSRF_MARK
        return render_block(template, block, form=form, **marks, **shown)

    kept = fragments.kept(("form", template, block, *sorted(shown.items())), make)
    values = {name: escape(value or "") for name, value in own.items()}
    values["csrf"] = escape(csrf_tokens.page_token())
    # Kept HTML, each value put in escaped.
    return Markup(_FORM_MARKS.sub(lambda mark: values[mark.group(1)], kept))  # noqa: S704  # nosec B704


def init_app(app) -> None:
    app.jinja_env.globals["page_frame"] = Frame
