"""The shipped nginx site, made runnable in a temporary folder.

``render_site`` copies deploy/nginx/portal.conf with its placeholders (server name, ports,
certificate, app servers, log and cache paths) replaced, ``write_main_conf`` writes the
nginx.conf that includes it (as Debian's includes sites-enabled/*), and ``make_certificate``
makes a self-signed certificate for localhost. Then

    nginx -t -p TMP -e TMP/error.log -c MAIN_CONF            checks the site, and
    nginx -p TMP -e TMP/error.log -c MAIN_CONF -g 'daemon off;'  serves it.
"""

import os
import pwd
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "portal.conf"
NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None
)


def make_certificate(tmp_path: Path) -> tuple[Path, Path]:
    """Return a self-signed certificate and its key for localhost and 127.0.0.1, valid two
    days (the name is in subjectAltName too, which browsers require)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    openssl = shutil.which("openssl") or "/usr/bin/openssl"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _replace(text: str, old: str, new: str) -> str:
    """Replace every ``old``, which must be there: a renamed placeholder fails loudly."""
    if old not in text:
        raise AssertionError(f"{old!r} is no longer in {SITE.name}")
    return text.replace(old, new)


def render_site(
    tmp_path: Path,
    *,
    http_port: int,
    https_port: int,
    upstreams: list[str],
    cert: Path,
    key: Path,
    server_name: str = "localhost",
) -> Path:
    """Write the shipped site into ``tmp_path`` listening on 127.0.0.1 at the given ports
    (IPv6 listeners left out), proxying to ``upstreams`` ("127.0.0.1:PORT" each), with its
    logs and cache in ``tmp_path``; return its path."""
    if not upstreams:
        raise ValueError("at least one upstream")
    text = SITE.read_text(encoding="utf-8")
    servers, count = re.subn(
        r"^(\s*)server 127\.0\.0\.1:8000;$",
        lambda match: "\n".join(f"{match.group(1)}server {address};" for address in upstreams),
        text,
        flags=re.MULTILINE,
    )
    if count != 1:
        raise AssertionError(f"expected one 'server 127.0.0.1:8000;' line, found {count}")
    text = servers
    text = _replace(text, "listen [::]:443", "# listen [::]:443")
    text = _replace(text, "listen [::]:80", "# listen [::]:80")
    text = _replace(text, "listen 443", f"listen 127.0.0.1:{https_port}")
    text = _replace(text, "listen 80", f"listen 127.0.0.1:{http_port}")
    # The redirect to https names no port in production (443); here it must.
    text = _replace(
        text, "https://$server_name$request_uri", f"https://$server_name:{https_port}$request_uri"
    )
    text = _replace(text, "portal.example.fi", server_name)
    text = _replace(text, "/etc/ssl/portal/fullchain.pem", str(cert))
    text = _replace(text, "/etc/ssl/portal/privkey.pem", str(key))
    text = _replace(text, "/var/log/nginx/portal.access.log", str(tmp_path / "access.log"))
    text = _replace(text, "/var/log/nginx/portal.error.log", str(tmp_path / "error.log"))
    text = _replace(text, "/var/cache/nginx/portal", str(tmp_path / "cache"))
    text = _replace(text, "root /var/www/html;", f"root {tmp_path / 'acme'};")
    site = tmp_path / "site.conf"
    site.write_text(text, encoding="utf-8")
    return site


def write_main_conf(tmp_path: Path, site_path: Path) -> Path:
    """Write an nginx.conf that includes the site inside its http block, as Debian's does,
    with every file nginx writes in ``tmp_path``; return its path."""
    temp = tmp_path / "temp"
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (temp / name).mkdir(parents=True, exist_ok=True)
    # A master started as root hands its workers to the "user" directive's user (nobody by
    # default), who could not read the test's private folder; otherwise the directive is
    # ignored with a warning, so it is written only for root.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"""{user}worker_processes 1;
pid {tmp_path / "nginx.pid"};
error_log {tmp_path / "error.log"};

events {{
    worker_connections 64;
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp_path / "access.log"};
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};

    include {site_path};
}}
""",
        encoding="utf-8",
    )
    return main


def nginx_command(tmp_path: Path, main_conf: Path, *arguments: str) -> list[str]:
    """The nginx command line for this folder and configuration, e.g. ``"-t"``."""
    if NGINX is None:
        raise FileNotFoundError("nginx is not installed")
    error_log = str(tmp_path / "error.log")
    return [NGINX, "-p", str(tmp_path), "-e", error_log, "-c", str(main_conf), *arguments]
