#!/usr/bin/env bash
# Builds aipipe's three images (deploy/docker/*.Dockerfile) with podman and runs them for
# real. Proves: each image builds from the sources on debian:bookworm-slim; runs as the
# non-root user 10001; carries the OCI labels and (inference, registry) a HEALTHCHECK;
# holds runtime libraries only (no -dev package, no compiler) and every library the binary
# loads; inference and training hold Tesseract's models. The inference container answers
# /health and /health/ready on 127.0.0.1, OCRs a real timetable page (and extracts its
# timeblocks once POST /infer/document exists), passes its own HEALTHCHECK, and exits 0 on
# SIGTERM. The registry container answers /health once `aipipe registry` exists; the
# training image runs the binary.
#
# No container registry is reachable here, so the base image is made on the spot:
# debootstrap --variant=minbase bookworm from the Debian mirror apt already uses, imported
# as debian:bookworm-slim; the root file system is cached as a tarball under
# $AIPIPE_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/aipipe) and podman's layer cache
# keeps the build stage, so a second run only rebuilds what changed.
# Everything runs with --network host and speaks to 127.0.0.1 only.
#
# usage: deploy/docker/test-containers.sh        (make test-containers)
set -euo pipefail
cd "$(dirname "$0")/../.."

CACHE=${AIPIPE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aipipe}
PAGE=${AIPIPE_TEST_PAGE:-../shared/data/timetables/Teacher Timetable Example 1.1.png}
TMP=$(mktemp -d)
RUN_ID=aipipe-test-$$
VERSION=$(sed -n 's/^project(aipipe VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
REVISION=$(git rev-parse --verify -q HEAD 2>/dev/null || echo unknown)
passed=0
failed=0

# Debian's runc as the runtime (crun refuses this machine's cgroup layout) and ulimits
# below the machine's hard limits, in a configuration of this test's own.
export CONTAINERS_CONF=$TMP/containers.conf
cat >"$CONTAINERS_CONF" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
EOF

cleanup() {
  for c in "$RUN_ID-inference" "$RUN_ID-registry"; do
    podman rm -f -t 5 "$c" >/dev/null 2>&1 || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
check() { # check DESCRIPTION COMMAND...: passes when the command exits 0
  local desc=$1; shift
  if out=$("$@" 2>&1); then ok "$desc"; else fail "$desc" "$(echo "$out" | tail -5)"; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # wait_http URL SECONDS: until the URL answers 200
  local end=$((SECONDS + $2))
  while [ $SECONDS -lt $end ]; do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.5
  done
  return 1
}

# The mirror of bookworm's main suite in apt's own sources (deb822 first, then one-line).
apt_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
         { uri = ""; ok = 0
           for (i = 1; i <= NF; i++) {
             if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
             if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) ok = 1
             if ($i ~ /^Enabled:[ \t]*no/) ok = 0
           }
           if (ok && uri != "") { print uri; exit } }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++; if ($2 ~ /^\[/) i++
                       if ($(i + 1) == "bookworm") { print $i; exit } }' "$f"
  done
}

base_image() {
  if podman image exists debian:bookworm-slim; then
    echo "base: debian:bookworm-slim is in podman's store"
    return 0
  fi
  local tarball=$CACHE/debian-bookworm-minbase.tar
  if [ ! -s "$tarball" ]; then
    local mirror
    mirror=$(apt_mirror | head -1)
    [ -n "$mirror" ] || { echo "no bookworm mirror in apt's sources" >&2; return 1; }
    echo "base: debootstrap --variant=minbase bookworm from $mirror"
    mkdir -p "$CACHE"
    local root=$CACHE/rootfs.$$
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$TMP/debootstrap.log" 2>&1 ||
      { tail -20 "$TMP/debootstrap.log" >&2; rm -rf "$root"; return 1; }
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  echo "base: podman import $tarball"
  podman import "$tarball" debian:bookworm-slim >/dev/null
}

build() { # build NAME: deploy/docker/NAME.Dockerfile -> aipipe-NAME:test
  local t0=$SECONDS
  if podman build --network host --format docker \
      --build-arg VERSION="$VERSION" --build-arg REVISION="$REVISION" \
      --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
      -f "deploy/docker/$1.Dockerfile" -t "aipipe-$1:test" . >"$TMP/build-$1.log" 2>&1; then
    ok "build aipipe-$1 ($((SECONDS - t0)) s, $(podman image inspect -f '{{.Size}}' "aipipe-$1:test" | awk '{printf "%.0f MB", $1 / 1e6}'))"
    return 0
  fi
  fail "build aipipe-$1" "$(tail -25 "$TMP/build-$1.log")"
  return 1
}

# One-off runs carry no health timer: podman would ask systemd for one, and there is none.
in_image() { podman run --rm --network host --no-healthcheck --entrypoint "$2" "aipipe-$1:test" "${@:3}"; }

