# scalefit developer targets. `make test` is what CI runs (.ci/run).
GO ?= go
FUZZTIME ?= 10m

.PHONY: build test test-race bench fmt vet fuzz clean

build:
	$(GO) build -o bin/scalefit ./cmd/scalefit

test: vet
	$(GO) test ./...

test-race:
	$(GO) test -race ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
