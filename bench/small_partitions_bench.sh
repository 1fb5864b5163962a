#!/usr/bin/env bash
# Per-chunk overhead on small partitions (issue 14): daily partitions of 200
# rows with a primary key and one index, at several scales (default 100, 730
# and 3,650 partitions), each way in one run:
#   (a) backfill.create + CALL backfill.run;
#   (b) bench.hand_rebuild, the best hand-written per-partition loop (shadow,
#       insert, index, CHECK, swap, commit; see swap_bench.sh).
# For each scale: seconds, ms per chunk, the ratios backfill/hand (issue
# 14's target: CALL backfill.run at most 1.25x the loop at 730; the ratio
# with backfill.create included is printed too), timed with statement
# tracking off. Then, up to BENCH_PROFILE_MAX partitions, both sides run
# again on fresh copies with pg_stat_statements.track = all, for where each
# chunk's time goes, by step (tracking costs every statement, and backfill
# runs several times as many, so these runs are not the timed ones). The ms
# per chunk at 100 and at 3,650 partitions show whether a chunk's cost
# grows with the number of chunks.
#
# Must run as root (it re-execs through sudo otherwise, which drops BENCH_*).
# The cluster is throwaway and stopped on exit; see swap_bench.sh for
# BENCH_BUILD, BENCH_DURABLE, BENCH_QUIET_*, BENCH_KEEP.
#
# Knobs (environment):
#   BENCH_SCALES="100 730 3650"   partition counts to run ("" for none)
#   BENCH_ROWS=200                rows per partition
#   BENCH_DURABLE=1               fsync/full_page_writes/synchronous_commit on
#   BENCH_PROFILE_MAX=730         largest scale profiled by step
#   BENCH_INSTRUCTIONS=0          a partition count (100 is enough): both
#                                 sides once more on fresh copies of that many,
#                                 each CALL in a single-user backend under
#                                 valgrind's callgrind (the cluster stopped
#                                 meanwhile; valgrind installed if missing),
#                                 for the instructions per chunk and their
#                                 ratio, which a busy machine does not move
#                                 (the timed ratio moves by a quarter from one
#                                 round to the next). 0: not run.
#   BENCH_CHECKPOINT=1            CHECKPOINT before each timed side (0: not,
#                                 as before 2026-12-04, for comparison)
#   BENCH_ROUNDS=1                timed pairs per scale, on fresh copies, the
#                                 order alternating (backfill first in odd
#                                 rounds); each round's ratios and their
#                                 median are printed. The loop's time moves
#                                 by a third between runs on a shared machine
#                                 (how glibc happens to reuse the memory of
#                                 the partition descriptors), so one pair
#                                 says little.
set -euo pipefail
shopt -s inherit_errexit

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
require_root "${BASH_SOURCE[0]}" "$@"
cd "$BF_ROOT"

SCALES="${BENCH_SCALES-100 730 3650}"
ROWS="${BENCH_ROWS:-200}"
DURABLE="${BENCH_DURABLE:-1}"
PROFILE_MAX="${BENCH_PROFILE_MAX:-730}"
ROUNDS="${BENCH_ROUNDS:-1}"
INSTRUCTIONS="${BENCH_INSTRUCTIONS:-0}"
CHECKPOINT="${BENCH_CHECKPOINT:-1}"
DIR=""
PRIV=""

. "$BF_ROOT/bench/bench_lib.sh"
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

. "$BF_ROOT/bench/swap_bench_lib.sh"

# Thousands of partitions, their indexes and shadows in one transaction.
start_bench_cluster "max_locks_per_transaction = 1024"
create_bench_helpers
q -c "CREATE TABLE bench.prof (method text, toplevel bool, query text, calls bigint, ms double precision)"
# track TRACK: pg_stat_statements.track for every session from now on.
track() {
    q -c "ALTER SYSTEM SET pg_stat_statements.track = '$1'" -c "SELECT pg_reload_conf()" >/dev/null
}

# keep_profile METHOD: the statements of the run just ended, for bench.prof.
keep_profile() {
    q -c "INSERT INTO bench.prof SELECT '$1', toplevel, query, calls, total_exec_time FROM pg_stat_statements" \
        -c "SELECT pg_stat_statements_reset()" >/dev/null
}

