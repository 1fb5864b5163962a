#!/usr/bin/env bash
# Benchmark of backfill's swap mode against the best hand-written SQL doing
# the same rebuild-and-swap, on the same data, in one run:
#
#   1. End to end: 30 daily partitions x 200k rows (6M rows), PK (id, day) and
#      an index on account; tax recomputed from the table itself.
#      (a) backfill.create + CALL backfill.run;
#      (b) bench.hand_rebuild, a PL/pgSQL procedure that does per partition
#      what DESIGN.md "The swap, done right" describes: one transaction builds
#      (CREATE TABLE LIKE, bound CHECK, INSERT ... SELECT, then PK and index,
#      ANALYZE), one short transaction swaps (lock_timeout, DETACH, renames,
#      ATTACH without a scan, DROP CHECK), retried on lock timeout; the old
#      partitions are kept, as backfill keeps its retained originals.
#      Two identical copies, VACUUM ANALYZEd, CHECKPOINT + sync + the target's
#      heap prewarmed before each timed run; fresh copies every round, order
#      alternated (a-b, b-a, ...); medians, and the ratio in rounds where the
#      machine was otherwise quiet. Every run is checked (row count, tax).
#   2. swap_ms against partition size: one 10k-row and one 2M-row partition,
#      how long the publishing transaction holds the parent's lock, for the
#      extension (backfill.chunks.swap_ms) and for the hand-written swap
#      (measured the same way: from the granted LOCK to after COMMIT).
#   3. Where the time goes: per-chunk build/swap/other from backfill.chunk and
#      backfill.event, the hand procedure's own per-step times, the backend's
#      CPU seconds (robust to other load), and a pg_stat_statements
#      (track = all) profile of one more run each way, by step.
#
# Must run as root (it re-execs through sudo otherwise, which drops BENCH_*).
# The cluster is throwaway (temp directory, own port) and stopped on exit.
# The machine may be shared: before each timed run the script waits (a
# bounded time) for a quiet second, and it prints how busy the machine was.
#
# Knobs (environment):
#   BENCH_ROUNDS=4          end-to-end rounds (each on fresh copies; median)
#   BENCH_PARTS=30          daily partitions in the end-to-end table
#   BENCH_ROWS=200000       rows per partition
#   BENCH_SWAP_REPEATS=3    runs each way over the 10k/2M table (median)
#   BENCH_PROFILE=1         one more run each way, profiled with pg_stat_statements
#                           (track = all): time per step, both sides
#   BENCH_PROFILE_PARTS     partitions of the profiled tables [BENCH_PARTS]
#   BENCH_DURABLE=1         fsync/full_page_writes/synchronous_commit on (the
#                           server defaults); 0 keeps lib.sh's fast settings
#   BENCH_QUIET_WAIT=60     seconds to wait at most for a quiet machine per run
#   BENCH_QUIET_PCT=25      "quiet": less than this % of all CPUs busy
#   BENCH_CLEAN_PCT=75      a round counts as quiet when the machine was less
#                           than this % busy during both runs (ours is ~50-65%)
#   BENCH_BUILD=install     install: scripts/install-deps.sh, then make and
#                           make install from the working tree (as demo.sh);
#                           head: build the last commit (git archive HEAD, or
#                           BENCH_REF) in a temp dir and install it into a
#                           private copy of the PostgreSQL 15 installation, so
#                           the shared install (and anyone testing against it)
#                           is left alone and half-edited sources are not
#                           measured; none: use what is installed
#   BENCH_KEEP=0            1: leave the cluster running at the end
set -euo pipefail
shopt -s inherit_errexit  # a failing psql inside $(...) must stop the run

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
require_root "${BASH_SOURCE[0]}" "$@"
cd "$BF_ROOT"

ROUNDS="${BENCH_ROUNDS:-4}"
PARTS="${BENCH_PARTS:-30}"
ROWS="${BENCH_ROWS:-200000}"
SWAP_REPEATS="${BENCH_SWAP_REPEATS:-3}"
PROFILE="${BENCH_PROFILE:-1}"
DURABLE="${BENCH_DURABLE:-1}"
DIR=""
PRIV=""

