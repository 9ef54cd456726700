"""Terroir settings: the only module that reads the environment.

Every value has a working default for a developer's machine; production (DEBUG off) refuses to start
without a real secret key.
"""

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.getenv(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me"
SECRET_KEY = os.getenv("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured("SECRET_KEY must be set to a long random value when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Installed so that the API's interactive docs use its bundled Swagger UI, not a CDN.
    "ninja",
    # The Content-Security-Policy header (its system checks; the policy is CONTENT_SECURITY_POLICY below).
    "csp",
    # Sign-up by email with verification, log-in, password reset, rate limits on all three.
    "allauth",
    "allauth.account",
    # Long work (imports, planning) as tasks in the database, run by `manage.py worker`.
    "django_tasks",
    "django_tasks_db",
    # CORS for the public read-only API (terroir.api.middleware.PublicReadCorsMiddleware); its checks.
    "corsheaders",
    "terroir.accounts",
    "terroir.directory",
    "terroir.contributions",
    "terroir.imports",
    "terroir.needs",
    "terroir.meetings",
    "terroir.events",
    "terroir.logistics",
    "terroir.supply",
    "terroir.shops",
    "terroir.solidarity",
    "terroir.carpool",
    "terroir.groups",
    # Indicators over the capability apps (it reads the directory, needs and logistics): above them.
    "terroir.observatory",
    "terroir.api",
    # The top of the layers: what needs every app at once (the demo territory). Registered last.
    "terroir.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "terroir.directory.middleware.ContentSecurityPolicyMiddleware",
    "terroir.api.middleware.PublicReadCorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "terroir.directory.uploads.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "terroir.directory.middleware.FrameOptionsMiddleware",
]

# X-Frame-Options comes from terroir.directory.middleware (DENY, except the embeddable widget, whose
# frame-ancestors it widens in the Content-Security-Policy below).
# HSTS preloading (W021) binds the whole registrable domain, often the collectivity's, for good: its owner
# opts in with SECURE_HSTS_PRELOAD=1, the platform does not decide it for them.
# models.W040: SQLite has no INCLUDE columns in an index; the words' (term, kind, place) index includes the
# position for PostgreSQL's index-only reads (directory migration 0026), and is the key columns alone there.
SILENCED_SYSTEM_CHECKS = ["security.W002", "security.W021", "models.W040"]

ROOT_URLCONF = "terroir.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "terroir.directory.context_processors.territory",
                "terroir.accounts.context_processors.roles",
                "terroir.site.menu.menu",
            ],
        },
    },
]

WSGI_APPLICATION = "terroir.wsgi.application"

