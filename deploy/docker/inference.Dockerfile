# The inference image: `aipipe serve` on 0.0.0.0:8000, Tesseract's English and OSD models
# and aipipe's cell reader (models/ocr-base) included, models cached under /models (an
# emptyDir in Kubernetes).
#   podman build --format docker -f deploy/docker/inference.Dockerfile -t aipipe-inference .
#   podman run --network host -e PORT=8000 aipipe-inference
# Tested by deploy/docker/test-containers.sh (make test-containers).
# --- build: the same stage in every aipipe Dockerfile, so one build serves all three ---
FROM debian:bookworm-slim AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive
# Build tools and -dev packages: those of scripts/install-deps.sh, so the image builds
# with exactly what a developer machine builds with (test-only libraries left out).
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN eval "$(sed -n "/^PACKAGES=(/,/^)/p" /tmp/install-deps.sh)" \
 && dev=$(printf "%s\n" "${PACKAGES[@]}" | grep -E -- "-dev$|^(build-essential|cmake|pkg-config)$" | grep -vx libcmocka-dev) \
 && apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends $dev >/dev/null \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY src ./src
# The release configuration without test hooks. Two warnings stay warnings here (they
# still print): a TESTABLE helper only the tests call is an unused static function without
# test hooks, and -O3 inlining across static functions gives maybe-uninitialized reports
# that the test configuration does not; make check's builds keep every warning an error.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DAIPIPE_TESTS=OFF \
      -DCMAKE_C_FLAGS="-Wno-error=unused-function -Wno-error=maybe-uninitialized" \
 && cmake --build /build -j"$(nproc)" --target aipipe \
 && strip /build/aipipe
# The runtime packages are those that own the shared libraries the binary loads
# (ldd -> dpkg -S), so the runtime stage installs libraries only, never -dev packages.
RUN for lib in $(ldd /build/aipipe | awk "/=> \\//{print \$3}"); do \
      dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null \
        || dpkg -S "/usr$lib" 2>/dev/null || { echo "no package owns $lib" >&2; exit 1; }; \
    done | cut -d: -f1 | sort -u > /build/runtime-packages.txt \
 && echo "runtime packages: $(tr "\n" " " < /build/runtime-packages.txt)"

# --- runtime ---
FROM debian:bookworm-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
COPY --from=build /build/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends $(cat /tmp/runtime-packages.txt) \
      tesseract-ocr-eng tesseract-ocr-osd ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt

# A non-root user with a fixed id (the Kubernetes manifests run as 10001); /app/var is
# where the embedded defaults (./var/...) write when nothing else is configured.
RUN groupadd -g 10001 aipipe \
 && useradd -u 10001 -g aipipe -d /app -M -s /usr/sbin/nologin aipipe \
 && install -d -o aipipe -g aipipe /models /work /app/var
COPY --from=build /build/aipipe /usr/local/bin/aipipe
COPY configs /app/configs
# the CRNN that reads the cells of /infer/document (extract.ocr_model, relative to /app)
COPY models/ocr-base /app/models/ocr-base
WORKDIR /app
USER 10001:10001
# The service listens on 127.0.0.1 by default; in a container it must take outside traffic.
ENV HOST=0.0.0.0 \
    PORT=8000 \
    MODEL_CACHE_DIR=/models \
    LOG_FORMAT=json
EXPOSE 8000
VOLUME ["/models"]
# bash speaks HTTP over /dev/tcp: no curl in the image for the check alone.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT} && printf 'GET /health/live HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
LABEL org.opencontainers.image.title="aipipe-inference" \
      org.opencontainers.image.description="aipipe inference service: timetable OCR and extraction over HTTP" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.vendor="aipipe" \
      org.opencontainers.image.base.name="debian:bookworm-slim"
# SIGTERM drains in-flight requests (SHUTDOWN_TIMEOUT, 30 s) and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["aipipe"]
CMD ["serve"]
