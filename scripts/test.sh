#!/usr/bin/env bash
# Run every test layer of backfill; this is what CI runs (.ci/run).
#
#   1. C++ core unit tests   GoogleTest through CMake/CTest (no server)
#   2. upgrade, part 1       the last release built from git history and
#                            installed; a job half done with it on a cluster
#                            of its own (test/upgrade/upgrade_test.sh)
#   3. extension build       make WERROR=1 && make install (PGXS)
#   4. upgrade, part 2       that cluster again: ALTER EXTENSION UPDATE, the
#                            job finishes, rolls back, purges; the updated
#                            schema must equal a fresh CREATE EXTENSION
#   5. pg_regress            sql/ + expected/ against a throwaway cluster
#   6. pgTAP                 test/pgtap/*.sql with pg_prove, same cluster
#   7. Perl TAP              test/tap/*.pl with PostgreSQL::Test::Cluster
#
# Must run as root (re-execs through sudo otherwise): it installs packages and
# the extension, and starts clusters as the unprivileged user "bfrunner"
# (PostgreSQL refuses to run as root). The server-side layers run in a copy of
# the working tree owned by that user, because the checkout may sit somewhere
# it cannot read (e.g. /root). A layer without test files is skipped with a
# message. Exits non-zero if anything failed.
#
# Environment:
#   BACKFILL_REGRESS_PRELOAD  shared_preload_libraries of the pg_regress/pgTAP
#                             cluster [pg_cron]; "" for none
#   PG_CONFIG                 pg_config to build against [PostgreSQL 15's]
#   BF_LAYERS                 layers to run, for a quick check while
#                             developing [unit upgrade build regress pgtap tap];
#                             the build layer always runs
#   BF_TAP_TESTS              Perl TAP files to run [test/tap/*.pl]
# Runs hold a lock per PostgreSQL installation (/tmp/backfill-test.<hash>.lock):
# the extension is installed into it, so two runs against the same one at
# once would test each other's build. (A copy of the installation, with
# PG_CONFIG pointing at its pg_config, gets a lock of its own.) The lock is
# held by a flock process around the run (-o), so that a server the run
# starts never inherits it and cannot keep it after the run.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root "${BASH_SOURCE[0]}" "$@"
cd "$BF_ROOT"
if [ -z "${BF_TEST_LOCKED:-}" ]; then
    lock="/tmp/backfill-test.$( ("$PG_CONFIG" --pkglibdir 2>/dev/null || echo none) | md5sum | cut -c1-12).lock"
    BF_TEST_LOCKED=1 exec flock -o "$lock" "$BF_ROOT/scripts/test.sh" "$@"
fi
LAYERS=" ${BF_LAYERS:-unit upgrade build regress pgtap tap} "
# wanted LAYER: whether this run includes LAYER
wanted() { [[ "$LAYERS" == *" $1 "* ]]; }

declare -a SUMMARY=()
FAILED=0
WORK=""
CLUSTER=""
UPGRADE_STATE=""  # the upgrade layer's directory (its cluster, logs, snapshots)
INSTALLED=0       # 1 once the build layer installed the current tree
T0=$SECONDS

# record LAYER STATUS [note]
record() {
    SUMMARY+=("$(printf '%-14s %-5s %s' "$1" "$2" "${3:-}")")
    if [ "$2" = FAIL ]; then FAILED=1; fi
}

print_summary() {
    section "Summary ($((SECONDS - T0)) s)"
    local line
    for line in "${SUMMARY[@]}"; do
        case "$line" in
            *" FAIL "* | *" FAIL") fail_msg "$line" ;;
            *" PASS "* | *" PASS") ok_msg "$line" ;;
            *) info "$line" ;;
        esac
    done
}