image_checks() { # image_checks NAME HEALTHCHECK(yes|no) TESSDATA(yes|no)
  local img=aipipe-$1:test
  check "$1: runs as 10001" test "$(podman image inspect -f '{{.Config.User}}' "$img")" = "10001:10001"
  check "$1: id -u in the container is 10001" test "$(in_image "$1" id -u)" = 10001
  check "$1: OCI labels" test "$(podman image inspect -f '{{index .Config.Labels "org.opencontainers.image.title"}} {{index .Config.Labels "org.opencontainers.image.version"}} {{index .Config.Labels "org.opencontainers.image.revision"}}' "$img")" = "aipipe-$1 $VERSION $REVISION"
  if [ "$2" = yes ]; then
    check "$1: HEALTHCHECK" bash -c "podman image inspect $img | python3 -c 'import json, sys; assert \"/health\" in \" \".join(json.load(sys.stdin)[0][\"Healthcheck\"][\"Test\"])'"
  fi
  check "$1: every library the binary loads is there" bash -c "! podman run --rm --no-healthcheck --entrypoint ldd $img /usr/local/bin/aipipe | grep 'not found'"
  check "$1: runtime libraries only (no -dev package, no compiler)" bash -c \
    "test -z \"\$(podman run --rm --no-healthcheck --entrypoint dpkg-query $img -W -f '\${Package}\n' | grep -E -- '-dev$|^(gcc|cpp|cmake|make)(-[0-9]+)?$')\""
  if [ "$3" = yes ]; then
    check "$1: tessdata (eng, osd)" in_image "$1" ls /usr/share/tesseract-ocr/5/tessdata/eng.traineddata /usr/share/tesseract-ocr/5/tessdata/osd.traineddata
  fi
  check "$1: aipipe --version" bash -c "podman run --rm --no-healthcheck $img --version | grep -q '$VERSION'"
}

test_inference() {
  local port name=$RUN_ID-inference
  port=$(free_port)
  # --health-interval disable: no timer (no systemd here); the check itself runs below.
  podman run -d --name "$name" --network host --health-interval disable \
    -e PORT="$port" -e RATE_LIMIT_INFERENCE=0 aipipe-inference:test >/dev/null 2>>"$TMP/podman.log"
  if ! wait_http "http://127.0.0.1:$port/health" 120; then
    fail "inference: /health on 127.0.0.1:$port" "$(podman logs "$name" 2>&1 | tail -10)"
    return
  fi
  check "inference: /health says healthy" bash -c "curl -sf http://127.0.0.1:$port/health | grep -q '\"status\":\"healthy\"'"
  check "inference: /health/ready" curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready"
  check "inference: /metrics" bash -c "curl -sf http://127.0.0.1:$port/metrics | grep -q '^aipipe_build_info'"
  if [ -f "$PAGE" ]; then
    curl -s -m 120 -F "file=@$PAGE;type=image/png" "http://127.0.0.1:$port/infer/ocr" >"$TMP/ocr.json" || true
    check "inference: OCR of a real timetable page reads its words" python3 - "$TMP/ocr.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
text = json.dumps(doc).lower()
# Words a plain full-page Tesseract pass reads on this page (the grid's cells need the
# extractor's per-cell OCR; that is /infer/document's job).
missing = [w for w in ("thurrock", "joynes", "monday", "tuesday", "maths", "english") if w not in text]
assert not missing, f"not read: {missing}; got {text[:300]}"
EOF
    local code
    code=$(curl -s -m 120 -o "$TMP/doc.json" -w '%{http_code}' -F "file=@$PAGE;type=image/png" \
      "http://127.0.0.1:$port/infer/document" || true)
    if [ "$code" = 404 ]; then
      echo "skip inference: POST /infer/document (404: not in this build)"
    else
      check "inference: POST /infer/document extracts timeblocks (HTTP $code)" python3 - "$TMP/doc.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
blocks = doc.get("timeblocks") or doc.get("timetable", {}).get("timeblocks") or []
assert len(blocks) >= 10, f"{len(blocks)} timeblocks: {json.dumps(doc)[:300]}"
assert any(b.get("day") == "Monday" for b in blocks), "no Monday block"
# the image's own CRNN read the cells (the default reader, auto, with models/ocr-base)
assert "fine_tuned_ocr" in doc.get("engine", ""), doc.get("engine")
EOF
    fi
  else
    fail "inference: test page $PAGE is missing"
  fi
  check "inference: its HEALTHCHECK passes" podman healthcheck run "$name"
  # Graceful termination: SIGTERM drains and exits 0 well within the stop timeout.
  podman stop -t 40 "$name" >/dev/null 2>&1 || true
  check "inference: SIGTERM exits 0" test "$(podman inspect -f '{{.State.ExitCode}}' "$name")" = 0
}

test_registry() {
  if ! podman run --rm --no-healthcheck aipipe-registry:test registry --help >/dev/null 2>&1; then
    echo "skip registry: 'aipipe registry' is not in this build yet (image built and checked)"
    return
  fi
  local port name=$RUN_ID-registry
  port=$(free_port)
  podman run -d --name "$name" --network host --health-interval disable \
    -e MLFLOW_PORT="$port" aipipe-registry:test >/dev/null 2>>"$TMP/podman.log"
  if wait_http "http://127.0.0.1:$port/health" 120; then
    ok "registry: /health on 127.0.0.1:$port"
    check "registry: its HEALTHCHECK passes" podman healthcheck run "$name"
  else
    fail "registry: /health on 127.0.0.1:$port" "$(podman logs "$name" 2>&1 | tail -10)"
  fi
  podman stop -t 40 "$name" >/dev/null 2>&1 || true
}

test_training() {
  check "training: font families for datagen" bash -c "test \$(podman run --rm --no-healthcheck --entrypoint find aipipe-training:test /usr/share/fonts -name '*.ttf' | wc -l) -gt 20"
  if podman run --rm --no-healthcheck aipipe-training:test datagen --help >/dev/null 2>&1; then
    ok "training: aipipe datagen --help"
  else
    echo "skip training: 'aipipe datagen' is not in this build yet"
  fi
}

command -v podman >/dev/null || { echo "podman is missing: run scripts/install-deps.sh" >&2; exit 1; }
base_image
for image in inference registry training; do
  build "$image" || continue
  case $image in
    inference) image_checks inference yes yes; test_inference ;;
    registry) image_checks registry yes no; test_registry ;;
    training) image_checks training no yes; test_training ;;
  esac
done
echo "containers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
