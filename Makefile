# The two commands of the README: `make run` and `make check`. Everything else is a step
# of those two. CMake does the building; this file only strings the steps together.

JOBS ?= $(shell nproc)
PORT ?= 8000
BUILD := build
BUILD_ASAN := build-asan

.PHONY: all deps build build-asan run check test test-asan test-valgrind test-deploy test-containers format clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DAIPIPE_TESTS=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DAIPIPE_SANITIZE=ON -DAIPIPE_TESTS=ON >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)

# Release build without test hooks, then the service on embedded defaults.
run: deps
	@cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DAIPIPE_TESTS=OFF >/dev/null
	@cmake --build build-release -j $(JOBS)
	@echo "aipipe serve on http://127.0.0.1:$(PORT)  (Ctrl-C stops it)"
	@echo "  curl -F file=@page.png http://127.0.0.1:$(PORT)/infer/ocr"
	@echo "  curl http://127.0.0.1:$(PORT)/health      curl http://127.0.0.1:$(PORT)/metrics"
	@PORT=$(PORT) LOG_FORMAT=$${LOG_FORMAT:-text} ./build-release/aipipe serve

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	@cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  ctest --output-on-failure -j $(JOBS)

# The unit tests under Valgrind's memcheck (errors and definite leaks fail the run).
test-valgrind: build
	@for t in $(BUILD)/tests/test_*; do \
	  valgrind -q --error-exitcode=1 --leak-check=full --show-possibly-lost=no --errors-for-leak-kinds=definite \
	    --suppressions=tests/valgrind.supp $$t >/dev/null || { echo "valgrind: $$t failed"; exit 1; }; \
	done; echo "valgrind: unit tests clean"

# deploy/: every Kubernetes and Argo manifest against its schema, overlays rendered by
# kustomize (deploy/tests/validate_manifests.mjs; --self-test first proves the checks bite);
# the Prometheus config and rules with promtool, and the alerts' unit tests.
# (The live Prometheus scrape is an integration test: tests/integration/test_monitoring.py.)
test-deploy: deps
	@node deploy/tests/validate_manifests.mjs --self-test
	@promtool check config deploy/prometheus/prometheus.yml >/dev/null
	@promtool check rules deploy/prometheus/rules/*.yml >/dev/null
	@promtool test rules deploy/prometheus/tests/*.test.yml >/dev/null
	@echo "promtool: config, rules and alert unit tests pass"

# The three images (deploy/docker) built with podman and run for real on 127.0.0.1
# (deploy/docker/test-containers.sh): about a minute on a warm cache; the first run also
# makes the base image with debootstrap and fills the build stage (several minutes).
test-containers: deps
	@deploy/docker/test-containers.sh

check: test test-asan test-valgrind test-deploy test-containers

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) build-release
