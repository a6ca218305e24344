"""Offerwatch settings: one file, every value from the environment (see .env.example)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import envbool, envdecimal, envint, envlist, envsecret, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DJANGO_DEBUG", False)

# Development gets a throwaway key; anything else must bring its own.
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # pragma: allowlist secret
SECRET_KEY = envsecret("DJANGO_SECRET_KEY", DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is missing, the development default, or shorter than 32 characters; "
        "set a real secret (or DJANGO_DEBUG=1 for local development)"
    )

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    "template_partials",
    "simple_history",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "offerings",
    "records",
    "diligence",
    "analyst",
    "api",
    "api.webhooks",
    "accounts",
    "ops",
]

MIDDLEWARE = [
    # First: its request id, latency and query count cover everything below it.
    "ops.middleware.RequestTelemetryMiddleware",
    "api.middleware.ApiNoStoreMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lock-out page (429).
    "axes.middleware.AxesMiddleware",
]

# django-axes checks every sign-in (site and admin) before the password backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.RoleBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "analyst.context_processors.navigation",
            ],
        },
    }
]

# SQLite is the embedded default so a checkout runs at once; DATABASE_URL selects PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, checking a reused connection's health without a round trip when its
    # socket shows the server has not ended it (ops/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "ops.postgresql"
    # Parameters bound by the server, and a statement run DATABASE_PREPARE_THRESHOLD times on
    # a connection prepared there: PostgreSQL then plans the API's page query once per
    # connection instead of on every request (its planning cost as much as running it).
    # DATABASE_PREPARE_THRESHOLD=0 turns both off, for a pooler that cannot keep prepared
    # statements (PgBouncer before 1.21, or without max_prepared_statements).
    _prepare_threshold = envint("DATABASE_PREPARE_THRESHOLD", 5)
    if _prepare_threshold > 0:
        DATABASES["default"]["OPTIONS"] = {
            "server_side_binding": True,
            "prepare_threshold": _prepare_threshold,
        }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

# Hot-path querysets compiled once per process (ops/prepared.py). With this on, every run of
# one is also compiled afresh and compared with the prepared statement (the tests turn it on).
PREPARED_QUERIES_VERIFY = envbool("PREPARED_QUERIES_VERIFY", False)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(envstr("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))

# A URL typed without a scheme in a form is https:// (Django 6's default), not http://, which
# would fire website.insecure for an analyst who only left the scheme out.
FORMS_URLFIELD_ASSUME_HTTPS = True

# --- Sign-in protection (accounts/) ---
# Lock-out after this many failed sign-ins, per account and per client address (/accounts/login/
# and /admin/login/ alike), for this long; each lock-out is an event in the audit log.
AXES_FAILURE_LIMIT = envint("OFFERWATCH_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=envint("OFFERWATCH_LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "api.addresses.client_ip"
AXES_VERBOSE = False
# The issuer an authenticator app shows beside the code.
OTP_TOTP_ISSUER = envstr("OFFERWATCH_OTP_ISSUER", "Offerwatch")
# Sessions end this long after sign-in whatever the activity; staff sessions also end after
# this long without a request.
OFFERWATCH_SESSION_HOURS = envint("OFFERWATCH_SESSION_HOURS", 10)
OFFERWATCH_STAFF_IDLE_MINUTES = envint("OFFERWATCH_STAFF_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = OFFERWATCH_SESSION_HOURS * 3600
# htmx sends the token from the page (a meta tag), so scripts never need the cookie.
CSRF_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp): no inline script, no eval, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
OFFERWATCH_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "offerings:list"
LOGOUT_REDIRECT_URL = "login"
# Opens read-only browsing (no watchlists, reviews or exports) to visitors who are not signed in.
OFFERWATCH_PUBLIC_BROWSING = envbool("OFFERWATCH_PUBLIC_BROWSING", False)
# The backtest figures the methodology page shows (manage.py backtest --json PATH).
OFFERWATCH_BACKTEST_REPORT = envstr(
    "OFFERWATCH_BACKTEST_REPORT", str(BASE_DIR / "docs" / "backtest.json")
)

# Import files larger than this are refused before a row is read.
OFFERWATCH_MAX_IMPORT_BYTES = envint("OFFERWATCH_MAX_IMPORT_MB", 100) * 1024 * 1024

# Uploaded documents (whitepapers, audits): PDF only, and no larger than this.
OFFERWATCH_MAX_UPLOAD_BYTES = envint("OFFERWATCH_MAX_UPLOAD_MB", 20) * 1024 * 1024
OFFERWATCH_MAX_PDF_PAGES = envint("OFFERWATCH_MAX_PDF_PAGES", 1000)
# Text extraction runs in a child process with these limits (seconds of wall time, MB of memory).
OFFERWATCH_EXTRACT_TIMEOUT_S = envint("OFFERWATCH_EXTRACT_TIMEOUT_S", 60)
OFFERWATCH_EXTRACT_MEMORY_MB = envint("OFFERWATCH_EXTRACT_MEMORY_MB", 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)

# Celery: eager (in-process) unless a broker is configured, so a first run needs no servers.
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
if CELERY_TASK_ALWAYS_EAGER and not CELERY_BROKER_URL:
    # An eager task reaches no broker, yet Celery builds a producer to pick its serializer; with
    # no URL kombu's default amqp:// warns "No hostname was supplied" on each command. A named
    # in-memory transport is never connected to and says nothing.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = envstr("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_ACKS_LATE = True
# A worker killed mid-task leaves its message unacknowledged, so the task is redone once
# (every task is idempotent); the visibility timeout, above the task time limit, says how soon.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Registered explicitly: the sweep lives beside the queueing it backs up, not in a tasks module.
CELERY_IMPORTS = ["diligence.queueing"]
# Named queues: provider work (market data, contract checks) waits in queues of its own, so a
# slow provider never holds up rescoring and webhooks ("celery", the default queue). A worker
# started without -Q consumes all three; `make prod` names them.
OPS_CELERY_QUEUES = ["celery", "market", "contract-check"]
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = {name: {"routing_key": name} for name in OPS_CELERY_QUEUES}
CELERY_TASK_ROUTES = {
    "offerings.tasks.refresh_market_*": {"queue": "market"},
    "offerings.tasks.refresh_listings*": {"queue": "market"},
    "offerings.tasks.load_market_history*": {"queue": "market"},
    "offerings.tasks.refresh_contract_risk*": {"queue": "contract-check"},
}

# --- Market data (offerings/market) ---
COINGECKO_BASE_URL = envstr("COINGECKO_BASE_URL", "https://api.coingecko.com/api/v3")
COINGECKO_API_KEY = envsecret("COINGECKO_API_KEY", "")
# "demo" sends the key as x-cg-demo-api-key, "pro" as x-cg-pro-api-key.
COINGECKO_PLAN = envstr("COINGECKO_PLAN", "demo")
COINGECKO_CALLS_PER_MINUTE = envint("COINGECKO_CALLS_PER_MINUTE", 30)
COINGECKO_CONNECT_TIMEOUT_S = envint("COINGECKO_CONNECT_TIMEOUT_S", 5)
COINGECKO_READ_TIMEOUT_S = envint("COINGECKO_READ_TIMEOUT_S", 20)
COINGECKO_MAX_RETRIES = envint("COINGECKO_MAX_RETRIES", 4)
# After this many failed calls in a row the provider is left alone for the cool-down.
COINGECKO_BREAKER_FAILURES = envint("COINGECKO_BREAKER_FAILURES", 5)
COINGECKO_BREAKER_COOLDOWN_S = envint("COINGECKO_BREAKER_COOLDOWN_S", 300)
# Days of daily history loaded once per newly linked coin ("max" needs a paid plan).
COINGECKO_HISTORY_DAYS = envstr("COINGECKO_HISTORY_DAYS", "365")
MARKET_BATCH_SIZE = min(envint("MARKET_BATCH_SIZE", 250), 250)  # ids per /coins/markets call
MARKET_LISTINGS_BATCH_SIZE = envint("MARKET_LISTINGS_BATCH_SIZE", 25)  # coins per listings task
# A pair unseen (or only stale) for longer than this is marked delisted.
MARKET_DELISTING_GRACE_DAYS = envint("MARKET_DELISTING_GRACE_DAYS", 7)
# market.thin_liquidity also flags 24h volume under this many USD.
MARKET_THIN_VOLUME_FLOOR_USD = envint("MARKET_THIN_VOLUME_FLOOR_USD", 10_000)
MARKET_REFRESH_INTERVAL_S = envint("MARKET_REFRESH_INTERVAL_S", 15 * 60)
MARKET_LISTINGS_INTERVAL_S = envint("MARKET_LISTINGS_INTERVAL_S", 6 * 60 * 60)
MARKET_HISTORY_INTERVAL_S = envint("MARKET_HISTORY_INTERVAL_S", 60 * 60)
MARKET_HISTORY_PER_RUN = envint("MARKET_HISTORY_PER_RUN", 200)  # coins a scheduled run loads
CELERY_BEAT_SCHEDULE = {
    "refresh-market-data": {
        "task": "offerings.tasks.refresh_market_data",
        "schedule": float(MARKET_REFRESH_INTERVAL_S),
    },
    "refresh-listings": {
        "task": "offerings.tasks.refresh_listings",
        "schedule": float(MARKET_LISTINGS_INTERVAL_S),
    },
    "load-market-history": {
        "task": "offerings.tasks.load_market_history",
        "schedule": float(MARKET_HISTORY_INTERVAL_S),
    },
}

# --- Contract risk (offerings/contract_risk) ---
GOPLUS_BASE_URL = envstr("GOPLUS_BASE_URL", "https://api.gopluslabs.io")
GOPLUS_CALLS_PER_MINUTE = envint("GOPLUS_CALLS_PER_MINUTE", 30)
GOPLUS_BATCH_SIZE = envint("GOPLUS_BATCH_SIZE", 20)  # addresses per token_security call
# An Etherscan-compatible explorer, API v2 (one URL for every chain, `chainid` parameter).
ETHERSCAN_BASE_URL = envstr("ETHERSCAN_BASE_URL", "https://api.etherscan.io/v2/api")
ETHERSCAN_API_KEY = envsecret("ETHERSCAN_API_KEY", "")
ETHERSCAN_CALLS_PER_MINUTE = envint("ETHERSCAN_CALLS_PER_MINUTE", 180)
# JSON-RPC nodes: ETH_RPC_URL for Ethereum, CONTRACT_RPC_URLS for others as
# "<chain id>=<url>,..." (e.g. 56=https://bsc.example/KEY). URLs may hold keys: read as secrets.
ETH_RPC_URL = envsecret("ETH_RPC_URL", "")
CONTRACT_RPC_URLS: dict[int, str] = {}
for _pair in envsecret("CONTRACT_RPC_URLS", "").split(","):
    if not _pair.strip():
        continue
    _chain, _, _url = _pair.partition("=")
    if not _chain.strip().isdigit() or not _url.strip().startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            "CONTRACT_RPC_URLS has an entry that is not <chain id>=<http(s) URL> "
            f"(entry {len(CONTRACT_RPC_URLS) + 1})"
        )
    CONTRACT_RPC_URLS[int(_chain)] = _url.strip()
if ETH_RPC_URL:
    CONTRACT_RPC_URLS.setdefault(1, ETH_RPC_URL)
RPC_CALLS_PER_MINUTE = envint("RPC_CALLS_PER_MINUTE", 600)
CONTRACT_CONNECT_TIMEOUT_S = envint("CONTRACT_CONNECT_TIMEOUT_S", 5)
CONTRACT_READ_TIMEOUT_S = envint("CONTRACT_READ_TIMEOUT_S", 20)
CONTRACT_MAX_RETRIES = envint("CONTRACT_MAX_RETRIES", 3)
CONTRACT_BREAKER_FAILURES = envint("CONTRACT_BREAKER_FAILURES", 5)
CONTRACT_BREAKER_COOLDOWN_S = envint("CONTRACT_BREAKER_COOLDOWN_S", 300)
# Re-checks: this many days after the first check (at listing), then every N days.
CONTRACT_RECHECK_DAYS = [int(days) for days in envlist("CONTRACT_RECHECK_DAYS", ["7", "30"])]
CONTRACT_RECHECK_EVERY_DAYS = envint("CONTRACT_RECHECK_EVERY_DAYS", 30)
CONTRACT_RISK_SWEEP_S = envint("CONTRACT_RISK_SWEEP_S", 3600)  # how often beat looks for due checks
CONTRACT_RISK_PER_RUN = envint("CONTRACT_RISK_PER_RUN", 500)  # contracts a scheduled run checks
CONTRACT_RISK_BATCH_SIZE = envint("CONTRACT_RISK_BATCH_SIZE", 20)  # contracts per task
# Rule thresholds (percent): contract.high_tax, contract.holder_concentration, contract.lp_unlocked,
# and the rise of a holder's share (or of the unlocked LP) that counts as a change.
CONTRACT_TAX_THRESHOLD_PERCENT = envint("CONTRACT_TAX_THRESHOLD_PERCENT", 10)
CONTRACT_HOLDER_SHARE_PERCENT = envint("CONTRACT_HOLDER_SHARE_PERCENT", 50)
CONTRACT_LP_UNLOCKED_PERCENT = envint("CONTRACT_LP_UNLOCKED_PERCENT", 5)
CONTRACT_HOLDER_JUMP_PERCENT = envint("CONTRACT_HOLDER_JUMP_PERCENT", 5)
CELERY_BEAT_SCHEDULE["refresh-contract-risk"] = {
    "task": "offerings.tasks.refresh_contract_risk",
    "schedule": float(CONTRACT_RISK_SWEEP_S),
}

# --- Public records (records/) ---
# EDGAR's fair-access policy: say who you are (a name and a contact e-mail) and stay at or
# under 10 requests a second across sec.gov. Without EDGAR_USER_AGENT nothing calls the SEC.
EDGAR_USER_AGENT = envstr("EDGAR_USER_AGENT", "")
EDGAR_BASE_URL = envstr("EDGAR_BASE_URL", "https://data.sec.gov")
EDGAR_FULL_TEXT_URL = envstr("EDGAR_FULL_TEXT_URL", "https://efts.sec.gov/LATEST")
EDGAR_ARCHIVES_URL = envstr("EDGAR_ARCHIVES_URL", "https://www.sec.gov/Archives/edgar/data")
EDGAR_REQUESTS_PER_SECOND = min(envint("EDGAR_REQUESTS_PER_SECOND", 10), 10)
EDGAR_MAX_RETRIES = envint("EDGAR_MAX_RETRIES", 4)
EDGAR_BREAKER_FAILURES = envint("EDGAR_BREAKER_FAILURES", 5)
EDGAR_BREAKER_COOLDOWN_S = envint("EDGAR_BREAKER_COOLDOWN_S", 300)
SEC_LITIGATION_RSS_URL = envstr(
    "SEC_LITIGATION_RSS_URL", "https://www.sec.gov/rss/litigation/litreleases.xml"
)
SEC_LITIGATION_REFRESH_S = envint("SEC_LITIGATION_REFRESH_S", 6 * 3600)
# Claimed filings not yet checked as worded are checked daily, this many a run.
EDGAR_CHECKS_PER_RUN = envint("EDGAR_CHECKS_PER_RUN", 200)
CELERY_BEAT_SCHEDULE["verify-due-filings"] = {
    "task": "records.tasks.verify_due_filings",
    "schedule": 24 * 3600.0,
}
CELERY_BEAT_SCHEDULE["refresh-sec-litigation"] = {
    "task": "records.tasks.refresh_sec_litigation",
    "schedule": float(SEC_LITIGATION_REFRESH_S),
}

# --- API (api/) ---
# Rates are "<n>/<second|minute|hour|day>": per API key, and per IP for requests without a key.
API_THROTTLE_KEY_RATE = envstr("API_THROTTLE_KEY_RATE", "600/minute")
API_THROTTLE_ANON_RATE = envstr("API_THROTTLE_ANON_RATE", "60/minute")
# Reverse proxies in front of the app that append to X-Forwarded-For; 0 trusts only the socket.
API_TRUSTED_PROXY_COUNT = envint("API_TRUSTED_PROXY_COUNT", 0)
# The <env> part of new keys (ow_<env>_...): e.g. "live" in production, "test" on staging.
API_KEY_ENV = envstr("API_KEY_ENV", "live")
API_KEY_DEFAULT_EXPIRY_DAYS = envint("API_KEY_DEFAULT_EXPIRY_DAYS", 90)
API_KEY_MAX_EXPIRY_DAYS = 365
API_KEY_MAX_OVERLAP_DAYS = 7
API_KEY_UNUSED_DAYS = envint("API_KEY_UNUSED_DAYS", 90)
# The audit log (key events, denied requests, sign-in lock-outs) keeps entries this long;
# celery beat prunes it daily (api.tasks.prune_audit_log).
API_AUDIT_RETENTION_DAYS = envint("API_AUDIT_RETENTION_DAYS", 365)
CELERY_BEAT_SCHEDULE["prune-audit-log"] = {
    "task": "api.tasks.prune_audit_log",
    "schedule": 24 * 3600.0,
}
# Active keys one user may hold at a time (rolled-over predecessors do not count).
API_KEYS_PER_USER = envint("API_KEYS_PER_USER", 20)
# Signed writes: accepted clock skew either way, in seconds; nonces are kept this long too.
API_SIGNATURE_WINDOW_SECONDS = envint("API_SIGNATURE_WINDOW_SECONDS", 300)
API_IDEMPOTENCY_TTL_HOURS = envint("API_IDEMPOTENCY_TTL_HOURS", 24)
# Spent nonces and expired idempotent replies are deleted by celery beat this often (a signed
# write only inserts its nonce: one statement).
API_RECORDS_PRUNE_SECONDS = envint("API_RECORDS_PRUNE_SECONDS", 600)
CELERY_BEAT_SCHEDULE["prune-api-records"] = {
    "task": "api.tasks.prune_api_records",
    "schedule": float(API_RECORDS_PRUNE_SECONDS),
}
API_PAGE_SIZE = envint("API_PAGE_SIZE", 50)
API_MAX_PAGE_SIZE = envint("API_MAX_PAGE_SIZE", 200)
# Throttle counters live here: Redis in production (REDIS_URL or CACHE_URL), memory otherwise.
_CACHE_URL = envstr("CACHE_URL", "") or envstr("REDIS_URL", "")
# With a shared cache (CACHE_URL), sessions are written to the database and read from the
# cache first: a page request reads its session without a query. Sessions end only through
# Django's session API (sign-out, flush), which clears both. A per-process cache (the embedded
# default) would let another process keep a signed-out session: there, the database alone.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if _CACHE_URL
    else "django.contrib.sessions.backends.db"
)
# With a shared cache, each process keeps the API keys and signed-in users it read until any
# key, user or permission changes anywhere (accounts.auth_cache): a request reads one generation
# from the cache instead of its key or user from the database. A per-process cache (the embedded
# default) could not carry another process's change (a management command revoking a key), so
# there every request reads the database. The tests turn it on (one process, nothing to miss).
AUTH_KEPT_IN_PROCESS = envbool("AUTH_KEPT_IN_PROCESS", bool(_CACHE_URL))
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}
        if _CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer", "api.renderers.ProblemJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.renderers.LenientNegotiation",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Offerwatch API",
    "DESCRIPTION": (
        "Token offerings and their due diligence. "
        "Authenticate with `Authorization: Bearer ow_...`; sign every POST, PATCH and DELETE "
        "(see the X-OW-* headers and api/SIGNING.md). "
        "Every error is an RFC 9457 problem (application/problem+json)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Every operation's tag, declared with what it groups (tests/api/test_schema.py checks both).
    "TAGS": [
        {
            "name": "offerings",
            "description": "Token offerings (interchange v2 records), "
            "their assessments and the team's reviews of their findings.",
        },
        {
            "name": "checklist",
            "description": "The methodology: the red-flag rules the "
            "assessments apply, with weights, rationale and sources.",
        },
        {"name": "unlocks", "description": "Scheduled token unlocks from vesting schedules."},
        {"name": "venues", "description": "Exchanges and launchpads offerings are run on."},
        {
            "name": "webhooks",
            "description": "Your webhook endpoints and their delivery logs; "
            "events are signed (Standard Webhooks).",
        },
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OutcomeEnum": "api.serializers.OUTCOMES",
        "OfferingKindEnum": "api.serializers.OFFERING_KINDS",
        "VenueKindEnum": "api.serializers.VENUE_KINDS",
        "RoundKindEnum": "api.serializers.ROUND_KINDS",
        "LevelEnum": "api.serializers.LEVELS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.closed_request_bodies",
    ],
}


# --- Webhooks (api/webhooks) ---
# Local testing only: accept endpoints on private/loopback addresses, and plain http://.
WEBHOOKS_ALLOW_PRIVATE_URLS = envbool("WEBHOOKS_ALLOW_PRIVATE_URLS", False)
WEBHOOKS_ALLOW_HTTP = envbool("WEBHOOKS_ALLOW_HTTP", False)
# Seconds to wait before each retry of a failed delivery (the Standard Webhooks schedule:
# 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), each stretched or shrunk by up to the jitter.
WEBHOOKS_RETRY_SCHEDULE = [
    int(seconds)
    for seconds in envlist(
        "WEBHOOKS_RETRY_SCHEDULE", ["5", "300", "1800", "7200", "18000", "36000", "36000"]
    )
]
WEBHOOKS_RETRY_JITTER_PERCENT = envint("WEBHOOKS_RETRY_JITTER_PERCENT", 20)
# An endpoint is disabled after this many deliveries in a row failed every attempt.
WEBHOOKS_DISABLE_AFTER_FAILURES = envint("WEBHOOKS_DISABLE_AFTER_FAILURES", 5)
# Per HTTP call: connecting, and each of writing the request and reading the response.
WEBHOOKS_CONNECT_TIMEOUT_SECONDS = envint("WEBHOOKS_CONNECT_TIMEOUT_SECONDS", 5)
WEBHOOKS_TIMEOUT_SECONDS = envint("WEBHOOKS_TIMEOUT_SECONDS", 10)
# Endpoints one user may have (enabled or disabled).
WEBHOOKS_ENDPOINTS_PER_USER = envint("WEBHOOKS_ENDPOINTS_PER_USER", 10)
# How long a rotated-out secret still signs deliveries beside the new one.
WEBHOOKS_SECRET_OVERLAP_HOURS = envint("WEBHOOKS_SECRET_OVERLAP_HOURS", 24)
# Deliveries per Celery task, and the seconds a task sends before queueing the rest anew.
WEBHOOKS_TASK_BATCH = envint("WEBHOOKS_TASK_BATCH", 100)
WEBHOOKS_TASK_SECONDS = envint("WEBHOOKS_TASK_SECONDS", 60)
# Celery beat queues the retries that are due this often (sooner ones get a countdown task).
WEBHOOKS_SWEEP_SECONDS = envint("WEBHOOKS_SWEEP_SECONDS", 60)
# The delivery log keeps finished deliveries this long.
WEBHOOKS_LOG_RETENTION_DAYS = envint("WEBHOOKS_LOG_RETENTION_DAYS", 30)
CELERY_BEAT_SCHEDULE["deliver-due-webhooks"] = {
    "task": "api.webhooks.tasks.deliver_due_webhooks",
    "schedule": float(WEBHOOKS_SWEEP_SECONDS),
}
CELERY_BEAT_SCHEDULE["prune-webhook-deliveries"] = {
    "task": "api.webhooks.tasks.prune_webhook_deliveries",
    "schedule": 24 * 3600.0,
}
# Absolute links in payloads ("url") start with this.
WEBHOOKS_SITE_URL = envstr("OFFERWATCH_SITE_URL", "http://localhost:8000").rstrip("/")
# Fernet keys (comma-separated; the first encrypts, all decrypt) for the stored webhook
# secrets. Unset: a key derived from DJANGO_SECRET_KEY, so rotating that needs this set first.
OFFERWATCH_ENCRYPTION_KEYS = [
    key.strip() for key in envsecret("OFFERWATCH_ENCRYPTION_KEY", "").split(",") if key.strip()
]
# A delivery's "status" has other choices than an offering's: named apart in the OpenAPI schema.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] |= {
    "OfferingStatusEnum": "offerings.status.Status.values",
    "WebhookDeliveryStatusEnum": "api.webhooks.models.WebhookDelivery.Status",
}

# --- Diligence ---
# Rescores whose publish failed (broker down) are found in the data and done by this sweep.
CELERY_BEAT_SCHEDULE["rescore-sweep"] = {
    "task": "diligence.queueing.rescore_sweep_task",
    "schedule": float(envint("RESCORE_SWEEP_SECONDS", 300)),
}
# Track record: a sale counts as listed when it trades within this many days of its end.
TRACK_RECORD_LISTING_DAYS = envint("TRACK_RECORD_LISTING_DAYS", 365)
# Daily: freeze the as-of-sale-end assessment of sales that ended, then derive the outcomes
# from the market data and recompute the scoreboard (diligence.tasks).
CELERY_BEAT_SCHEDULE["freeze-sale-end-assessments"] = {
    "task": "diligence.tasks.freeze_sale_end_assessments",
    "schedule": float(envint("TRACK_RECORD_INTERVAL_S", 24 * 3600)),
}
CELERY_BEAT_SCHEDULE["track-record-refresh"] = {
    "task": "diligence.tasks.track_record_refresh_task",
    "schedule": float(envint("TRACK_RECORD_INTERVAL_S", 24 * 3600)),
}
# tokens.unlock_overhang flags an unlock over this share of circulating supply (%) within
# this many days; both are in the methodology fingerprint.
UNLOCK_OVERHANG_PERCENT = envdecimal("UNLOCK_OVERHANG_PERCENT", "5")
UNLOCK_OVERHANG_DAYS = envint("UNLOCK_OVERHANG_DAYS", 90)

# --- Unlock alerts (analyst/unlock_alerts.py) ---
# Watchers hear of an unlock over their threshold this many days before it.
UNLOCK_ALERT_LEAD_DAYS = [int(days) for days in envlist("UNLOCK_ALERT_LEAD_DAYS", ["30", "7", "1"])]
# The daily alert run, at this hour (UTC); re-runs send nothing twice.
CELERY_BEAT_SCHEDULE["unlock-alerts"] = {
    "task": "analyst.tasks.send_unlock_alerts",
    "schedule": crontab(hour=envint("UNLOCK_ALERT_HOUR_UTC", 6), minute=0),
}

# --- Operations (ops/): health, metrics, logs ---
# Celery beat stamps a heartbeat this often; /readyz fails once it is older than the limit,
# or when no worker answers a ping within the timeout.
OPS_BEAT_HEARTBEAT_SECONDS = envint("OPS_BEAT_HEARTBEAT_SECONDS", 60)
OPS_READY_BEAT_MAX_AGE_MINUTES = envint("OPS_READY_BEAT_MAX_AGE_MINUTES", 5)
OPS_READY_WORKER_TIMEOUT_S = envint("OPS_READY_WORKER_TIMEOUT_S", 2)
# /healthz and /readyz calls per client address per minute.
OPS_HEALTH_RATE_PER_MINUTE = envint("OPS_HEALTH_RATE_PER_MINUTE", 120)
# /metrics answers a scraper with this bearer token, or calling from these networks (CIDRs).
OPS_METRICS_TOKEN = envsecret("OPS_METRICS_TOKEN", "")
OPS_METRICS_ALLOWED_IPS = envlist("OPS_METRICS_ALLOWED_IPS", [])
# "text" (human-readable, the default) or "json" (one object per line, production).
OPS_LOG_FORMAT = envstr("OPS_LOG_FORMAT", "text")
if OPS_LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"OPS_LOG_FORMAT={OPS_LOG_FORMAT!r} is not text or json")
CELERY_BEAT_SCHEDULE["beat-heartbeat"] = {
    "task": "ops.tasks.beat_heartbeat",
    "schedule": float(OPS_BEAT_HEARTBEAT_SECONDS),
}
# The health and metrics endpoints answer over plain HTTP (a load balancer's probe).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# --- Whitepaper intake (diligence/whitepaper_intake.py) and copies (offerings/whitepapers) ---
# Local testing only: fetch from private/loopback addresses, and over plain http://.
OFFERWATCH_FETCH_ALLOW_PRIVATE_URLS = envbool("OFFERWATCH_FETCH_ALLOW_PRIVATE_URLS", False)
OFFERWATCH_FETCH_ALLOW_HTTP = envbool("OFFERWATCH_FETCH_ALLOW_HTTP", False)
if not DEBUG and (OFFERWATCH_FETCH_ALLOW_PRIVATE_URLS or OFFERWATCH_FETCH_ALLOW_HTTP):
    raise ImproperlyConfigured(
        "OFFERWATCH_FETCH_ALLOW_PRIVATE_URLS and OFFERWATCH_FETCH_ALLOW_HTTP are for local "
        "testing only and are refused when DJANGO_DEBUG is off (they would let a whitepaper "
        "URL reach the internal network)"
    )
WHITEPAPER_MAX_BYTES = envint("WHITEPAPER_MAX_MB", 20) * 1024 * 1024
WHITEPAPER_FETCH_TIMEOUT_S = envint("WHITEPAPER_FETCH_TIMEOUT_S", 10)
WHITEPAPER_FETCH_TOTAL_S = envint("WHITEPAPER_FETCH_TOTAL_S", 60)
WHITEPAPER_REFETCH_HOURS = envint("WHITEPAPER_REFETCH_HOURS", 7 * 24)
WHITEPAPER_FETCH_PER_RUN = envint("WHITEPAPER_FETCH_PER_RUN", 500)
CELERY_BEAT_SCHEDULE["fetch-whitepapers"] = {
    "task": "diligence.tasks.fetch_whitepapers",
    "schedule": float(envint("WHITEPAPER_FETCH_INTERVAL_S", 3600)),
}
# whitepaper.copied: the share (%) of a whitepaper's words found in an earlier one that flags it
# (in the methodology fingerprint); passages in this many offerings' whitepapers are boilerplate.
WHITEPAPER_COPY_SHARE_PERCENT = envint("WHITEPAPER_COPY_SHARE_PERCENT", 30)
WHITEPAPER_BOILERPLATE_MIN_OFFERINGS = envint("WHITEPAPER_BOILERPLATE_MIN_OFFERINGS", 10)
WHITEPAPER_COPY_CANDIDATES = envint("WHITEPAPER_COPY_CANDIDATES", 50)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", True)
    # HSTS for a year by default; 0 turns it off. Preloading is a commitment to HTTPS on every
    # subdomain for good (hstspreload.org), so it is opt-in.
    SECURE_HSTS_SECONDS = envint("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("DJANGO_SECURE_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = (
        ("HTTP_X_FORWARDED_PROTO", "https") if envbool("DJANGO_BEHIND_TLS_PROXY", False) else None
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "ops.logs.RequestIdFilter"},
        "probe_answers": {"()": "ops.logs.ProbeAnswerFilter"},
    },
    "formatters": {"json": {"()": "ops.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            **({"formatter": "json"} if OPS_LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": envstr("DJANGO_LOG_LEVEL", "INFO")},
    # httpx logs every request URL at INFO; webhook and provider URLs can carry tokens.
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # django-axes logs every successful sign-in at INFO.
        "axes": {"level": "WARNING"},
        # A 503 from /readyz is the probe's answer, not a request error (ops.logs).
        "django.request": {"filters": ["probe_answers"]},
        # One line per request in production's JSON logs; runserver already prints one.
        "offerwatch.requests": {"level": "INFO" if OPS_LOG_FORMAT == "json" else "WARNING"},
    },
}
if OPS_LOG_FORMAT == "json":
    # Celery's worker then logs through the handler above (JSON, with the request id).
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False
if CELERY_TASK_ALWAYS_EAGER:
    # An eager task logs "Task … succeeded in …" at INFO for every call (e.g. each rescore of
    # load_demo); its failures (ERROR) and retries (WARNING) still show.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
