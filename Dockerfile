# Phone Tag in a container: `phonetag` is the entry point, so `docker run IMAGE serve …`,
# `IMAGE worker` and `IMAGE db upgrade` are the same commands as from a checkout.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PHONETAG_LOG_FORMAT=json

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install . && useradd --create-home --uid 10001 phonetag

# Never root: a bug in a request handler must not own the container. SQLite, if used without
# DATABASE_URL, lives in the user's own folder.
USER phonetag
WORKDIR /home/phonetag
EXPOSE 3000
ENTRYPOINT ["phonetag"]
CMD ["--help"]
