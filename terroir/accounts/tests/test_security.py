"""Production settings (DEBUG off) checked in a fresh process, as a territory would start them."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest

ROOT = Path(__file__).resolve().parents[3]

# The production settings docs/operations.md documents, nothing more: HTTPS redirect and HSTS are the
# defaults when DEBUG is off; the reverse proxy in front ends TLS.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "terroir.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://terroir.example.org",
    "TERROIR_PROXY_COUNT": "1",
    "DJANGO_SETTINGS_MODULE": "terroir.settings",
    "PYTHONPATH": str(ROOT),
}

# One fresh process for the deployment checklist and the answers, which start from the same environment:
# `manage.py check --deploy` as manage.py runs it (its output and exit code kept), then the requests. Each
# start of a process costs 1.5–2 s of processor in `django.setup()` (docs/performance.md, round 10).
PRODUCTION_SCRIPT = """
import contextlib, io, json
from django.core.management import execute_from_command_line
out, err, code = io.StringIO(), io.StringIO(), 0
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    try:
        execute_from_command_line(["manage.py", "check", "--deploy"])
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
from django.test import Client
client = Client(HTTP_HOST="terroir.example.org", HTTP_X_FORWARDED_PROTO="https")
api = client.get("/api/v1/kinds")
login = client.get("/account/login/")
plain = Client(HTTP_HOST="terroir.example.org").get("/api/v1/kinds")
print(json.dumps({"check": {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()},
                  "headers": dict(api.headers), "csrf": login.cookies["csrftoken"].output(), "plain": plain.status_code,
                  "location": plain.headers.get("Location", "")}))
"""

SPOOF_SCRIPT = """
import json, django
django.setup()
from django.test import Client
spoofed = Client(HTTP_HOST="terroir.example.org", HTTP_X_FORWARDED_PROTO="https").get("/api/v1/kinds")
print(json.dumps({"status": spoofed.status_code, "headers": dict(spoofed.headers)}))
"""


def environment(**overrides: str) -> dict[str, str]:
    # The browser tests allow Django's synchronous calls inside Playwright's event loop in this process;
    # a server in production never does.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**inherited, **PRODUCTION, **overrides}


def run(args: list[str], tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = environment(DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}", **overrides)
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = run([sys.executable, "-c", PRODUCTION_SCRIPT], tmp_path_factory.mktemp("production"))
    assert result.returncode == 0, result.stderr
    return cast(dict[str, Any], json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_deployment_checklist_has_nothing_to_say(production: dict[str, Any]) -> None:
    check = production["check"]
    assert check["code"] == 0, check["stderr"]
    assert "System check identified no issues" in check["stdout"], check["stdout"] + check["stderr"]


def test_production_answers_carry_the_security_headers_and_secure_cookies(production: dict[str, Any]) -> None:
    seen = production
    headers = seen["headers"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Secure" in seen["csrf"] and "SameSite=Lax" in seen["csrf"]
    assert seen["plain"] == 301 and seen["location"].startswith("https://")


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = environment(SECRET_KEY="")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_without_a_proxy_a_client_s_x_forwarded_proto_is_not_believed(tmp_path: Path) -> None:
    # Clients connect directly (TERROIR_PROXY_COUNT=0): a request claiming "https" in the proxy's header is
    # still plain HTTP, and is redirected; HSTS is only sent over HTTPS.
    result = run([sys.executable, "-c", SPOOF_SCRIPT], tmp_path, TERROIR_PROXY_COUNT="0")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 301 and seen["headers"]["Location"] == "https://terroir.example.org/api/v1/kinds"
    assert "Strict-Transport-Security" not in seen["headers"]