cleanup() {
    local rc=$?
    if [ -n "$CLUSTER" ]; then stop_cluster "$CLUSTER"; fi
    if [ -n "$UPGRADE_STATE" ]; then
        stop_cluster "$UPGRADE_STATE/cluster"
        # Never leave the release installed: put back what was there before.
        if [ "$INSTALLED" -eq 0 ]; then
            BF_TEST_LOCKED=1 "$BF_ROOT/test/upgrade/upgrade_test.sh" restore "$UPGRADE_STATE" || true
        fi
    fi
    print_summary
    if [ "$rc" -eq 0 ] && [ "$FAILED" -eq 0 ]; then
        [ -n "$WORK" ] && rm -rf "$WORK"
        [ -n "$UPGRADE_STATE" ] && rm -rf "$UPGRADE_STATE"
        ok_msg "ALL TESTS PASSED"
    else
        [ -n "$WORK" ] && info "Test work directory kept for inspection: $WORK"
        [ -n "$UPGRADE_STATE" ] && info "Upgrade test directory kept for inspection: $UPGRADE_STATE"
        fail_msg "TESTS FAILED"
        [ "$rc" -ne 0 ] || rc=1
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# abort LAYER MESSAGE: a failure the later layers cannot survive
abort() {
    record "$1" FAIL "$2"
    fail_msg "$1: $2 — stopping here"
    exit 1
}

JOBS="$(nproc)"

# ------------------------------------------------------------------ deps
section "Dependencies"
scripts/install-deps.sh || abort deps "install-deps.sh failed"
ensure_user
BINDIR="$(pg_bindir)"
PKGLIBDIR="$(pg_pkglibdir)"
info "PostgreSQL: $("$PG_CONFIG" --version) ($BINDIR)"

# ------------------------------------------------------------------ unit
section "C++ core unit tests (CMake + GoogleTest)"
if ! wanted unit; then
    record unit SKIP "not in BF_LAYERS"
elif [ ! -f CMakeLists.txt ]; then
    info "no CMakeLists.txt: skipping"
    record unit SKIP "no CMakeLists.txt"
else
    if cmake -S . -B build -DBACKFILL_WERROR=ON &&
        cmake --build build -j"$JOBS"; then
        if ctest --test-dir build --output-on-failure -j"$JOBS"; then
            record unit PASS
        else
            record unit FAIL "ctest (see output above)"
        fi
    else
        record unit FAIL "cmake configure/build"
    fi
fi

# ------------------------------------------------------------------ upgrade, part 1
# The upgrade layer brackets the build: the last release is installed and a
# job half done with it here, the build layer installs the current tree over
# it, and part 2 updates the extension and finishes the job. Both parts run
# under this run's lock; the cleanup puts back the previous install if the
# current tree never got installed.
UPGRADE_NOTE=""
if ! wanted upgrade; then
    section "Upgrade test (test/upgrade/upgrade_test.sh)"
    record upgrade SKIP "not in BF_LAYERS"
else
    UPGRADE_STATE="$(mktemp -d /tmp/backfill-upgrade.XXXXXX)"
    if ! BF_TEST_LOCKED=1 "$BF_ROOT/test/upgrade/upgrade_test.sh" old "$UPGRADE_STATE"; then
        UPGRADE_NOTE="part 1 (the release's half-done job) failed, see above"
        fail_msg "upgrade: $UPGRADE_NOTE"
    fi
fi

# ------------------------------------------------------------------ build
section "Extension build (PGXS, warnings are errors) and install"
make PG_CONFIG="$PG_CONFIG" clean >/dev/null
make PG_CONFIG="$PG_CONFIG" WERROR=1 -j"$JOBS" || abort build "make WERROR=1"
make PG_CONFIG="$PG_CONFIG" install || abort build "make install"
INSTALLED=1
record build PASS

# ------------------------------------------------------------------ upgrade, part 2
if wanted upgrade; then
    if [ -n "$UPGRADE_NOTE" ]; then
        record upgrade FAIL "$UPGRADE_NOTE"
    elif BF_TEST_LOCKED=1 "$BF_ROOT/test/upgrade/upgrade_test.sh" new "$UPGRADE_STATE"; then
        record upgrade PASS "half-done job finished after ALTER EXTENSION UPDATE; schema = fresh install"
    else
        record upgrade FAIL "part 2 (update, finish, schema comparison), see above"
    fi
fi

# ------------------------------------------------------------------ copy
section "Working copy for user $BF_USER"
WORK="$(mktemp -d /tmp/backfill-test.XXXXXX)"
COPY="$WORK/src"
mkdir -p "$COPY"
# The whole tree (tracked and untracked) minus VCS data, build output and the
# leftovers of earlier test runs.
tar -C "$BF_ROOT" \
    --exclude=./.git --exclude=./build \
    --exclude=./results --exclude=./regression.diffs --exclude=./regression.out \
    --exclude=./tmp_check --exclude=./log \
    -cf - . | tar -C "$COPY" -xf -
chown -R "$BF_USER:" "$WORK"
info "copied to $COPY"

# ------------------------------------------------------------------ cluster
shopt -s nullglob
regress_tests=()
if wanted regress; then
    for f in sql/*.sql; do
        case "$(basename "$f")" in backfill--*) ;; *) regress_tests+=("$f") ;; esac
    done
fi
pgtap_tests=()
if wanted pgtap; then pgtap_tests=(test/pgtap/*.sql); fi
tap_tests=()
if wanted tap; then
    if [ -n "${BF_TAP_TESTS:-}" ]; then read -r -a tap_tests <<<"$BF_TAP_TESTS"; else tap_tests=(test/tap/*.pl); fi
fi
shopt -u nullglob

if [ "${#regress_tests[@]}" -gt 0 ] || [ "${#pgtap_tests[@]}" -gt 0 ]; then
    section "Throwaway cluster"
    CLUSTER="$WORK/cluster"
    PORT="$(free_port 54329)"
    PRELOAD="${BACKFILL_REGRESS_PRELOAD-pg_cron}"
    conf=("max_worker_processes = 32")
    if [ -n "$PRELOAD" ]; then
        conf+=("shared_preload_libraries = '$PRELOAD'" "cron.database_name = 'postgres'")
    fi
    start_cluster "$CLUSTER" "$PORT" "${conf[@]}"
    info "cluster up: PGHOST=$CLUSTER/sock PGPORT=$PORT PGUSER=$BF_USER (shared_preload_libraries='$PRELOAD')"
fi

pg_env=(env "PGHOST=$CLUSTER/sock" "PGPORT=${PORT:-}" "PGUSER=$BF_USER" "PATH=$BINDIR:$PATH")

# ------------------------------------------------------------------ pg_regress
section "pg_regress (sql/ + expected/)"
if [ "${#regress_tests[@]}" -eq 0 ]; then
    info "no sql/*.sql test files: skipping"
    record pg_regress SKIP "no tests"
else
    if BF_CWD="$COPY" as_user "${pg_env[@]}" make PG_CONFIG="$PG_CONFIG" installcheck \
        PGHOST="$CLUSTER/sock" PGPORT="$PORT" PGUSER="$BF_USER"; then
        record pg_regress PASS "${#regress_tests[@]} files"
    else
        if [ -f "$COPY/regression.diffs" ]; then
            section "regression.diffs"
            cat "$COPY/regression.diffs"
        fi
        cluster_log_tail "$CLUSTER" 60
        record pg_regress FAIL "see regression.diffs above"
    fi
fi

# ------------------------------------------------------------------ pgTAP
section "pgTAP (test/pgtap/*.sql)"
if [ "${#pgtap_tests[@]}" -eq 0 ]; then
    info "no test/pgtap/*.sql files: skipping"
    record pgtap SKIP "no tests"
else
    if cluster_psql "$CLUSTER" -q -c 'CREATE DATABASE pgtap_test' &&
        cluster_psql "$CLUSTER" -q -d pgtap_test \
            -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION backfill'; then
        if BF_CWD="$COPY" as_user "${pg_env[@]}" pg_prove --psql-bin "$BINDIR/psql" \
            -h "$CLUSTER/sock" -p "$PORT" -U "$BF_USER" -d pgtap_test \
            --failures --comments "${pgtap_tests[@]}"; then
            record pgtap PASS "${#pgtap_tests[@]} files"
        else
            cluster_log_tail "$CLUSTER" 60
            record pgtap FAIL "pg_prove (see output above)"
        fi
    else
        record pgtap FAIL "could not create database pgtap_test with pgtap + backfill"
    fi
fi

if [ -n "$CLUSTER" ]; then
    stop_cluster "$CLUSTER"
    CLUSTER=""
fi

# ------------------------------------------------------------------ Perl TAP
section "Perl TAP (test/tap/*.pl, PostgreSQL::Test::Cluster)"
if [ "${#tap_tests[@]}" -eq 0 ]; then
    info "no test/tap/*.pl files: skipping"
    record perl_tap SKIP "no tests"
else
    # What PGXS's prove_installcheck sets up: tmp_check/ under TESTDIR, the
    # server binaries first in PATH, pg_regress for --config-auth.
    rm -rf "$COPY/tmp_check"
    as_user mkdir -p "$COPY/tmp_check"
    if BF_CWD="$COPY" as_user env \
        "PATH=$BINDIR:$PATH" \
        "TESTDIR=$COPY" \
        "PG_REGRESS=$PKGLIBDIR/pgxs/src/test/regress/pg_regress" \
        "PG_TEST_TIMEOUT_DEFAULT=${PG_TEST_TIMEOUT_DEFAULT:-180}" \
        prove -v -I "$PKGLIBDIR/pgxs/src/test/perl" -I "$COPY/test/tap" \
        "${tap_tests[@]}"; then
        record perl_tap PASS "${#tap_tests[@]} files"
    else
        shopt -s nullglob
        for f in "$COPY"/tmp_check/log/regress_log_*; do
            section "tail of $f"
            tail -n 80 "$f"
        done
        shopt -u nullglob
        record perl_tap FAIL "see logs above (full logs in $COPY/tmp_check/log)"
    fi
fi

[ "$FAILED" -eq 0 ]
