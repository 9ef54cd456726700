"""Shared test fixtures: the communes of the demo territory and named personas.

The personas are a small, hand-written territory around Ambert, Thiers and Clermont-Ferrand (and one
place in Poitiers, far away), so that every test reads like a story about real kinds of places.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests judge what a function answers, not how fast: on a loaded machine (CI, two cores) a
# deadline or the "too slow" health check fails a correct test. Speed is measured in bench/.
hypothesis_settings.register_profile("terroir", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("terroir")

TEST_DEPARTMENTS = {"63", "43", "42", "03", "15", "86"}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    # Form controls in the page's language (<html lang="fr">: a date field reads 01/03/2026), not the
    # browser's en-US, which a context's locale does not change.
    "--enable-blink-features=LangAttributeAwareFormControlUI",
]  # fmt: skip


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: Any) -> None:
    """On SQLite the test database is a file, not memory, so that a real worker process can share it
    (terroir/directory/tests/test_worker.py)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One test process at a time in the block, across the processes of a run (an advisory file lock)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# The migrated test database, kept between runs (SQLite: the file; PostgreSQL: a pg_dump of it) under a key
# made of everything the migrations are built from. TERROIR_TEST_DATABASES=off migrates every run.
TEST_DATABASES = Path(__file__).resolve().parent.parent / "var" / "test-databases"
TEST_DATABASES_KEPT = 4  # the newest kept per database engine: a branch switch back finds its own
TEST_DATABASE_FORMAT = "1"  # raised when what the cache holds, or how it is made, changes


def _module_file(name: str) -> Path | None:
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec and spec.origin and spec.origin.endswith(".py") else None


def _project_imports(path: Path, package: str) -> set[str]:
    """The `terroir` modules a source file imports, anywhere in it (a data migration imports what it
    calls inside its function)."""
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name == "terroir" or name.startswith("terroir.")}


def migrated_database_key(connection: Any) -> str:
    """A digest of what the migrated test database is made of: every installed app's migration files (or
    its models module when it has no migrations: syncdb), the project modules the migrations import —
    followed through their own imports, since a data migration's result is that code's — the reference
    data the data migrations read (terroir/data/ and the communes file), Django's and the database
    server's versions and the settings `migrate` reads. Any change to one of them is another key, hence a
    new build: a stale database is never reused. A data migration reading a file elsewhere adds it here."""
    import hashlib
    import importlib.util

    import django
    from django.apps import apps
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("format", TEST_DATABASE_FORMAT.encode())
    add("django", django.__version__.encode())
    add("engine", connection.vendor.encode())
    if connection.vendor == "postgresql":
        add("server", str(connection.pg_version).encode())
    else:
        add("server", connection.Database.sqlite_version.encode())
    add("apps", repr([config.name for config in apps.get_app_configs()]).encode())
    add("caches", repr(sorted(settings.CACHES.items())).encode())
    # The reference data the data migrations load: the project's data folder, and the communes file
    # wherever the settings put it.
    data = Path(__file__).resolve().parent / "data"
    for path in sorted({*(path for path in data.rglob("*") if path.is_file()), Path(settings.TERROIR_COMMUNES_FILE)}):
        add(f"data/{path.name}", path.read_bytes())
    followed: dict[str, Path] = {}
    pending: list[tuple[str, Path]] = []
    for config in apps.get_app_configs():
        module, _explicit = MigrationLoader.migrations_module(config.label)
        spec = importlib.util.find_spec(module) if module else None
        folders = list(spec.submodule_search_locations or []) if spec else []
        files = sorted(path for folder in folders for path in Path(folder).rglob("*.py"))
        if not files and config.models_module is not None:
            files = [Path(str(config.models_module.__file__))]
        for path in files:
            add(f"{config.label}/{path.name}", path.read_bytes())
            if config.name.startswith("terroir."):
                pending.append((module or config.name, path))
    while pending:
        package, path = pending.pop()
        for name in sorted(_project_imports(path, package)):
            found = _module_file(name)
            if found is None or name in followed:
                continue
            followed[name] = found
            pending.append((name if found.name == "__init__.py" else name.rpartition(".")[0], found))
    for name in sorted(followed):
        add(name, followed[name].read_bytes())
    return digest.hexdigest()[:32]


def _test_databases_pruned(folder: Path, suffix: str) -> None:
    """The newest few of an engine's kept databases stay; a build left half-done by a killed run goes."""
    import time

    kept = sorted(folder.glob(f"*{suffix}"), key=lambda path: path.stat().st_mtime, reverse=True)
    for path in kept[TEST_DATABASES_KEPT:]:
        path.unlink(missing_ok=True)
    for path in folder.glob("*.building*"):
        if time.time() - path.stat().st_mtime > 3600:
            path.unlink(missing_ok=True)


def _pg_tool(name: str) -> str | None:
    """pg_dump and pg_restore of the newest server installed (as scripts/with-postgres.sh picks it)."""
    folders = [os.environ["PG_BIN"]] if os.environ.get("PG_BIN") else []
    folders += sorted(
        (str(path) for path in Path("/usr/lib/postgresql").glob("*/bin")),
        key=lambda folder: int(Path(folder).parent.name) if Path(folder).parent.name.isdigit() else 0,
        reverse=True,
    )  # fmt: skip
    for folder in folders:
        if os.access(Path(folder) / name, os.X_OK):
            return str(Path(folder) / name)
    return shutil.which(name)


