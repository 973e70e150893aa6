# The platform's own image, for RUNTIME=kubernetes (k8s/base runs it as uid 10001 with a read-only
# root filesystem; /data and /tmp are volumes). Apps run in the runner image (runner/Dockerfile).
#   docker build -t fastapi-platform:0.1.0 .
FROM oven/bun:1-debian AS deps
WORKDIR /app
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production

FROM oven/bun:1-debian
# The validator (runner/validator.py) needs only CPython's standard library.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --home-dir /tmp --no-create-home platform
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY package.json tsconfig.json bunfig.toml ./
COPY src src
COPY views views
COPY templates templates
COPY runner/*.py runner/
ENV NODE_ENV=production RUNTIME=kubernetes PORT=8080 HOST=0.0.0.0 DATA_DIR=/data HOME=/tmp \
    RUNNER_PYTHON=/usr/bin/python3
USER 10001:10001
EXPOSE 8080
CMD ["bun", "src/main.ts"]
