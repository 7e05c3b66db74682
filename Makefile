# cgo is required: gorm.io/driver/sqlite uses mattn/go-sqlite3.
export CGO_ENABLED := 1
# The official OpenAPI description, read by the conformance test (skipped when unset).
PROVISIONING_OPENAPI ?= $(abspath ../shared/provisioning-openapi.json)
export PROVISIONING_OPENAPI

.PHONY: run build test vet fmt-check fuzz bench

# Starts the mock with the demo data; ADDR, DB_PATH, FIXTURES, BASE_URL come from the environment.
run:
	go run .

build:
	go build -o provmock .

test: fmt-check vet
	go test -race -count=1 ./...

vet:
	go vet ./...

fmt-check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

bench:
	go test -run='^$$' -bench=. -benchmem ./...
