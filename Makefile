# stateproof — `make` lists the targets. Settings (environment or make variables):
#   IMAGES        auto | offline | upstream   where images come from (default auto)
#   K8S_VERSION   Kubernetes version of the kind node image (default v1.34.4)
#   KIND_CLUSTER  kind cluster name (default stateproof)
#   KEEP_CLUSTER  1 keeps the cluster after test-e2e
#   LABEL_FILTER, FOCUS   passed to ginkgo by test-e2e
#   STORAGE_CLASS StorageClass of the workloads' PVCs (default standard)
#   MOVABLE_STORAGE_CLASS  class whose volumes can follow a pod to another node (default shared);
#                 test-e2e runs the specs that move a pod (recovery:out-of-service) again on it;
#                 empty skips that second pass, where "not applicable" is a failure
#   REQUIRE_APPLICABLE  1 fails (instead of skipping) specs whose fault does not apply to the class
#   READY_TIMEOUT how long a workload may take to become Ready (default 5m)
#   ARTIFACTS     where reports land (default _artifacts)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

IMAGES ?= auto
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
export IMAGES K8S_VERSION KIND_CLUSTER ARTIFACTS KUBECONFIG_OUT IMAGES_FILE

BIN := _build/stateproof

.PHONY: help build docker images cluster-up cluster-down test test-e2e e2e clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build the static stateproof CLI into _build/
	@CGO_ENABLED=0 go build -trimpath -o $(BIN) ./cmd/stateproof

docker: ## Install (apt) and start Docker when it does not answer; no-op where it runs
	@bash fixtures/engine/docker.sh

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

test-e2e: cluster-up ## End-to-end suites on a real kind cluster (then deletes it unless KEEP_CLUSTER=1)
	@rc=0; $(MAKE) --no-print-directory e2e || rc=$$?; \
	if [ -n "$(MOVABLE_STORAGE_CLASS)" ] && [ "$(MOVABLE_STORAGE_CLASS)" != "$(STORAGE_CLASS)" ]; then \
	  echo "== specs that move a pod to another node, on StorageClass $(MOVABLE_STORAGE_CLASS) =="; \
	  $(MAKE) --no-print-directory e2e STORAGE_CLASS=$(MOVABLE_STORAGE_CLASS) ARTIFACTS=$(ARTIFACTS)/$(MOVABLE_STORAGE_CLASS) REQUIRE_APPLICABLE=1 \
	    LABEL_FILTER='$(if $(LABEL_FILTER),($(LABEL_FILTER)) && )recovery:out-of-service' || rc=$$?; \
	fi; \
	if [ "$(KEEP_CLUSTER)" != 1 ]; then $(BIN) cluster delete; fi; exit $$rc

e2e: ## Run the suites against the current cluster (no set-up, no tear-down)
	@mkdir -p $(ARTIFACTS)
	go tool ginkgo -v --tags=e2e --timeout=60m --junit-report=junit.xml --json-report=report.json \
	  --output-dir=$(ARTIFACTS) $(if $(LABEL_FILTER),--label-filter='$(LABEL_FILTER)') \
	  $(if $(FOCUS),--focus='$(FOCUS)') ./suites -- --kubeconfig=$(abspath $(KUBECONFIG_OUT)) \
	  --images-file=$(abspath $(IMAGES_FILE)) --artifacts=$(abspath $(ARTIFACTS)) \
	  --storage-class=$(STORAGE_CLASS) --ready-timeout=$(READY_TIMEOUT) $(if $(REQUIRE_APPLICABLE),--require-applicable)

clean: ## Remove _build and _artifacts (images and the Go cache stay)
	rm -rf _build $(ARTIFACTS)
