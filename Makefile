# stateproof — `make` lists the targets. Settings (environment or make variables):
#   IMAGES        auto | offline | upstream   where images come from (default auto)
#   K8S_VERSION   Kubernetes version of the kind node image (default v1.34.4)
#   KIND_CLUSTER  kind cluster name (default stateproof)
#   KEEP_CLUSTER  1 keeps the cluster after test-e2e
#   PROCS         parallel Ginkgo processes of test-e2e, e2e, certify and certify-kind (default 6);
#                 each spec leases the worker nodes it occupies; 1 runs everything serially
#   LABEL_FILTER, FOCUS   passed to ginkgo by test-e2e
#   STORAGE_CLASS StorageClass of the workloads' PVCs (default standard)
#   MOVABLE_STORAGE_CLASS  class whose volumes can follow a pod to another node (default shared);
#                 test-e2e and e2e run the specs that move a pod (recovery:out-of-service) on it
#                 instead of on STORAGE_CLASS, where "not applicable" is a failure; empty runs
#                 them on STORAGE_CLASS
#   REQUIRE_APPLICABLE  1 fails (instead of skipping) specs whose fault does not apply to the class
#   READY_TIMEOUT how long a workload may take to become Ready (default 5m)
#   SUITE_TIMEOUT limit of one suite run (ginkgo --timeout, default 3h)
#   ARTIFACTS     where reports land (default _artifacts)
#   CERTIFY_WORKLOADS, CERTIFY_FAULTS  what `make certify` runs, comma-separated (default: every
#                 registered workload and fault: `stateproof workloads`, `stateproof faults`)
#   CERTIFY_KUBECONFIG  cluster `make certify` certifies on (default: the project's kind cluster)
#   KIND_CERTIFY_WORKLOADS  workloads of `make certify-kind` (default mysql)
#   SELF_TEST_CLASS  the deliberately bad class test-e2e must see fail (default volatile; empty skips)
#   WORKLOAD_FILE an external workload for e2e and certify (docs/extending.md); test-e2e runs
#                 the examples
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

IMAGES ?= auto
PROCS ?= 6
K8S_VERSION ?= v1.34.4
KIND_CLUSTER ?= stateproof
ARTIFACTS ?= _artifacts
KUBECONFIG_OUT ?= _build/kubeconfig
IMAGES_FILE ?= _build/images.json
LABEL_FILTER ?=
FOCUS ?=
KEEP_CLUSTER ?=
REQUIRE_APPLICABLE ?=
STORAGE_CLASS ?= standard
MOVABLE_STORAGE_CLASS ?= shared
READY_TIMEOUT ?= 5m
SUITE_TIMEOUT ?= 3h
CERTIFY_WORKLOADS ?=
CERTIFY_FAULTS ?=
CERTIFY_KUBECONFIG ?=
KIND_CERTIFY_WORKLOADS ?= mysql
SELF_TEST_CLASS ?= volatile
WORKLOAD_FILE ?=
# What make e2e runs: the suites' package (compiled by ginkgo) or a binary precompiled by make suites.
E2E_SUITE ?= ./suites
# The external-workload examples test-e2e runs after the suites: the MySQL fixture described as
# a file (must pass) and an unsafe Redis (a negative control: its loss and misordering must be
# found).
EXTERNAL_EXAMPLES := fixtures/workloads/external/examples/mysql/workload.yaml fixtures/workloads/external/examples/redis-unsafe/workload.yaml
# The example of an existing StatefulSet (spec.namespace): test-e2e installs it as a user would,
# runs it, and checks the run left it as it was (cmd/stateproof TestAnExistingStatefulSet).
EXISTING_EXAMPLE := fixtures/workloads/external/examples/mysql-existing/workload.yaml
export IMAGES K8S_VERSION KIND_CLUSTER ARTIFACTS KUBECONFIG_OUT IMAGES_FILE