def _pg_run(tool: str, database: dict[str, Any], *arguments: str) -> None:
    import subprocess

    environment = {**os.environ, "PGPASSWORD": str(database.get("PASSWORD") or "")}
    command = [tool, "--host", str(database.get("HOST") or "localhost"), "--port", str(database.get("PORT") or 5432),
               "--username", str(database.get("USER") or ""), *arguments]  # fmt: skip
    subprocess.run(command, env=environment, check=True, capture_output=True)


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest, django_test_environment: None, django_db_blocker: Any, django_db_keepdb: bool,
    django_db_use_migrations: bool, django_db_modify_db_settings: None, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:  # fmt: skip
    """The test database is migrated once and kept for the next runs (`var/test-databases/`, under
    `migrated_database_key`: a change to a migration, to the code a migration runs or to the data it reads
    makes another key, so a stale database is never used). Each test process then copies it (SQLite: the
    file; PostgreSQL: the kept dump is restored once per run into a template database, which each process
    copies with CREATE DATABASE … TEMPLATE) and drops its copy at the end; the last one out drops the
    template. Migrating costs 11 s of processor time, and under xdist the other processes waited for it.
    A run that finds no kept database migrates one under a lock (the other processes wait, then copy it)
    and keeps it. --reuse-db, --no-migrations, a test that needs serialized contents, another database
    than `default` or TERROIR_TEST_DATABASES=off: pytest-django's own setup, each process migrating
    its own database."""
    from django.conf import settings
    from django.db import connection
    from pytest_django.fixtures import _get_databases_for_setup

    aliases, serialized = _get_databases_for_setup(request.session.items)
    if (
        django_db_keepdb or not django_db_use_migrations or serialized or aliases != {"default"}
        or os.environ.get("TERROIR_TEST_DATABASES", "").lower() in {"off", "0", "no"}
    ):  # fmt: skip
        request.getfixturevalue("django_db_setup")  # pytest-django's
        yield
        return

    workerinput = getattr(request.config, "workerinput", None)
    worker = workerinput["workerid"] if workerinput else "main"
    verbosity = request.config.option.verbose
    # The run's folder, above each xdist process's own; without xdist, this process's.
    shared = tmp_path_factory.getbasetemp().parent if workerinput else tmp_path_factory.getbasetemp()
    database, creation = connection.settings_dict, connection.creation
    original = database["NAME"]
    kept = Path(os.environ.get("TERROIR_TEST_DATABASES_DIR") or TEST_DATABASES)
    kept.mkdir(parents=True, exist_ok=True)
    sqlite = database["ENGINE"] == "django.db.backends.sqlite3"
    built, users = shared / "database.template", shared / "database.users"

    def name_set(name: str) -> None:
        database["NAME"] = settings.DATABASES["default"]["NAME"] = name

    def migrated(name: str) -> None:
        """A test database `name` migrated from zero, alone on its file or server."""
        database["TEST"]["NAME"] = name
        creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
        if sqlite:  # the copy is of the file alone: everything in it, nothing left in the write-ahead log
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()

    with django_db_blocker.unblock():
        key = migrated_database_key(connection)
        connection.close()
        if sqlite:
            own = database["TEST"]["NAME"]  # this process's file (django_db_modify_db_settings)
            kept_file = kept / f"{key}.sqlite3"
            with _locked(kept / "sqlite.lock"):
                if not kept_file.exists():
                    building = kept / f"{key}.building-{os.getpid()}.sqlite3"
                    migrated(str(building))
                    os.replace(building, kept_file)
                    for extra in ("-wal", "-shm"):
                        Path(f"{building}{extra}").unlink(missing_ok=True)
                kept_file.touch()  # the newest used are the ones kept
                _test_databases_pruned(kept, ".sqlite3")
                shutil.copyfile(kept_file, own)
            database["TEST"]["NAME"] = own
            name_set(own)
        else:
            template = (database["TEST"].get("NAME") or f"test_{original}").removesuffix(f"_{worker}") + "_template"
            with _locked(shared / "database.lock"):
                if built.exists():
                    name_set(template)
                else:
                    with _locked(kept / "postgresql.lock"):
                        _pg_template_made(template, kept / f"{key}.pgdump", migrated)
                    built.touch()
                connection.close()
                creation.clone_test_db(suffix=worker, verbosity=verbosity)
                users.write_text("".join(sorted({*_lines(users), f"{worker}\n"})))
            name_set(creation.get_test_db_clone_settings(worker)["NAME"])
            connection.close()

    yield

    _request_threads_ended()
    with django_db_blocker.unblock():
        if sqlite:
            connection.close()
            for extra in ("", "-wal", "-shm", "-journal"):
                Path(f"{own}{extra}").unlink(missing_ok=True)
            name_set(original)
            return
        with _locked(shared / "database.lock"):
            name_set(template)
            try:
                creation.destroy_test_db(original, verbosity=verbosity, suffix=worker)
                remaining = [line for line in _lines(users) if line != f"{worker}\n"]
                users.write_text("".join(remaining))
                if not remaining:
                    name_set(template)
                    built.unlink()
                    creation.destroy_test_db(original, verbosity=verbosity)
            except Exception as error:  # as pytest-django: a database left behind is not a failed test
                request.node.warn(pytest.PytestWarning(f"Error when trying to teardown test databases: {error!r}"))
            finally:
                name_set(original)


def _request_threads_ended(timeout: float = 15.0) -> None:
    """Wait for the live server's request threads to end. The server answers each of the browser's
    keep-alive connections in a thread of its own, which keeps its database connection open between
    requests (`conn_max_age`) and closes it when the browser closes the socket (Django's
    `ThreadedWSGIServer.close_request`): PostgreSQL refused to drop a process's test database still
    used by 3–4 of them at the end of a run (round 13). The browser is closed first (`browser` needs
    `django_db_setup`); its threads end a moment later."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(max(0.0, deadline - time.monotonic()))


def _pg_template_made(template: str, kept_dump: Path, migrated: Any) -> None:
    """The template database of a PostgreSQL run: restored from the kept dump, or migrated and dumped."""
    from django.conf import settings
    from django.db import connection

    database = connection.settings_dict
    pg_dump, pg_restore = _pg_tool("pg_dump"), _pg_tool("pg_restore")
    if kept_dump.exists() and pg_restore:
        quoted = connection.ops.quote_name(template)
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")
            cursor.execute(f"CREATE DATABASE {quoted}")
        _pg_run(pg_restore, database, "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", template,
                str(kept_dump))  # fmt: skip
        database["NAME"] = template
        settings.DATABASES["default"]["NAME"] = template
        kept_dump.touch()
    else:
        migrated(template)
        if pg_dump:
            building = kept_dump.with_name(f"{kept_dump.stem}.building-{os.getpid()}.pgdump")
            _pg_run(pg_dump, database, "--format=custom", "--file", str(building), template)
            os.replace(building, kept_dump)
    _test_databases_pruned(kept_dump.parent, ".pgdump")


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True) if path.exists() else []


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings: Any) -> None:
    """Tasks run when they are queued, in the test's process (the worker has its own tests, with a real
    worker process: terroir/directory/tests/test_worker.py)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.TERROIR_TASK_ISOLATION = False


# Reference data that the migrations load and no test changes: the communes (35,000 rows) and the taxonomy.
REFERENCE_MODELS = ("Commune", "CommuneName", "Category", "Label")


