#!/usr/bin/env bash
# tests/layering/test_layering.sh - .ci/layering fails on a bad include.
#
# usage: test_layering.sh PATH/TO/.ci/layering
#
# Builds a small tree that keeps every rule (each room, the allowed edges
# the real tree uses, private headers included by their room, its unit test
# and fuzz target, the generated protobuf header, a build tree to skip) and
# checks it passes. Then, one at a time on a fresh copy, adds a single bad
# include and checks the script exits 1 and prints exactly one violation:
# that file:line, that include, and the rule it breaks.
set -euo pipefail

script="${1:?usage: test_layering.sh PATH/TO/.ci/layering}"
work="$(mktemp -d "${TMPDIR:-/tmp}/cohort-layering-XXXXXX")"
trap 'rm -rf "$work"' EXIT
failures=0
cases=0
files=0         #  .c and .h files the script is to read in the clean tree
includes=0      #  and their includes of the rooms

s_fail ()
{
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# s_file PATH LINE...: writes a file of the tree under $work/base.
s_file ()
{
    local rel="$1" path="$work/base/$1"
    shift
    mkdir -p "$(dirname "$path")"
    printf '%s\n' "$@" > "$path"
    case "$rel" in
        build*|.*) ;;
        *.c|*.h) files=$((files + 1)); includes=$((includes + $(grep -c '^#include "' "$path" || true))) ;;
    esac
}

s_file util/error.h        '#include <stdarg.h>'
s_file util/error.c        '#include "error.h"' '#include "util/alloc.h"'
s_file util/alloc.h        '#include <stddef.h>'
s_file he/he_internal.h    '#include "util/error.h"'
s_file he/paillier.h       '#include <gmp.h>'
s_file he/paillier.c       '#include "paillier.h"' '#include "he_internal.h"' '#include "he/paillier.h"'
s_file dp/clip.h           '#include <stdint.h>'
s_file dp/dp.c             '#include "clip.h"' '#include "util/error.h"'
s_file models/csv.h        '#include <stdio.h>'
s_file audit/log.h         '#include "util/error.h"'
s_file audit/audit_internal.h '#include "log.h"'
s_file audit/log.c         '#include "audit_internal.h"'
s_file proto/message.h     '#include "proto/cohort.pb-c.h"' '#include "dp/clip.h"' \
                           '#include "he/paillier.h"'
s_file ingest/ingest_internal.h '#include "util/error.h"'
s_file ingest/store.h      '#include "audit/log.h"'
s_file ingest/store.c      '#include "ingest_internal.h"' '#include "store.h"' \
                           '#include "models/csv.h"' '#include "proto/message.h"'
s_file site/worker.h       '#include "ingest/store.h"'
s_file site/worker.c       '#include "worker.h"' '#include "proto/message.h"' \
                           '#include "he/paillier.h"' '#include "../ingest/store.h"'
s_file coordinator/client.h '#include "proto/message.h"'
s_file coordinator/render_internal.h '#include <stdio.h>'
s_file coordinator/actor.c '#include "client.h"' '#include "render_internal.h"' \
                           '#include "dp/clip.h"' '#include "models/csv.h"'
s_file sim/launch.h        '#include "coordinator/client.h"'
s_file sim/launch.c        '#include "launch.h"' '#include "ingest/store.h"' '#include "he/paillier.h"'
s_file bench/bench.h       '#include <stdio.h>'
s_file bench/bench_fed.c   '#include "bench.h"' '#include "sim/launch.h"' '#include "site/worker.h"'
s_file cli/cmd.h           '#include "cli/cli.h"'
s_file cli/cli.h           '#include <stdbool.h>'
s_file cli/main.c          '#include "cmd.h"' '#include "bench/bench.h"' '#include "site/worker.h"' \
                           '#include "coordinator/client.h"' '#include "sim/launch.h"'
