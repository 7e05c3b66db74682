# cgo is required: gorm.io/driver/sqlite uses mattn/go-sqlite3.
export CGO_ENABLED := 1
# The official OpenAPI description, read by the conformance tests (skipped when unset).
PROVISIONING_OPENAPI ?= $(abspath ../shared/provisioning-openapi.json)
export PROVISIONING_OPENAPI
# How long each fuzz target runs in `make fuzz`.
FUZZTIME ?= 10s

# On Linux the command is linked statically: it runs on any Linux whatever its C library,
# and starts about 2 ms sooner, with no dynamic loader to run. (Pure-Go user and DNS
# lookups; SQLite without loadable extensions, which need the dynamic loader.)
ifeq ($(shell uname -s),Linux)
STATIC_TAGS := ,osusergo,netgo,sqlite_omit_load_extension
STATIC_LDFLAGS := -ldflags=-extldflags=-static
endif
# The demo dataset's image, built into the binary so that even a new build's first start
# copies it (fixtures/image.go): made from this tree by go generate, never committed, and
# embedded by the tag provmock_demo_image. A plain go build has none and loads the fixtures.
DEMO_IMAGE := fixtures/demo.image
DEMO_TAG := provmock_demo_image
# SQLite with FTS5, whose trigram indexes serve substring filters (store/sqlite_search.go); a
# build without it scans instead. Every build and test here has it, the demo image's too (an
# image holds the indexes of the build that made it).
FTS_TAG := sqlite_fts5
BUILD_FLAGS := -tags=$(DEMO_TAG),$(FTS_TAG)$(STATIC_TAGS) $(STATIC_LDFLAGS)
# What the image is made of: the dataset and the code that stores it.
IMAGE_SOURCES := fixtures/demo.yaml $(shell find . -name '*.go' -not -name '*_test.go' -not -path './sdk-test/*' -not -path './load/*' -not -path './e2e/*' -not -path './.git/*')

.PHONY: run build first-build-note image test test-postgres go-test sdk-test vet fmt-check fuzz bench load

# Starts the mock with the demo data; ADDR, DB_PATH, FIXTURES, BASE_URL... come from the environment.
run: first-build-note $(DEMO_IMAGE)
	go run $(BUILD_FLAGS) .

build: first-build-note $(DEMO_IMAGE)
	go build $(BUILD_FLAGS) -o provmock .

$(DEMO_IMAGE): $(IMAGE_SOURCES)
	GOFLAGS=-tags=$(FTS_TAG) go generate ./fixtures/

# Says so before a build that compiles SQLite's C code (the first, or after go clean -cache),
# which takes about a minute with nothing printed.
first-build-note:
	@if [ "$$(go list $(BUILD_FLAGS) -f '{{.Stale}}' github.com/mattn/go-sqlite3 2>/dev/null)" = true ]; then \
		echo "first build: compiling SQLite (cgo), about a minute; later builds take seconds"; fi

# The container image (see Containerfile): the static binary in an empty image. CONTAINER
# picks the tool, podman by default, else docker.
CONTAINER ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)
IMAGE ?= provmock:latest
image: build
	$(CONTAINER) build -f Containerfile -t $(IMAGE) .

# Every test: formatting, vet, the Go tests (race detector on), and the official SDK's test.
# Each suite prints a short summary and the details of what failed; VERBOSE=1 prints all.
test: fmt-check vet go-test sdk-test

# The details only of what failed, then a line per package and "go: N passed, N failed, N
# skipped in Ts" (internal/testsummary reads go test -json; VERBOSE=1 shows go test's own).
# GOFLAGS carries the demo image's tag to the tests' own builds of the command too.
go-test: $(DEMO_IMAGE)
ifdef VERBOSE
	GOFLAGS=-tags=$(DEMO_TAG),$(FTS_TAG) go test -race -count=1 ./...
else
	go build -o .testsummary ./internal/testsummary
	@echo 'go test -race -count=1 -json ./... | .testsummary'
	@GOFLAGS=-tags=$(DEMO_TAG),$(FTS_TAG) bash -o pipefail -c 'go test -race -count=1 -json ./... | ./.testsummary'
endif

# The Go tests again on PostgreSQL: a throwaway cluster (.ci/with-postgres: initdb in a
# temporary directory, installed from Debian's postgresql when missing), in which every
# in-memory store of the tests is a fresh schema (the build tag provmock_postgres); tests of
# what only SQLite has skip, saying so.
test-postgres: $(DEMO_IMAGE)
	go build -o .testsummary ./internal/testsummary
	GOFLAGS=-tags=$(DEMO_TAG),$(FTS_TAG) bash .ci/with-postgres bash -o pipefail -c 'go test -count=1 -tags provmock_postgres,$(DEMO_TAG),$(FTS_TAG) -json ./... | ./.testsummary'

# The official @commercelayer/provisioning-sdk against the built binary (needs Node 20+).
sdk-test: build
	cd sdk-test && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } && PROVMOCK_BIN=$(CURDIR)/provmock npm run --silent $(if $(VERBOSE),test,test:summary)

vet:
	go vet ./...

fmt-check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Each fuzz target for FUZZTIME: arbitrary input must never panic or answer a 5xx. Seed
# corpora: <package>/testdata/fuzz/<target>/ (where go test looks), besides the f.Add seeds.
fuzz:
	go test -tags=$(FTS_TAG) -run='^$$' -fuzz='^FuzzParseFilter$$' -fuzztime=$(FUZZTIME) ./query/
	go test -tags=$(FTS_TAG) -run='^$$' -fuzz='^FuzzListQuery$$' -fuzztime=$(FUZZTIME) ./handlers/
	go test -tags=$(FTS_TAG) -run='^$$' -fuzz='^FuzzCreateBody$$' -fuzztime=$(FUZZTIME) ./handlers/

# Side-by-side load measurement of every performance target with wrk, the test-suite cycle
# beside Prism (see load/run.sh); not part of make test.
load: $(DEMO_IMAGE)
	STATIC="$(BUILD_FLAGS)" bash load/run.sh

bench:
	go test -tags=$(FTS_TAG) -run='^$$' -bench=. -benchmem ./...
