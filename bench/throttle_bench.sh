#!/usr/bin/env bash
# What a backfill costs a concurrent OLTP load, and what the throttle
# max_active_backends buys back, in one run on one cluster:
#
#   1. pgbench alone (baseline TPS)
#   2. pgbench while an unthrottled backfill runs
#   3. pgbench while a backfill throttled with {"max_active_backends": 2}
#      runs; it should wait while pgbench's 4 clients are busy and finish
#      after pgbench ended
#   4. pgbench alone once more, to show how much the baseline drifted
#
# In 2 and 3 pgbench starts first and the backfill (backfill.start, in a
# background worker) as soon as pgbench's clients are connected, so that the
# throttle sees the load from the first chunk on; pgbench then runs for its
# BENCH_SECONDS.
#
# Printed: the TPS of each phase side by side (as % of the first), and
# both backfills' completion times (started_at to finished_at). The two
# backfills work on two identical copies of the target (BENCH_PARTS daily
# partitions x BENCH_ROWS rows, PK (id, day) + an index), so each starts
# from the same state. pgbench works on its own tables (pgbench -i -s
# BENCH_SCALE), never on the target.
#
# Must run as root (re-execs through sudo otherwise). The cluster is
# throwaway (a temp directory, its own port) and stopped on exit.
#
# Knobs (environment):
#   BENCH_PARTS=20          daily partitions per target copy
#   BENCH_ROWS=200000       rows per partition
#   BENCH_SCALE=10          pgbench -i -s
#   BENCH_CLIENTS=4         pgbench -c
#   BENCH_THREADS=2         pgbench -j
#   BENCH_SECONDS=20        pgbench -T of every phase
#   BENCH_SCRIPT=tpcb       tpcb: pgbench's default TPC-B-like script;
#                           select: -S (select only)
#   BENCH_MAX_ACTIVE=2      max_active_backends of the throttled backfill
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
#   BENCH_KEEP=0            1: leave the cluster running at the end
set -euo pipefail
shopt -s inherit_errexit  # a failing psql inside $(...) must stop the run

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
require_root "${BASH_SOURCE[0]}" "$@"
cd "$BF_ROOT"

PARTS="${BENCH_PARTS:-20}"
ROWS="${BENCH_ROWS:-200000}"
SCALE="${BENCH_SCALE:-10}"
CLIENTS="${BENCH_CLIENTS:-4}"
THREADS="${BENCH_THREADS:-2}"
SECONDS_PER_PHASE="${BENCH_SECONDS:-20}"
SCRIPT="${BENCH_SCRIPT:-tpcb}"
MAX_ACTIVE="${BENCH_MAX_ACTIVE:-2}"
DURABLE="${BENCH_DURABLE:-1}"
BUILD="${BENCH_BUILD:-install}"
DIR=""
PRIV=""

case "$SCRIPT" in
    tpcb) PGBENCH_SCRIPT_ARGS=() ;;
    select) PGBENCH_SCRIPT_ARGS=(-S) ;;
    *) die "BENCH_SCRIPT must be tpcb or select (not '$SCRIPT')" ;;
esac

. "$BF_ROOT/bench/bench_lib.sh"
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b; else print "?" }'; }

# ------------------------------------------------------------------ setup
prepare_build
ensure_user
BINDIR="$(pg_bindir)"

section "Throwaway PostgreSQL cluster"
DIR="$(mktemp -d /tmp/backfill-throttle-bench.XXXXXX)"
PORT="$(free_port 54500)"
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
SO="$("$PG_CONFIG" --pkglibdir)/backfill.so"
info "extension: $SO (md5 $(md5sum "$SO" | cut -c1-12), built $(date -r "$SO" '+%F %T'))"
if [ "$BUILD" = head ]; then
    info "source: commit $(git -C "$BF_ROOT" rev-parse --short "${BENCH_REF:-HEAD}") (private install, shared install untouched)"
else
    info "source: working tree at $(git -C "$BF_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
        "$(git -C "$BF_ROOT" status --porcelain -- src sql 2>/dev/null | wc -l | awk '{ if ($1) print "+ " $1 " uncommitted files in src/ sql/" }')"
fi
info "cpus: $(nproc), memory: $(free -g | awk '/Mem:/ { print $2 " GB" }'), load: $(awk '{print $1" "$2" "$3}' /proc/loadavg)"
info "settings: fsync/synchronous_commit $( [ "$DURABLE" = 1 ] && echo on || echo off), shared_buffers 512MB, autovacuum off"

