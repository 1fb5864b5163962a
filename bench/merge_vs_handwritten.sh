#!/usr/bin/env bash
# Benchmark of backfill's mode merge against hand-written SQL doing the same
# correction in place, on the same data, in one run (issue 11):
#
#   a plain table bench.t (id bigint primary key, account int with an index,
#   amount numeric, note text) of BENCH_ROWS rows, and the corrected history
#   bench.fixed: every row of it, BENCH_CHANGE_PCT % of them with another
#   amount. Three identical copies of bench.t, each VACUUM (FREEZE, ANALYZE)d,
#   CHECKPOINT and its heap prewarmed before its timed run:
#
#   1. merge     backfill.create (mode merge, chunk_by id, chunk_size
#                BENCH_CHUNK) + CALL backfill.run: one transaction per chunk;
#   2. loop      the best hand-written chunked upsert: per BENCH_CHUNK ids,
#                INSERT ... SELECT FROM bench.fixed ... ON CONFLICT (id) DO
#                UPDATE SET ... WHERE (row) IS DISTINCT FROM (EXCLUDED row),
#                COMMIT after each chunk (a PL/pgSQL procedure);
#   3. update    one big UPDATE ... FROM bench.fixed (every row rewritten);
#   4. rerun     a second merge job with the same correction on the table
#                that job 1 corrected (VACUUMed first, as autovacuum would:
#                otherwise any reader pays for pruning the first run's dead
#                rows): it must write 0 rows, under 1 % of the first run's
#                WAL, and take no longer than the first run.
#
# Printed: time and WAL bytes (pg_current_wal_lsn before/after) of each,
# the ratios merge/loop and merge/update, the rerun against the first run,
# and the rows each one wrote. Every copy is checked to equal bench.fixed.
#
# Must run as root (re-execs through sudo otherwise, which drops BENCH_*).
# The cluster is throwaway (temp directory, own port) and stopped on exit.
#
# Knobs (environment):
#   BENCH_ROWS=2000000      rows of the table (try 200000 first)
#   BENCH_CHUNK=100000      ids per chunk, for merge and for the loop
#   BENCH_CHANGE_PCT=10     percent of the rows that really change
#   BENCH_DURABLE=1         fsync/full_page_writes/synchronous_commit on (the
#                           server defaults); 0 keeps lib.sh's fast settings
#   BENCH_QUIET_WAIT=60     seconds to wait at most for a quiet machine per run
#   BENCH_QUIET_PCT=25      "quiet": less than this % of all CPUs busy
#   BENCH_BUILD=install     install: make and make install from the working
#                           tree; head: build the last commit (or BENCH_REF)
#                           into a private copy of PostgreSQL; none: what is
#                           installed (see bench_lib.sh prepare_build)
#   BENCH_KEEP=0            1: leave the cluster running at the end
set -euo pipefail
shopt -s inherit_errexit  # a failing psql inside $(...) must stop the run

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
require_root "${BASH_SOURCE[0]}" "$@"
cd "$BF_ROOT"

ROWS="${BENCH_ROWS:-2000000}"
CHUNK="${BENCH_CHUNK:-100000}"
CHANGE_PCT="${BENCH_CHANGE_PCT:-10}"
DURABLE="${BENCH_DURABLE:-1}"
BUILD="${BENCH_BUILD:-install}"
DIR=""
PRIV=""
for knob in ROWS CHUNK CHANGE_PCT; do
    if ! [[ "${!knob}" =~ ^[0-9]+$ ]] || [ "${!knob}" -eq 0 ]; then
        die "BENCH_$knob must be a positive integer"
    fi
done
[ "$CHANGE_PCT" -le 100 ] || die "BENCH_CHANGE_PCT must be at most 100"