. "$BF_ROOT/bench/bench_lib.sh"
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

. "$BF_ROOT/bench/swap_bench_lib.sh"

# ------------------------------------------------------------------ setup
start_bench_cluster
create_bench_helpers

# drop_copies: purge jobs and drop tables of a round, outside the timings.
drop_round() {
    local r="$1"
    q -c "SET client_min_messages = warning" \
        -c "SELECT backfill.purge('e2e_r$r')" \
        -c "DROP TABLE IF EXISTS bench.events_a, bench.events_b" >/dev/null
    # the hand procedure keeps *_old tables; DROP of the parent does not take them
    qv -c "SELECT format('DROP TABLE bench.%I;', relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'bench' AND relkind = 'r' AND relname ~ '^events_[ab]_.*_old_'" |
        cluster_psql "$DIR" -q >/dev/null
}

# ------------------------------------------------------------------ 1+2: end to end
TOTAL_ROWS=$((PARTS * ROWS))
declare -a EXT_S HAND_S EXT_B HAND_B EXT_C HAND_C
for r in $(seq 1 "$ROUNDS"); do
    section "End to end, round $r of $ROUNDS: $PARTS partitions x $ROWS rows ($TOTAL_ROWS rows) per copy"
    t0="$(now)"
    make_copy events_a "$PARTS" "$ROWS" 2026-05-01
    make_copy events_b "$PARTS" "$ROWS" 2026-05-01
    info "  two copies built, VACUUM ANALYZEd in $(secs "$t0" "$(now)") s;" \
        "size of one: $(qv -c "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'bench.events_a'::regclass")"
    if [ $((r % 2)) -eq 1 ]; then order="ext hand"; else order="hand ext"; fi
    for m in $order; do
        if [ "$m" = ext ]; then
            out="$(run_ext events_a "e2e_r$r")"
            read -r s before during cpu _ <<<"$out"
            EXT_S+=("$s")
            EXT_C+=("$cpu")
            EXT_B+=("$during%")
            info "  (a) backfill.create + CALL backfill.run : $s s, backend CPU $cpu s   [machine CPU busy: $before% before, $during% during; loadavg $(cut -d' ' -f1-3 /proc/loadavg)]"
            q -c "INSERT INTO bench.result VALUES ('e2e', $r, 'ext', $s, 'cpu busy $during%')"
            check_copy events_a "$TOTAL_ROWS"
        else
            out="$(run_hand events_b "e2e_r$r")"
            read -r s before during cpu <<<"$out"
            HAND_S+=("$s")
            HAND_C+=("$cpu")
            HAND_B+=("$during%")
            info "  (b) hand-written SQL procedure          : $s s, backend CPU $cpu s   [machine CPU busy: $before% before, $during% during; loadavg $(cut -d' ' -f1-3 /proc/loadavg)]"
            q -c "INSERT INTO bench.result VALUES ('e2e', $r, 'hand', $s, 'cpu busy $during%')"
            check_copy events_b "$TOTAL_ROWS"
        fi
    done

    section "Round $r: where the time goes (per chunk averages, ms)"
    q -v job="e2e_r$r" -v label="e2e_r$r" <<'SQL'
-- Extension: build_ms (count(*) of the live partition, shadow create, load,
-- indexes, guard trigger, ANALYZE) and swap_ms from backfill.chunk; the
-- rest of each chunk's wall time (from one chunk_published event to the
-- next) is bookkeeping: claim, write-guard install, commits, state updates.
WITH j AS (SELECT id FROM backfill.job WHERE name = :'job'),
ev AS (
    SELECT e.chunk_no, e.event, e.at FROM backfill.event e, j WHERE e.job_id = j.id
),
pub AS (
    SELECT chunk_no, at, lag(at) OVER (ORDER BY at) AS prev FROM ev WHERE event = 'chunk_published'
),
first_run AS (SELECT min(at) AS at FROM ev WHERE event = 'run')
SELECT 'backfill' AS method, count(*) AS chunks,
       round(avg(c.build_ms), 1) AS build_ms,
       round(avg(c.swap_ms), 2) AS swap_ms,
       round(avg(extract(epoch FROM p.at - coalesce(p.prev, (SELECT at FROM first_run))) * 1000), 1) AS wall_ms_per_chunk,
       round(avg(extract(epoch FROM p.at - coalesce(p.prev, (SELECT at FROM first_run))) * 1000
                 - c.build_ms - c.swap_ms), 1) AS other_ms
