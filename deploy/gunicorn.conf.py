"""gunicorn settings for the Resident Portal.

Used by deploy/systemd/portal-web.service:

    gunicorn -c /srv/portal/app/deploy/gunicorn.conf.py 'portal:create_app()'

Two settings come from the environment (/etc/portal/portal.env), so that the same file
serves every app server: PORTAL_BIND (default 127.0.0.1:8000) and PORTAL_WORKERS.
"""

import os

# Loopback when nginx runs on the same server; the server's private address (with a
# firewall that lets only the nginx host in) when nginx runs on another.
bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")


def _default_workers() -> int:
    """Two workers per core the process may use, plus one, but no more than eight: each
    worker holds the whole app, and hashing a password takes 64 MiB more for a moment."""
    cores = len(os.sched_getaffinity(0))
    return min(2 * cores + 1, 8)


workers = int(os.environ.get("PORTAL_WORKERS") or _default_workers())

# A request still running after a minute is stuck: gunicorn replaces the worker. nginx waits
# 75 s (proxy_read_timeout) so that this answer, not nginx's, reaches the browser.
timeout = 60
graceful_timeout = 30

# A worker is replaced after a few thousand requests, at staggered moments, so that any slow
# growth of memory never adds up.
max_requests = 2000
max_requests_jitter = 200

proc_name = "portal"

# Access lines go to standard output, which systemd keeps in the journal. Only the method and
# the path (%(U)s) are logged: the emailed links carry their token in the query string, so
# the request line (%(r)s), the query string (%(q)s) and the Referer (%(f)s) stay out. The
# client's address is nginx's and not worth a column; nginx's own log has the client's.
accesslog = "-"
access_log_format = '"%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

# gunicorn trusts no forwarding header itself. The portal applies werkzeug's ProxyFix to
# exactly PORTAL_TRUSTED_PROXIES proxies (1 behind nginx); if gunicorn also turned
# X-Forwarded-Proto into the request's scheme, trusting it by the peer's address (loopback,
# by default), there would be two rules for one header. Each of these three is what makes
# gunicorn ignore a kind of forwarded header: no address is trusted for them, no header marks
# a request as https, and no header may set SCRIPT_NAME or PATH_INFO.
forwarded_allow_ips = ""
secure_scheme_headers = {}
forwarder_headers = ""

# gunicorn 25.1 and later open a control socket in $HOME/.gunicorn by default. The service
# manages gunicorn through systemd (stop, restart), and the portal user's home is read-only
# under the unit's ProtectSystem=strict, so the socket is not made at all.
control_socket_disable = True