# SQLite is the embedded default; a territory in production sets DATABASE_URL=postgres://...
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.getenv("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run while a writer commits; the pragmas suit a small server. Reads go through a
    # memory map (up to 1 GiB of the file) rather than a system call per page.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.getenv("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS: list[Path | tuple[str, str]] = [BASE_DIR / "static"]
try:
    import xstatic.pkg.leaflet as _xstatic_leaflet

    # Leaflet comes from its pip package and is served by the platform: no CDN at run time.
    STATICFILES_DIRS.append(("leaflet", _xstatic_leaflet.BASE_DIR))
except ImportError:  # pragma: no cover - the package is in requirements.txt
    pass
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Uploaded photos (re-encoded by terroir.directory.photos before they are stored).
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

# --- Accounts --------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:space"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
# Log-in, sign-up and reset messages never tell whether an address has an account.
ACCOUNT_PREVENT_ENUMERATION = "strict"
# ...nor take a different time for a known address (terroir.accounts.forms.SignupForm).
ACCOUNT_FORMS = {"signup": "terroir.accounts.forms.SignupForm"}
# allauth's own e-mails in the language the recipient chose (terroir.accounts.adapter).
ACCOUNT_ADAPTER = "terroir.accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Terroir] "
# allauth's limits (per client address unless said): failed log-ins, sign-ups, reset e-mails.
ACCOUNT_RATE_LIMITS = {
    "login": os.getenv("RATE_LIMIT_LOGIN", "30/m/ip"),
    "login_failed": os.getenv("RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "signup": os.getenv("RATE_LIMIT_SIGNUP", "20/h/ip"),
    "reset_password": os.getenv("RATE_LIMIT_RESET", "20/m/ip,5/m/key"),
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
# Terroir's own limits: "<count>/<seconds>" per client address (see terroir.accounts.ratelimit).
TERROIR_RATE_LIMITS = {
    "suggestion": os.getenv("RATE_LIMIT_SUGGESTION", "20/3600"),
    "api": os.getenv("RATE_LIMIT_API", "1200/60"),
    "api_token": os.getenv("RATE_LIMIT_API_TOKEN", "6000/60"),
    "claim": os.getenv("RATE_LIMIT_CLAIM", "10/3600"),
}
# Rate limits and log-in attempts are counted in this cache. The default is each server process's
# memory (exact under `runserver`; with several gunicorn workers each counts on its own): a territory
# running several processes sets CACHE_URL=redis://… or memcached://… (or db:// after createcachetable).
CACHE_URL = os.getenv("CACHE_URL", "locmem://")
if CACHE_URL.startswith("redis"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL.startswith("memcached://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": CACHE_URL.removeprefix("memcached://"),
        }
    }
elif CACHE_URL.startswith("db://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "terroir_cache"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "terroir"}}

# E-mail: printed on the console unless an SMTP server is configured.
EMAIL_BACKEND = os.getenv(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.getenv("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.getenv("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "Terroir <noreply@localhost>")

# Production hardening: only when DEBUG is off.
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    # HTTPS only, by default: plain HTTP is redirected and browsers are told to come back over HTTPS for a
    # year. Behind a reverse proxy that ends TLS, TERROIR_PROXY_COUNT tells Django to trust its
    # X-Forwarded-Proto (below). A territory that must serve plain HTTP sets both to 0.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.getenv("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SAMESITE = "Lax"
    CSRF_COOKIE_SAMESITE = "Lax"
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
    LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}

# --- Territory -----------------------------------------------------------------------------------
TERROIR_TERRITORY_NAME = os.getenv("TERROIR_TERRITORY_NAME", "Grand Clermont – Livradois-Forez")
# Centre of the territory's map and of "local" when a search has no point of its own.
TERROIR_CENTER = tuple(float(v) for v in os.getenv("TERROIR_CENTER", "45.70,3.38").split(","))
TERROIR_MAP_ZOOM = int(os.getenv("TERROIR_MAP_ZOOM", "9"))
# How far "local" reaches, in km as the crow flies (Biocoop uses 150 km, some dairies 350 km): the search's
# "local only", a place's "local or not" figures, and each observatory territory's default local radius.
TERROIR_LOCAL_RADIUS_KM = float(os.getenv("TERROIR_LOCAL_RADIUS_KM", "150"))
# Map tiles; empty string shows the map without a background (offline use).
TERROIR_TILE_URL = os.getenv("TERROIR_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
TERROIR_TILE_ATTRIBUTION = os.getenv("TERROIR_TILE_ATTRIBUTION", "© OpenStreetMap contributors")


def tile_source(template: str) -> list[str]:
    """The Content-Security-Policy source that lets the map load tiles from TERROIR_TILE_URL.

    A host placeholder such as {s} (tile servers a.…, b.…, c.…) becomes the wildcard `*.`; a tile server
    of the platform itself (a relative URL) needs nothing beyond 'self'.
    """
    parts = urlsplit(template)
    if not parts.scheme or not parts.netloc:
        return []
    first, _dot, rest = parts.netloc.partition(".")
    if "{" in rest or "}" in rest:
        raise ImproperlyConfigured(f"TERROIR_TILE_URL: only the host's first label may be a placeholder: {template}")
    host = f"*.{rest}" if first.startswith("{") else parts.netloc
    return [f"{parts.scheme}://{host}"]


# Reference data shipped with the project (see terroir/data/PROVENANCE.md).
TERROIR_COMMUNES_FILE = Path(
    os.getenv("TERROIR_COMMUNES_FILE", str(BASE_DIR / "terroir" / "data" / "communes_france.csv.gz"))
)
# Sites allowed to embed the widget in an iframe ("*" for any).
TERROIR_WIDGET_FRAME_ANCESTORS = os.getenv("TERROIR_WIDGET_FRAME_ANCESTORS", "*")
# Content-Security-Policy of every page: scripts and styles only from the platform's own files (no inline
# script, no event-handler or style attribute), images also from the tile server, framing as above.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *tile_source(TERROIR_TILE_URL)],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    },
}
# Geocoding: an addok-compatible service (the national address base's API by default). Empty: offline,
# addresses are placed at their commune's centre from the communes table.
TERROIR_GEOCODER_URL = os.getenv("TERROIR_GEOCODER_URL", "https://api-adresse.data.gouv.fr")
TERROIR_GEOCODER_TIMEOUT_S = float(os.getenv("TERROIR_GEOCODER_TIMEOUT_S", "10"))
TERROIR_GEOCODER_RETRIES = int(os.getenv("TERROIR_GEOCODER_RETRIES", "3"))
# Below this addok score (0..1) an answer is not trusted and the commune's centre is used.
TERROIR_GEOCODER_MIN_SCORE = float(os.getenv("TERROIR_GEOCODER_MIN_SCORE", "0.5"))
# Merging imported records: the merge rules (terroir/imports/merge.py) decide which pairs merge
# automatically; the other pairs whose match probability (0..1) reaches TERROIR_MERGE_REVIEW wait in the
# review queue; below, distinct. TERROIR_MERGE_AUTO is the probability that alone merged pairs before the
# rules: bench/dedup.py keeps it as the "before" figure.
TERROIR_MERGE_AUTO = float(os.getenv("TERROIR_MERGE_AUTO", "0.95"))
TERROIR_MERGE_REVIEW = float(os.getenv("TERROIR_MERGE_REVIEW", "0.5"))
# Where files uploaded for import are kept until the worker imports them.
TERROIR_IMPORT_DIR = Path(os.getenv("TERROIR_IMPORT_DIR", str(BASE_DIR / "var" / "imports")))
# The largest source file a coordinator may upload from the web (the command line has no limit).
TERROIR_IMPORT_MAX_MB = int(os.getenv("TERROIR_IMPORT_MAX_MB", "200"))
# Entries not verified for this many months are flagged on their page and their owners reminded.
TERROIR_VERIFY_MONTHS = int(os.getenv("TERROIR_VERIFY_MONTHS", "12"))
# Photos: the largest upload accepted and the largest side kept after re-encoding.
TERROIR_PHOTO_MAX_MB = int(os.getenv("TERROIR_PHOTO_MAX_MB", "8"))
TERROIR_PHOTO_MAX_SIDE = int(os.getenv("TERROIR_PHOTO_MAX_SIDE", "1600"))
TERROIR_PHOTO_MAX_PIXELS = int(os.getenv("TERROIR_PHOTO_MAX_PIXELS", "40000000"))
# Limits on the work one request or one file may cause, checked before the work starts; each refusal
# names its limit and the value found (docs/operations.md, "Limits"). Any upload without a limit of its
# own (photos and directory imports have theirs above), and the week's orders spreadsheet, in MB.
TERROIR_UPLOAD_MAX_MB = int(os.getenv("TERROIR_UPLOAD_MAX_MB", "10"))
TERROIR_ORDERS_IMPORT_MAX_MB = int(os.getenv("TERROIR_ORDERS_IMPORT_MAX_MB", "10"))
# JSON (files and API bodies): nesting depth; one record of an imported file, in MB.
TERROIR_JSON_MAX_DEPTH = int(os.getenv("TERROIR_JSON_MAX_DEPTH", "64"))
TERROIR_JSON_MAX_RECORD_MB = int(os.getenv("TERROIR_JSON_MAX_RECORD_MB", "10"))
# Source files (CSV, XLSX, JSON): rows (or records) and cells read; XLSX workbooks: distinct shared
# strings (read whole by openpyxl) and bytes once unzipped.
TERROIR_SHEET_MAX_ROWS = int(os.getenv("TERROIR_SHEET_MAX_ROWS", "200000"))
TERROIR_SHEET_MAX_CELLS = int(os.getenv("TERROIR_SHEET_MAX_CELLS", "5000000"))
TERROIR_XLSX_MAX_SHARED_STRINGS = int(os.getenv("TERROIR_XLSX_MAX_SHARED_STRINGS", "300000"))
TERROIR_XLSX_MAX_UNCOMPRESSED_MB = int(os.getenv("TERROIR_XLSX_MAX_UNCOMPRESSED_MB", "200"))
# A planning problem: vehicles (each of a `count` counts), orders, distinct places (depots, farms,
# customers); the solver's memory grows with vehicles × days and with the square of the places.
TERROIR_PLAN_MAX_VEHICLES = int(os.getenv("TERROIR_PLAN_MAX_VEHICLES", "200"))
TERROIR_PLAN_MAX_ORDERS = int(os.getenv("TERROIR_PLAN_MAX_ORDERS", "2000"))
TERROIR_PLAN_MAX_LOCATIONS = int(os.getenv("TERROIR_PLAN_MAX_LOCATIONS", "2000"))
# Uploads go through this handler first: it stops a file at its page's limit before the rest of it is
# written anywhere (terroir.directory.uploads).
FILE_UPLOAD_HANDLERS = [
    "terroir.directory.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# How many reverse proxies stand in front of the platform (their X-Forwarded-For gives the client's
# address for rate limits); 0 when clients connect directly.
TERROIR_PROXY_COUNT = int(os.getenv("TERROIR_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = TERROIR_PROXY_COUNT
if not DEBUG and TERROIR_PROXY_COUNT:
    # The proxy ends TLS and says so; it must set this header itself, overwriting any a client sent. Without
    # a proxy the header is the client's word and is not trusted.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Partner sites' pages may read the public directory from the browser: GET (and its preflight) on the
# read-only endpoints below, from any origin or from TERROIR_CORS_ORIGINS, never with cookies, never with
# an API key, never for writes (terroir.api.middleware.PublicReadCorsMiddleware).
CORS_URLS_REGEX = (
    r"^/api/v1/(places|places\.geojson|places\.csv|places/\d+|markets\.ics|map|producers|producers/\d+"
    r"|categories|labels|kinds|openapi\.json)$"
    r"|^/api/dfc/(context\.jsonld|enterprises(/\d+(/(catalog_items|supplied_products|offers)(/\d+)?)?)?)$"
)
_CORS_ORIGINS = env_list("TERROIR_CORS_ORIGINS", "*")
CORS_ALLOW_ALL_ORIGINS = _CORS_ORIGINS == ["*"]
CORS_ALLOWED_ORIGINS = [] if CORS_ALLOW_ALL_ORIGINS else _CORS_ORIGINS
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "accept-language", "content-language"]
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"]
# The platform's public address, for links in e-mails sent outside a request (reminders).
TERROIR_SITE_URL = os.getenv("TERROIR_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Owners are reminded at most this often about entries overdue for a check.
TERROIR_REMIND_EVERY_DAYS = int(os.getenv("TERROIR_REMIND_EVERY_DAYS", "30"))
# Needs board: how many fitting producers are kept per need and how many of the best are notified; the
# weights of the parts of the score (see terroir/needs/matching.py), as JSON to override some.
TERROIR_MATCH_LIMIT = int(os.getenv("TERROIR_MATCH_LIMIT", "50"))
TERROIR_MATCH_NOTIFY = int(os.getenv("TERROIR_MATCH_NOTIFY", "20"))
TERROIR_MATCH_WEIGHTS = {
    "category": 3.0, "distance": 2.0, "logistics": 1.5, "season": 1.0, "volume": 1.0, "labels": 1.5,
    "requirements": 1.0,
    **{k: float(v) for k, v in json.loads(os.getenv("TERROIR_MATCH_WEIGHTS", "{}")).items()},
}  # fmt: skip
# A producer is warned when one buyer would take more than this share of their declared monthly volume.
TERROIR_DEPENDENCE_SHARE = float(os.getenv("TERROIR_DEPENDENCE_SHARE", "0.5"))
# An agreement (an accepted need's offer) has its delivery orders in the planner this many weeks ahead.
TERROIR_AGREEMENT_WEEKS_AHEAD = int(os.getenv("TERROIR_AGREEMENT_WEEKS_AHEAD", "4"))
# Logistics: road distance ≈ great circle × this factor at this average speed, unless an OSRM-compatible
# table service is configured (e.g. http://127.0.0.1:5000).
TERROIR_ROAD_FACTOR = float(os.getenv("TERROIR_ROAD_FACTOR", "1.3"))
TERROIR_AVERAGE_SPEED_KMH = float(os.getenv("TERROIR_AVERAGE_SPEED_KMH", "50"))
TERROIR_ROUTING_URL = os.getenv("TERROIR_ROUTING_URL", "")
TERROIR_ROUTING_TIMEOUT_S = float(os.getenv("TERROIR_ROUTING_TIMEOUT_S", "10"))

# --- Background work ------------------------------------------------------------------------------
# Django's tasks framework (the django-tasks backport): the database queue by default, run by
# `manage.py worker` (no broker). A larger site may set another backend (django_tasks_rq.RQBackend…).
TASKS = {
    "default": {
        "BACKEND": os.getenv("TERROIR_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Each import and planning run is computed in a child process of the worker with these limits, so that
# a hostile file or problem fails its run with the reason instead of taking the worker down. Off (0) runs
# the task in the worker process itself (tests on an in-memory database).
TERROIR_TASK_ISOLATION = env_bool("TERROIR_TASK_ISOLATION", True)
TERROIR_TASK_MEMORY_MB = int(os.getenv("TERROIR_TASK_MEMORY_MB", "2048"))
TERROIR_TASK_CPU_S = int(os.getenv("TERROIR_TASK_CPU_S", "900"))
TERROIR_IMPORT_MAX_SECONDS = float(os.getenv("TERROIR_IMPORT_MAX_SECONDS", "1800"))
# A run whose worker has not said it is alive for this long is failed (workers on other hosts; on the
# same host a dead worker's process is noticed at once).
TERROIR_TASK_LEASE_S = float(os.getenv("TERROIR_TASK_LEASE_S", "90"))
