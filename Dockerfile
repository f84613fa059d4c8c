# RecLab's container image: `docker build -t reclab .` (deploy/README.md says how to run it).
#
# Two stages: the official Swift image builds `reclab`, and a slim Debian of the same release
# runs it with only the shared libraries it needs. Both are Debian 12 (bookworm) so that the
# libraries the binary was linked against are the ones installed beside it; change the two
# tags together. The Swift tag is the toolchain the repository is built and tested with.

FROM swift:6.3.1-bookworm AS build

# OpenBLAS and jemalloc are the build dependencies the Swift image lacks (it has SQLite and curl).
# Versions are not pinned (hadolint DL3008): bookworm's security updates replace package
# versions in the archive, so a pinned version would stop building; the base tag pins the
# release, and within a release Debian keeps ABIs stable.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopenblas-dev libjemalloc-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build
# Dependencies first: this layer is reused until Package.swift (or Package.resolved) changes.
COPY Package.* ./
RUN swift package resolve

COPY . .
# --static-swift-stdlib links the Swift runtime and Foundation into the binary, so the runtime
# stage needs no Swift toolchain libraries, only Debian's (DeploymentTests checks which).
# SwiftPM resource bundles (*.resources) must sit beside the executable.
RUN swift build -c release --product reclab --static-swift-stdlib \
    && mkdir /staging \
    && cp "$(swift build -c release --show-bin-path)/reclab" /staging/ \
    && find -L "$(swift build -c release --show-bin-path)" -maxdepth 1 -name '*.resources' -exec cp -R {} /staging/ \;

FROM debian:12.11-slim

# The shared libraries the binary loads: OpenBLAS (the pthread build, whose libopenblas.so.0
# it resolves to), jemalloc (its allocator), SQLite, and curl for Foundation's URLSession (the first start downloads
# MovieLens over HTTPS, hence ca-certificates). Everything else it loads is in the base image
# (libc6, libstdc++6, libgcc-s1, zlib1g). The curl program is for HEALTHCHECK: it costs only
# its own small binary, since libcurl4 is here anyway. Versions unpinned as above.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopenblas0-pthread libjemalloc2 libsqlite3-0 libcurl4 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

# A fixed numeric id, so Kubernetes' runAsNonRoot can check it and volumes can be chowned to it.
# /app/models is no volume of the image: replicas mount one shared folder there (MODELS_DIR),
# and a new named volume takes this folder's owner.
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /app --shell /usr/sbin/nologin reclab \
    && mkdir -p /app/data /app/models /shared/datasets \
    && chown reclab:reclab /app/data /app/models /shared/datasets

WORKDIR /app
COPY --from=build /staging/ /app/
# The strategy instances and A/B experiments the server reads at start (and on SIGHUP), and
# the offline evaluation configs (offline/).
COPY experiments/ /app/experiments/

# The folders mirror a checkout: /app is the repository root (the working directory, against
# which relative paths resolve) and /shared/datasets the data sets beside it, which the offline
# evaluation configs name as ../shared/datasets. The first start downloads the data sets there
# (or finds them mounted there, RECLAB_DATA_DIR=/shared/datasets), and the evaluation the server
# runs when none is stored (EVALUATION_CONFIG) then reads the same data. Everything else the
# server writes goes to /app/data: the SQLite file (the seed's path) and the hashed API keys.
# The rest of the file system can be read-only.
ENV PATH=/app:$PATH \
    PORT=8013 \
    DATABASE_URL=/app/data/movie_recommendation.db \
    RECLAB_CACHE_DIR=/shared/datasets \
    STRATEGIES_FILE=/app/experiments/strategies.yaml \
    EXPERIMENTS_DIR=/app/experiments
# DL3064 takes the name for a secret; it is the path of a file of key hashes (`reclab keys`).
# hadolint ignore=DL3064
ENV API_KEYS_FILE=/app/data/api_keys.txt
VOLUME ["/app/data", "/shared/datasets"]

USER 10001:10001
EXPOSE 8013

# The first start imports the catalogue (downloaded, or RECLAB_DATA_DIR) and fits the models
# before it listens: seconds for ml-latest-small once downloaded, but the download may be slow.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5m --retries=3 \
    CMD ["/bin/sh", "-c", "curl -fsS -o /dev/null http://127.0.0.1:${PORT}/health || exit 1"]

ENTRYPOINT ["reclab"]
CMD ["serve"]
