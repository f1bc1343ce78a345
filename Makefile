# Cohort: the two commands are `make demo` and `make test`.
# Everything else is CMake; this file only sequences it.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
MUTATE_BUILD ?= build-mutate
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 20
CMAKE_FLAGS ?=

.PHONY: all deps build layering test test-asan bench demo fuzz fuzz-smoke mutate clean help

all: build

help:
	@echo "make demo        build, then run the demo (see README)"
	@echo "make test        layering + deps + build + ctest, then unit and e2e tests under ASan+UBSan"
	@echo "make layering    check the include rules between rooms (.ci/layering --help)"
	@echo "make bench       every benchmark, JSON on stdout"
	@echo "make fuzz-smoke  each libFuzzer target for $(FUZZ_SECONDS)s"
	@echo "make mutate      the mutation check over tests/mutants.txt, JSON on stdout (slow; docs/testing.md)"
	@echo "make deps        apt-get install the Debian packages that are missing"

deps:
	@bash .ci/deps

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The include rules between rooms (ARCHITECTURE.md s.3); first, as it is instant.
layering:
	@bash .ci/layering

test: layering build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) test-asan

# The unit tests, and the e2e scenarios once, on the ASan+UBSan build; an e2e
# scenario also fails on a sanitizer report in its processes' logs. A
# sanitizer's own exit status (86) cannot pass for a command's expected
# failure (1); only test_util_alloc lets impossible allocations return NULL
# (tests/unit/CMakeLists.txt), so every other oversized allocation is a report.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCOHORT_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|e2e'

bench: build
	$(BUILD)/cli/cohort bench all --json

demo: build
	$(BUILD)/cli/cohort demo

fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOHORT_FUZZ=ON $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz-smoke: fuzz
	@set -e; for f in $(FUZZ_BUILD)/tests/fuzz/fuzz_*; do \
	  [ -x "$$f" ] || continue; n=$$(basename $$f); \
	  corpus=tests/fuzz/corpus/$$n; work=$(FUZZ_BUILD)/corpus/$$n; \
	  mkdir -p $$work; [ -d $$corpus ] && cp -n $$corpus/* $$work/ 2>/dev/null || true; \
	  echo "fuzz-smoke: $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 $$work >$(FUZZ_BUILD)/$$n.log 2>&1 \
	    || { tail -40 $(FUZZ_BUILD)/$$n.log; exit 1; }; \
	  grep -E '^Done [0-9]+ runs' $(FUZZ_BUILD)/$$n.log | tail -n 1; \
	done

# The mutation check (docs/testing.md): each mutant of tests/mutants.txt
# applied in turn to a copy of the checkout under $(MUTATE_BUILD)/, the copy
# rebuilt and its unit tests run; killed/survived as JSON on stdout. Slow, so
# not part of `make test`. MUTANTS=id,id (or shell patterns) runs a subset;
# MUTATE_ARGS passes options (--list, --fail-under 90; .ci/mutate --help).
mutate: deps
	@python3 .ci/mutate --work $(MUTATE_BUILD) $(MUTATE_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(MUTATE_BUILD)