BIN := _build/stateproof
SUITES := _build/suites.test
GINKGO := _build/ginkgo
PROGRESS = $(ARTIFACTS)/progress.log
# The harness's self-test: certifying the bad class must fail the node-restart check (its
# volumes are on a tmpfs inside the node, lost when the node stops).
SELF_TEST = $(BIN) certify --kubeconfig $(KUBECONFIG_OUT) --storage-class $(SELF_TEST_CLASS) \
  --workloads mysql --faults node-failure-stop --label-filter fault:node-failure-stop --ready-timeout $(READY_TIMEOUT) \
  --report-dir $(ARTIFACTS)/certify/$(SELF_TEST_CLASS) --expect-failed data-node-restart --procs 1
# test-e2e runs it beside the suites when PROCS > 1 (its spec leases a node like any other) and
# after them when PROCS=1.

.PHONY: help build suites docker images cluster-up cluster-down test test-e2e e2e certify certify-kind clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# -buildvcs=auto: stamp the git revision (the certificate's "stateproof version") even where
# GOFLAGS turns stamping off; a tree without git still builds.
build: ## Build the static stateproof CLI into _build/
	@CGO_ENABLED=0 go build -buildvcs=auto -trimpath -o $(BIN) ./cmd/stateproof

suites: ## Precompile the e2e suites into _build/suites.test and the ginkgo CLI that runs them in parallel (what stateproof certify runs)
	@go test -c -tags e2e -o $(SUITES) ./suites
	@go build -o $(GINKGO) github.com/onsi/ginkgo/v2/ginkgo

docker: ## Install (apt) and start Docker when it does not answer; no-op where it runs
	@bash fixtures/platform/engine/docker.sh

images: docker build ## Build (offline) or pull (upstream) every image; cached by input hash
	@$(BIN) images build

cluster-up: images ## Create or reuse the kind cluster from kind-config.yaml and load the images
	@$(BIN) cluster create

cluster-down: build ## Delete the kind cluster
	@$(BIN) cluster delete

test: ## Unit tests (no cluster, no Docker)
	go vet ./...
	go vet -tags e2e ./suites/...
	go test ./...
# A dry run of the suites: every spec's labels must be the registries' and every certificate row
# decidable by some spec (suites/labels, checked in a ReportAfterSuite).
	go test -count=1 -tags e2e ./suites -args -ginkgo.dry-run -artifacts=$$(mktemp -d)
# The same with each external-workload example registered (its file must load, its labels too).
	@for f in $(EXTERNAL_EXAMPLES) $(EXISTING_EXAMPLE); do echo "dry run with --workload-file=$$f"; \
	  go test -count=1 -tags e2e ./suites -args -ginkgo.dry-run -artifacts=$$(mktemp -d) -workload-file=$(CURDIR)/$$f; done
# Lint .github/workflows (go.mod's actionlint; no shellcheck/pyflakes, so CI and laptops agree).
	go tool actionlint -shellcheck= -pyflakes=

