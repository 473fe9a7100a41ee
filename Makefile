# assembly-import — build, demo and test targets. See README.md.

GO      ?= go
BIN     := bin/assembly-import
DEMO    := demo
DEMOKEY := demo-key-not-secret

.PHONY: build dist docs demo test test-windows check deps bench torture clean

# -buildvcs=auto stamps the commit into the binary (assembly-import version)
# even where GOFLAGS turns it off.
build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/assembly-import

# docs: the command reference (docs/cli, Markdown), the man pages
# (docs/man) and the shell completions (docs/completions), generated from
# the commands; a test fails while the checked-in ones differ.
docs:
	$(GO) test ./cmd/assembly-import -run '^TestCLIReference$$' -count=1 -update-reference

# dist: release archives for the six systems in dist/ (zip for Windows,
# tar.gz elsewhere; static, -trimpath, reproducible) and dist/SHA256SUMS,
# each holding the binary, the README, the man pages and the completions.
dist:
	$(GO) run ./cmd/dist --out dist

# demo: start the sandbox, plan samples/csv, migrate it, interrupt the run
# with Ctrl-C part-way, resume it, and show the checkpoint's status. The
# sandbox's reply limit is raised to 600/min so that this takes seconds,
# not the two minutes the real 60/min would.
demo: build
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	@$(BIN) sandbox --listen 127.0.0.1:0 --key $(DEMOKEY) --replies-per-min 600 --store $(DEMO)/store.json > $(DEMO)/sandbox.log 2>&1 & \
	echo $$! > $(DEMO)/sandbox.pid; \
	for i in $$(seq 50); do grep -q '^listening on' $(DEMO)/sandbox.log 2>/dev/null && break; sleep 0.1; done; \
	url=$$(sed -n 's/^listening on //p' $(DEMO)/sandbox.log); \
	trap 'kill -INT $$(cat $(DEMO)/sandbox.pid) 2>/dev/null' EXIT; \
	echo "== sandbox at $$url (replies limit raised to 600/min for the demo)"; \
	echo "== 1. plan: validate samples/csv (it holds deliberate problems, so exit 2)"; \
	$(BIN) plan --csv samples/csv --replies-per-min 600 --report $(DEMO)/plan.json; test $$? -eq 2 || exit 1; \
	echo; echo "== 2. run, interrupted with Ctrl-C after 4 seconds (exit 4: stopped, resumable)"; \
	ASSEMBLY_API_KEY=$(DEMOKEY) timeout --preserve-status -s INT 4 \
		$(BIN) run --csv samples/csv --api-url $$url --checkpoint $(DEMO)/checkpoint.jsonl --replies-per-min 600; \
	test $$? -eq 4 || exit 1; \
	echo; echo "== 3. status of the interrupted migration"; \
	$(BIN) status --checkpoint $(DEMO)/checkpoint.jsonl || exit 1; \
	echo; echo "== 4. the same command again resumes"; \
	ASSEMBLY_API_KEY=$(DEMOKEY) $(BIN) run --csv samples/csv --api-url $$url --checkpoint $(DEMO)/checkpoint.jsonl --replies-per-min 600 || exit 1; \
	kill -INT $$(cat $(DEMO)/sandbox.pid); wait; trap - EXIT; \
	echo; echo "== 5. what the sandbox received"; sed 1d $(DEMO)/sandbox.log

# deps installs what the tests need when it is missing: Go's modules,
# Chromium for the HTML report's test and PostgreSQL for the database
# readers' tests, which start throwaway servers (through apt-get, when run
# as root; under CI=true those tests fail rather than skip without them).
deps:
	@command -v $(GO) >/dev/null || { echo "Go is required: https://go.dev/doc/install" >&2; exit 1; }
	$(GO) mod download
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	{ command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing$$missing for the tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "missing:$$missing; install them (apt-get install$$missing as root)" >&2; \
		fi; \
	fi

# The systems admins run the tool on: check vets each, so that a call one
# of them lacks cannot land (Unix-only calls live in files built for Unix).
STATICCHECK := v0.8.2
TARGETS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) ./...
	@for t in $(TARGETS); do \
		echo "vet for $$t"; \
		GOOS=$${t%/*} GOARCH=$${t#*/} CGO_ENABLED=0 $(GO) vet ./... || exit 1; \
	done

test: deps check
	$(GO) test -race -count=1 ./...
	$(MAKE) test-windows

# test-windows: the tests of the packages that touch the OS (paths, locks,
# os.Root, file modes, the CLI end to end against the sandbox), built for
# windows/amd64 and run under Wine; installs wine64 and mingw-w64 when
# root (.ci/windows-tests says what it runs and skips, and why).
test-windows:
	GO=$(GO) bash .ci/windows-tests

# bench: Go benchmarks (planning, the journal, workbooks); planning, with
# and without folding, the checkpoint's size, status and resuming at
# 1M/2M/5M/10M replies and at 1M replies with 65,000 files (medians of three
# rounds, each timing every size in turn: about forty minutes, 13 GB of disk,
# every export at once and a 10M plan's spill file); then the lanes against the sandbox under
# each limit model with jitter (four scenarios of a minute); then, three
# times each with their medians, the events lane beside two reference
# clients against a sliding window (900 events a run): 0-40 ms of transit,
# 0-150 ms, and 0-150 ms with 50-400 ms of server processing, without and
# with Server-Timing (eighteen minutes); last, the replies lane at its real
# minute window under the hardest of those (four minutes: the rows before
# scale its window to 6 s, where 150 ms of transit alone caps it at 97.6%).
bench: build
	$(GO) build -o bin/genexport ./cmd/genexport
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./cmd/scalebench --bin $(BIN) --genexport bin/genexport --replies 1000000,2000000,5000000,10000000
	$(GO) run ./cmd/scalebench --bin $(BIN) --genexport bin/genexport --replies 1000000 --files 65000
	$(GO) run ./cmd/pacebench --duration 60s
	$(GO) run ./cmd/pacebench --runs 3 --duration 30s --models sliding --transit 0-40ms --latency 0ms-1ms --references
	$(GO) run ./cmd/pacebench --runs 3 --duration 30s --models sliding --transit 0-150ms --latency 0ms-1ms --references
	$(GO) run ./cmd/pacebench --runs 3 --duration 30s --models sliding --transit 0-150ms --latency 50ms-400ms --references
	$(GO) run ./cmd/pacebench --runs 3 --duration 30s --models sliding --transit 0-150ms --latency 50ms-400ms --references --server-timing
	$(GO) run ./cmd/pacebench --duration 4m --models sliding --transit 0-150ms --latency 50ms-400ms --replies-window 60s

# torture: kill -9 the tool 60 times at random moments against a sandbox
# that also loses answers, resume each time, then check the sandbox's store;
# then again with each run folding by another date; then again with the
# export re-exported between runs (rows added, removed, reordered; replies
# on folded tickets). make test runs all three with 6 kills.
torture:
	TORTURE_KILLS=60 $(GO) test -count=1 -run 'TestTorture|TestFoldTorture|TestReExportTorture' -v ./cmd/assembly-import

clean:
	rm -rf bin dist $(DEMO)
