# semantic_views — build, test, demo and benchmark, for DuckDB v2.0.1 and v1.5.6.
#   make            release build for the default DuckDB version (v2.0.1)
#   make demo       build, then run the demo in the official DuckDB CLI on the sample data
#   make test       build both versions, then run every test against each
#   make bench      benchmark against hand-written SQL (DUCKDB_VERSION=v1.5.6 for the other build)
#
# With extension-ci-tools checked out (the community pipeline), its Makefile provides release,
# debug, test, configure_ci, set_duckdb_version, ... Otherwise (a fresh clone without GitHub)
# the rules below provide the same targets with the same CMake flags, building against the
# `duckdb` submodule when it is initialised and against the checked PyPI source distribution
# of the chosen version when it is not.
.DEFAULT_GOAL := release
SHELL := /bin/bash

PROJ_DIR   := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
EXT_NAME   := semantic_views
EXT_CONFIG := $(PROJ_DIR)extension_config.cmake

# Compiler cache shared by every checkout on this machine: paths under the checkout are hashed
# relative to it, so a clone in another folder hits the same entries.
export CCACHE_BASEDIR   := $(patsubst %/,%,$(PROJ_DIR))
export CCACHE_NOHASHDIR := 1
export CCACHE_MAXSIZE   ?= 10G

PLATFORM        := linux_amd64
PYTHON          ?= python3
SUBMODULE_READY := $(wildcard $(PROJ_DIR)duckdb/.git)
ifneq ($(SUBMODULE_READY),)
# An initialised submodule is one DuckDB version: the one checked out.
DUCKDB_VERSION  := $(shell git -C $(PROJ_DIR)duckdb describe --tags --exact-match 2>/dev/null || echo main)
DUCKDB_VERSIONS := $(DUCKDB_VERSION)
else
DUCKDB_VERSIONS := v2.0.1 v1.5.6
DUCKDB_VERSION  ?= v2.0.1
endif

ifneq ($(wildcard $(PROJ_DIR)extension-ci-tools/makefiles/duckdb_extension.Makefile),)
include $(PROJ_DIR)extension-ci-tools/makefiles/duckdb_extension.Makefile
else
# ---- The community targets, without extension-ci-tools ----------------------------------------
.PHONY: release debug test_release test_debug configure_ci set_duckdb_version set_duckdb_tag clean

# How DuckDB's CMake learns the version when it cannot ask git (1.5 takes a describe string,
# 2.0 a plain tag plus the commit).
COMMIT_v2.0.1   := 8d78114e90a53823803660bf821f6073ac87da8c
DESCRIBE_v2.0.1 := -DOVERRIDE_GIT_DESCRIBE=v2.0.1 -DGIT_COMMIT_HASH=$(COMMIT_v2.0.1)
COMMIT_v1.5.6   := 069cc9f9b5be802405797faecc284961b07c70ef
DESCRIBE_v1.5.6 := -DOVERRIDE_GIT_DESCRIBE=v1.5.6-0-g069cc9f9b5

# The flags extension-ci-tools passes, plus ccache. Without the submodule there are no test or
# shell sources, and only the loadable extension is built (DuckDB's own extensions are skipped).
BUILD_FLAGS = -G Ninja -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
	-DEXTENSION_STATIC_BUILD=1 -DDUCKDB_EXTENSION_CONFIGS=$(EXT_CONFIG) \
	-DDUCKDB_EXPLICIT_PLATFORM=$(PLATFORM) -DUNITTEST_ROOT_DIRECTORY=$(PROJ_DIR) \
	-DBENCHMARK_ROOT_DIRECTORY=$(PROJ_DIR) -DENABLE_UNITTEST_CPP_TESTS=FALSE \
	-DENABLE_EXTENSION_AUTOLOADING=0 -DENABLE_EXTENSION_AUTOINSTALL=0
SDIST_FLAGS = -DBUILD_SHELL=0 -DBUILD_UNITTESTS=0 -DCMAKE_DISABLE_FIND_PACKAGE_Python3=TRUE \
	"-DSKIP_EXTENSIONS=parquet;json;icu;core_functions"

