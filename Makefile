# scalefit developer targets. `make test` is what CI runs (.ci/run).
GO ?= go
FUZZTIME ?= 10m

.PHONY: build test test-race bench bench-go bench-runs fmt vet fuzz clean

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

# bench prints one table of what scalefit costs (whole processes on generated and shipped
# inputs, the scipy reference side by side when ../shared/bench is there, selected Go
# benchmarks) and writes it to docs/benchmarks.md with the machine it ran on; its rows are
# tools/bench/cases.go. A few minutes; not part of CI. bench-go runs every Go benchmark.
bench:
	$(GO) run ./tools/bench -o docs/benchmarks.md

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# bench-runs runs the loader's benchmarks and writes internal/runs/BENCHMARKS.md: the file
# holds exactly the table this prints (tools/benchtable; medians of 3 runs, a few minutes).
bench-runs:
	$(GO) run ./tools/benchtable -o internal/runs/BENCHMARKS.md

# fuzz runs each native fuzz target for $(FUZZTIME), one at a time (-fuzz takes one target);
# new failing inputs land in the package's testdata/fuzz/FuzzXxx/ and become regression seeds.
FUZZ_TARGETS = FuzzParse:./internal/curve FuzzReadCurves:./internal/curve FuzzLoad:./internal/runs FuzzParseExpr:./internal/runs FuzzParseQuantity:./internal/runs FuzzFit:./internal/chinchilla FuzzPlannerFlags:./cmd/scalefit FuzzDecode:./internal/fitfile

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		name=$${t%%:*}; pkg=$${t#*:}; \
		echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

clean:
	rm -rf bin