# clear_scale N: the job of scale N purged (its name is free again), both
# copies and the loop's retained originals dropped, and the catalogs and
# control tables vacuumed: autovacuum is off in this cluster (repeatable
# runs), and the dead rows of thousands of dropped tables made every later
# round slower on both sides (730 chunks: 13.5, 20.8 and 26.5 ms per chunk
# in three rounds).
clear_scale() {
    q -c "SET client_min_messages = warning" -c "SELECT backfill.purge('small_$1')" \
        -c "DROP TABLE bench.small_a, bench.small_b" >/dev/null
    qv -c "SELECT format('DROP TABLE bench.%I;', relname) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
           WHERE s.nspname = 'bench' AND relkind = 'r' AND relname ~ '^small_b_.*_old_'" |
        cluster_psql "$DIR" -q >/dev/null
    q -c "VACUUM pg_class, pg_attribute, pg_attrdef, pg_constraint, pg_depend, pg_description,
                 pg_index, pg_inherits, pg_shdepend, pg_statistic, pg_trigger, pg_type,
                 backfill.chunk, backfill.chunk_write, backfill.event, backfill.job" >/dev/null
}

# checkpoint: a CHECKPOINT before a timed side, unless BENCH_CHECKPOINT=0.
checkpoint() {
    [ "$CHECKPOINT" = 0 ] || q -c "CHECKPOINT" >/dev/null
}

# time_pair N ROUND: one timed pair on fresh copies of N partitions (the
# extension first in odd rounds); prints "run_s hand_s create_s
# run_cpu_s hand_cpu_s run_busy hand_busy". Each side starts after a
# CHECKPOINT: without it, whichever ran first paid for the copies' dirty
# pages and WAL (at 730 chunks the first side was about 0.1 ratio points
# worse, so the median of an odd number of rounds leaned to one side).
time_pair() {
    local n="$1" r="$2" ext hand
    make_copy small_a "$n" "$ROWS" 2016-01-01
    make_copy small_b "$n" "$ROWS" 2016-01-01
    if [ $((r % 2)) -eq 1 ]; then
        checkpoint
        ext="$(run_ext small_a "small_$n")"
        checkpoint
        hand="$(run_hand small_b "small_$n")"
    else
        checkpoint
        hand="$(run_hand small_b "small_$n")"
        checkpoint
        ext="$(run_ext small_a "small_$n")"
    fi
    check_copy small_a $((n * ROWS)) >&2
    check_copy small_b $((n * ROWS)) >&2
    clear_scale "$n"
    local es eb ec ecr hs hb hc
    read -r es _ eb ec ecr <<<"$ext"
    read -r hs _ hb hc <<<"$hand"
    echo "$es $hs $ecr $ec $hc $eb $hb"
}

# wal_syncs: the cluster's WAL flushes so far (pg_stat_wal.wal_sync, the
# WAL writer's included), once the last session's statistics are in.
wal_syncs() {
    sleep 1.2
    qv -c "SELECT wal_sync FROM pg_stat_wal"
}

# callgrind_call SIDE STATEMENT: STATEMENT (a CALL) in a single-user backend
# of the stopped cluster under callgrind, counting only inside the CALL;
# prints the instructions it took.
callgrind_call() {
    local out="$DIR/log/callgrind.$1"
    printf '%s\n' "$2" | as_user valgrind --tool=callgrind --toggle-collect=ExecuteCallStmt \
        --callgrind-out-file="$out" "$(pg_bindir)/postgres" --single -D "$DIR/data" \
        -c log_min_messages=fatal postgres >"$DIR/log/single.$1.log" 2>&1 ||
        die "the single-user run of $1 failed (log: $DIR/log/single.$1.log)"
    awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

# count_instructions N: both sides on fresh copies of N partitions, each
# CALL under callgrind (callgrind_call); prints the line for the summary.
count_instructions() {
    local n="$1" src ext hand
    command -v valgrind >/dev/null || apt-get install -y -q valgrind >"$DIR/log/valgrind-install.log" 2>&1 ||
        die "could not install valgrind (log: $DIR/log/valgrind-install.log)"
    make_copy small_a "$n" "$ROWS" 2016-01-01
    make_copy small_b "$n" "$ROWS" 2016-01-01
    # shellcheck disable=SC2016
    src='SELECT id, day, account, amount, round(amount * 0.08, 2) FROM bench.%s WHERE day >= $1 AND day < $2'
    q -c "SET client_min_messages = warning" \
        -c "SELECT backfill.create('small_$n', 'bench.small_a', '$(printf "$src" small_a)')" >/dev/null
    stop_cluster "$DIR"
    ext="$(callgrind_call ext "CALL backfill.run('small_$n')")"
    hand="$(callgrind_call hand "CALL bench.hand_rebuild('bench.small_b', '$(printf "$src" small_b)', 'small_$n')")"
    as_user "$(pg_bindir)/pg_ctl" -D "$DIR/data" -l "$DIR/log/postgresql.log" -w -t 60 start >/dev/null ||
        die "PostgreSQL did not start again in $DIR"
    check_copy small_a $((n * ROWS)) >&2
    check_copy small_b $((n * ROWS)) >&2
    clear_scale "$n"
    awk -v n="$n" -v a="$ext" -v b="$hand" 'BEGIN {
        printf "%5d chunks: instructions per chunk (callgrind): run %.1f M, hand %.1f M: ratio %.2f", n, a / n / 1e6, b / n / 1e6, a / b }'
}

