#!/usr/bin/env bash
# The backfill demo: build and install the extension, start a throwaway
# PostgreSQL 15 cluster, load a partitioned revenue table whose net_revenue was
# computed wrong (tax never subtracted), and fix it with backfill, partition by
# partition, showing progress as it goes and the figures before and after.
#
# Must run as root (re-execs through sudo otherwise). The cluster runs as the
# unprivileged user "bfrunner" in /tmp and is stopped at the end; set
# BACKFILL_DEMO_KEEP=1 to leave it running for a look around.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root "${BASH_SOURCE[0]}" "$@"
cd "$BF_ROOT"

JOB="revenue-tax-fix"
ROWS_PER_DAY="${BACKFILL_DEMO_ROWS_PER_DAY:-20000}"
STEP_CHUNKS=5
DIR=""

cleanup() {
    local rc=$?
    if [ -n "$DIR" ]; then
        if [ "${BACKFILL_DEMO_KEEP:-0}" = 1 ] && [ "$rc" -eq 0 ]; then
            section "Cluster left running (BACKFILL_DEMO_KEEP=1)"
            info "  connect: runuser -u $BF_USER -- $(pg_bindir)/psql -h $DIR/sock -p $(cluster_port "$DIR") -d postgres"
            info "  stop:    runuser -u $BF_USER -- $(pg_bindir)/pg_ctl -D $DIR/data stop && rm -rf $DIR"
        else
            stop_cluster "$DIR"
            if [ "$rc" -eq 0 ]; then
                rm -rf "$DIR"
            else
                info "Cluster stopped; its files and log are kept in $DIR"
            fi
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

psql_demo() { cluster_psql "$DIR" "$@"; }

# ------------------------------------------------------------------ setup
# One line per phase; the tools' own output goes to log files named on failure.
section "Set-up"
scripts/install-deps.sh
ensure_user

BUILD_LOG="$(mktemp /tmp/backfill-demo-build.XXXXXX.log)"
if make PG_CONFIG="$PG_CONFIG" -j"$(nproc)" >"$BUILD_LOG" 2>&1 &&
    make PG_CONFIG="$PG_CONFIG" install >>"$BUILD_LOG" 2>&1; then
    rm -f "$BUILD_LOG"
    info "build: extension built and installed into $("$PG_CONFIG" --pkglibdir)"
else
    tail -n 40 "$BUILD_LOG"
    die "build failed (whole log: $BUILD_LOG)"
fi

DIR="$(mktemp -d /tmp/backfill-demo.XXXXXX)"
PORT="$(free_port 54330)"
start_cluster "$DIR" "$PORT"
info "cluster: PostgreSQL $("$PG_CONFIG" --version | awk '{print $2}') running as user '$BF_USER' on port $PORT (socket $DIR/sock)"

# ------------------------------------------------------------------ data
section "A partitioned table with a wrong column"
info "finance.daily_revenue: 30 daily partitions for May 2026 + a default partition,"
info "$ROWS_PER_DAY rows per day. net_revenue was loaded as gross_revenue: tax never subtracted."
psql_demo -q <<SQL
CREATE EXTENSION backfill;
CREATE SCHEMA finance;
CREATE TABLE finance.daily_revenue (
    id            bigint,
    revenue_date  date          NOT NULL,
    merchant_id   int           NOT NULL,
    gross_revenue numeric(12,2) NOT NULL,
    tax_amount    numeric(12,2) NOT NULL,
    net_revenue   numeric(12,2) NOT NULL,
    PRIMARY KEY (id, revenue_date)
) PARTITION BY RANGE (revenue_date);

DO \$\$
DECLARE d date;
BEGIN
    FOR d IN SELECT generate_series(date '2026-05-01', date '2026-05-30', interval '1 day')::date LOOP
        EXECUTE format('CREATE TABLE finance.%I PARTITION OF finance.daily_revenue FOR VALUES FROM (%L) TO (%L)',
                       'daily_revenue_' || to_char(d, 'YYYY_MM_DD'), d, d + 1);
    END LOOP;
END
\$\$;
CREATE TABLE finance.daily_revenue_default PARTITION OF finance.daily_revenue DEFAULT;
-- Tell PostgreSQL the default partition holds nothing from May 2026, so that
-- attaching a partition for May does not have to lock and scan it.
ALTER TABLE finance.daily_revenue_default
    ADD CONSTRAINT daily_revenue_default_not_may_2026
    CHECK (revenue_date < date '2026-05-01' OR revenue_date >= date '2026-05-31');
CREATE INDEX daily_revenue_merchant_idx ON finance.daily_revenue (merchant_id);

-- Deterministic pseudo-random figures (hashint8), so every run shows the same numbers.
INSERT INTO finance.daily_revenue
SELECT id, revenue_date, merchant_id, gross, round(gross * tax_rate, 2), gross  -- the bug: net = gross
FROM (
    SELECT d.n::bigint * $ROWS_PER_DAY + g                             AS id,
           date '2026-05-01' + d.n                                     AS revenue_date,
           1 + (abs(hashint8(d.n::bigint * $ROWS_PER_DAY + g)::bigint) % 5000)::int AS merchant_id,
           round(5 + (abs(hashint8(-(d.n::bigint * $ROWS_PER_DAY + g))::bigint) % 49500) / 100.0, 2) AS gross
    FROM generate_series(0, 29) AS d(n)
    CROSS JOIN generate_series(1, $ROWS_PER_DAY) AS g
) s
CROSS JOIN LATERAL (SELECT (ARRAY[0.05, 0.07, 0.08, 0.10])[1 + s.merchant_id % 4] AS tax_rate) t;
ANALYZE finance.daily_revenue;

-- Keep the "before" picture for the comparison at the end.
CREATE TABLE public.demo_before AS
SELECT revenue_date, count(*) AS row_count, sum(gross_revenue) AS gross,
       sum(tax_amount) AS tax, sum(net_revenue) AS net
FROM finance.daily_revenue GROUP BY revenue_date;
CREATE TABLE public.demo_partitions_before AS
SELECT c.relname, c.oid::bigint AS oid
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'finance.daily_revenue'::regclass;
SQL

psql_demo -c '\d finance.daily_revenue'

section "Before: net_revenue per day (first 5 days) and in total"
psql_demo <<'SQL'
SELECT revenue_date, row_count AS rows, gross, tax, net AS net_revenue,
       CASE WHEN net = gross - tax THEN 'ok' ELSE 'WRONG' END AS check
FROM demo_before ORDER BY revenue_date LIMIT 5;
SELECT sum(row_count) AS rows, sum(gross) AS gross, sum(tax) AS tax, sum(net) AS net_revenue,
       (SELECT count(*) FROM finance.daily_revenue WHERE net_revenue <> gross_revenue - tax_amount) AS wrong_rows
FROM demo_before;
SQL

# ------------------------------------------------------------------ backfill
# $1 and $2 are the chunk's bounds, filled in by backfill (not by the shell).
# shellcheck disable=SC2016
SOURCE='SELECT id, revenue_date, merchant_id, gross_revenue, tax_amount, gross_revenue - tax_amount FROM finance.daily_revenue WHERE revenue_date >= $1 AND revenue_date < $2'

section "backfill.plan: the dry run"
info "source: $SOURCE"
psql_demo -v src="$SOURCE" <<'SQL'
SELECT * FROM backfill.plan('finance.daily_revenue', :'src', '2026-05-01', '2026-05-31');
SQL

section "backfill.create: record the job (starts nothing)"
psql_demo -v src="$SOURCE" -v job="$JOB" <<'SQL'
SELECT backfill.create(:'job', 'finance.daily_revenue', :'src', '2026-05-01', '2026-05-31') AS job_id;
SELECT id, name, target, state, mode, range_from, range_to, chunks_total FROM backfill.jobs WHERE name = :'job';
SQL

section "Run it in the foreground, $STEP_CHUNKS partitions per step: CALL backfill.run('$JOB', max_chunks => $STEP_CHUNKS)"
show_failure() {
    psql_demo -v job="$JOB" <<'SQL' || true
SELECT name, state, chunks_done, chunks_failed, last_error FROM backfill.jobs WHERE name = :'job';
SELECT chunk_no, partition, state, attempts, error FROM backfill.chunks WHERE job_name = :'job' AND state <> 'published' ORDER BY chunk_no;
SELECT at, chunk_no, event, detail FROM backfill.log WHERE job_name = :'job' ORDER BY at DESC LIMIT 15;
SQL
    cluster_log_tail "$DIR" 30
}
BACKFILL_STARTED=$SECONDS
step=0
max_steps=$((30 / STEP_CHUNKS + 5))
while :; do
    step=$((step + 1))
    printf '\n-- step %d\n' "$step"
    if ! psql_demo -q \
        -c "CALL backfill.run('$JOB', max_chunks => $STEP_CHUNKS)"; then
        show_failure
        die "backfill.run failed"
    fi
    psql_demo -v job="$JOB" <<'SQL'
SELECT name, state, chunks_done || '/' || chunks_total AS chunks, rows_written, rows_per_sec,
       date_trunc('second', elapsed) AS elapsed, date_trunc('second', eta) AS eta, bar
FROM backfill.progress WHERE name = :'job';
SQL
    state="$(psql_demo -At -v job="$JOB" -c "SELECT state FROM backfill.jobs WHERE name = '$JOB'")"
    case "$state" in
        completed) break ;;
        failed | cancelled | rolled_back)
            show_failure
            die "job ended in state '$state'"
            ;;
    esac
    if [ "$step" -ge "$max_steps" ]; then
        show_failure
        die "job still '$state' after $step steps"
    fi
