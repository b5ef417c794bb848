# semantic_views — build, test, demo and benchmark.
#   make          release build of the loadable extension (+ local extension repository)
#   make demo     build, then run the demo in the official DuckDB CLI on the sample data
#   make test     build, then run every test (Rust, sqllogictest, official hosts, differential)
#   make bench    benchmark against hand-written SQL
.DEFAULT_GOAL := release
SHELL := /bin/bash

.PHONY: test-suites
.PHONY: release debug test demo bench venv rust-test sqllogictest host-test differential-test fuzz clean

PROJ_DIR        := $(CURDIR)
DUCKDB_VERSION  := v1.5.6
DUCKDB_DESCRIBE := v1.5.6-0-g069cc9f9b5
PLATFORM        := linux_amd64
PYTHON          ?= python3
VENV            := $(PROJ_DIR)/.venv
VPY             := $(VENV)/bin/python
EXT_NAME        := semantic_views

# Compiler cache shared by every checkout on this machine: paths under the checkout are
# hashed relative to it, so a clone in another folder hits the same entries.
export CCACHE_BASEDIR  := $(PROJ_DIR)
export CCACHE_NOHASHDIR := 1
export CCACHE_MAXSIZE  ?= 10G

CMAKE_FLAGS = -G Ninja \
	-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
	-DEXTENSION_STATIC_BUILD=1 -DDUCKDB_EXTENSION_CONFIGS=$(PROJ_DIR)/extension_config.cmake \
	-DOVERRIDE_GIT_DESCRIBE=$(DUCKDB_DESCRIBE) -DDUCKDB_EXPLICIT_PLATFORM=$(PLATFORM) \
	-DBUILD_SHELL=0 -DBUILD_UNITTESTS=0 -DENABLE_UNITTEST_CPP_TESTS=FALSE \
	-DENABLE_EXTENSION_AUTOLOADING=0 -DENABLE_EXTENSION_AUTOINSTALL=0 \
	-DCMAKE_DISABLE_FIND_PACKAGE_Python3=TRUE

# $(call build,<dir>,<cmake build type>)
define build
	@scripts/install_prereqs.sh
	@scripts/fetch_duckdb.sh
	@test -f build/$(1)/build.ninja || cmake -S duckdb -B build/$(1) -DCMAKE_BUILD_TYPE=$(2) $(CMAKE_FLAGS)
	cmake --build build/$(1) --target $(EXT_NAME)_loadable_extension
	@mkdir -p build/$(1)/repository/$(DUCKDB_VERSION)/$(PLATFORM)
	cp build/$(1)/extension/$(EXT_NAME)/$(EXT_NAME).duckdb_extension build/$(1)/repository/$(DUCKDB_VERSION)/$(PLATFORM)/
	@echo "built build/$(1)/extension/$(EXT_NAME)/$(EXT_NAME).duckdb_extension"
endef

release:
	$(call build,release,Release)

# Debug builds add DEBUG-only members to DuckDB's classes: such a file only loads into a debug
# DuckDB, never into the official release binaries.
debug:
	$(call build,debug,Debug)

venv: $(VENV)/.installed
$(VENV)/.installed: test/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -r test/requirements.txt
	touch $@

EXTENSION := $(PROJ_DIR)/build/release/extension/$(EXT_NAME)/$(EXT_NAME).duckdb_extension
REPOSITORY := $(PROJ_DIR)/build/release/repository

rust-test:
	cargo test --locked --workspace

sqllogictest: release venv
	$(VPY) test/runner/test_runner.py
	$(VPY) test/runner/sqllogictest.py --extension $(EXTENSION) test/sql

host-test: release venv
	$(VPY) test/host/test_hosts.py --repository $(REPOSITORY) --cli $(VENV)/bin/duckdb

differential-test: release venv
	$(VPY) test/differential/test_differential.py --extension $(EXTENSION) --schemas 250

test-suites: rust-test sqllogictest host-test differential-test

test:
	@mkdir -p build
	@set -o pipefail; $(MAKE) --no-print-directory test-suites 2>&1 | tee build/test.log
	@$(PYTHON) scripts/test_summary.py build/test.log

demo: release venv
	$(VPY) demo/run_demo.py --repository $(REPOSITORY) --cli $(VENV)/bin/duckdb

bench: release venv
	$(VPY) bench/bench.py --extension $(EXTENSION)

# libFuzzer on the stable toolchain (cargo-fuzz needs nightly): instrument with sancov flags.
FUZZ_FLAGS := -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=3 \
	-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
	-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing
FUZZ_SECONDS ?= 600
fuzz:
	cd rust/fuzz && RUSTFLAGS="$(FUZZ_FLAGS)" cargo build --release --target x86_64-unknown-linux-gnu
	for t in definition expand expression ddl; do mkdir -p rust/fuzz/corpus/$$t; \
	  rust/fuzz/target/x86_64-unknown-linux-gnu/release/$$t rust/fuzz/corpus/$$t -max_total_time=$(FUZZ_SECONDS) || exit 1; done

clean:
	rm -rf build target
