#!/usr/bin/env bash
# What background workers in parallel buy, and what the control plane costs
# per chunk, in one run on one cluster:
#
#   1. The same 30-partition job (30 daily partitions x 200k rows, PK (id, day)
#      + an index on account, tax recomputed from the table itself) run by
#      background workers with {"max_concurrency": 1} and with
#      {"max_concurrency": 2}, on two identical copies of the table:
#      SELECT backfill.start(...) then SELECT backfill.wait(name, '1 hour'),
#      timed with clock_timestamp() around both in the same session. Side by
#      side: seconds of each and the speed-up (max_concurrency 1 / 2).
#   2. The control plane's cost per chunk, for the max_concurrency 1 job:
#      (end-to-end time - sum of backfill.chunk.build_ms - sum of swap_ms)
#      / chunks, i.e. everything that is neither building a shadow nor
#      holding the parent's lock: worker launch, claiming, the write guard,
#      commits, state updates, the publishing transaction's bookkeeping,
#      wait()'s polling (<= 100 ms once). Target: under 20 ms per chunk.
#
# Must run as root (re-execs through sudo otherwise). The cluster is
# throwaway (a temp directory, its own port) and stopped on exit.
#
# Knobs (environment):
#   BENCH_PARTS=30          daily partitions per copy
#   BENCH_ROWS=200000       rows per partition
#   BENCH_ROUNDS=1          rounds (fresh copies each round; order of the two
#                           jobs alternated; the summary shows medians)
#   BENCH_CONCURRENCY=2     max_concurrency of the parallel job
#   BENCH_DURABLE=1         fsync/full_page_writes/synchronous_commit on (the
#                           server defaults); 0 keeps lib.sh's fast settings
#   BENCH_BUILD=install     install: scripts/install-deps.sh, then make and
#                           make install from the working tree (as demo.sh);
#                           head: build the last commit (git archive HEAD, or
#                           BENCH_REF) in a temp dir and install it into a
#                           private copy of the PostgreSQL 15 installation, so
#                           the shared install (and anyone testing against it)
#                           is left alone and half-edited sources are not
#                           measured; none: use what is installed
#   BENCH_QUIET_WAIT=60     before each timed job, wait up to this many seconds
#   BENCH_QUIET_PCT=25      for a second with less than this % of CPU busy
#   BENCH_KEEP=0            1: leave the cluster running at the end
set -euo pipefail
shopt -s inherit_errexit  # a failing psql inside $(...) must stop the run

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
require_root "${BASH_SOURCE[0]}" "$@"
cd "$BF_ROOT"

PARTS="${BENCH_PARTS:-30}"
ROWS="${BENCH_ROWS:-200000}"
ROUNDS="${BENCH_ROUNDS:-1}"
CONC="${BENCH_CONCURRENCY:-2}"
DURABLE="${BENCH_DURABLE:-1}"
BUILD="${BENCH_BUILD:-install}"
OVERHEAD_TARGET_MS=20
DIR=""
PRIV=""

. "$BF_ROOT/bench/bench_lib.sh"
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


# ------------------------------------------------------------------ setup
prepare_build
ensure_user

section "Throwaway PostgreSQL cluster"
DIR="$(mktemp -d /tmp/backfill-conc-bench.XXXXXX)"
PORT="$(free_port 54600)"
CONF=(
    "shared_buffers = '512MB'"
    "max_wal_size = '4GB'"
    "checkpoint_timeout = '30min'"
    "maintenance_work_mem = '256MB'"
    "max_worker_processes = 16"
    "autovacuum = off"
)
if [ "$DURABLE" = 1 ]; then
    # lib.sh turns these off for fast tests; a benchmark wants the defaults.
    CONF+=("fsync = on" "full_page_writes = on" "synchronous_commit = on")
fi
start_cluster "$DIR" "$PORT" "${CONF[@]}"
info "PostgreSQL $(qv -c 'SHOW server_version') as '$BF_USER' on port $PORT, $DIR"
q <<'SQL'
SELECT name, setting, unit FROM pg_settings
WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'fsync', 'synchronous_commit',
               'full_page_writes', 'maintenance_work_mem', 'max_worker_processes',
               'max_parallel_maintenance_workers', 'autovacuum')