done
BACKFILL_SECONDS=$((SECONDS - BACKFILL_STARTED))
ok_msg "job '$JOB' completed in $step steps, $BACKFILL_SECONDS s"

section "backfill.chunks: what each swap did"
psql_demo -v job="$JOB" <<'SQL'
SELECT chunk_no, partition, rows_before, rows_after, swap_ms, retained
FROM backfill.chunks WHERE job_name = :'job' ORDER BY chunk_no;
SELECT count(*) AS chunks, sum(rows_after) AS rows_written,
       round(avg(swap_ms), 2) AS avg_swap_ms, max(swap_ms) AS max_swap_ms
FROM backfill.chunks WHERE job_name = :'job';
SQL

# ------------------------------------------------------------------ after
section "After: net_revenue per day (first 5 days) and in total"
psql_demo <<'SQL'
SELECT revenue_date, count(*) AS rows, sum(gross_revenue) AS gross, sum(tax_amount) AS tax,
       sum(net_revenue) AS net_revenue,
       CASE WHEN sum(net_revenue) = sum(gross_revenue) - sum(tax_amount) THEN 'ok' ELSE 'WRONG' END AS check
FROM finance.daily_revenue GROUP BY revenue_date ORDER BY revenue_date LIMIT 5;
SELECT count(*) AS rows, sum(gross_revenue) AS gross, sum(tax_amount) AS tax, sum(net_revenue) AS net_revenue,
       count(*) FILTER (WHERE net_revenue <> gross_revenue - tax_amount) AS wrong_rows