FROM backfill.chunk c JOIN j ON c.job_id = j.id JOIN pub p USING (chunk_no)
UNION ALL
SELECT 'hand', count(*), round(avg(load_ms + index_ms + analyze_ms), 1), round(avg(swap_ms), 2),
       round(avg(load_ms + index_ms + analyze_ms + commit_ms + swap_ms), 1),
       round(avg(commit_ms), 1)
FROM bench.hand_timing WHERE label = :'label';

SELECT 'hand' AS method, round(avg(load_ms), 1) AS create_load_ms, round(avg(index_ms), 1) AS pk_index_ms,
       round(avg(analyze_ms), 1) AS analyze_ms, round(avg(commit_ms), 1) AS commit_ms,
       round(avg(swap_ms), 2) AS swap_ms, max(tries) AS max_tries
FROM bench.hand_timing WHERE label = :'label';

-- Extension, per step, from the event log: run start -> chunk_built ->
-- chunk_published -> next chunk_built.
WITH j AS (SELECT id FROM backfill.job WHERE name = :'job'),
ev AS (SELECT e.chunk_no, e.event, e.at, lag(e.at) OVER (ORDER BY e.id) AS prev
       FROM backfill.event e, j WHERE e.job_id = j.id)
SELECT event AS "backfill event", count(*) AS n,
       round(avg(extract(epoch FROM at - prev) * 1000), 1) AS avg_ms_since_previous_event
FROM ev WHERE prev IS NOT NULL GROUP BY event ORDER BY event;
SQL
    drop_round "$r"
done

# ------------------------------------------------------------------ 3: swap_ms vs size
section "swap_ms against partition size: one 10k-row and one 2M-row partition"
q <<'SQL'
-- Same shape, two partitions of very different sizes: 2026-06-01 (10k rows)
-- and 2026-06-02 (2M rows).
CREATE TABLE bench.sizes_a (id bigint NOT NULL, day date NOT NULL, account int,
                            amount numeric(12,2), tax numeric(12,2)) PARTITION BY RANGE (day);
CREATE TABLE bench.sizes_a_small PARTITION OF bench.sizes_a FOR VALUES FROM ('2026-06-01') TO ('2026-06-02');
CREATE TABLE bench.sizes_a_big   PARTITION OF bench.sizes_a FOR VALUES FROM ('2026-06-02') TO ('2026-06-03');
INSERT INTO bench.sizes_a
SELECT id, CASE WHEN id <= 10000 THEN date '2026-06-01' ELSE date '2026-06-02' END,
       1 + (abs(hashint8(id)::bigint) % 10000)::int, a, round(a * 0.07, 2)
FROM (SELECT id, round((abs(hashint8(-id)::bigint) % 100000) / 100.0, 2) AS a
      FROM generate_series(1, 2010000) AS id) s;