def _emptied_by_delete(connection: Any, tables: list[str]) -> list[str]:
    """PostgreSQL's flush is one TRUNCATE of the 117 tables, which gives each table and index a new file
    whether it holds rows or not: 0.26–0.35 s after every transactional test (load 14), the ~200 of them
    with a live server or a worker. A transactional test fills a few tables: one query finds which hold
    rows (12–30 ms), and those are emptied by DELETE in the flush's transaction, in any order, since
    Django's foreign keys are checked at commit (DEFERRABLE INITIALLY DEFERRED). The sequences go on as
    TRUNCATE without RESTART IDENTITY leaves them (a test that asks for reset sequences keeps TRUNCATE).
    A table whose own triggers refuse DELETE (carpool's append-only chain of responsibility) is emptied by
    TRUNCATE, first — before any DELETE queues deferred checks — with the tables that refer to it."""
    quoted = {table: connection.ops.quote_name(table) for table in tables}
    probe = " UNION ALL ".join(f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quoted[table]})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(probe, tables)
        holding = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relname = ANY(%s)",
            [holding],
        )
        guarded = sorted(row[0] for row in cursor.fetchall())
    truncate = [f"TRUNCATE {', '.join(quoted[table] for table in guarded)} CASCADE"] if guarded else []
    return truncate + [f"DELETE FROM {quoted[table]}" for table in holding if table not in guarded]


@pytest.fixture(scope="session", autouse=True)
def _flush_keeps_reference_data() -> Iterator[None]:
    """After each transactional test Django empties every table ("flush"). Reloading the communes after
    that took seconds per test (parsing the reference file, and the first time updating every commune of
    the test departments), so the flush leaves the reference tables alone: they hold what the migrations
    loaded, for every test. Only their tables are spared; nothing else survives a transactional test.
    The content types and permissions are spared too, and the flush no longer sends `post_migrate`: its
    receivers (contenttypes', auth's) refilled those two tables after every flush — 540 rows in a few
    transactions, 55 ms of processor and 0.3–0.7 s of wall (SQLite, load 12) per transactional test —,
    and with the tables kept they would find every row there and make none. No test changes them."""
    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.commands import flush

    reference = {apps.get_model("directory", name)._meta.db_table for name in REFERENCE_MODELS}
    reference |= {ContentType._meta.db_table, Permission._meta.db_table}
    handle = flush.Command.handle

    def without_post_migrate(self: Any, *args: Any, **options: Any) -> None:
        handle(self, *args, **{**options, "inhibit_post_migrate": True})

    def sql_flush(style: Any, connection: Any, reset_sequences: bool = True, allow_cascade: bool = False) -> list[str]:
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        kept = [table for table in tables if table not in reference]
        if connection.vendor == "postgresql" and not reset_sequences and not allow_cascade:
            return _emptied_by_delete(connection, kept)
        return connection.ops.sql_flush(style, kept, reset_sequences=reset_sequences, allow_cascade=allow_cascade)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flush, "sql_flush", sql_flush)
        patch.setattr(flush.Command, "handle", without_post_migrate)
        yield


@pytest.fixture(scope="session", autouse=True)
def _static_files_listed_once() -> Iterator[None]:
    """Django's test client builds the middleware anew for each client, and the live server for each
    test: WhiteNoise (WHITENOISE_USE_FINDERS) then lists, stats and prepares the headers of every static
    file through the finders, 11 ms each time, a thousand times and more in a run. The files do not change
    during a run: each process lists them once per set of the settings WhiteNoise reads and gives the
    same prepared files to every new middleware, as one long-running server process would."""
    from django.conf import settings
    from whitenoise.middleware import WhiteNoiseMiddleware

    original = WhiteNoiseMiddleware.add_files_from_finders
    listed: dict[tuple[Any, ...], dict[str, Any]] = {}

    def add_files_from_finders(self: WhiteNoiseMiddleware) -> None:
        key = (
            self.static_prefix, self.max_age, self.allow_all_origins, self.charset, self.index_file,
            self.add_headers_function, getattr(settings, "WHITENOISE_IMMUTABLE_FILE_TEST", None),
            repr(settings.STATICFILES_DIRS), tuple(settings.STATICFILES_FINDERS),
            repr(getattr(settings, "WHITENOISE_MIMETYPES", None)),
        )  # fmt: skip
        if key not in listed:
            before = dict(self.files)
            original(self)
            listed[key] = {url: file for url, file in self.files.items() if before.get(url) is not file}
        self.files.update(listed[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WhiteNoiseMiddleware, "add_files_from_finders", add_files_from_finders)
        yield


@pytest.fixture
def communes_for_live_server() -> None:
    """The communes and the taxonomy in a transactional test. The flush keeps them
    (`_flush_keeps_reference_data`); a database built without the data migrations (`pytest
    --no-migrations`) has none: load those of the test departments."""
    from terroir.directory.communes import communes_load
    from terroir.directory.models import Category, Commune, Label
    from terroir.directory.taxonomy import sync

    if not Category.objects.exists():
        sync(Category, Label)
    if not Commune.objects.exists():
        communes_load(departments=TEST_DEPARTMENTS)


@contextmanager
def _screenshots_only_when_asked() -> Iterator[None]:
    """Screenshots written to a file are for a person to look at; a run of the suite looks at none. 56
    calls in the browser tests wrote one at every run (most of them full-page: 0.1–0.2 s of the
    browser's processor time each). They are taken when TERROIR_SCREENSHOTS is set (any value: a call
    that names its file writes it there, `screenshot()` into that folder) and skipped otherwise. A
    screenshot asked for its bytes (no `path`) is always taken: a test reads it."""
    if os.environ.get("TERROIR_SCREENSHOTS"):
        yield
        return
    from playwright.sync_api import Locator, Page

    def only_when_asked(original: Callable[..., bytes]) -> Callable[..., bytes]:
        def screenshot(self: Any, *args: Any, **kwargs: Any) -> bytes:
            if kwargs.get("path") is not None and not args:
                return b""
            return original(self, *args, **kwargs)

        return screenshot

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Page, "screenshot", only_when_asked(Page.screenshot))
        patch.setattr(Locator, "screenshot", only_when_asked(Locator.screenshot))
        yield


