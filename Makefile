# SPDX-License-Identifier: Apache-2.0
#
# make test      installs what the tests need (protoc, ZooKeeper) when missing, then runs vet, staticcheck,
#                the generated-code drift check and every test with -race. ZooKeeper tests are required here.
# make generate  regenerates mesosproto/**/*.pb.go with the pinned protoc and protoc-gen-go.
# make bench     runs the side-by-side benchmarks against mesos-go in interleaved rounds and prints the verdicts
#                (not part of make test); make bench-quick is the same, smaller (<= 3 minutes); LOAD=1 runs either
#                with a CPU-bound process beside it; make bench-summary FILES="a b" pools earlier results.
# make chaos     runs the full chaos soak (internal/chaos; CHAOS_SEED, CHAOS_SIZE), at most 10 minutes.
# make fuzz      runs every fuzz target for FUZZTIME (default 30s) each (scripts/fuzz.sh lists them).

GO         ?= go
TOOLS      := -modfile=tools/go.mod
TESTFLAGS  ?=
PKGS       ?= ./...

.PHONY: all test deps fmt-check tidy-check vet staticcheck generate check-generated bench-vet unit bench fmt
.PHONY: fuzz chaos
.PHONY: bench-quick bench-summary

all: test

test: deps fmt-check tidy-check vet staticcheck check-generated bench-vet unit

deps:
	@bash scripts/deps.sh

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$')); \
	if [ -n "$$out" ]; then echo "gofmt would change (run make fmt):"; echo "$$out"; exit 1; fi

# go.mod and go.sum must be what `go mod tidy` makes of them.
tidy-check:
	$(GO) mod tidy -diff

vet:
	$(GO) vet $(PKGS)

staticcheck:
	$(GO) tool $(TOOLS) staticcheck $(PKGS)

generate:
	@bash scripts/generate.sh

check-generated:
	@bash scripts/check-generated.sh

unit:
	MESOSKIT_REQUIRE_ZK=1 MESOSKIT_REQUIRE_PROMETHEUS=1 MESOSKIT_REQUIRE_BROWSER=1 $(GO) test -race -count=1 -timeout 12m $(TESTFLAGS) $(PKGS)

# The bench module (bench/, its own go.mod) compares mesoskit with mesos-go; make test only vets it so it
# cannot rot. scripts/bench-deps.sh installs Debian's mesos-go source and prepares the module.
bench-vet:
	@bash scripts/bench-deps.sh
	cd bench && $(GO) vet ./... && $(GO) tool -modfile=../tools/go.mod staticcheck ./... && $(GO) test -count=1 ./cmd/...

# make bench: the verdict table of docs/PERFORMANCE.md ("Reproduce"): 10 interleaved rounds, 1,000,000 tasks
# (about 11 minutes quiet, 15 with LOAD=1). make bench-quick: 5 short rounds, 100,000 tasks (<= 3 minutes), for checks
# during work. LOAD=1 (make bench LOAD=1) runs a CPU-bound process beside the whole run. bench/run.sh lists
# the knobs (COUNT, BENCHTIME, MESOSKIT_BENCH_TASKS, OUT, POOL, ...).
LOAD ?= 0
bench: deps
	@bash scripts/bench-deps.sh
	@LOAD=$(LOAD) bash bench/run.sh

bench-quick: deps
	@bash scripts/bench-deps.sh
	@QUICK=1 LOAD=$(LOAD) bash bench/run.sh

# make bench-summary FILES="results1 results2": one verdict table pooling the rounds of earlier runs.
bench-summary:
	@bash scripts/bench-deps.sh
	cd bench && $(GO) run ./cmd/benchsummary $(abspath $(FILES))

fmt:
	gofmt -l -w $$(git ls-files '*.go' | grep -v '\.pb\.go$$')

# make fuzz: every fuzz target for FUZZTIME each; a crash's input stays in testdata/fuzz as a regression test.
FUZZTIME ?= 30s
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

# make chaos: the full soak of internal/chaos (make test runs its small version); the last line is the verdict.
CHAOS_SEED ?= 1
CHAOS_SIZE ?= 0
chaos: deps
	MESOSKIT_REQUIRE_ZK=1 $(GO) test -count=1 -timeout 15m -run '^TestChaos$$' ./internal/chaos -v \
		-args -chaos.full -chaos.seed=$(CHAOS_SEED) -chaos.size=$(CHAOS_SIZE)