ALTER TABLE bench.sizes_a ADD PRIMARY KEY (id, day);
CREATE INDEX sizes_a_account_idx ON bench.sizes_a (account);
CREATE TABLE bench.sizes_b (LIKE bench.sizes_a) PARTITION BY RANGE (day);
CREATE TABLE bench.sizes_b_small PARTITION OF bench.sizes_b FOR VALUES FROM ('2026-06-01') TO ('2026-06-02');
CREATE TABLE bench.sizes_b_big   PARTITION OF bench.sizes_b FOR VALUES FROM ('2026-06-02') TO ('2026-06-03');
INSERT INTO bench.sizes_b SELECT * FROM bench.sizes_a;
ALTER TABLE bench.sizes_b ADD PRIMARY KEY (id, day);
CREATE INDEX sizes_b_account_idx ON bench.sizes_b (account);
VACUUM ANALYZE bench.sizes_a;
VACUUM ANALYZE bench.sizes_b;
SQL
for i in $(seq 1 "$SWAP_REPEATS"); do
    out="$(run_ext sizes_a "size_r$i")"
    info "  backfill run $i over sizes_a: ${out%% *} s"
    out="$(run_hand sizes_b "size_r$i")"
    info "  hand run $i over sizes_b: ${out%% *} s"
done
q <<'SQL'
SELECT c.job_name, c.partition, c.rows_after AS rows, c.swap_ms, k.build_ms
FROM backfill.chunks c JOIN backfill.chunk k ON k.job_id = c.job_id AND k.chunk_no = c.chunk_no
WHERE c.job_name LIKE 'size_r%' ORDER BY c.rows_after, c.job_name;
SELECT label, part, rows, swap_ms AS hand_swap_ms, load_ms + index_ms + analyze_ms AS hand_build_ms
FROM bench.hand_timing WHERE label LIKE 'size_r%' ORDER BY rows, label;

INSERT INTO bench.result
SELECT 'swap', NULL, 'ext', percentile_cont(0.5) WITHIN GROUP (ORDER BY swap_ms),
       CASE WHEN rows_after < 100000 THEN 'small' ELSE 'big' END
FROM backfill.chunks WHERE job_name LIKE 'size_r%' GROUP BY 5;
INSERT INTO bench.result
SELECT 'swap', NULL, 'hand', percentile_cont(0.5) WITHIN GROUP (ORDER BY swap_ms),
       CASE WHEN rows < 100000 THEN 'small' ELSE 'big' END
FROM bench.hand_timing WHERE label LIKE 'size_r%' GROUP BY 5;
SQL

# ------------------------------------------------------------------ profile
if [ "$PROFILE" = 1 ]; then
    PP="${BENCH_PROFILE_PARTS:-$PARTS}"
    section "Profile: $PP partitions x $ROWS rows each way, pg_stat_statements with track = all (untimed)"
    info "Both sides' nested statements, summed by step, in ms per chunk; 'outside statements' is"
    info "the CALL's time not spent in any tracked statement (commits, C or PL/pgSQL logic)."
    make_copy events_p "$PP" "$ROWS" 2026-05-01 >/dev/null
    make_copy events_q "$PP" "$ROWS" 2026-05-01 >/dev/null
    q -c "CREATE TABLE bench.prof (method text, toplevel bool, query text, calls bigint, ms double precision)"
    # shellcheck disable=SC2016
    src_p='SELECT id, day, account, amount, round(amount * 0.08, 2) FROM bench.events_p WHERE day >= $1 AND day < $2'
    # shellcheck disable=SC2016
    src_q='SELECT id, day, account, amount, round(amount * 0.08, 2) FROM bench.events_q WHERE day >= $1 AND day < $2'
    prepare_phase events_p >/dev/null
    cluster_psql "$DIR" -q -v src="$src_p" >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT backfill.create('profile', 'bench.events_p', :'src');
SELECT pg_stat_statements_reset();
SET pg_stat_statements.track = 'all';
CALL backfill.run('profile');
SET pg_stat_statements.track = 'none';
INSERT INTO bench.prof SELECT 'ext', toplevel, query, calls, total_exec_time FROM pg_stat_statements;
SQL
    prepare_phase events_q >/dev/null
    cluster_psql "$DIR" -q -v src="$src_q" >/dev/null <<'SQL'
SELECT pg_stat_statements_reset();
SET pg_stat_statements.track = 'all';
CALL bench.hand_rebuild('bench.events_q', :'src', 'profile');
SET pg_stat_statements.track = 'none';
INSERT INTO bench.prof SELECT 'hand', toplevel, query, calls, total_exec_time FROM pg_stat_statements;
SQL
    print_step_profile "$PP"
