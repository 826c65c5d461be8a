"""Resident Portal: the application factory."""

from flask import Flask

from portal import config as portal_config


def create_app(config: dict | None = None) -> Flask:
    """Create and configure the portal; ``config`` overrides the environment (tests use it)."""
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(portal_config.from_environment(config))
    from portal.services import accounts

    accounts.use_hashing(app.config["PASSWORD_HASHING"])
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
        database,
        i18n,
        ratelimit,  # noqa: F401 (registers the limiter's database storage)
        security,
        serving,
        sessions,
        web,
    )
    from portal.extensions import csrf, htmx, limiter, login_manager

    # First: the proxies believed and whom development answers decide before anything else.
    serving.init_app(app)
    database.bind(app.config["DATABASE_URL"], app.config["DATABASE_BUSY_TIMEOUT_MS"])
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    bank_id.init_app(app)
    i18n.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    # Before the access check: an expired session is over before any page looks at it.
    sessions.init_app(app)
    access.init_app(app)
    web.init_app(app)
    cli.init_app(app)

    from portal.views import (
        accounts,
        appointments,
        auth,
        bookings,
        building,
        defects,
        dev,
        home,
        lease,
        mandates,
        messages,
        notices,
        parking,
        payments,
        profile,
        public,
        requests,
        staff,
        staff_accounts,
        staff_appointments,
        staff_audit,
        staff_buildings,
        staff_defects,
        staff_mandates,
        staff_messages,
        staff_notices,
        staff_parking,
        staff_payments,
        staff_register,
        staff_requests,
        staff_saunas,
        staff_teams,
    )

    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(defects.bp)
    app.register_blueprint(bookings.bp)
    app.register_blueprint(staff_defects.bp)
    app.register_blueprint(staff_saunas.bp)
    app.register_blueprint(parking.bp)
    app.register_blueprint(staff_parking.bp)
    app.register_blueprint(requests.bp)
    app.register_blueprint(staff_requests.bp)
    app.register_blueprint(messages.bp)
    app.register_blueprint(staff_messages.bp)
    app.register_blueprint(notices.bp)
    app.register_blueprint(staff_notices.bp)
    app.register_blueprint(payments.bp)
    app.register_blueprint(staff_payments.bp)
    app.register_blueprint(building.bp)
    app.register_blueprint(staff_buildings.bp)
    app.register_blueprint(lease.bp)
    app.register_blueprint(profile.bp)
    app.register_blueprint(mandates.bp)
    app.register_blueprint(staff_mandates.bp)
    app.register_blueprint(staff_register.bp)
    app.register_blueprint(staff_audit.bp)
    app.register_blueprint(staff_accounts.bp)
    app.register_blueprint(staff_teams.bp)
    app.register_blueprint(appointments.bp)
    app.register_blueprint(staff_appointments.bp)
    if app.config["ENV_NAME"] == "development" and not app.config["SMTP_HOST"]:
        app.register_blueprint(dev.bp)
    if app.config["MAIL_WORKER"] == "thread":
        from portal.services.mail import MailWorker

        app.extensions["mail_worker"] = MailWorker(app)
        app.extensions["mail_worker"].start()
    return app