# pgbench_start LABEL: starts pgbench for SECONDS_PER_PHASE in the
# background (PGBENCH_PID) and returns once its clients are connected; the
# output goes to $DIR/pgbench_LABEL.out.
pgbench_start() {
    local _
    as_user "$BINDIR/pgbench" -h "$DIR/sock" -p "$PORT" -n \
        -c "$CLIENTS" -j "$THREADS" -T "$SECONDS_PER_PHASE" "${PGBENCH_SCRIPT_ARGS[@]}" \
        postgres >"$DIR/pgbench_$1.out" 2>&1 &
    PGBENCH_PID=$!
    for _ in $(seq 1 100); do
        if [ "$(qv -c "SELECT count(*) >= $CLIENTS FROM pg_stat_activity WHERE application_name = 'pgbench'")" = t ]; then
            return 0
        fi
        sleep 0.05
    done
    die "pgbench ($1) did not connect its $CLIENTS clients"
}

# pgbench_finish LABEL: waits for pgbench and sets PGBENCH_TPS to its TPS
# (without the connection time). Not in $(...): only this shell can wait.
pgbench_finish() {
    local out="$DIR/pgbench_$1.out"
    if ! wait "$PGBENCH_PID"; then
        cat "$out" >&2
        die "pgbench ($1) failed"
    fi
    PGBENCH_TPS="$(awk '/^tps = / { printf "%.0f", $3; exit }' "$out")"
    [ -n "$PGBENCH_TPS" ] || die "no tps in $out"
}

# ------------------------------------------------------------------ data
section "Data: pgbench -i -s $SCALE, and two copies of a $PARTS x $ROWS target"
t0="$(now)"
as_user "$BINDIR/pgbench" -h "$DIR/sock" -p "$PORT" -i -q -s "$SCALE" postgres >"$DIR/pgbench_init.out" 2>&1 ||
    {
        cat "$DIR/pgbench_init.out"
        die "pgbench -i failed"
    }
info "  pgbench tables (scale $SCALE) in $(secs "$t0" "$(now)") s"

q <<'SQL'
CREATE EXTENSION backfill;
CREATE SCHEMA bench;

-- bench.make_events(name, parts, rows, first_day): daily partitions,
-- deterministic rows with a stale tax (7 %); the backfill recomputes it at 8 %.
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
SQL
for t in events_unthrottled events_throttled; do
    t0="$(now)"
    q -c "SET client_min_messages = warning" -c "CALL bench.make_events('$t', $PARTS, $ROWS, '2026-05-01')" \
        -c "VACUUM ANALYZE bench.$t"
    info "  bench.$t: $(qv -c "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'bench.$t'::regclass")" \
        "in $(secs "$t0" "$(now)") s"
done
q -c "VACUUM ANALYZE" -c "CHECKPOINT"

# start_backfill TABLE JOB OPTIONS: backfill.start in the background.
start_backfill() {
    local src
    # shellcheck disable=SC2016  # $1/$2 are the chunk bounds, filled in by backfill
    src="SELECT id, day, account, amount, round(amount * 0.08, 2) FROM bench.$1 WHERE day >= \$1 AND day < \$2"
    cluster_psql "$DIR" -qAt -v src="$src" -v job="$2" -v tbl="bench.$1" -v opts="$3" >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT backfill.start(:'job', :'tbl', :'src', NULL, NULL, :'opts');
SQL
}

# job_figures JOB: "seconds|chunks_done" now; seconds from started_at to
# finished_at (or to now while it runs).
job_figures() {
    qv -c "SELECT round(extract(epoch FROM coalesce(finished_at, clock_timestamp()) - started_at)::numeric, 2),
                  chunks_done FROM backfill.jobs WHERE name = '$1'"
}

# finish_backfill JOB TABLE: waits for the job, checks the data. Polls the
# job's state rather than blocking in backfill.wait: a session waiting
# there would itself count as an active backend for the throttle.
finish_backfill() {
    local state rows bad deadline=$((SECONDS + 7200))
    while :; do
        state="$(qv -c "SELECT state FROM backfill.jobs WHERE name = '$1'")"
        case "$state" in
            running | pending) ;;
            *) break ;;
        esac
        [ "$SECONDS" -lt "$deadline" ] || die "backfill job $1 still '$state' after 2 hours"
        sleep 0.2
    done
    [ "$state" = completed ] || die "backfill job $1 ended '$state'"
    read -r rows bad < <(qv -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE tax IS DISTINCT FROM round(amount * 0.08, 2)) FROM bench.$2")
    if [ "$bad" != 0 ] || [ "$rows" != $((PARTS * ROWS)) ]; then
        die "bench.$2 after the backfill: $rows rows (expected $((PARTS * ROWS))), $bad with a wrong tax"
    fi
}

# ------------------------------------------------------------------ 1: alone
loadavg() { awk '{ print $1 }' /proc/loadavg; }

section "1. pgbench alone: -c $CLIENTS -j $THREADS -T $SECONDS_PER_PHASE ($SCRIPT)"
LOAD_ALONE="$(loadavg)"
pgbench_start alone
pgbench_finish alone
TPS_ALONE="$PGBENCH_TPS"
info "  $TPS_ALONE tps"

