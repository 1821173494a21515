# syntax=docker/dockerfile:1
# Build stage: compile the release binary (pure Rust: no libpq, no OpenSSL).
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
# Mail templates are compiled in.
COPY templates ./templates
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin acupress \
    && cp target/release/acupress /usr/local/bin/acupress

# Runtime stage: a small image running as an unprivileged user.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin acupress \
    && mkdir -p /app/mail && chown 10001:10001 /app/mail
WORKDIR /app
COPY --from=build /usr/local/bin/acupress /usr/local/bin/acupress
COPY data ./data
ENV ACUPRESS_LISTEN=0.0.0.0:8080 \
    ACUPRESS_DATA_DIR=/app/data \
    ACUPRESS_MAIL_DIR=/app/mail \
    ACUPRESS_LOG_FORMAT=json
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/acupress"]
CMD ["serve"]
