"""Screenshots of the main pages for the docs: `make screenshots` (or `.venv/bin/python scripts/screenshots.py`).

Loads the demo territory into a throw-away SQLite database, serves it on a free local port, signs in as a
visitor, a producer, a buyer and a coordinator, plans the demo week of pooled rounds, and takes each main
page at desktop (1366×900) and phone (390×844) size with Playwright and Debian's Chromium, in French.
The PNGs go to docs/screenshots/ (colours reduced to a palette, so that each stays small). Nothing leaves
the machine: the map shows no tiles, as in the tests.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SIZES: dict[str, Any] = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(database: Path) -> dict[str, Any]:
    """The demo territory and the personas; returns the paths to take, by persona."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terroir.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from terroir.accounts.models import Membership
    from terroir.directory.models import Actor, Place
    from terroir.logistics import services, studies
    from terroir.logistics.models import DeliveryOrder, RelayCandidate, Vehicle

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_demo", verbosity=0)

    def person(username: str, *, staff: bool = False) -> Any:
        user = get_user_model().objects.create_user(username=username, email=f"{username}@example.org",
                                                    password=None, is_staff=staff)  # fmt: skip
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user

    place = Place.objects.filter(producers__isnull=False, kind="producers_shop").first() or Place.objects.first()
    assert place is not None
    farm = place.producers.first() or Actor.objects.filter(is_producer=True).first()
    assert farm is not None, "the demo has producers"
    market = Place.objects.filter(kind="market").first() or place
    buyer_actor = Actor.objects.filter(is_buyer=True).first() or Actor.objects.create(
        name="Restaurant scolaire de Thiers", is_buyer=True, buyer_kind="canteen"
    )
    producer, buyer, coordinator = person("producteur"), person("acheteur"), person("coordinatrice", staff=True)
    Membership.objects.create(user=producer, actor=farm, how="coordinator")
    Membership.objects.create(user=buyer, actor=buyer_actor, how="coordinator")
    week_orders = DeliveryOrder.objects.order_by("-week")
    run_path = study_path = ""
    if week_orders.exists():
        week = week_orders[0].week
        orders = list(DeliveryOrder.objects.filter(week=week))
        problem, labels = services.problem_for_week(list(Vehicle.objects.filter(active=True)), orders)
        run = services.run_start(problem, by=coordinator, week=week, labels=labels, time_limit_s=5, background=False)
        run_path = f"/logistics/runs/{run.pk}/"
        problem, labels = studies.study_problem(list(RelayCandidate.objects.all()), orders, week=week)
        study = studies.study_start(problem=problem, labels=labels, week=week, by=coordinator, owner=None,
                                    background=False)  # fmt: skip
        study_path = f"/logistics/studies/{study.pk}/"
    pages = {
        None: [("home", "/"), ("search", "/?commune=Ambert&radius_km=20"), ("markets", "/?kind=market"),
               ("place", f"/places/{market.pk}/"), ("producer", f"/producers/{farm.pk}/"), ("needs", "/needs/")],
        producer: [("producer-space", "/account/space/"), ("producer-edit", f"/edit/actor/{farm.pk}/"),
                   ("products-edit", f"/edit/actor/{farm.pk}/products/")],
        buyer: [("need-form", "/needs/new/")],
        coordinator: [("coordination", "/coordination/"), ("imports", "/imports/"), ("planner", "/logistics/")]
        + ([("rounds", run_path), ("rounds-map", run_path + "#rounds-map-title"), ("route-sheet", run_path + "sheets/")]
           if run_path else [])
        + ([("relay-study", study_path)] if study_path else []),
    }  # fmt: skip
    return pages


def session_cookie(user: Any) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def wait_until_served(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def shrink(path: Path) -> None:
    """A palette of 256 colours: the pages are flat colours and text, so it looks the same at a third of
    the size."""
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="terroir-shots-") as tmp:
        os.environ.update({
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3", "TERROIR_TILE_URL": "", "TERROIR_ROUTING_URL": "",
            "TERROIR_TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "TERROIR_TASK_ISOLATION": "0", "MEDIA_ROOT": f"{tmp}/media", "TERROIR_IMPORT_DIR": f"{tmp}/imports",
        })  # fmt: skip
        pages = prepare(Path(tmp) / "db.sqlite3")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT, env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_until_served(url + "/")
            shoot(pages, url, out)
        finally:
            server.terminate()
            server.wait(timeout=30)


def shoot(pages: dict[Any, list[tuple[str, str]]], url: str, out: Path) -> None:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the session cookies are made beside Playwright's loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for user, paths in pages.items():
            for size, viewport in SIZES.items():
                context = browser.new_context(locale="fr-FR", viewport=viewport)
                if user is not None:
                    context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "url": url}])
                tab = context.new_page()
                # Nothing leaves the machine: any request that is not to the local server is refused.
                tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
                for name, path in paths:
                    response = tab.goto(url + path)
                    same_page = response is None and "#" in path  # a jump within the page loaded before
                    if not same_page and (response is None or response.status != 200):
                        raise SystemExit(f"{path}: {response.status if response else 'no answer'}")
                    tab.wait_for_load_state("networkidle")
                    if "#" in path:  # the part of the page the picture is about
                        tab.evaluate("id => document.getElementById(id).scrollIntoView()", path.split("#", 1)[1])
                    target = out / f"{name}-{size}.png"
                    tab.screenshot(path=str(target))
                    shrink(target)
                    print(f"{target} ({target.stat().st_size // 1024} KB)")
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