# ------------------------------------------------------------------ 2: unthrottled
section "2. pgbench during an unthrottled backfill"
LOAD_UNTHR="$(loadavg)"
q -c "CHECKPOINT"
pgbench_start unthrottled
start_backfill events_unthrottled unthrottled '{}'
pgbench_finish unthrottled
TPS_UNTHR="$PGBENCH_TPS"
IFS='|' read -r _ U_DONE_DURING < <(job_figures unthrottled)
info "  $TPS_UNTHR tps; $U_DONE_DURING of $PARTS chunks done while pgbench ran"
finish_backfill unthrottled events_unthrottled
IFS='|' read -r U_SECS _ < <(job_figures unthrottled)
info "  backfill completed in $U_SECS s"

# ------------------------------------------------------------------ 3: throttled
section "3. pgbench during a backfill throttled with {\"max_active_backends\": $MAX_ACTIVE}"
LOAD_THR="$(loadavg)"
q -c "CHECKPOINT"
pgbench_start throttled
start_backfill events_throttled throttled "{\"max_active_backends\": $MAX_ACTIVE}"
pgbench_finish throttled
TPS_THR="$PGBENCH_TPS"
PGB_END_TS="$(qv -c "SELECT clock_timestamp()")"
IFS='|' read -r _ T_DONE_DURING < <(job_figures throttled)
info "  $TPS_THR tps; $T_DONE_DURING of $PARTS chunks done while pgbench ran"
finish_backfill throttled events_throttled
IFS='|' read -r T_SECS _ < <(job_figures throttled)
T_AFTER="$(qv -c "SELECT round(extract(epoch FROM finished_at - '$PGB_END_TS')::numeric, 2) FROM backfill.jobs WHERE name = 'throttled'")"
if awk -v a="$T_AFTER" 'BEGIN { exit !(a >= 0) }'; then
    T_WHEN="$T_AFTER s after pgbench ended"
else
    T_WHEN="while pgbench still ran, ${T_AFTER#-} s before it ended"
fi
info "  backfill completed in $T_SECS s ($T_WHEN)"
q <<'SQL'
SELECT event, count(*), min(at)::time(2) AS first, max(at)::time(2) AS last
FROM backfill.log WHERE job_name = 'throttled'
  AND event IN ('throttle_hold', 'throttle_release', 'chunk_built', 'chunk_published')
GROUP BY event ORDER BY min(at);
SQL

# ------------------------------------------------------------------ 4: alone again
# The same baseline once more, to show how much the machine drifted.
section "4. pgbench alone again (drift of the baseline)"
q -c "CHECKPOINT"
LOAD_AGAIN="$(loadavg)"
pgbench_start again
pgbench_finish again
TPS_AGAIN="$PGBENCH_TPS"
info "  $TPS_AGAIN tps"

# ------------------------------------------------------------------ summary
P_UNTHR="$(pct "$TPS_UNTHR" "$TPS_ALONE")"
P_THR="$(pct "$TPS_THR" "$TPS_ALONE")"
OK_THR="$(awk -v p="$P_THR" 'BEGIN { print (p >= 90) ? "ok" : "MISSED" }')"
P_AGAIN="$(pct "$TPS_AGAIN" "$TPS_ALONE")"
if [ "$T_DONE_DURING" = 0 ]; then
    HELD="yes: no chunk built while pgbench ran"
else
    HELD="NO: $T_DONE_DURING of $PARTS chunks built while pgbench ran"
fi
section "Summary"
cat <<EOF

load                  : pgbench -c $CLIENTS -j $THREADS -T $SECONDS_PER_PHASE, $SCRIPT script, scale $SCALE
backfill              : $PARTS partitions x $ROWS rows = $((PARTS * ROWS)) rows per copy, PK (id, day) + index (account)
settings              : $( [ "$DURABLE" = 1 ] && echo "fsync/full_page_writes/synchronous_commit on" || echo "fsync off (lib.sh defaults)"), $(nproc) cpus

pgbench alone: $TPS_ALONE tps / during unthrottled backfill: $TPS_UNTHR tps ($P_UNTHR %) / during throttled backfill: $TPS_THR tps ($P_THR %, target >= 90 %: $OK_THR)
unthrottled backfill  : completed in $U_SECS s ($U_DONE_DURING of $PARTS chunks done during the ${SECONDS_PER_PHASE} s of pgbench)
throttled backfill    : completed in $T_SECS s, $T_WHEN ($T_DONE_DURING of $PARTS chunks done during the ${SECONDS_PER_PHASE} s of pgbench)
throttle held the job : $HELD
baseline drift        : pgbench alone again at the end: $TPS_AGAIN tps ($P_AGAIN % of the first)
1-min load avg before : alone $LOAD_ALONE, unthrottled $LOAD_UNTHR, throttled $LOAD_THR, alone again $LOAD_AGAIN ($(nproc) cpus; other work on the machine makes the figures noisy)
EOF