test-e2e: cluster-up suites ## End-to-end suites on a real kind cluster, with the bad-class self-test and the external examples beside them (then deletes the cluster unless KEEP_CLUSTER=1)
	@start=$$(date +%s); rc=0; self=; pids=; \
	selftest=$(if $(and $(SELF_TEST_CLASS),$(if $(LABEL_FILTER)$(FOCUS),,1)),1); \
	examples=$(if $(LABEL_FILTER)$(FOCUS),,1); \
	if [ -n "$$selftest" ] && [ "$(PROCS)" -gt 1 ]; then \
	  echo "== self-test, beside the suites: certifying the bad StorageClass $(SELF_TEST_CLASS) must fail ([self-test] lines)"; \
	  ( $(SELF_TEST) 2>&1 | sed -u 's/^/[self-test] /' ) & self=$$!; \
	fi; \
	if [ -n "$$examples" ] && [ "$(PROCS)" -gt 1 ]; then \
	  echo "== external workloads, beside the suites: $(EXTERNAL_EXAMPLES)"; \
	  for f in $(EXTERNAL_EXAMPLES); do n=$$(basename $$(dirname $$f)); \
	    ( $(MAKE) --no-print-directory e2e PROCS=2 WORKLOAD_FILE=$$f LABEL_FILTER=workload:external \
	        E2E_SUITE=$(abspath $(SUITES)) ARTIFACTS=$(ARTIFACTS)/external/$$n 2>&1 | sed -u "s/^/[$$n] /" ) & pids="$$pids $$!"; \
	  done; \
	fi; \
	$(MAKE) --no-print-directory e2e || rc=$$?; \
	if [ -n "$$examples" ] && [ "$(PROCS)" = 1 ]; then \
	  echo "== external workloads: $(EXTERNAL_EXAMPLES)"; \
	  for f in $(EXTERNAL_EXAMPLES); do n=$$(basename $$(dirname $$f)); \
	    $(MAKE) --no-print-directory e2e PROCS=1 WORKLOAD_FILE=$$f LABEL_FILTER=workload:external \
	        E2E_SUITE=$(abspath $(SUITES)) ARTIFACTS=$(ARTIFACTS)/external/$$n 2>&1 | sed -u "s/^/[$$n] /" || rc=1; \
	  done; \
	fi; \
	for p in $$pids; do wait $$p || rc=$$?; done; \
	if [ -n "$$examples" ]; then \
	  echo "== existing StatefulSet: $(EXISTING_EXAMPLE) on the MySQL example installed in its namespace; the run must leave it as it was"; \
	  go test -tags e2e -count=1 -v -timeout 30m -run TestAnExistingStatefulSet ./cmd/stateproof/ > $(ARTIFACTS)/existing.log 2>&1 || rc=1; \
	  grep -E '^(=== RUN|--- |PASS|FAIL|ok )|existing_e2e_test.go|\[existing\] .*(Ran |Passed|FAIL)' $(ARTIFACTS)/existing.log | tail -n 30; \
	fi; \
	if [ -n "$$self" ]; then wait $$self || rc=$$?; \
	elif [ -n "$$selftest" ]; then \
	  echo "== self-test: certifying the bad StorageClass $(SELF_TEST_CLASS) must fail =="; \
	  $(SELF_TEST) || rc=$$?; \
	fi; \
	if [ -n "$$selftest" ]; then \
	  echo "== interrupt: certify interrupted (SIGINT) while a node-failure-stop spec has its node down must exit 3 (INCOMPLETE) and leave the cluster clean"; \
	  go test -tags e2e -count=1 -v -timeout 60m -run TestCertifyInterruptedWhileANodeIsDown ./cmd/stateproof/ > $(ARTIFACTS)/interrupt.log 2>&1 || rc=1; \
	  grep -E '^(=== RUN|--- |PASS|FAIL|ok )|interrupt_e2e_test.go|\[certify\] (interrupted|StorageClass|clean-up)' $(ARTIFACTS)/interrupt.log | tail -n 30; \
	fi; \
	echo "== judge --verify: every spec's verdict, recomputed offline from its saved record, must be the run's"; \
	$(BIN) judge --verify $(ARTIFACTS) > $(ARTIFACTS)/judge.txt || rc=$$?; tail -n 20 $(ARTIFACTS)/judge.txt; \
	echo "== test-e2e: suites$${selftest:+, self-test} and examples in $$(( $$(date +%s) - start )) s with PROCS=$(PROCS), exit $$rc"; \
	if [ "$(KEEP_CLUSTER)" != 1 ]; then $(BIN) cluster delete; fi; exit $$rc