# $(call build_dir,<version>,<type>): one build folder per DuckDB version and build type; with the
# submodule, the community layout build/<type>.
build_dir = $(if $(SUBMODULE_READY),build/$(2),build/$(1)/$(2))
# $(call build,<version>,<type>,<CMake build type>)
define build
	@scripts/install_prereqs.sh
	@src=$$(scripts/fetch_duckdb.sh $(1)) && \
	if [ ! -f $(call build_dir,$(1),$(2))/build.ninja ]; then \
	  cmake -S "$$src" -B $(call build_dir,$(1),$(2)) -DCMAKE_BUILD_TYPE=$(3) $(BUILD_FLAGS) \
	    $(if $(SUBMODULE_READY),,$(DESCRIBE_$(1)) $(SDIST_FLAGS)); fi
	cmake --build $(call build_dir,$(1),$(2)) --target $(EXT_NAME)_loadable_extension \
	  $(if $(SUBMODULE_READY),unittest,)
	@mkdir -p build/repository/$(1)/$(PLATFORM)
	cp $(call build_dir,$(1),$(2))/extension/$(EXT_NAME)/$(EXT_NAME).duckdb_extension build/repository/$(1)/$(PLATFORM)/
	@echo "built $(call build_dir,$(1),$(2))/extension/$(EXT_NAME)/$(EXT_NAME).duckdb_extension (DuckDB $(1))"
endef

release:
	$(call build,$(DUCKDB_VERSION),release,Release)

# Debug builds add DEBUG-only members to DuckDB's classes: such a file only loads into a debug
# DuckDB (the submodule's unittest), never into the official release binaries.
debug:
	$(call build,$(DUCKDB_VERSION),debug,Debug)

# DuckDB's own sqllogictest runner where the tree has its sources, ours in the official Python
# package otherwise; both read test/sql.
test_release: release
	$(call sqllogictest,$(DUCKDB_VERSION),release)
test_debug: debug
	@test -n "$(SUBMODULE_READY)" || { echo "test_debug needs DuckDB's unittest (an initialised duckdb submodule): a debug build loads into no official DuckDB" >&2; exit 1; }
	$(call sqllogictest,$(DUCKDB_VERSION),debug)

configure_ci:
	@scripts/install_prereqs.sh

# The community pipeline builds against the DuckDB version it checks out in the submodule.
set_duckdb_version:
	@if [ -n "$(SUBMODULE_READY)" ]; then cd duckdb && git checkout $(DUCKDB_GIT_VERSION); \
	else scripts/fetch_duckdb.sh $(DUCKDB_GIT_VERSION) >/dev/null && \
	  echo "no duckdb submodule: build with DUCKDB_VERSION=$(DUCKDB_GIT_VERSION)"; fi
set_duckdb_tag:
	@if [ -n "$(SUBMODULE_READY)" ]; then cd duckdb && git tag $(DUCKDB_TAG); \
	else echo "no duckdb submodule: the source distribution is already tagged"; fi

clean:
	rm -rf build target
endif

# ---- Project targets -------------------------------------------------------------------------------
.PHONY: all-versions test test-version test-suites venv rust-test lint demo bench fuzz

# $(call venv_python,<version>): the official Python package of that version (+ its CLI where PyPI has one).
venv_python = $(PROJ_DIR).venv/$(1)/bin/python
.venv/%/.installed: test/requirements-%.txt
	$(PYTHON) -m venv .venv/$*
	.venv/$*/bin/python -m pip install --quiet --upgrade pip
	.venv/$*/bin/python -m pip install --quiet -r test/requirements-$*.txt
	touch $@
venv: $(foreach v,$(DUCKDB_VERSIONS),$(if $(wildcard test/requirements-$(v).txt),.venv/$(v)/.installed))

extension_file = $(PROJ_DIR)$(call build_dir,$(1),release)/extension/$(EXT_NAME)/$(EXT_NAME).duckdb_extension
REPOSITORY := $(PROJ_DIR)build/repository