@pytest.fixture(scope="session")
def browser(django_db_setup: None) -> Iterator[Any]:
    """One Chromium per test process, for every browser test: each test opens its own context (its
    cookies and storage), which costs milliseconds where a launch costs a second or more. Closed before
    the test database is dropped (hence `django_db_setup`): each of Chromium's keep-alive connections to
    the live server holds a request thread, and that thread its database connection (`conn_max_age`), until
    the browser goes (`_request_threads_ended`)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a thread
    # with a running loop unless told it is safe (the test server runs in its own thread).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, _screenshots_only_when_asked():
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(autouse=True)
def _browser_contexts_closed(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every browser context a test opened is closed when it ends, whether or not the test closed it.
    The browser lives as long as the test process: a tab left open kept its page alive for the rest of
    the run (20-odd per run), and a page that polls (a planning run waiting for the worker) kept asking
    the live server during the tests that followed, on Chromium's and this process's processor time.
    The process's kept tab (`_Kept`) is not closed but emptied for the next test; the first browser test of
    a process warms it up first (`_warm_up`)."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    if "live_server" in request.fixturenames:
        _warm_up(browser, request.getfixturevalue("live_server"))
    before = set(browser.contexts)
    _kept.free = True
    try:
        yield
    finally:
        _kept.free = False
        for context in browser.contexts:
            if context not in before and context is not _kept.context:
                context.close()
        _kept.emptied()


class _Kept:
    """One browser context and one tab kept for the browser tests of a test process: a new tab costs about
    1 s of processor (a renderer started, its page set up by Playwright) and a new context with the
    catch-all route 1.8–2.0 s, where the page itself costs ~0.5 s (round 11). The first tab a test asks
    for (`french_tab`, `offline_tab` without a context, the `page` fixture) is this one, at the test's
    size; the person's next tabs and the test's other people get contexts of their own, as before.

    Between two tests — and when a test closes the kept tab's context, which then empties it for the
    test's next person instead — the tab is emptied: the pages the test opened beside it closed, the
    listeners and routes it added removed (the catch-all route kept), its init scripts (axe-core) removed,
    the media emulation undone, the page's storage cleared and `about:blank` loaded (nothing left to
    poll the live server), cookies and permissions cleared. What is left of a test is what a new context
    would not have: the browser's HTTP cache (off: every request goes through the route) and the
    renderer's own memory."""

    def __init__(self) -> None:
        self.browser: Any = None
        self.context: Any = None
        self.tab: Any = None
        self.listeners: dict[str, list[Any]] = {}
        self.scripts: list[Any] = []  # the init scripts added to the kept tab, removed when it is emptied
        self.free = False  # the running test may take the kept tab
        self.used = False  # something happened in the kept tab since it was last emptied
        self.warm = False

    def take(self, browser: Any, live_server: Any, size: tuple[int, int]) -> Any:
        """The kept tab at `size`, or None if this test already has it (or is not a browser test)."""
        if not self.free or (self.browser is not None and self.browser is not browser):
            return None
        self.free = False
        if self.context is None or self.context not in browser.contexts:
            self.browser = browser
            self.context = browser.new_context(locale="fr-FR", viewport={"width": size[0], "height": size[1]})

            def close(*args: Any, **kwargs: Any) -> None:
                # A test that is done with this person: the tab is emptied for the test's next person.
                self.emptied()
                self.free = True

            self.context.close = close
            self.tab = None
        self.live_url = live_server.url
        if self.tab is None or self.tab.is_closed():
            self.tab = offline_tab(browser, live_server, self.context)
            emitter = self.tab._impl_obj
            self.listeners = {name: list(emitter.raw_listeners(name)) for name in emitter.event_names()}
        self.tab.set_viewport_size({"width": size[0], "height": size[1]})
        self.tab.set_default_timeout(15_000)
        self.used = True
        return self.tab

    def emptied(self) -> None:
        """The kept tab as a new one would be, for the next test (see the class)."""
        if not self.used or self.context is None:
            return
        self.used = False
        for tab in self.context.pages:
            if tab is not self.tab:
                tab.close()
        for script in self.scripts:
            script.close()
        self.scripts = []
        _axe_contexts.discard(self.tab)
        if self.tab is not None and not self.tab.is_closed():
            tab, emitter = self.tab, self.tab._impl_obj
            for name in emitter.event_names():
                for listener in emitter.raw_listeners(name):
                    if listener not in self.listeners.get(name, []):
                        emitter.remove_listener(name, listener)
            if len(emitter._routes) != 1:  # the test routed requests of its own
                tab.unroute_all(behavior="ignoreErrors")
                tab.route("**/*", _route_offline(self.live_url))
            tab.emulate_media(media="null")
            if tab.url != "about:blank":
                with suppress(Exception):  # a page that is not the site's, or that a dialog holds
                    tab.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
                tab.goto("about:blank")
        self.context.clear_cookies()
        self.context.clear_permissions()

    live_url = ""


_kept = _Kept()


def _warm_up(browser: Any, live_server: Any) -> None:
    """The first page load of a test process — Django's first request (its URLs, views and templates
    imported and compiled), Chromium's first renderer — took more than the 15 s a page is given under
    load, failing the first test of about one process in two (round 11). Before the first browser test of
    a process, the kept tab loads the home page with its stylesheets and scripts, given a minute; a
    warm-up that still times out is left to the test's own first load."""
    if _kept.warm:
        return
    _kept.warm = True
    _kept.live_url = live_server.url
    _kept.free = True
    tab = _kept.take(browser, live_server, (1280, 900))
    with suppress(Exception):
        tab.goto(live_server.url + "/", wait_until="load", timeout=60_000)
    _kept.emptied()


def _route_offline(url: str) -> Callable[[Any], Any]:
    return lambda route: route.continue_() if route.request.url.startswith(url) else route.abort()


def offline_tab(browser: Any, live_server: Any, context: Any = None) -> Any:
    """A person's browser tab, in French, that reaches nothing but the test server: in `context` (beside
    that person's other tabs, sharing their cookies) or else the process's kept tab (`_Kept`) if the test
    has not taken it yet, or else a tab in a context of its own."""
    if context is None:
        kept = _kept.take(browser, live_server, (1280, 900))
        if kept is not None:
            return kept
    context = context or browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    # Nothing leaves the machine: any request that is not to the test server is refused.
    tab.route("**/*", _route_offline(live_server.url))
    return tab


def signed_in(tab: Any, user: Any, live_server: Any) -> Any:
    """The tab's context carries `user`'s session (logged in by the test client, no login page)."""
    from django.test import Client  # like every Django import of this module: once Django is set up

    client = Client()
    client.force_login(user)
    tab.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return tab