e2e: ## Run the suites against the current cluster in PROCS parallel processes (no set-up, no tear-down)
	@mkdir -p $(ARTIFACTS); : > $(PROGRESS); tail=; \
	find $(ARTIFACTS) \( -path $(ARTIFACTS)/certify -o -path $(ARTIFACTS)/external \) -prune -o -name verdict.json -exec rm -f {} + ; \
	if [ "$(PROCS)" -gt 1 ]; then tail -n +1 -F --pid=$$$$ $(PROGRESS) 2>/dev/null & tail=$$!; fi; \
	start=$$(date +%s); rc=0; run=e2e-$$start-$$$$; \
	echo "== run id $$run (its namespaces carry stateproof.io/run=$$run, the nodes it touches stateproof.io/fault-run=$$run; after a killed run: $(BIN) cleanup --run-id $$run)"; \
	go tool ginkgo -v --procs=$(PROCS) --randomize-all --tags=e2e --timeout=$(SUITE_TIMEOUT) --junit-report=junit.xml --json-report=report.json \
	  --output-dir=$(ARTIFACTS) $(if $(LABEL_FILTER),--label-filter='$(LABEL_FILTER)') \
	  $(if $(FOCUS),--focus='$(FOCUS)') $(E2E_SUITE) -- --kubeconfig=$(abspath $(KUBECONFIG_OUT)) \
	  --images-file=$(abspath $(IMAGES_FILE)) --artifacts=$(abspath $(ARTIFACTS)) --progress-file=$(abspath $(PROGRESS)) \
	  --storage-class=$(STORAGE_CLASS) $(if $(MOVABLE_STORAGE_CLASS),--movable-storage-class=$(MOVABLE_STORAGE_CLASS)) \
	  --ready-timeout=$(READY_TIMEOUT) $(if $(REQUIRE_APPLICABLE),--require-applicable) --run-id=$$run \
	  $(if $(WORKLOAD_FILE),--workload-file=$(abspath $(WORKLOAD_FILE))) || rc=$$?; \
	[ -z "$$tail" ] || kill $$tail 2>/dev/null || true; \
	echo "== suites: $(PROCS) parallel process(es), $$(( $$(date +%s) - start )) s wall time, exit $$rc"; exit $$rc

certify: images suites ## Certify STORAGE_CLASS (kind cluster, or CERTIFY_KUBECONFIG's): certificate in $(ARTIFACTS)/certify/<class>
	@$(BIN) certify --storage-class $(STORAGE_CLASS) $(if $(CERTIFY_KUBECONFIG),--kubeconfig $(CERTIFY_KUBECONFIG)) --procs $(PROCS) \
	  $(if $(CERTIFY_WORKLOADS),--workloads $(CERTIFY_WORKLOADS)) $(if $(WORKLOAD_FILE),--workload-file $(abspath $(WORKLOAD_FILE))) $(if $(CERTIFY_FAULTS),--faults $(CERTIFY_FAULTS)) --ready-timeout $(READY_TIMEOUT) \
	  --report-dir $(ARTIFACTS)/certify/$(STORAGE_CLASS)

certify-kind: cluster-up suites ## Certify the kind classes: standard (not certified: node-bound), shared (certified), the bad class (must fail)
	@rc=0; \
	echo "== certify standard: node-local volumes, expected NOT CERTIFIED (node loss not applicable)"; \
	s=0; $(BIN) certify --kubeconfig $(KUBECONFIG_OUT) --storage-class standard --workloads $(KIND_CERTIFY_WORKLOADS) --procs $(PROCS) \
	  --ready-timeout $(READY_TIMEOUT) --report-dir $(ARTIFACTS)/certify/standard || s=$$?; \
	if [ $$s -ne 4 ]; then echo "certify-kind: standard exited $$s, want 4 (NOT CERTIFIED)"; rc=1; fi; \
	echo "== certify shared: volumes reachable from every node, expected CERTIFIED"; \
	$(BIN) certify --kubeconfig $(KUBECONFIG_OUT) --storage-class shared --workloads $(KIND_CERTIFY_WORKLOADS) --procs $(PROCS) \
	  --ready-timeout $(READY_TIMEOUT) --report-dir $(ARTIFACTS)/certify/shared || rc=$$?; \
	echo "== compare: the two certificates must differ exactly where node-local storage cannot follow a pod"; \
	$(BIN) compare --expect-differ data-node-loss $(ARTIFACTS)/certify/standard $(ARTIFACTS)/certify/shared || rc=1; \
	echo "== certify $(SELF_TEST_CLASS): volumes on a tmpfs in the node, expected FAILED (self-test)"; \
	$(SELF_TEST) || rc=$$?; \
	echo "certificates: $(ARTIFACTS)/certify/{standard,shared,$(SELF_TEST_CLASS)}/certificate.html"; exit $$rc

clean: ## Remove _build and _artifacts (images and the Go cache stay)
	rm -rf _build $(ARTIFACTS)
