"""Background work inside one process, for development and small installations: email
delivery every few seconds and the calendar's housekeeping every few minutes. Production
runs the same rounds as systemd services (``flask mail-worker``, ``flask housekeeping``)."""

import threading
import time

from flask import Flask, current_app

from portal.models import db
from portal.services import housekeeping, mail

# How often a mail worker also runs housekeeping (expired offers go to the next in line).
HOUSEKEEPING_SECONDS = 300


class MailWorker(threading.Thread):
    """Deliver queued email every few seconds, in the background of one process; every few
    minutes also run the calendar's housekeeping (expired offers go to the next in line)."""

    def __init__(self, app: Flask, interval: float = 2.0):
        super().__init__(name="mail-worker", daemon=True)
        self.app = app
        self.interval = interval
        self.stopped = threading.Event()
        self.housekept_at = 0.0

    def run(self) -> None:
        while not self.stopped.is_set():
            with self.app.app_context():
                try:
                    if time.monotonic() - self.housekept_at >= HOUSEKEEPING_SECONDS:
                        housekeeping.run()
                        self.housekept_at = time.monotonic()
                    mail.deliver_due(mail.SmtpSettings.from_config(self.app.config))
                except Exception:
                    # The worker must outlive a bad moment of the database; it logs and goes on.
                    current_app.logger.exception("Email delivery round failed")
                finally:
                    if not db.is_closed():
                        db.close()
            self._pause()

    def _pause(self) -> None:
        """Wait for the next round, or until stopped.

        Short sleeps rather than ``Event.wait(timeout)``: under libfaketime, where the tests
        try the portal at other dates, a timed wait on an event never times out, while
        sleeping keeps time."""
        resume_at = time.monotonic() + self.interval
        while not self.stopped.is_set() and time.monotonic() < resume_at:
            time.sleep(min(0.05, self.interval))

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)