ORDER BY name;
SQL
SO="$("$PG_CONFIG" --pkglibdir)/backfill.so"
info "extension: $SO (md5 $(md5sum "$SO" | cut -c1-12), built $(date -r "$SO" '+%F %T'))"
if [ "$BUILD" = head ]; then
    info "source: commit $(git -C "$BF_ROOT" rev-parse --short "${BENCH_REF:-HEAD}") (private install, shared install untouched)"
else
    info "source: working tree at $(git -C "$BF_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
        "$(git -C "$BF_ROOT" status --porcelain -- src sql 2>/dev/null | wc -l | awk '{ if ($1) print "+ " $1 " uncommitted files in src/ sql/" }')"
fi
LOAD_START="$(uptime)"
info "load at start: $LOAD_START"
info "cpus: $(nproc), memory: $(free -g | awk '/Mem:/ { print $2 " GB" }')"

q <<'SQL'
CREATE EXTENSION backfill;
CREATE EXTENSION pg_prewarm;
CREATE SCHEMA bench;

-- bench.make_events(name, parts, rows, first_day): the table shape of the
-- other benchmarks, loaded without indexes (faster), keys added afterwards.
CREATE PROCEDURE bench.make_events(tbl text, parts int, rows_per_part int, first_day date)
LANGUAGE plpgsql AS $$
DECLARE
    d date;
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS bench.%I', tbl);
    EXECUTE format($f$CREATE TABLE bench.%I (
        id      bigint NOT NULL,
        day     date NOT NULL,
        account int,
        amount  numeric(12,2),
        tax     numeric(12,2)
    ) PARTITION BY RANGE (day)$f$, tbl);
    FOR i IN 0 .. parts - 1 LOOP
        d := first_day + i;
        EXECUTE format('CREATE TABLE bench.%I PARTITION OF bench.%I FOR VALUES FROM (%L) TO (%L)',
                       tbl || '_' || to_char(d, 'YYYY_MM_DD'), tbl, d, d + 1);
    END LOOP;
    -- Deterministic figures (hashint8): every copy holds the same rows; tax
    -- is stale (7 %) and the backfill recomputes it at 8 %.
    EXECUTE format($f$INSERT INTO bench.%I (id, day, account, amount, tax)
        SELECT id, first_day + p, account, amount, round(amount * 0.07, 2)
        FROM (SELECT p, p::bigint * %s + g AS id,
                     1 + (abs(hashint8(p::bigint * %s + g)::bigint) %% 10000)::int AS account,
                     round((abs(hashint8(-(p::bigint * %s + g))::bigint) %% 100000) / 100.0, 2) AS amount
              FROM generate_series(0, %s - 1) AS p, generate_series(1, %s) AS g) s,
             (SELECT %L::date AS first_day) f$f$,
        tbl, rows_per_part, rows_per_part, rows_per_part, parts, rows_per_part, first_day);
    EXECUTE format('ALTER TABLE bench.%I ADD PRIMARY KEY (id, day)', tbl);
    EXECUTE format('CREATE INDEX %I ON bench.%I (account)', tbl || '_account_idx', tbl);
END
$$;

-- One row per timed job.
CREATE TABLE bench.result (
    round int, conc int, job text, seconds numeric, job_seconds numeric,
    build_s numeric, swap_s numeric, chunks int, busy_before int, busy_during int, loadavg text
);
SQL


# prepare_phase TABLE: the same starting point for every timed job:
# everything written so far on disk, the target's heap in shared buffers, a
# quiet machine if it can be had. Prints the machine's busy % just before.
prepare_phase() {
    q -c "CHECKPOINT" -c "SELECT sum(pg_prewarm(inhrelid)) FROM pg_inherits WHERE inhparent = 'bench.$1'::regclass" >/dev/null
    sync
    wait_quiet
}

# make_copy NAME: build and VACUUM ANALYZE one copy.
make_copy() {
    q -c "SET client_min_messages = warning" -c "CALL bench.make_events('$1', $PARTS, $ROWS, '2026-05-01')" \
        -c "VACUUM ANALYZE bench.$1"
}

