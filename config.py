"""Configuration read from the environment (a ``.env`` file is honoured).

``DATABASE_URL`` alone picks the database (unset: a SQLite file under instance/) and
``REDIS_URL`` alone picks the broker, event bus and rate-limit storage (unset: embedded).
"""
from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv
from limits import parse_many

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")

DEV_SECRET = "dev-secret-change-me-dev-secret-change-me"  # 32+ bytes for HS256
# Values a copied .env.example (or a tutorial) leaves behind: never a production secret.
PLACEHOLDER_SECRETS = frozenset({DEV_SECRET, "change-me", "change-me-too", "changeme", "secret", "dev"})
MIN_SECRET_BYTES = 32
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})

# Variables that did not parse, one line each ("NAME: why"), found when this module was
# imported; create_app refuses to build with any (config_problems).
_PARSE_PROBLEMS: list[str] = []


class ConfigError(Exception):
    """The environment cannot run the app: one line per bad variable in ``problems``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        _PARSE_PROBLEMS.append(f"{name}: must be true or false, got {raw!r}")
        return default
    return word in TRUE_WORDS


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        _PARSE_PROBLEMS.append(f"{name}: must be a whole number, got {raw!r}")
        return default
    if value < minimum:
        _PARSE_PROBLEMS.append(f"{name}: must be at least {minimum}, got {value}")
        return default
    return value


def _float(name: str, default: float, minimum: float = 0.0) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        _PARSE_PROBLEMS.append(f"{name}: must be a number, got {raw!r}")
        return default
    if not value >= minimum:  # also refuses nan
        _PARSE_PROBLEMS.append(f"{name}: must be at least {minimum:g}, got {raw!r}")
        return default
    return value


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip()
    if value not in choices:
        _PARSE_PROBLEMS.append(f"{name}: must be one of {' | '.join(choices)}, got {value!r}")
        return default
    return value


def _rate_limit(name: str, default: str) -> str:
    value = os.environ.get(name, default)
    try:
        parse_many(value)
    except ValueError:
        _PARSE_PROBLEMS.append(f"{name}: not a rate limit such as '10 per minute', got {value!r}")
        return default
    return value


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{BASE_DIR / 'instance' / 'automateos.db'}"
    # Render and Heroku hand out postgres:// URLs; SQLAlchemy wants a driver name.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    """Settings shared by every environment."""

    ENV_NAME = _choice("AUTOMATEOS_ENV", "development", ("development", "production", "testing"))
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY", os.environ.get("SECRET_KEY", DEV_SECRET))
    SQLALCHEMY_DATABASE_URI = _database_url()
    # No pool_pre_ping: it costs a round trip per checkout on the hot path. A connection
    # that died (database restarted) fails its statement instead, and SQLAlchemy then
    # invalidates the whole pool, so the next checkout reconnects.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        _PARSE_PROBLEMS.append(f"REDIS_URL: must start with redis://, rediss:// or unix://, got {REDIS_URL[:20]!r}")
    REDIS_NAMESPACE = os.environ.get("AUTOMATEOS_REDIS_NAMESPACE", "automateos")

    JWT_ACCESS_TOKEN_EXPIRES = _int("JWT_ACCESS_MINUTES", 15) * 60
    JWT_REFRESH_TOKEN_EXPIRES = _int("JWT_REFRESH_DAYS", 30) * 86400
    LOGIN_RATE_LIMIT = _rate_limit("LOGIN_RATE_LIMIT", "10 per minute")
    # Forwarded headers (client address, scheme, host) count only from these peers, and
    # only PROXY_FIX_HOPS proxies deep (0: trust none). Render: 1 hop (automateos/proxy.py).
    PROXY_FIX_HOPS = _int("PROXY_FIX_HOPS", 0)
    FORWARDED_ALLOW_IPS = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
    RATELIMIT_HEADERS_ENABLED = True
    # A moving window: a fixed one lets twice the limit through around a window's edge.
    RATELIMIT_STRATEGY = "moving-window"
    # Rate-limit counters live under the same namespace as everything else in Redis; the
    # storage prefix too, or one process's limiter.reset() wipes every process's counters.
    RATELIMIT_KEY_PREFIX = REDIS_NAMESPACE
    RATELIMIT_STORAGE_OPTIONS = {"key_prefix": f"{REDIS_NAMESPACE}:limits"}

    HTTP_ALLOW_PRIVATE = _bool("AUTOMATEOS_HTTP_ALLOW_PRIVATE")
    WEBHOOK_MAX_BYTES = _int("WEBHOOK_MAX_BYTES", 1024 * 1024)
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 5 * 1024 * 1024)
    # Request bodies: JSON nested deeper than this is refused (400) before it is parsed.
    JSON_MAX_DEPTH = _int("JSON_MAX_DEPTH", 64)
    # Header, query and body-field names whose values are stored as "[redacted]" in a run's
    # payload (case-insensitive; "-" and "_" ignored), comma-separated.
    REDACT_NAMES = tuple(n.strip() for n in os.environ.get("REDACT_NAMES", (
        "Authorization,Proxy-Authorization,Cookie,Set-Cookie,X-Api-Key,X-Auth-Token,X-Access-Token,"
        "token,access_token,refresh_token,id_token,api_key,api_secret,password,passwd,secret,"
        "client_secret,private_key"
    )).split(",") if n.strip())
    EXECUTION_TIME_LIMIT_SECONDS = _int("EXECUTION_TIME_LIMIT_SECONDS", 3600)
    RECONCILE_AFTER_SECONDS = _int("RECONCILE_AFTER_SECONDS", 300)
    RECONCILE_INTERVAL_SECONDS = _int("RECONCILE_INTERVAL_SECONDS", 60)
    # A running step's lease: renewed every third of it by its worker's heartbeat; a dead
    # worker's step is taken over once it lapses, whatever the node's time limit.
    STEP_LEASE_SECONDS = _float("STEP_LEASE_SECONDS", 60.0, minimum=1.0)
    # Largest node output a step may store, measured as its JSON in UTF-8.
    STEP_OUTPUT_MAX_BYTES = _int("STEP_OUTPUT_MAX_BYTES", 4 * 1024 * 1024)
    # Largest value one expression may build (about its JSON size); an expression may
    # allocate ten times that in all. Past either the step fails (engine/sandbox_limits.py).
    EXPRESSION_MAX_BYTES = _int("EXPRESSION_MAX_BYTES", 1_000_000)
    SCHEDULER_INTERVAL_SECONDS = _int("SCHEDULER_INTERVAL_SECONDS", 15)
    # Threads of the worker that ``flask serve`` (make run) embeds in the web process.
    EMBEDDED_WORKER_THREADS = _int("EMBEDDED_WORKER_THREADS", 4)

    # Live events (docs/events.md): per-user stream cap and idle expiry, SSE ping and
    # reconnect delay, lifetime of the stream token that EventSource puts in its URL.
    EVENTS_STREAM_MAXLEN = _int("EVENTS_STREAM_MAXLEN", 1000)
    EVENTS_STREAM_TTL_SECONDS = _int("EVENTS_STREAM_TTL_SECONDS", 7 * 86400)
    EVENTS_PING_SECONDS = _float("EVENTS_PING_SECONDS", 15.0, minimum=0.1)
    EVENTS_RETRY_MS = _int("EVENTS_RETRY_MS", 3000)
    EVENTS_TOKEN_SECONDS = _int("EVENTS_TOKEN_SECONDS", 60)

    # The dashboard's production build, served at / (a relative path is from the project root).
    # Log lines: json (one object per line, with the request id) or text; default json in
    # production.
    LOG_FORMAT = _choice("LOG_FORMAT", "json" if ENV_NAME == "production" else "text", ("json", "text"))

    DASHBOARD_DIST = os.environ.get("DASHBOARD_DIST", "frontend/dist")
    # Runs counted for a workflow card's success rate (GET /api/stats/workflows).
    STATS_RECENT_RUNS = _int("STATS_RECENT_RUNS", 20)

    # Credentials are sealed with AUTOMATEOS_ENCRYPTION_KEY (production refuses to start
    # without one); during a key rotation the new key and the old ones are accepted too.
    ENCRYPTION_KEY = os.environ.get("AUTOMATEOS_ENCRYPTION_KEY") or None
    ENCRYPTION_KEY_NEW = os.environ.get("AUTOMATEOS_ENCRYPTION_KEY_NEW") or None
    ENCRYPTION_KEYS_OLD = os.environ.get("AUTOMATEOS_ENCRYPTION_KEYS_OLD") or None

    # Web layer: origins allowed to call the API from a browser (none by default), HSTS
    # lifetime when served over TLS, and an optional bearer token for GET /metrics.
    CORS_ORIGINS = os.environ.get("CORS_ORIGINS", "")
    HSTS_SECONDS = _int("HSTS_SECONDS", 31_536_000)
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None

    LOG_RETENTION_DAYS = _int("LOG_RETENTION_DAYS", 30)
    LOG_RETENTION_MAX_PER_WORKFLOW = _int("LOG_RETENTION_MAX_PER_WORKFLOW", 10_000)
    RETENTION_INTERVAL_SECONDS = _int("RETENTION_INTERVAL_SECONDS", 3600)

    API_TITLE = "AutomateOS API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Swagger UI from the pinned swagger-ui-bundle package, served by the app itself (no
    # CDN: the docs work on an offline or locked-down server).
    OPENAPI_SWAGGER_UI_URL = "/api/docs/assets/"
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
        },
        "security": [{"bearerAuth": []}],
    }


    @classmethod
    def problems(cls) -> list[str]:
        """Why this environment cannot run the app, one line per bad variable."""
        return list(_PARSE_PROBLEMS)


class DevelopmentConfig(Config):
    """Laptop defaults: SQLite file, in-process worker."""


class ProductionConfig(Config):
    """Refuses to start with a default secret or an embedded backend."""

    ENV_NAME = "production"

    @classmethod
    def problems(cls) -> list[str]:
        """The parse problems, plus what production refuses: default or short secrets,
        SQLite, no Redis, debug mode. (The encryption key is checked by the app factory,
        which owns the keyring.)"""
        problems = super().problems()
        for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
            value = os.environ.get(name)
            if not value:
                if name == "SECRET_KEY":
                    problems.append(f"{name}: must be set in production ({MIN_SECRET_BYTES}+ random bytes)")
            elif value in PLACEHOLDER_SECRETS:
                problems.append(f"{name}: is a placeholder; set {MIN_SECRET_BYTES}+ random bytes")
            elif len(value.encode()) < MIN_SECRET_BYTES:
                problems.append(f"{name}: must be at least {MIN_SECRET_BYTES} bytes, got {len(value.encode())}")
        database = os.environ.get("DATABASE_URL", "")
        if not database:
            problems.append("DATABASE_URL: must be set in production (PostgreSQL)")
        elif database.startswith("sqlite"):
            problems.append("DATABASE_URL: SQLite is for development; production needs PostgreSQL")
        if not cls.REDIS_URL:
            problems.append("REDIS_URL: must be set in production (the broker and event bus)")
        for name in ("FLASK_DEBUG", "DEBUG"):
            if os.environ.get(name, "").strip().lower() in TRUE_WORDS:
                problems.append(f"{name}: debug mode is refused in production")
        return problems


class TestConfig(Config):
    """Tests: same backends as the environment says, faster password hashing, no limits."""

    ENV_NAME = "testing"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") and _database_url() or "sqlite://"
    REDIS_NAMESPACE = f"automateos-test-{os.getpid()}"
    RATELIMIT_KEY_PREFIX = REDIS_NAMESPACE
    RATELIMIT_STORAGE_OPTIONS = {"key_prefix": f"{REDIS_NAMESPACE}:limits"}
    HTTP_ALLOW_PRIVATE = True
    RECONCILE_INTERVAL_SECONDS = 0  # tests drive the reconciler and scheduler themselves
    SCHEDULER_INTERVAL_SECONDS = 0


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "testing": TestConfig}


def config_from_env() -> type[Config]:
    """The config class named by ``AUTOMATEOS_ENV``."""
    return CONFIGS.get(Config.ENV_NAME, DevelopmentConfig)
