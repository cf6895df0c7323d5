# syntax=docker/dockerfile:1
# AutomateOS image: the API, the worker and the dashboard it serves, from one build.
#   docker build -t automateos .
#   docker run automateos                          -> web (gunicorn, port $PORT, default 8000)
#   docker run automateos dramatiq worker ...      -> worker (the Procfile's command)
#   docker run automateos flask --app wsgi db upgrade  -> migrations
# docker-compose.production.yml wires these up with PostgreSQL and Redis.

# --- Stage 1: the dashboard (frontend/dist) -----------------------------------------------
FROM node:20-bookworm-slim AS dashboard
WORKDIR /build/frontend
# The lock file alone first: the npm layer is rebuilt only when dependencies change.
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- Stage 2: the Python runtime ----------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    AUTOMATEOS_ENV=production \
    PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/var/run/automateos/metrics

RUN python -m venv /opt/venv \
    && groupadd --system --gid 10001 automateos \
    && useradd --system --uid 10001 --gid automateos --home-dir /app --shell /usr/sbin/nologin automateos

WORKDIR /app
# Dependencies first (their layer survives code changes): the package metadata and an
# empty package, installed editable so the code copied below is the code that runs (the
# built-in nodes are found through the package's entry points).
COPY setup.cfg pyproject.toml README.md ./
RUN mkdir automateos && touch automateos/__init__.py && pip install -e .

COPY automateos/ automateos/
COPY migrations/ migrations/
COPY config.py wsgi.py worker.py gunicorn.conf.py Procfile ./
COPY --from=dashboard /build/frontend/dist/ frontend/dist/

# instance/ (unused with PostgreSQL, kept writable) and the metrics directory that every
# process of the container writes its counters to (prometheus-client multiprocess mode).
RUN mkdir -p instance "$PROMETHEUS_MULTIPROC_DIR" \
    && chown automateos:automateos instance "$PROMETHEUS_MULTIPROC_DIR"

USER automateos
EXPOSE 8000

# Liveness of the web process; the worker and release services turn it off (compose).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"

CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