# check_copy NAME: every row recomputed, none lost (untimed).
check_copy() {
    local rows bad
    read -r rows bad < <(qv -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE tax IS DISTINCT FROM round(amount * 0.08, 2)) FROM bench.$1")
    if [ "$bad" != 0 ] || [ "$rows" != $((PARTS * ROWS)) ]; then
        die "bench.$1 after the backfill: $rows rows (expected $((PARTS * ROWS))), $bad with a wrong tax"
    fi
    info "  check bench.$1: $rows rows, all with tax = round(amount * 0.08, 2)"
}

# run_job TABLE JOB CONC: backfill.start + backfill.wait in one session,
# timed with clock_timestamp() around both; records a bench.result row and
# prints a line.
run_job() {
    local tbl="$1" job="$2" conc="$3" before c0 c1 out secs state load
    local src
    # shellcheck disable=SC2016  # $1/$2 are the chunk bounds, filled in by backfill
    src="SELECT id, day, account, amount, round(amount * 0.08, 2) FROM bench.$tbl WHERE day >= \$1 AND day < \$2"
    before="$(prepare_phase "$tbl")"
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    c0="$(cpu_sample)"
    out="$(cluster_psql "$DIR" -qAt -F ' ' -v src="$src" -v job="$job" -v tbl="bench.$tbl" \
        -v opts="{\"max_concurrency\": $conc}" <<'SQL'
SET client_min_messages = warning;
SELECT clock_timestamp() AS t0 \gset
SELECT backfill.start(:'job', :'tbl', :'src', NULL, NULL, :'opts') AS id \gset
SELECT backfill.wait(:'job', '1 hour') AS state \gset
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 3), :'state';
SQL
)"
    c1="$(cpu_sample)"
    read -r secs state <<<"$out"
    [ "$state" = completed ] || die "job $job ended '$state'"
    qv -v job="$job" -v r="$ROUND" -v conc="$conc" -v secs="$secs" -v b0="$before" \
        -v b1="$(busy_pct "$c0" "$c1")" -v load="$load" >/dev/null <<'SQL'
INSERT INTO bench.result
SELECT :r, :conc, :'job', :secs,
       round(extract(epoch FROM j.finished_at - j.started_at)::numeric, 3),
       round(sum(c.build_ms) / 1000, 3), round(sum(c.swap_ms) / 1000, 3), count(*),
       :b0, :b1, :'load'
FROM backfill.job j JOIN backfill.chunk c ON c.job_id = j.id
WHERE j.name = :'job' GROUP BY j.id;
SQL
    info "  max_concurrency $conc: $secs s (start + wait)   [machine CPU busy: $before% before, $(busy_pct "$c0" "$c1")% during; loadavg before $load]"
}

# ------------------------------------------------------------------ rounds
for ROUND in $(seq 1 "$ROUNDS"); do
    section "Round $ROUND of $ROUNDS: two copies of $PARTS partitions x $ROWS rows"
    t0="$(now)"
    make_copy events_c1
    make_copy "events_c$CONC"
    info "  two copies built, VACUUM ANALYZEd in $(secs "$t0" "$(now)") s;" \
        "size of one: $(qv -c "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'bench.events_c1'::regclass")"
    if [ $((ROUND % 2)) -eq 1 ]; then order="1 $CONC"; else order="$CONC 1"; fi
    section "Round $ROUND: backfill.start + backfill.wait (order: max_concurrency ${order/ / then })"
    info "uptime before: $(uptime)"
    for c in $order; do
        run_job "events_c$c" "conc${c}_r$ROUND" "$c"
        check_copy "events_c$c"
    done

    section "Round $ROUND: per job (seconds; build/swap sums from backfill.chunk)"
    q -v r="$ROUND" <<'SQL'
SELECT r.job, r.conc AS max_concurrency, r.chunks, r.seconds AS end_to_end_s,
       r.job_seconds AS started_to_finished_s,
       r.build_s AS sum_build_s, r.swap_s AS sum_swap_s,
       round(r.build_s / r.seconds, 2) AS builds_in_parallel,
       CASE WHEN r.conc = 1 THEN round((r.seconds - r.build_s - r.swap_s) * 1000 / r.chunks, 1) END AS other_ms_per_chunk,
       (SELECT count(DISTINCT e.detail) FROM backfill.event e JOIN backfill.job j ON j.id = e.job_id
         WHERE j.name = r.job AND e.event = 'worker_started') AS workers_started