. "$BF_ROOT/bench/bench_lib.sh"
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ratio A B: A / B with two decimals ("?" when B is 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
# mb BYTES: bytes as MB with one decimal.
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# ------------------------------------------------------------------ setup
prepare_build
ensure_user

section "Throwaway PostgreSQL cluster"
DIR="$(mktemp -d /tmp/backfill-merge-bench.XXXXXX)"
PORT="$(free_port 54600)"
CONF=("shared_buffers = '1GB'" "max_wal_size = '8GB'" "checkpoint_timeout = '30min'"
    "maintenance_work_mem = '256MB'" "autovacuum = off")
if [ "$DURABLE" = 1 ]; then
    # lib.sh turns these off for fast tests; a benchmark wants the defaults.
    CONF+=("fsync = on" "full_page_writes = on" "synchronous_commit = on")
fi
start_cluster "$DIR" "$PORT" "${CONF[@]}"
info "PostgreSQL $(qv -c 'SHOW server_version') on port $PORT, $DIR; extension $("$PG_CONFIG" --pkglibdir)/backfill.so"
info "source: $(git -C "$BF_ROOT" rev-parse --short HEAD) $(git -C "$BF_ROOT" log -1 --format=%s | cut -c1-70)"
info "cpus: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg); durable: $DURABLE;" \
    "rows: $ROWS, chunk: $CHUNK ids, changing: $CHANGE_PCT %"

# bench.fixed: the corrected history, all rows, CHANGE_PCT % of them with
# another amount (deterministic: hashint8, so every copy is the same).
# bench.make_copy(name): a copy of the table before the correction.
# bench.hand_loop(tbl, lo, hi, step): the hand-written chunked upsert.
q <<SQL
CREATE EXTENSION backfill;
CREATE EXTENSION pg_prewarm;
CREATE SCHEMA bench;
CREATE TABLE bench.fixed (id bigint PRIMARY KEY, account int NOT NULL, amount numeric(12,2) NOT NULL, note text NOT NULL);
INSERT INTO bench.fixed
SELECT g, 1 + (abs(hashint8(g)::bigint) % 10000)::int,
       round((abs(hashint8(-g)::bigint) % 100000) / 100.0, 2) + CASE WHEN g % 100 < $CHANGE_PCT THEN 1 ELSE 0 END,
       'note ' || (g % 1000)
FROM generate_series(1, $ROWS) g;
VACUUM (FREEZE, ANALYZE) bench.fixed;

CREATE PROCEDURE bench.make_copy(tbl text) LANGUAGE plpgsql AS \$\$
BEGIN
    EXECUTE format('CREATE TABLE bench.%I (id bigint PRIMARY KEY, account int NOT NULL,'
                   ' amount numeric(12,2) NOT NULL, note text NOT NULL)', tbl);
    EXECUTE format('INSERT INTO bench.%I SELECT id, account,'
                   ' amount - CASE WHEN id %% 100 < $CHANGE_PCT THEN 1 ELSE 0 END, note'
                   ' FROM bench.fixed ORDER BY id', tbl);
    EXECUTE format('CREATE INDEX %I ON bench.%I (account)', tbl || '_account_idx', tbl);
END
\$\$;

CREATE PROCEDURE bench.hand_loop(tbl text, lo bigint, hi bigint, step bigint) LANGUAGE plpgsql AS \$\$
DECLARE
    a bigint := lo;
BEGIN
    WHILE a < hi LOOP
        EXECUTE format(\$f\$INSERT INTO bench.%I AS t (id, account, amount, note)
            SELECT id, account, amount, note FROM bench.fixed WHERE id >= \$1 AND id < \$2
            ON CONFLICT (id) DO UPDATE SET account = EXCLUDED.account, amount = EXCLUDED.amount, note = EXCLUDED.note
            WHERE (t.account, t.amount, t.note) IS DISTINCT FROM (EXCLUDED.account, EXCLUDED.amount, EXCLUDED.note)\$f\$,
            tbl) USING a, least(a + step, hi);
        COMMIT;
        a := a + step;
    END LOOP;
END
\$\$;

CALL bench.make_copy('t_merge');
CALL bench.make_copy('t_loop');
CALL bench.make_copy('t_update');
VACUUM (FREEZE, ANALYZE) bench.t_merge, bench.t_loop, bench.t_update;
SQL
info "table: $(qv -c "SELECT pg_size_pretty(pg_total_relation_size('bench.t_merge'))") per copy (heap and indexes)"

# ------------------------------------------------------------------ runs
declare -A SECS WAL
HI=$((ROWS + 1))
MERGE_OPTIONS="{\"mode\": \"merge\", \"chunk_by\": \"id\", \"chunk_size\": $CHUNK}"
# shellcheck disable=SC2016  # $1 and $2 are the source's parameters
MERGE_SOURCE='SELECT id, account, amount, note FROM bench.fixed WHERE id >= $1 AND id < $2'

# timed NAME TABLE SQL...: CHECKPOINT, prewarm TABLE, wait for a quiet
# machine, then run the SQL statements (one psql, each statement its own
# transaction) and record their time and the WAL they wrote.
timed() {
    local name="$1" table="$2" lsn t0 t1 busy sql
    local -a commands=()
    shift 2
    for sql in "$@"; do commands+=(-c "$sql"); done
    qv -c "CHECKPOINT" -c "SELECT pg_prewarm('bench.$table')" >/dev/null
    busy="$(wait_quiet)"
    lsn="$(qv -c 'SELECT pg_current_wal_lsn()')"
    t0="$(now)"
    qv "${commands[@]}" >/dev/null
    t1="$(now)"
    SECS[$name]="$(secs "$t0" "$t1")"
    WAL[$name]="$(qv -c "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn')::bigint")"
    info "$(printf '%-8s %8s s  %9s MB WAL  (machine %s%% busy before)' "$name" "${SECS[$name]}" "$(mb "${WAL[$name]}")" "$busy")"
}

section "Runs"
timed merge t_merge "SELECT backfill.create('m1', 'bench.t_merge', \$s\$$MERGE_SOURCE\$s\$, '1', '$HI', '$MERGE_OPTIONS')" \
    "CALL backfill.run('m1')"
timed loop t_loop "CALL bench.hand_loop('t_loop', 1, $HI, $CHUNK)"
timed update t_update "UPDATE bench.t_update t SET account = f.account, amount = f.amount, note = f.note FROM bench.fixed f WHERE f.id = t.id"
# The first run's updates left dead rows; a reader after a checkpoint would
# prune them (WAL with full-page images) whoever it is. VACUUM first, as
# autovacuum would, so that the rerun's WAL is the rerun's own.
qv -c "VACUUM bench.t_merge" >/dev/null
timed rerun t_merge "SELECT backfill.create('m2', 'bench.t_merge', \$s\$$MERGE_SOURCE\$s\$, '1', '$HI', '$MERGE_OPTIONS')" \
    "CALL backfill.run('m2')"

# ------------------------------------------------------------------ checks
section "Checks"
for t in t_merge t_loop t_update; do
    diff_rows="$(qv -c "SELECT (SELECT count(*) FROM (SELECT * FROM bench.$t EXCEPT SELECT * FROM bench.fixed) a)
                              + (SELECT count(*) FROM (SELECT * FROM bench.fixed EXCEPT SELECT * FROM bench.$t) b)")"
    [ "$diff_rows" = 0 ] || die "bench.$t differs from bench.fixed in $diff_rows rows"
    info "bench.$t equals bench.fixed"
done
for job in m1 m2; do
    state="$(qv -c "SELECT state FROM backfill.jobs WHERE name = '$job'")"
    [ "$state" = completed ] || die "job $job is $state"
done
written() {
    qv -c "SELECT sum(rows_inserted + rows_updated + rows_deleted) || ' written, ' || sum(rows_unchanged)
           || ' unchanged' FROM backfill.chunks WHERE job_name = '$1'"
}
M1="$(written m1)"
M2="$(written m2)"
info "merge: $M1; rerun: $M2"
[[ "$M2" == "0 written,"* ]] || die "the rerun wrote rows: $M2"

# ------------------------------------------------------------------ summary
section "Summary ($ROWS rows, $CHANGE_PCT % changing, chunks of $CHUNK)"
printf '%-30s %10s %12s\n' "" "seconds" "WAL MB"
for name in merge loop update rerun; do
    printf '%-30s %10s %12s\n' "$name" "${SECS[$name]}" "$(mb "${WAL[$name]}")"
done
printf '%-30s %10s %12s\n' "merge / loop (target <= 1.2)" "$(ratio "${SECS[merge]}" "${SECS[loop]}")" "$(ratio "${WAL[merge]}" "${WAL[loop]}")"
printf '%-30s %10s %12s\n' "merge / update" "$(ratio "${SECS[merge]}" "${SECS[update]}")" "$(ratio "${WAL[merge]}" "${WAL[update]}")"
printf '%-30s %10s %12s\n' "rerun / merge (WAL < 0.01)" "$(ratio "${SECS[rerun]}" "${SECS[merge]}")" "$(ratio "${WAL[rerun]}" "${WAL[merge]}")"
info "rerun WAL: ${WAL[rerun]} bytes ($(awk -v a="${WAL[rerun]}" -v b="${WAL[merge]}" 'BEGIN { printf "%.3f", 100 * a / b }') % of the first run's)"