declare -a LINES
for n in $SCALES; do
    section "$n daily partitions x $ROWS rows, PK (id, day) + index (account)"
    track none
    ratios=()
    for r in $(seq 1 "$ROUNDS"); do
        # assigned first, so that a failed check stops the script
        pair="$(time_pair "$n" "$r")"
        read -r ext_s hand_s ext_create ext_cpu hand_cpu ext_busy hand_busy <<<"$pair"
        line="$(awk -v n="$n" -v a="$ext_s" -v c="$ext_create" -v b="$hand_s" -v ba="$ext_busy" -v bb="$hand_busy" \
            -v ac="$ext_cpu" -v bc="$hand_cpu" -v r="$r" -v rounds="$ROUNDS" 'BEGIN {
            printf "%5d chunks%s: run %7.2f s (%5.1f ms/chunk, machine %s%% busy), hand %7.2f s (%5.1f ms/chunk, %s%%): ratio %.2f; with create (%.2f s) %.2f; backend CPU ratio %.2f",
                n, (rounds > 1 ? " #" r : ""), a - c, 1000 * (a - c) / n, ba, b, 1000 * b / n, bb, (a - c) / b, c, a / b, (bc > 0 ? ac / bc : 0) }')"
        info "$line"
        LINES+=("$line")
        ratios+=("$(awk -v a="$ext_s" -v c="$ext_create" -v b="$hand_s" 'BEGIN { printf "%.3f", (a - c) / b }')")
    done
    if [ "$ROUNDS" -gt 1 ]; then
        line="$(printf '%s\n' "${ratios[@]}" | sort -n | awk -v n="$n" '{ v[NR] = $1 } END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%5d chunks: median ratio %.2f of %d rounds (%.2f to %.2f)", n, m, NR, v[1], v[NR] }')"
        info "$line"
        LINES+=("$line")
    fi
    [ "$n" -le "$PROFILE_MAX" ] || continue

    make_copy small_a "$n" "$ROWS" 2016-01-01
    make_copy small_b "$n" "$ROWS" 2016-01-01
    track all
    q -c "TRUNCATE bench.prof" -c "SELECT pg_stat_statements_reset()" >/dev/null
    syncs0="$(wal_syncs)"
    run_ext small_a "small_$n" >/dev/null
    syncs1="$(wal_syncs)"
    keep_profile ext
    run_hand small_b "small_$n" >/dev/null
    syncs2="$(wal_syncs)"
    keep_profile hand
    section "$n partitions: where a chunk's time goes (ms per chunk, pg_stat_statements, profiled runs)"
    print_step_profile "$n"
    line="$(awk -v n="$n" -v a="$((syncs1 - syncs0))" -v b="$((syncs2 - syncs1))" 'BEGIN {
        printf "%5d chunks: WAL flushes per chunk (pg_stat_wal.wal_sync): run %.2f, hand %.2f", n, a / n, b / n }')"
    info "$line"
    LINES+=("$line")
    q -v n="$n" <<'SQL'
-- The extension's costliest statements, per chunk.
SELECT round((sum(ms) / :n)::numeric, 2) AS ms_per_chunk,
       round(sum(calls)::numeric / :n, 1) AS calls_per_chunk,
       left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS statement
FROM bench.prof WHERE method = 'ext' AND NOT toplevel
GROUP BY query ORDER BY sum(ms) DESC LIMIT 12;
SQL
    clear_scale "$n"
done

if [ "$INSTRUCTIONS" -gt 0 ]; then
    section "$INSTRUCTIONS partitions: instructions per chunk, each side under callgrind"
    line="$(count_instructions "$INSTRUCTIONS")"
    info "$line"
    LINES+=("$line")
fi

section "Summary ($(date -u '+%F %H:%M UTC'), $(nproc) CPUs, load ${LOAD_START#*load average: })"
printf '%s\n' "${LINES[@]}"