FROM finance.daily_revenue;
SQL

section "Before / after"
info "Per day and in total; then the partitions: same names as before, with a new table"
info "behind each name that was swapped (swapped_in), indexes carried over."
psql_demo <<'SQL'
WITH after AS (
    SELECT revenue_date, count(*) AS row_count, sum(net_revenue) AS net
    FROM finance.daily_revenue GROUP BY revenue_date
)
SELECT b.revenue_date, b.row_count AS rows_before, a.row_count AS rows_after,
       b.net AS net_before, a.net AS net_after, b.net - a.net AS corrected_by, b.tax
FROM demo_before b JOIN after a USING (revenue_date)
ORDER BY b.revenue_date LIMIT 5;

WITH after AS (
    SELECT count(*) AS row_count, sum(net_revenue) AS net FROM finance.daily_revenue
)
SELECT (SELECT sum(row_count) FROM demo_before) AS rows_before, a.row_count AS rows_after,
       (SELECT sum(net) FROM demo_before) AS net_before, a.net AS net_after,
       (SELECT sum(net) FROM demo_before) - a.net AS corrected_by,
       (SELECT sum(tax) FROM demo_before) AS total_tax
FROM after a;

-- Same partition names, new tables behind them; indexes carried over.
SELECT count(*) AS partitions,
       count(*) FILTER (WHERE c.oid::bigint <> p.oid) AS swapped_in,
       count(*) FILTER (WHERE c.oid::bigint = p.oid) AS untouched
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN demo_partitions_before p ON p.relname = c.relname
WHERE i.inhparent = 'finance.daily_revenue'::regclass;
SQL
psql_demo -c '\d finance.daily_revenue_2026_05_01'

verdict="$(psql_demo -At <<'SQL'
SELECT (SELECT count(*) FROM finance.daily_revenue WHERE net_revenue <> gross_revenue - tax_amount) = 0
   AND (SELECT count(*) FROM finance.daily_revenue) = (SELECT sum(row_count) FROM demo_before)
SQL
)"
[ "$verdict" = t ] || die "the table is not what it should be after the backfill"
ok_msg "Every row now has net_revenue = gross_revenue - tax_amount, and no row was lost or duplicated."

# ------------------------------------------------------------------ kept
section "What the job kept, and why"
info "The swapped-out originals stay detached, so the whole job can be undone at once."
info "Write-guard triggers stay on the rebuilt partitions (a write since the swap makes"
info "rollback refuse, as it would lose that write, unless forced) and on the originals"
info "(a write to one after it was set aside makes purge refuse to drop it)."
psql_demo -v job="$JOB" <<'SQL'
SELECT count(*) AS retained_originals,
       min(retained) AS first, max(retained) AS last,
       (SELECT pg_size_pretty(retained_bytes) FROM backfill.jobs WHERE name = :'job') AS size
FROM backfill.chunks WHERE job_name = :'job' AND retained IS NOT NULL;
SELECT count(*) FILTER (WHERE c.relispartition) AS guarded_live_partitions,
       count(*) FILTER (WHERE NOT c.relispartition) AS guarded_originals
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE t.tgname = 'backfill_guard_' || (SELECT id FROM backfill.jobs WHERE name = :'job');
SQL
info "To undo the whole job, in one transaction:   SELECT backfill.rollback('$JOB');"
info "Once everyone is happy, drop what it kept:   SELECT backfill.purge('$JOB');"
info "Demo finished in $SECONDS s (the backfill itself: $BACKFILL_SECONDS s)."