def french_tab(browser: Any, live_server: Any, user: Any, size: tuple[int, int]) -> Any:
    """A French tab of `size` (width, height), signed in as `user` (None: a visitor): the process's kept tab
    (`_Kept`) if the test has not taken it yet, else a new tab in a context of its own."""
    tab = _kept.take(browser, live_server, size)
    if tab is None:
        context = browser.new_context(locale="fr-FR", viewport={"width": size[0], "height": size[1]})
        tab = offline_tab(browser, live_server, context)
    return tab if user is None else signed_in(tab, user, live_server)


def wider_than_the_screen(tab: Any) -> int:
    """By how many pixels the open page is wider than the screen (0 or less: nothing runs off it, no
    sideways scrolling). The one check of the browser tests' "no page wider than the screen"; measured
    once the page has loaded its stylesheets: a layout forced before they arrive is unstyled (CI saw a
    page 1,058 px too wide that way)."""
    tab.wait_for_load_state("load")
    return int(tab.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))


def past_the_edge(tab: Any, *, clipped: str = ".table-scroll, svg, .leaflet-container, .visually-hidden") -> list[str]:
    """The elements of the page's content (`main`) that reach past the screen's edge or whose text
    overflows their box (a long word in a heading): a page that clips its overflow scrolls nothing
    sideways and still cuts them. Not those inside `clipped`: tables scroll in their own box, a map clips
    what it draws outside its frame, text for screen readers only is a 1-pixel box."""
    tab.wait_for_load_state("load")
    return list(tab.evaluate(
        "clipped => [...document.querySelectorAll('main *')].filter(e => !e.closest(clipped))"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 || e.scrollWidth > e.clientWidth + 1)"
        ".map(e => e.tagName + (e.id ? '#' + e.id : ''))",
        clipped,
    ))  # fmt: skip


def screenshot(tab: Any, name: str) -> None:
    """A screenshot of the whole page into the folder that TERROIR_SCREENSHOTS names, to look at the pages
    as a person would (`TERROIR_SCREENSHOTS=/tmp/shots pytest …`); nothing otherwise: a full-page
    screenshot costs the browser 0.1–0.2 s of processor time, and a run of the suite looks at none."""
    folder = os.environ.get("TERROIR_SCREENSHOTS")
    if folder:
        shot(tab, folder, name)


def shot(tab: Any, folder: str | Path, name: str, *, full_page: bool = True) -> None:
    """A screenshot of the page (the whole of it, or the screen's part with `full_page=False`) as
    `folder/name.png`, the folder made if missing, when TERROIR_SCREENSHOTS is set (any value); nothing
    otherwise. For a module whose screenshots go to a folder of its own (`/tmp/shots-<app>`);
    `screenshot()` writes into the folder TERROIR_SCREENSHOTS names."""
    if os.environ.get("TERROIR_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


AXE = Path(__file__).resolve().parent / "site" / "tests" / "vendor" / "axe-core" / "axe.min.js"
AXE_BLOCKING = ("serious", "critical")


# axe-core's rules that can find nothing serious or critical: the rule's impact and each of its checks'
# impacts are all minor or moderate (read from axe-core's own metadata; a check of unknown impact keeps its
# rule). Their findings would be dropped, so they are not run: about a fifth of axe.run's time (round 10).
AXE_RUN = """() => {
  const low = impact => impact === 'minor' || impact === 'moderate';
  const checks = rule => [...rule.any, ...rule.all, ...rule.none].map(c => axe._audit.checks[c.id ?? c]);
  const skipped = axe._audit.rules
    .filter(r => (!r.impact || low(r.impact)) && checks(r).every(c => low(c?.metadata?.impact)));
  const rules = Object.fromEntries(skipped.map(r => [r.id, {enabled: false}]));
  return axe.run(document, {resultTypes: ['violations'], rules});
}"""


_axe_contexts: weakref.WeakSet[Any] = weakref.WeakSet()  # contexts (kept tabs) loading axe-core in each page


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8") + "\n;undefined"


def violations(tab: Any) -> list[str]:
    """The serious and critical accessibility violations axe-core finds on the open page, one line each:
    rule, impact, where. axe-core is vendored for the tests only (site/tests/vendor/axe-core, MPL-2.0): it
    runs inside the page through the browser's debugging protocol, which the pages' strict CSP does not
    block. It costs the browser about 0.25 s a page; the rules that can only find minor or moderate
    problems are not run (`AXE_RUN`), and once a context has run it, its next pages load axe-core as they
    open."""
    if not tab.evaluate("() => typeof window.axe !== 'undefined'"):
        tab.evaluate(_axe_source())
        # In the kept context (`_Kept`), the tab's own: the next test's pages are not all checked.
        holder = tab if tab.context is _kept.context else tab.context
        if holder not in _axe_contexts:
            # The next pages of this person's browser get axe-core as they load, from the browser itself,
            # where an evaluate sends its 500 kB through the driver and compiles it again on every page
            # (0.55–0.9 s of wall a page under load against 0.15–0.2 s, mostly waiting; round 10).
            script = holder.add_init_script(script=_axe_source())
            if tab is _kept.tab:  # removed when the kept tab is emptied for the next test
                _kept.scripts.append(script)
            _axe_contexts.add(holder)
    result = tab.evaluate(AXE_RUN)
    assert result["passes"], "axe-core did not run"  # a page it could not read would pass silently
    return [
        f"{v['id']} ({v['impact']}): {node['target']} — {node.get('failureSummary', '')[:160]}"
        for v in result["violations"]
        if v["impact"] in AXE_BLOCKING
        for node in v["nodes"]
    ]


def charts_overflow(tab: Any) -> list[str]:
    """The charts (`svg.chart`) of the open page whose right edge is past the screen's."""
    tab.wait_for_load_state("load")
    return list(tab.evaluate(
        "[...document.querySelectorAll('svg.chart')]"
        ".filter(c => c.getBoundingClientRect().right > window.innerWidth + 1).map(c => c.id)"
    ))  # fmt: skip


def page_fits(tab: Any, name: str = "", *, edge: bool = True, charts: bool = False, axe: bool = False) -> None:
    """The browser tests' check of an open page, once its stylesheets have loaded: it is no wider than
    the screen (no sideways scrolling); with `edge` (the default) nothing of its content reaches past the
    screen's edge or overflows its box (`past_the_edge`); with `charts`, no chart reaches past the screen's
    edge (`charts_overflow`: `past_the_edge` leaves SVG out); with `axe`, axe-core finds no serious or
    critical accessibility violation on it (`violations`, 0.25 s of the browser's time: ask for it where
    the page is the test's to check). `name` says which page in a failure's message."""
    where = name or tab.url
    extra = wider_than_the_screen(tab)
    assert extra <= 0, f"{where}: {extra} px wider than the screen"
    if edge:
        assert past_the_edge(tab) == [], where
    if charts:
        assert charts_overflow(tab) == [], where
    if axe:
        assert violations(tab) == [], where


def fits_at(tab: Any, size: tuple[int, int], name: str = "", **checks: bool) -> None:
    """`page_fits` of the open page at another screen size (width, height), without loading it again, then
    back to the tab's size: a journey run at its users' size checks each page it reaches at the other size
    in the state it reached it (round 12). The page's layout follows the screen's size (the stylesheets'
    media queries, Leaflet's maps on `resize`); a page whose scripts draw to the size they found when it
    loaded (the observatory's charts) is loaded at each size instead."""
    before = tab.viewport_size
    tab.set_viewport_size({"width": size[0], "height": size[1]})
    _layout_settled(tab, size[0])
    try:
        page_fits(tab, name or f"{tab.url} at {size[0]} px", **checks)
    finally:
        tab.set_viewport_size(before)
        if before:
            _layout_settled(tab, before["width"])


# The page's `resize` listeners (menu.js: a table's box that overflows joins the tab order) run at the
# browser's next rendering step, after the new size is already readable: two animation frames after the
# page sees its new width, they have run. Checking before them found a box scrolling outside the tab
# order (axe's scrollable-region-focusable, once in three PostgreSQL runs; stop 27).
_SETTLED = """width => new Promise(done => {
  const frames = () => requestAnimationFrame(() => requestAnimationFrame(() => done(true)));
  if (window.innerWidth === width) { frames(); return; }
  window.addEventListener('resize', function seen() {
    if (window.innerWidth !== width) { return; }
    window.removeEventListener('resize', seen);
    frames();
  });
})"""


def _layout_settled(tab: Any, width: int) -> None:
    tab.evaluate(_SETTLED, width)


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any) -> Iterator[Any]:
    settings.TERROIR_TILE_URL = ""
    tab = offline_tab(browser, live_server)
    yield tab
    tab.context.close()