s_file tests/unit/cli_run.h '#include "cli/cli.h"'
s_file tests/unit/test_he_paillier.c '#include "he/he_internal.h"' '#include "cli_run.h"'
s_file tests/unit/test_coordinator_render.c '#include "coordinator/render_internal.h"'
s_file tests/fuzz/fuzz_audit_key.c '#include "audit/audit_internal.h"'
s_file tests/e2e/consortium.h '#include <stdbool.h>'
s_file tests/e2e/e2e_federation.c '#include "consortium.h"' '#include "coordinator/client.h"'
# Build trees and hidden folders are not read (this would break every rule).
s_file build/CMakeCache.txt '# CMake cache'
s_file build/gen/x.c       '#include "site/worker.h"' '#include "he/he_internal.h"'
# (A build tree being configured has only CMakeFiles/ so far.)
s_file build-asan/CMakeFiles/3.25.1/CompilerIdC/y.c '#include "cli/cli.h"'
s_file .git/z.c            '#include "cli/cli.h"'

# s_run DIR: runs the script on DIR; sets $rc and $out (stdout and stderr).
s_run ()
{
    rc=0
    out="$("$script" "$1" 2>&1)" || rc=$?
}

# The clean tree passes with its one summary line.
cases=$((cases + 1))
s_run "$work/base"
if [ "$rc" -ne 0 ]; then
    s_fail "the clean tree: exit $rc, expected 0"$'\n'"$out"
elif [ "$out" != "layering: $files files, $includes includes of the rooms, no violation" ]; then
    s_fail "the clean tree: unexpected output: $out"
fi

# s_bad FILE INCLUDE EXPECTED: on a fresh copy, appends `#include "INCLUDE"`
# to FILE (a new file if there is none); the script must exit 1 and print
# exactly one violation, "FILE:LINE: #include "INCLUDE": EXPECTED".
# S_FORM='<%s>' appends the include in angle brackets instead.
s_bad ()
{
    local file="$1" inc="$2" expected="$3" tree="$work/case"
    cases=$((cases + 1))
    rm -rf "$tree"
    cp -a "$work/base" "$tree"
    mkdir -p "$(dirname "$tree/$file")"
    printf "#include ${S_FORM:-\"%s\"}\n" "$inc" >> "$tree/$file"
    local line
    line="$(wc -l < "$tree/$file")"
    s_run "$tree"
    local want="$file:$line: #include \"$inc\": $expected"
    local got
    got="$(printf '%s\n' "$out" | grep -c '^[^ ]*:[0-9]*: ' || true)"
    if [ "$rc" -ne 1 ]; then
        s_fail "$file + \"$inc\": exit $rc, expected 1"$'\n'"$out"
    elif ! grep -qF -- "$want" <<< "$out"; then
        s_fail "$file + \"$inc\": expected the line"$'\n'"  $want"$'\n'"got:"$'\n'"$out"
    elif [ "$got" -ne 1 ]; then
        s_fail "$file + \"$inc\": $got violations printed, expected 1"$'\n'"$out"
    fi
}

# A library including an application, and another room's private header.
s_bad he/paillier.c site/worker.h "he may not include site (rule lib-app:"
s_bad dp/dp.c ingest/store.h "dp may not include ingest (rule lib-app:"
s_bad proto/message.h coordinator/client.h "proto may not include coordinator (rule lib-app:"
s_bad audit/log.c bench/bench.h "audit may not include bench (rule lib-app:"
s_bad site/worker.c he/he_internal.h "site may not include he's private header (rule private:"
s_bad site/worker.c ../he/he_internal.h "site may not include he's private header (rule private:"
s_bad tests/unit/test_site_worker.c he/he_internal.h \
      "tests may not include he's private header (rule private:"
s_bad tests/fuzz/fuzz_site_config.c audit/audit_internal.h \
      "tests may not include audit's private header (rule private:"
s_bad tests/e2e/e2e_federation.c ingest/ingest_internal.h \
      "tests may not include ingest's private header (rule private:"
s_bad cli/main.c coordinator/render_internal.h \
      "cli may not include coordinator's private header (rule private:"