FROM bench.result r WHERE r.round = :r ORDER BY r.conc;

-- Per chunk, averages: build (build_ms: count of the live partition,
-- shadow create, load, indexes, ANALYZE) and swap; the time from start()
-- to the first chunk claimed (worker launch) and from the last publication
-- to the job's end.
SELECT j.name AS job, round(avg(c.build_ms), 1) AS avg_build_ms,
       round(min(c.build_ms), 1) AS min_build_ms, round(max(c.build_ms), 1) AS max_build_ms,
       round(avg(c.swap_ms), 2) AS avg_swap_ms, round(max(c.swap_ms), 2) AS max_swap_ms,
       round(extract(epoch FROM min(c.started_at) - j.started_at)::numeric * 1000, 1) AS start_to_first_claim_ms,
       round(extract(epoch FROM j.finished_at - max(c.finished_at))::numeric * 1000, 1) AS last_chunk_to_end_ms
FROM backfill.job j JOIN backfill.chunk c ON c.job_id = j.id JOIN bench.result r ON r.job = j.name
WHERE r.round = :r GROUP BY j.id ORDER BY j.name;

-- How much the builds overlapped, and how long a built chunk waited to be
-- published. Event times are clock_timestamp(): chunk_built is logged at
-- the end of the build (so a build ran over [built - build_ms, built]) and
-- chunk_published after the swap; "built to published" is that gap minus
-- swap_ms (commit, waiting for older snapshots, lock retries on the parent).
-- With two workers a publication waits for the other worker's build to
-- commit (the build reads the parent, the swap locks it).
WITH j AS (
    SELECT j.id, j.name, j.started_at, j.finished_at FROM backfill.job j
    JOIN bench.result r ON r.job = j.name WHERE r.round = :r
),
b AS (
    SELECT j.id, c.chunk_no, e.at - make_interval(secs => c.build_ms / 1000) AS b0, e.at AS b1,
           c.swap_ms
    FROM j JOIN backfill.chunk c ON c.job_id = j.id
    JOIN backfill.event e ON e.job_id = j.id AND e.chunk_no = c.chunk_no AND e.event = 'chunk_built'
),
p AS (
    SELECT e.job_id AS id, e.chunk_no, e.at FROM backfill.event e JOIN j ON j.id = e.job_id
    WHERE e.event = 'chunk_published'
),
pts AS (
    SELECT id, b0 AS t, 1 AS d FROM b UNION ALL SELECT id, b1, -1 FROM b
    UNION ALL SELECT id, started_at, 0 FROM j UNION ALL SELECT id, finished_at, 0 FROM j
),
run AS (
    SELECT id, t, sum(d) OVER (PARTITION BY id ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS n,
           lead(t) OVER (PARTITION BY id ORDER BY t, d) AS t_next
    FROM pts
),
inflight AS (
    SELECT id,
           round(sum(extract(epoch FROM t_next - t)) FILTER (WHERE n = 0)::numeric, 2) AS s0,
           round(sum(extract(epoch FROM t_next - t)) FILTER (WHERE n = 1)::numeric, 2) AS s1,
           round(sum(extract(epoch FROM t_next - t)) FILTER (WHERE n >= 2)::numeric, 2) AS s2
    FROM run WHERE t_next IS NOT NULL GROUP BY id
)
SELECT j.name AS job, i.s0 AS s_no_build, i.s1 AS s_one_build, i.s2 AS s_two_builds,
       round(avg(extract(epoch FROM p.at - b.b1) * 1000 - b.swap_ms)::numeric, 1) AS avg_built_to_published_ms,
       round(max(extract(epoch FROM p.at - b.b1) * 1000 - b.swap_ms)::numeric, 1) AS max_built_to_published_ms,
       -- one worker only: from a publication to the start of the next build
       -- (commits, bookkeeping, throttle check, claim, write guard)
       CASE WHEN count(DISTINCT r.conc) = 1 AND min(r.conc) = 1 THEN
           round(avg((SELECT extract(epoch FROM min(b2.b0) - p.at) * 1000 FROM b b2
                      WHERE b2.id = j.id AND b2.b0 > p.at))::numeric, 1) END AS avg_published_to_next_build_ms
FROM j JOIN inflight i ON i.id = j.id JOIN b ON b.id = j.id JOIN p ON p.id = j.id AND p.chunk_no = b.chunk_no
JOIN bench.result r ON r.job = j.name
GROUP BY j.name, i.s0, i.s1, i.s2 ORDER BY j.name;

-- The events of the max_concurrency 1 job, per step: average time since
-- the previous event of the job.
WITH ev AS (
    SELECT e.event, e.at, lag(e.at) OVER (ORDER BY e.id) AS prev
    FROM backfill.event e JOIN backfill.job j ON j.id = e.job_id
    JOIN bench.result r ON r.job = j.name WHERE r.round = :r AND r.conc = 1
)
SELECT event AS "max_concurrency 1 event", count(*) AS n,
       round(avg(extract(epoch FROM at - prev) * 1000)::numeric, 1) AS avg_ms_since_previous_event
FROM ev WHERE prev IS NOT NULL GROUP BY event ORDER BY min(at);
SQL
    q -c "SET client_min_messages = warning" \
        -c "SELECT backfill.purge(name) FROM backfill.job WHERE name LIKE '%\\_r$ROUND'" \
        -c "DROP TABLE bench.events_c1, bench.events_c$CONC" >/dev/null
done

# ------------------------------------------------------------------ summary
LOAD_END="$(uptime)"
IFS='|' read -r S1 S2 SPEEDUP J1 J2 OVH OVH_JOB B1 W1 B2 W2 < <(qv -v conc="$CONC" <<'SQL'
WITH one AS (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS s,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY job_seconds) AS js,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY (seconds - build_s - swap_s) * 1000 / chunks) AS ovh,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY (job_seconds - build_s - swap_s) * 1000 / chunks) AS ovh_job,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY build_s) AS b,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY swap_s) AS w
    FROM bench.result WHERE conc = 1),