@dataclass
class Territory:
    ambert: Any
    thiers: Any
    clermont: Any
    poitiers: Any
    cheese_farm: Any  # GAEC in Ambert: Fourme d'Ambert (AOP), organic
    honey_farm: Any  # beekeeper near Thiers
    market_gardener: Any  # vegetables near Clermont-Ferrand
    farm_shop: Any  # sale at the cheese farm, Friday and Saturday
    ambert_market: Any  # Thursday morning
    le_local: Any  # producers' shop in Ambert
    thiers_canteen: Any
    clermont_supermarket: Any
    poitiers_market: Any
    online_box: Any


def commune(code: str) -> Any:
    from terroir.directory.models import Commune

    return Commune.objects.get(code=code)


@pytest.fixture
def territory(request: pytest.FixtureRequest, db: Any) -> Territory:
    if SHARED in request.fixturenames:
        return request.getfixturevalue(SHARED)
    return territory_build()


def territory_build() -> Territory:
    from terroir.directory.models import Category, Label
    from terroir.directory.services import offer_set, place_create, producer_create

    ambert, thiers, clermont, poitiers = commune("63003"), commune("63430"), commune("63113"), commune("86194")
    labels = {label.slug: label for label in Label.objects.all()}
    cat = {c.slug: c for c in Category.objects.all()}
    verified = dt.date(2026, 6, 1)

    cheese_farm = producer_create(
        name="GAEC des Monts du Forez", legal_form="gaec", commune=ambert, lat=45.5601, lon=3.7702,
        siret="73282932000074", email="contact@monts-du-forez.example.org", phone="04 73 82 00 01",
        contact_public=True, verified_at=verified,
    )  # fmt: skip
    offer_set(producer=cheese_farm, category=cat["cow-cheese"], labels=[labels["aop"], labels["ab"]])
    offer_set(producer=cheese_farm, category=cat["butter-cream"], labels=[labels["ab"]])
    honey_farm = producer_create(
        name="Rucher de la Durolle",
        commune=thiers,
        lat=45.8702,
        lon=3.5601,
        email="miel@durolle.example.org",
        contact_public=False,
    )
    offer_set(producer=honey_farm, category=cat["honey"], months=0b0111_1110_0000)
    market_gardener = producer_create(name="EARL Les Jardins de Limagne", legal_form="earl", commune=clermont,
                                      lat=45.8001, lon=3.1502)  # fmt: skip
    offer_set(producer=market_gardener, category=cat["tomatoes"], labels=[labels["hve"]])
    offer_set(producer=market_gardener, category=cat["salads"])

    farm_shop = place_create(
        name="Vente à la ferme des Monts du Forez", kind="farm", commune=ambert, lat=45.5601, lon=3.7702,
        opening_hours="Fr 16:00-19:00; Sa 09:00-12:00", operator=cheese_farm, producers=[cheese_farm],
        verified_at=verified,
    )  # fmt: skip
    ambert_market = place_create(
        name="Marché d'Ambert", kind="market", commune=ambert, lat=45.5497, lon=3.7417, address="Place du Livradois",
        opening_hours="Th 07:00-13:00", producers=[cheese_farm, honey_farm],
    )  # fmt: skip
    le_local = place_create(
        name="Le Local, magasin de producteurs", kind="producers_shop", commune=ambert, lat=45.5489, lon=3.7450,
        opening_hours="Tu-Sa 09:00-12:30,15:00-19:00", producers=[cheese_farm, honey_farm],
        phone="04 73 82 00 02", contact_public=True,
    )  # fmt: skip
    thiers_canteen = place_create(
        name="Cantine du collège de Thiers", kind="canteen", commune=thiers, lat=45.8560, lon=3.5470,
        opening_hours="Mo-Fr 11:30-13:30", producers=[market_gardener],
    )  # fmt: skip
    clermont_supermarket = place_create(
        name="Supermarché des Volcans", kind="supermarket", commune=clermont, lat=45.7797, lon=3.0863,
        opening_hours="Mo-Sa 08:30-20:00", producers=[market_gardener, cheese_farm],
    )  # fmt: skip
    poitiers_market = place_create(
        name="Marché Notre-Dame", kind="market", commune=poitiers, lat=46.5841, lon=0.3469,
        opening_hours="Tu,Fr,Sa 07:00-13:00",
    )  # fmt: skip
    online_box = place_create(name="Panier fermier du Livradois", kind="online", commune=ambert, lat=None, lon=None,
                              producers=[cheese_farm])  # fmt: skip
    return Territory(
        ambert=ambert, thiers=thiers, clermont=clermont, poitiers=poitiers, cheese_farm=cheese_farm,
        honey_farm=honey_farm, market_gardener=market_gardener, farm_shop=farm_shop, ambert_market=ambert_market,
        le_local=le_local, thiers_canteen=thiers_canteen, clermont_supermarket=clermont_supermarket,
        poitiers_market=poitiers_market, online_box=online_box,
    )  # fmt: skip


