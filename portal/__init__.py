"""Resident Portal: the application factory."""

from flask import Flask

from portal import config as portal_config


class Portal(Flask):
    """Flask, asking once per view or hook whether it is a coroutine: Flask asks ``inspect``
    anew for each of the score of them on every request (about 120 calls a page)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync: dict = {}

    def ensure_sync(self, func):
        known = self._sync.get(func)
        if known is None:
            known = self._sync[func] = super().ensure_sync(func)
        return known


def create_app(config: dict | None = None) -> Flask:
    """Create and configure the portal; ``config`` overrides the environment (tests use it)."""
    app = Portal(__name__, static_folder=None)
    app.config.from_mapping(portal_config.from_environment(config))
    from portal.forms import html
    from portal.services import accounts

    accounts.use_hashing(app.config["PASSWORD_HASHING"])
    html.install()
    if app.config["CLOCK"]:
        from portal import clock

        try:
            clock.set_to(clock.parse(app.config["CLOCK"]))
        except clock.ClockError as error:
            raise portal_config.ConfigError(f"PORTAL_CLOCK: {error}") from None

    from portal import (
        access,
        assets,
        bank_id,
        cli,
        csrf_tokens,
        database,
        fragments,
        i18n,
        layout,
        ratelimit,  # noqa: F401 (registers the limiter's database storage)
        security,
        serving,
        sessions,
        web,
    )
    from portal.extensions import csrf, htmx, init_limiter, login_manager

    # First: the proxies believed and whom development answers decide before anything else.
    serving.init_app(app)
    database.bind(app.config["DATABASE_URL"], app.config["DATABASE_BUSY_TIMEOUT_MS"])
    csrf.init_app(app)
    csrf_tokens.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    init_limiter(app)
    bank_id.init_app(app)
    i18n.init_app(app)
    assets.init_app(app)
    fragments.init_app(app)
    layout.init_app(app)
    security.init_app(app)
    # Before the access check: an expired session is over before any page looks at it.
    sessions.init_app(app)
    access.init_app(app)
    web.init_app(app)
    cli.init_app(app)

    from portal import views

    views.register_blueprints(app)
    if app.config["MAIL_WORKER"] == "thread":
        from portal.workers import MailWorker

        app.extensions["mail_worker"] = MailWorker(app)
        app.extensions["mail_worker"].start()
    return app