# The floors.
s_bad util/error.c he/paillier.h "util may not include he (rule util:"
s_bad he/paillier.c dp/clip.h "he may not include dp (rule lib-floor:"
s_bad models/csv.h proto/message.h "models may not include proto (rule lib-floor:"
s_bad ingest/store.c site/worker.h "ingest may not include site (rule ingest:"
s_bad ingest/store.c coordinator/client.h "ingest may not include coordinator (rule ingest:"
s_bad site/worker.c coordinator/client.h "site may not include coordinator (rule site-coord:"
s_bad coordinator/actor.c site/worker.h "coordinator may not include site (rule site-coord:"
s_bad coordinator/actor.c ingest/store.h "coordinator may not include ingest (rule coordinator:"
s_bad site/worker.c sim/launch.h "site may not include sim (rule site:"
s_bad sim/launch.c cli/cli.h "sim may not include cli (rule sim:"
s_bad sim/launch.c site/worker.h "sim may not include site (rule sim:"
s_bad bench/bench_fed.c cli/cmd.h "bench may not include cli (rule bench:"
s_bad cli/main.c tests/unit/cli_run.h "cli may not include tests (rule cli:"
# An angle-bracket include of a room is held to the same rules.
S_FORM='<%s>' s_bad he/paillier.c site/worker.h "he may not include site (rule lib-app:"
S_FORM='<%s>' s_bad site/worker.c he/he_internal.h "site may not include he's private header (rule private:"
# Every file and every quoted folder is a room of the table.
s_bad he/paillier.c openssl/evp.h "he may not include openssl, which is not a room (rule room:"
s_bad site/worker.c ../../outside.h "site may not include ../outside.h, which is outside the rooms (rule room:"

# A file outside the table's rooms is reported too.
cases=$((cases + 1))
rm -rf "$work/case"
cp -a "$work/base" "$work/case"
mkdir -p "$work/case/gadgets"
printf '#include <stdio.h>\n' > "$work/case/gadgets/gadget.c"
s_run "$work/case"
if [ "$rc" -ne 1 ] || ! grep -qF "gadgets/gadget.c:1: gadgets/ is not a room" <<< "$out"; then
    s_fail "a file in an unknown folder: exit $rc"$'\n'"$out"
fi

# Several violations: one line each, in file order.
cases=$((cases + 1))
rm -rf "$work/case"
cp -a "$work/base" "$work/case"
printf '#include "site/worker.h"\n' >> "$work/case/util/error.c"
printf '#include "he/he_internal.h"\n' >> "$work/case/cli/main.c"
s_run "$work/case"
first='cli/main.c:6: #include "he/he_internal.h": cli may not include he'"'"'s private header'
second='util/error.c:3: #include "site/worker.h": util may not include site (rule util:'
lines="$(printf '%s\n' "$out" | grep '^[^ ]*:[0-9]*: ' || true)"
if [ "$rc" -ne 1 ] || [ "$(printf '%s\n' "$lines" | wc -l)" -ne 2 ] \
|| [[ "$(printf '%s\n' "$lines" | head -1)" != "$first"* ]] \
|| [[ "$(printf '%s\n' "$lines" | tail -1)" != "$second"* ]]; then
    s_fail "two violations: exit $rc"$'\n'"$out"
fi

# --help prints the table and exits 0; a bad argument exits 2.
cases=$((cases + 1))
rc=0; out="$("$script" --help)" || rc=$?
if [ "$rc" -ne 0 ] || ! grep -qE '^  site/ +-> util he dp models audit proto ingest$' <<< "$out"; then
    s_fail "--help: exit $rc"$'\n'"$out"
fi
rc=0; "$script" "$work/no-such-dir" > /dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || s_fail "a missing directory: exit $rc, expected 2"

if [ "$failures" -gt 0 ]; then
    echo "test_layering: $failures of $cases cases failed" >&2
    exit 1
fi
echo "test_layering: $cases cases passed"
