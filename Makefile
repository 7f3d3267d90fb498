# SPDX-License-Identifier: Apache-2.0
#
# make test      installs what the tests need (protoc, ZooKeeper) when missing, then runs vet, staticcheck,
#                the generated-code drift check and every test with -race. ZooKeeper tests are required here.
# make generate  regenerates mesosproto/**/*.pb.go with the pinned protoc and protoc-gen-go.
# make bench     runs the benchmarks (not part of make test).

GO         ?= go
TOOLS      := -modfile=tools/go.mod
TESTFLAGS  ?=
PKGS       ?= ./...

.PHONY: all test deps vet staticcheck generate check-generated unit bench fmt

all: test

test: deps vet staticcheck check-generated unit

deps:
	@bash scripts/deps.sh

vet:
	$(GO) vet $(PKGS)

staticcheck:
	$(GO) tool $(TOOLS) staticcheck $(PKGS)

generate:
	@bash scripts/generate.sh

check-generated:
	@bash scripts/check-generated.sh

unit:
	MESOSKIT_REQUIRE_ZK=1 $(GO) test -race -count=1 -timeout 12m $(TESTFLAGS) $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

fmt:
	gofmt -l -w $$(git ls-files '*.go' | grep -v '\.pb\.go$$')
