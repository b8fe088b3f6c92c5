# syntax=docker/dockerfile:1
# opsbot image: `docker build -t opsbot .` then `docker run --env-file .env -p 3000:3000 opsbot`
# (`opsbot serve`); `docker run --env-file .env opsbot socket` for Socket Mode.

# --- builder: a virtualenv with the pinned dependencies and the opsbot package ---------------
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /build
# Dependencies first, pinned by the lock file, so a code change does not reinstall them.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && pip install -c constraints.txt -r requirements.txt

# README.md is the package's long description: the build needs it.
COPY README.md ./
COPY bot ./bot
COPY commands ./commands
COPY integrations ./integrations
COPY storage ./storage
RUN pip install -c constraints.txt . \
 && python -c "import bot.cli, storage.migrate"

# --- runtime: the venv only, as a non-root user --------------------------------------------
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    PORT=3000

RUN groupadd --system --gid 10001 opsbot \
 && useradd --system --uid 10001 --gid opsbot --home-dir /app --shell /usr/sbin/nologin opsbot \
 && mkdir -p /app \
 && chown opsbot:opsbot /app

COPY --from=builder /opt/venv /opt/venv

# The default DATABASE_URL (sqlite:///opsbot.db) writes here; compose points it at PostgreSQL.
WORKDIR /app
USER opsbot

EXPOSE 3000

# Python, not curl: the slim image has no curl. Only meaningful for `serve`; a container
# running `socket` has no HTTP port and will report unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)" || exit 1

ENTRYPOINT ["opsbot"]
CMD ["serve"]
