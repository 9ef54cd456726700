"""Production settings (DEBUG off) checked in a fresh process, as a territory would start them."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "terroir.example.org",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "DJANGO_SETTINGS_MODULE": "terroir.settings",
    "PYTHONPATH": str(ROOT),
}

HEADERS_SCRIPT = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="terroir.example.org", HTTP_X_FORWARDED_PROTO="https")
api = client.get("/api/v1/kinds")
login = client.get("/account/login/")
plain = Client(HTTP_HOST="terroir.example.org").get("/api/v1/kinds")
print(json.dumps({"headers": dict(api.headers), "csrf": login.cookies["csrftoken"].output(), "plain": plain.status_code,
                  "location": plain.headers.get("Location", "")}))
"""


def environment(**overrides: str) -> dict[str, str]:
    # The browser tests allow Django's synchronous calls inside Playwright's event loop in this process;
    # a server in production never does.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**inherited, **PRODUCTION, **overrides}


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = environment(DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_deployment_checklist_has_nothing_to_say(tmp_path: Path) -> None:
    result = run([sys.executable, "manage.py", "check", "--deploy"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_production_answers_carry_the_security_headers_and_secure_cookies(tmp_path: Path) -> None:
    result = run([sys.executable, "-c", HEADERS_SCRIPT], tmp_path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    headers = seen["headers"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Secure" in seen["csrf"] and "SameSite=Lax" in seen["csrf"]
    assert seen["plain"] == 301 and seen["location"].startswith("https://")


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = environment(SECRET_KEY="")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