two AS (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS s,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY job_seconds) AS js,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY build_s) AS b,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY swap_s) AS w
    FROM bench.result WHERE conc = :conc)
SELECT round(one.s::numeric, 1), round(two.s::numeric, 1), round((one.s / two.s)::numeric, 2), round(one.js::numeric, 1), round(two.js::numeric, 1),
       round(one.ovh::numeric, 1), round(one.ovh_job::numeric, 1),
       round(one.b::numeric, 1), round(one.w::numeric, 3), round(two.b::numeric, 1), round(two.w::numeric, 3)
FROM one, two;
SQL
)
OK_OVH="$(awk -v o="$OVH" -v t="$OVERHEAD_TARGET_MS" 'BEGIN { print (o < t) ? "ok" : "MISSED" }')"
BUSY="$(qv -c "SELECT string_agg(format('%s: %s%% before, %s%% during', job, busy_before, busy_during), '; ' ORDER BY round, job) FROM bench.result")"
section "Summary"
cat <<EOF

data                  : $PARTS partitions x $ROWS rows = $((PARTS * ROWS)) rows per copy, PK (id, day) + index (account)
settings              : shared_buffers 512MB, max_wal_size 4GB, max_worker_processes 16, $( [ "$DURABLE" = 1 ] && echo "fsync/full_page_writes/synchronous_commit on" || echo "fsync off (lib.sh defaults)"), $(nproc) cpus
rounds                : $ROUNDS (fresh copies each round; medians below)
max_concurrency 1     : $S1 s (start + wait; started_at..finished_at $J1 s; builds $B1 s, swaps $W1 s summed)
max_concurrency $CONC     : $S2 s (speed-up ${SPEEDUP}x) (started_at..finished_at $J2 s; builds $B2 s, swaps $W2 s summed)
control-plane overhead: $OVH ms per chunk (target < $OVERHEAD_TARGET_MS ms: $OK_OVH; from started_at..finished_at: $OVH_JOB ms)
machine CPU busy      : $BUSY ($(nproc) CPUs; one backend alone is ~$((100 / $(nproc)))%)
load at start         : ${LOAD_START#*load average: }
load at end           : ${LOAD_END#*load average: }
EOF
