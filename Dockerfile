# advisor as a container: `docker build -t advisor .` then see compose.yaml for replicas + PostgreSQL.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY advisor ./advisor
COPY connectors ./connectors
RUN pip install ".[postgres]" && useradd --system --uid 10001 advisor
USER advisor
ENV ADVISOR_HOST=0.0.0.0 ADVISOR_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=2s CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
# Replicas are stateless: scale with `docker compose up --scale advisor=N`; each runs `advisor serve`.
CMD ["advisor", "serve"]