# $(call sqllogictest,<version>,<type>)
define sqllogictest
	@if [ -x $(call build_dir,$(1),$(2))/test/unittest ]; then \
	  $(call build_dir,$(1),$(2))/test/unittest --require $(EXT_NAME) "test/*"; \
	else \
	  $(MAKE) --no-print-directory .venv/$(1)/.installed && \
	  $(call venv_python,$(1)) tools/sqllogictest/sqllogictest.py --extension $(call extension_file,$(1)) test/sql; fi
endef

all-versions:
	@for v in $(DUCKDB_VERSIONS); do $(MAKE) --no-print-directory release DUCKDB_VERSION=$$v || exit 1; done

rust-test: lint
	cargo test --locked --workspace

# The Rust core's style: rustfmt (rust/rustfmt.toml) and clippy with no warnings.
lint:
	cargo fmt --check
	cargo clippy --locked --release --workspace -- -D warnings

# Every suite against one DuckDB version's build.
test-version: venv
	@echo "=== DuckDB $(DUCKDB_VERSION) ==="
	$(call venv_python,$(DUCKDB_VERSION)) tools/sqllogictest/test_runner.py
	$(call sqllogictest,$(DUCKDB_VERSION),release)
	$(call venv_python,$(DUCKDB_VERSION)) test/host/test_hosts.py --repository $(REPOSITORY) \
	  $(if $(wildcard .venv/$(DUCKDB_VERSION)/bin/duckdb),--cli .venv/$(DUCKDB_VERSION)/bin/duckdb,)
	$(call venv_python,$(DUCKDB_VERSION)) test/host/test_cache.py --extension $(call extension_file,$(DUCKDB_VERSION))
	$(call venv_python,$(DUCKDB_VERSION)) test/host/test_expressions.py \
	  --extension $(call extension_file,$(DUCKDB_VERSION))
	$(call venv_python,$(DUCKDB_VERSION)) test/host/test_define.py --extension $(call extension_file,$(DUCKDB_VERSION))
	$(call venv_python,$(DUCKDB_VERSION)) test/differential/test_differential.py \
	  --extension $(call extension_file,$(DUCKDB_VERSION)) --schemas 250

test-suites: all-versions venv rust-test
	@for v in $(DUCKDB_VERSIONS); do $(MAKE) --no-print-directory test-version DUCKDB_VERSION=$$v || exit 1; done
ifeq ($(SUBMODULE_READY),)
	$(call venv_python,v2.0.1) test/host/test_versions.py --repository $(REPOSITORY) \
	  --python v1.5.6=$(call venv_python,v1.5.6) --python v2.0.1=$(call venv_python,v2.0.1)
endif

ifeq ($(wildcard $(PROJ_DIR)extension-ci-tools/makefiles/duckdb_extension.Makefile),)
# The README's test command: both DuckDB versions, every suite; the last line sums them.
test:
	@mkdir -p build
	@set -o pipefail; $(MAKE) --no-print-directory test-suites 2>&1 | tee build/test.log
	@$(PYTHON) scripts/test_summary.py build/test.log
endif

demo: release .venv/$(DUCKDB_VERSION)/.installed
	$(call venv_python,$(DUCKDB_VERSION)) demo/run_demo.py --repository $(REPOSITORY) \
	  $(if $(wildcard .venv/$(DUCKDB_VERSION)/bin/duckdb),--cli .venv/$(DUCKDB_VERSION)/bin/duckdb,)

bench: release .venv/$(DUCKDB_VERSION)/.installed
	$(call venv_python,$(DUCKDB_VERSION)) bench/bench.py --extension $(call extension_file,$(DUCKDB_VERSION))

# libFuzzer on the stable toolchain (cargo-fuzz needs nightly): instrument with sancov flags.
FUZZ_FLAGS := -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=3 \
	-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
	-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing
FUZZ_SECONDS ?= 600
fuzz:
	cd rust/fuzz && RUSTFLAGS="$(FUZZ_FLAGS)" cargo build --release --target x86_64-unknown-linux-gnu
	for t in definition expand expression ddl plain_sql interchange; do mkdir -p rust/fuzz/corpus/$$t; \
	  rust/fuzz/target/x86_64-unknown-linux-gnu/release/$$t rust/fuzz/corpus/$$t -max_total_time=$(FUZZ_SECONDS) || exit 1; done