# Sharing the territory (what Django's TestCase.setUpTestData does): consecutive tests of a module that ask
# for it see one territory, built once in an outer transaction; each test runs in a savepoint inside it
# (the `db` fixture's atomic nests) and gets its own deep copy of the instances, so neither its writes nor
# its in-memory changes reach the next test. The transaction is rolled back before the first test that
# does not share it runs, so that test sees the database as before. Transactional tests (live server,
# worker, `transactional_db`) keep building their own: their data must be committed.
SHARED = "_territory_shared"
TRANSACTIONAL = {"transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


@dataclass
class _Shared:
    key: tuple[str, tuple[str, ...]] = ("", ())
    atomic: Any = None
    territory: Territory | None = None
    built: dict[str, Any] = field(default_factory=dict)


_shared = _Shared()
# Fixtures built over the territory that the tests of a module share with it (`shared_in_module`): their builds.
SHAREABLE: dict[str, Callable[[Path, Territory], Any]] = {}
# Those of them shared by the tests of every module (`shared_in_run`), gathered at collection.
ACROSS_MODULES: set[str] = set()
RUN = "<run>"  # the sharing key's scope for them, in place of a module's name


def shared_in_run(build: Callable[[Path, Territory], Any]) -> Any:
    """As `shared_in_module`, for a costly build that tests of several modules read (the directory's demo
    under each upper app's demo): the tests of the whole run that ask for it are gathered at collection
    where the first of them stood, so that they run one after the other and share one build per process
    (under xdist, per batch of tests a process is sent), each in its savepoint with its own deep copy."""
    ACROSS_MODULES.add(build.__name__)
    return shared_in_module(build)


def shared_in_module(build: Callable[[Path, Territory], Any]) -> Any:
    """Makes `build(folder, territory)` a fixture of its name whose value the consecutive tests of a module
    that ask for it share, as they share the territory: built once in the outer transaction, right after
    the territory, each test getting its own deep copy and rolling its writes back. The tests of a module
    that ask for the territory without it share another build, without it (the sharing is keyed by the
    module and by the shared fixtures a test asks for). A transactional test, or `--territory-per-test`,
    builds it for itself, in a folder of its own."""
    name = build.__name__
    SHAREABLE[name] = build

    @pytest.fixture(name=name)
    def fixture(request: pytest.FixtureRequest, territory: Territory, tmp_path: Path) -> Any:
        if SHARED in request.fixturenames:
            import copy

            return copy.deepcopy(_shared.built[name])
        return build(tmp_path, territory)

    fixture.__doc__ = build.__doc__
    return fixture


def _sharing_key(item: Any) -> tuple[str, tuple[str, ...]]:
    names = tuple(sorted(name for name in SHAREABLE if name in item.fixturenames))
    return (RUN if ACROSS_MODULES.intersection(names) else item.module.__name__), names


def _shares(item: pytest.Item) -> bool:
    """A test shares the territory when it asks for the personas fixture of this file (not a module's own
    `territory`), in a transaction it does not commit."""
    info, names = getattr(item, "_fixtureinfo", None), getattr(item, "fixturenames", ())
    if info is None or "territory" not in names or TRANSACTIONAL & set(names):
        return False
    marker = item.get_closest_marker("django_db")
    if marker and any(marker.kwargs.get(k) for k in ("transaction", "reset_sequences", "serialized_rollback")):
        return False
    definitions = info.name2fixturedefs.get("territory", ())
    ours = territory.__wrapped__.__code__  # type: ignore[attr-defined]
    return bool(definitions) and getattr(definitions[-1].func, "__code__", None) is ours


BYTECODE = Path(__file__).resolve().parent.parent / "var" / "pycache"


def pytest_configure(config: pytest.Config) -> None:
    """Bytecode cached in `var/pycache/` when the environment forbids writing it beside the sources
    (`PYTHONDONTWRITEBYTECODE`): every interpreter the suite starts — the xdist processes, the child
    interpreters of the bounded-memory and bomb readers, the `manage.py worker` and production-settings
    processes, lint-imports — would otherwise compile the project's modules (and pytest rewrite the test
    modules' assertions) from source each time, ~1 s of processor per start. Python checks each cached
    file against its source, so a changed module is compiled again; the sources and the virtual
    environment stay as they were (a prefix keeps every cached file under `var/`, ignored by git and
    removed by `make clean`); a `PYTHONPYCACHEPREFIX` already set is kept."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return
    prefix = os.environ.get("PYTHONPYCACHEPREFIX") or str(BYTECODE)
    Path(prefix).mkdir(parents=True, exist_ok=True)
    del os.environ["PYTHONDONTWRITEBYTECODE"]
    os.environ["PYTHONPYCACHEPREFIX"] = prefix
    # This process too, for what it imports from now on (the test modules, with their rewritten asserts).
    sys.pycache_prefix = prefix
    sys.dont_write_bytecode = False


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--territory-per-test", action="store_true",
        help="build the personas territory for each test instead of sharing it between the tests of a module",
    )  # fmt: skip


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("territory_per_test"):
        return
    # First of the test's fixtures: the outer transaction must be open before the `db` fixture's savepoint.
    for item in items:
        if _shares(item):
            item.fixturenames.insert(0, SHARED)  # type: ignore[attr-defined]
    # The tests that share a build across modules run together, where the first of them stood (each
    # process collects the same order, which xdist requires).
    gathered: dict[tuple[str, tuple[str, ...]], list[pytest.Item]] = {}
    order: list[pytest.Item | tuple[str, tuple[str, ...]]] = []
    for item in items:
        key = _sharing_key(item) if SHARED in getattr(item, "fixturenames", ()) else None
        if key is None or key[0] != RUN:
            order.append(item)
            continue
        if key not in gathered:
            gathered[key] = []
            order.append(key)
        gathered[key].append(item)
    if gathered:
        items[:] = [one for entry in order for one in (gathered[entry] if isinstance(entry, tuple) else [entry])]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    item._terroir_next = nextitem  # type: ignore[attr-defined]  # read by _territory_shared's teardown
    return (yield)


def _shared_close() -> None:
    from django.db import transaction

    if _shared.atomic is not None:
        transaction.set_rollback(True)
        _shared.atomic.__exit__(None, None, None)
    _shared.key, _shared.atomic, _shared.territory, _shared.built = ("", ()), None, None, {}


@pytest.fixture(scope="session")
def _territory_keeper(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        _shared_close()


@pytest.fixture
def _territory_shared(
    request: pytest.FixtureRequest, _territory_keeper: None, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[Any]:
    import copy

    from django.db import transaction
    from django.test import override_settings

    key = _sharing_key(request.node)
    with django_db_blocker.unblock():
        if _shared.key != key:
            _shared_close()
            atomic = transaction.atomic()
            atomic._from_testcase = True  # type: ignore[attr-defined]  # a durable block inside a test stays allowed, as in TestCase
            atomic.__enter__()
            _shared.key, _shared.atomic = key, atomic
            # The settings the autouse fixtures give a test, which are not in place yet.
            with override_settings(
                TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
                TERROIR_TASK_ISOLATION=False, TERROIR_GEOCODER_URL="", MEDIA_ROOT=tmp_path_factory.mktemp("media"),
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            ):  # fmt: skip
                _shared.territory = territory_build()
                for name in key[1]:
                    _shared.built[name] = SHAREABLE[name](tmp_path_factory.mktemp(name), _shared.territory)
    yield copy.deepcopy(_shared.territory)
    following = getattr(request.node, "_terroir_next", None)
    if following is None or (_uses_database(following) and not _shares_with(following, key)):
        with django_db_blocker.unblock():
            _shared_close()


def _shares_with(item: Any, key: tuple[str, tuple[str, ...]]) -> bool:
    return SHARED in item.fixturenames and _sharing_key(item) == key


def _uses_database(item: Any) -> bool:
    """Whether a test may reach the database: one that cannot (no django_db mark, none of the database
    fixtures) runs with the shared transaction left open for the tests after it that share it."""
    database = {"db", "transactional_db", "django_db_setup", "django_db_blocker", "live_server"}
    return item.get_closest_marker("django_db") is not None or bool(database & set(item.fixturenames))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """The shared transaction left open over tests without the database is rolled back before the next
    test that reaches the database without sharing it."""
    if _shared.atomic is not None and _uses_database(item) and not _shares_with(item, _shared.key):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _shared_close()


@pytest.fixture(autouse=True)
def _offline(settings: Any) -> None:
    """The suite never reaches the network: no geocoding service unless a test serves one itself."""
    settings.TERROIR_GEOCODER_URL = ""


@pytest.fixture(autouse=True)
def _site_language() -> Iterator[None]:
    """Each test starts in the site's language (LANGUAGE_CODE), whatever the test before it left active
    in this thread: a request through the test client activates the language it asks for
    (LocaleMiddleware) and nothing deactivates it afterwards, so a test reading French text passed or
    failed by which test had run before it in its process, which xdist changes from run to run."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate limits and log-in attempts are counted in the cache: each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def rate_limit_clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Rate limits count in fixed windows that start on a multiple of their length: a test making two
    requests 1 ms apart across a window's edge (one in 60 at "x/60") saw its count start again, and failed
    once in CI (200 where 429 was due). The limits' clock stands still in the middle of a window here;
    a test that moves it sets `.now` on what this yields."""
    from types import SimpleNamespace

    from terroir.accounts import ratelimit

    clock = SimpleNamespace(now=1_800_001_830.5)
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: clock.now))
    return clock


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path_factory: Any) -> None:
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    # Production hashes passwords slowly on purpose; the tests make dozens of accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class People:
    """The people of the territory: Claire runs the cheese farm, Hugo the honey farm, Sophie buys for
    the supermarket, Camille coordinates the PAT."""

    claire: Any  # producer, member of the cheese farm (which runs the farm shop)
    hugo: Any  # another producer, member of the honey farm
    sophie: Any  # buyer, member of the supermarket's company (which runs the supermarket)
    camille: Any  # territory coordinator (staff)
    password: str


PASSWORD = "Fourme-d-Ambert-2026"


def person(email: str, *, staff: bool = False) -> Any:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username=email.split("@")[0], email=email, password=PASSWORD, is_staff=staff
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def people(territory: Territory) -> People:
    return people_build(territory)


def people_build(territory: Territory) -> People:
    """The people of `territory` (the `people` fixture), for a module's shared build (`shared_in_module`)."""
    from terroir.accounts.models import Membership
    from terroir.directory.models import Actor

    claire, hugo = person("claire@monts-du-forez.example.org"), person("hugo@durolle.example.org")
    sophie, camille = person("sophie@volcans.example.org"), person("camille@pat-clermont.example.org", staff=True)
    Membership.objects.create(user=claire, actor=territory.cheese_farm, how="coordinator")
    Membership.objects.create(user=hugo, actor=territory.honey_farm, how="coordinator")
    company = Actor.objects.create(name="SAS Supermarché des Volcans", is_buyer=True, buyer_kind="supermarket")
    territory.clermont_supermarket.operator = company
    territory.clermont_supermarket.save(update_fields=["operator"])
    Membership.objects.create(user=sophie, actor=company, how="coordinator")
    return People(claire=claire, hugo=hugo, sophie=sophie, camille=camille, password=PASSWORD)


@shared_in_run
def directory_demo(folder: Path, territory: Territory) -> Any:
    """The directory's demo at a test's size (seed 63, 60 producers, 120 places around Clermont-Ferrand) over
    the personas territory: what the upper apps' demos (shops, AMAP) are loaded on. Shared by the tests of
    the run that ask for it (`shared_in_run`), one build per process instead of one per test."""
    from terroir.directory.demo import demo_load

    return demo_load(seed=63, producers=60, places=120)


@shared_in_run
def directory_demo_full(folder: Path, territory: Territory) -> Any:
    """The directory's demo at the size `load_demo` makes (seed 63, 300 producers, 600 places) over the
    personas territory: what the pooled rounds' demo is loaded on. Shared as `directory_demo` is."""
    from terroir.directory.demo import demo_load

    return demo_load()