fi

# ------------------------------------------------------------------ summary
LOAD_END="$(uptime)"
section "Summary"
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ext_med="$(median "${EXT_S[@]}")"
hand_med="$(median "${HAND_S[@]}")"
ratio="$(awk -v a="$ext_med" -v b="$hand_med" 'BEGIN { printf "%.2f", a / b }')"
ext_cpu="$(median "${EXT_C[@]}")"
hand_cpu="$(median "${HAND_C[@]}")"
cpu_ratio="$(awk -v a="$ext_cpu" -v b="$hand_cpu" 'BEGIN { printf "%.2f", a / b }')"
# Rounds in which neither side shared the machine with much other work.
CLEAN_PCT="${BENCH_CLEAN_PCT:-75}"
clean=""
for i in "${!EXT_S[@]}"; do
    if [ "${EXT_B[$i]%\%}" -lt "$CLEAN_PCT" ] && [ "${HAND_B[$i]%\%}" -lt "$CLEAN_PCT" ]; then
        clean+="$(awk -v a="${EXT_S[$i]}" -v b="${HAND_S[$i]}" -v r=$((i + 1)) 'BEGIN { printf "r%d %.2f, ", r, a / b }')"
    fi
done
clean="${clean%, }"
ext_med="$(printf '%.2f' "$ext_med")"
hand_med="$(printf '%.2f' "$hand_med")"
per_round="$(for i in "${!EXT_S[@]}"; do awk -v a="${EXT_S[$i]}" -v b="${HAND_S[$i]}" 'BEGIN { printf "%.2f ", a / b }'; done)"
swap() { qv -c "SELECT round(seconds, 2) FROM bench.result WHERE phase = 'swap' AND method = '$1' AND note = '$2'"; }
ok_ratio="$(awk -v r="$ratio" 'BEGIN { print (r <= 1.25) ? "ok" : "MISSED" }')"
s_small="$(swap ext small)"
s_big="$(swap ext big)"
ok_swap="$(awk -v a="$s_small" -v b="$s_big" 'BEGIN { print (a < 20 && b < 20) ? "ok" : "MISSED" }')"
cat <<EOF

data                  : $PARTS partitions x $ROWS rows = $TOTAL_ROWS rows, PK (id, day) + index (account)
settings              : shared_buffers 512MB, max_wal_size 4GB, checkpoint_timeout 30min, $( [ "$DURABLE" = 1 ] && echo "fsync/full_page_writes/synchronous_commit on" || echo "fsync off (lib.sh defaults)")
rounds                : $ROUNDS (order alternated; fresh copies each round)
backfill end-to-end   : $ext_med s   (rounds: ${EXT_S[*]})
hand-written SQL      : $hand_med s   (rounds: ${HAND_S[*]})
ratio                 : $ratio (target <= 1.25: $ok_ratio; per round: ${per_round% })
ratio in quiet rounds : ${clean:-none} (rounds where the machine was < $CLEAN_PCT% busy during both runs)
backend CPU time      : backfill $(printf '%.2f' "$ext_cpu") s, hand $(printf '%.2f' "$hand_cpu") s, ratio $cpu_ratio   (medians; rounds: ${EXT_C[*]} / ${HAND_C[*]})
swap_ms 10k rows      : $s_small ms   (hand-written swap: $(swap hand small) ms)
swap_ms 2M rows       : $s_big ms   (hand-written swap: $(swap hand big) ms) (target < 20 ms, no growth with size: $ok_swap)
                        (medians of $SWAP_REPEATS runs each)
machine CPU busy      : backfill runs ${EXT_B[*]}; hand runs ${HAND_B[*]} ($(nproc) CPUs; one backend alone is ~$((100 / $(nproc)))%)
load at start         : ${LOAD_START#*load average: }
load at end           : ${LOAD_END#*load average: }
EOF
