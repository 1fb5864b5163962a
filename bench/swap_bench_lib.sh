# shellcheck shell=bash
# The swap benchmarks' common part (swap_bench.sh, small_partitions_bench.sh):
# the throwaway cluster, the SQL helpers (the table shape and the
# hand-written rebuild to compare with) and the timed runs of each side.
# Source it after bench_lib.sh; the sourcing script sets DURABLE.

# start_bench_cluster [SETTING...]: builds or picks the extension
# (BENCH_BUILD), starts the throwaway cluster in DIR with the benchmark's
# settings and those given, and prints its settings and the load.
start_bench_cluster() {
    BUILD="${BENCH_BUILD:-install}"

    prepare_build
    ensure_user

    section "Throwaway PostgreSQL cluster"
    DIR="$(mktemp -d /tmp/backfill-bench.XXXXXX)"
    PORT="$(free_port 54400)"
    CONF=(
        "shared_buffers = '512MB'"
        "max_wal_size = '4GB'"
        "checkpoint_timeout = '30min'"
        "maintenance_work_mem = '256MB'"
        "shared_preload_libraries = 'pg_stat_statements'"
        "pg_stat_statements.track = 'none'"
        "pg_stat_statements.max = 20000"
        "autovacuum = off"
        "$@"
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
                   'full_page_writes', 'wal_level', 'maintenance_work_mem', 'work_mem',
                   'max_parallel_maintenance_workers', 'autovacuum', 'max_locks_per_transaction')
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
}

# ------------------------------------------------------------------ helpers in SQL
# bench.make_events(name, parts, rows, first_day): the table shape of the
# benchmark, loaded without indexes (faster), keys added afterwards.
# bench.hand_rebuild(parent, source, label): the hand-written rebuild and swap.
create_bench_helpers() {
q <<'SQL'
CREATE EXTENSION backfill;
CREATE EXTENSION pg_prewarm;
CREATE EXTENSION pg_stat_statements;
CREATE SCHEMA bench;

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

-- The hand-written rebuild: per partition, one transaction builds the new
-- table (CREATE ... LIKE, bound CHECK, INSERT ... SELECT, then primary key
-- and index, ANALYZE), and one short transaction swaps it in (lock_timeout,
-- DETACH, renames, ATTACH without a scan thanks to the CHECK, DROP CHECK),
-- retried on lock timeout. The old partition is kept (as backfill does by
-- default, for rollback). Per-step times go to bench.hand_timing.
CREATE TABLE bench.hand_timing (
    label text, part text, rows bigint,
    load_ms numeric, index_ms numeric, analyze_ms numeric, commit_ms numeric,
    swap_ms numeric, tries int
);

CREATE PROCEDURE bench.hand_rebuild(parent regclass, source text, label text)
LANGUAGE plpgsql AS $$
DECLARE
    parts  text[];
    schs   text[];
    bounds text[];
    pkeys  text[];
    idxs   text[];
    sch text; part text; newt text; oldt text; chk text; pk text; idx text;
    lo date; hi date; nrows bigint; tries int;
    t0 timestamptz; t1 timestamptz; t2 timestamptz; t3 timestamptz; t4 timestamptz;
    t_lock timestamptz;
    r_part text[] := '{}'; r_rows bigint[] := '{}'; r_load numeric[] := '{}';
    r_index numeric[] := '{}'; r_analyze numeric[] := '{}'; r_commit numeric[] := '{}';
    r_swap numeric[] := '{}'; r_tries int[] := '{}';
BEGIN
    -- The partitions, their bounds and index names, read once up front.
    SELECT array_agg(c.relname ORDER BY c.relname), array_agg(n.nspname ORDER BY c.relname),
           array_agg(pg_get_expr(c.relpartbound, c.oid) ORDER BY c.relname),
           array_agg((SELECT con.conname FROM pg_constraint con
                      WHERE con.conrelid = c.oid AND con.contype = 'p') ORDER BY c.relname),
           array_agg((SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                      WHERE x.indrelid = c.oid AND NOT x.indisprimary) ORDER BY c.relname)
      INTO parts, schs, bounds, pkeys, idxs
      FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE h.inhparent = parent;
    COMMIT;

    FOR k IN 1 .. array_length(parts, 1) LOOP
        sch := schs[k]; part := parts[k]; pk := pkeys[k]; idx := idxs[k];
        lo := substring(bounds[k] FROM $r$FROM \('([^']+)'\)$r$)::date;
        hi := substring(bounds[k] FROM $r$TO \('([^']+)'\)$r$)::date;
        newt := part || '_new'; oldt := part || '_old_' || label; chk := part || '_bound';

        -- Transaction 1: build.
        t0 := clock_timestamp();
        EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                       sch, newt, sch, part);
        EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I CHECK (day IS NOT NULL AND day >= %L AND day < %L)',
                       sch, newt, chk, lo, hi);
        EXECUTE format('INSERT INTO %I.%I %s', sch, newt, source) USING lo, hi;
        GET DIAGNOSTICS nrows = ROW_COUNT;
        t1 := clock_timestamp();
        EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I PRIMARY KEY (id, day)', sch, newt, newt || '_pkey');
        EXECUTE format('CREATE INDEX %I ON %I.%I (account)', newt || '_account_idx', sch, newt);
        t2 := clock_timestamp();
        EXECUTE format('ANALYZE %I.%I', sch, newt);
        t3 := clock_timestamp();
        COMMIT;
        t4 := clock_timestamp();

        -- Transaction 2: the swap, retried on lock timeout.
        tries := 0;
        LOOP
            tries := tries + 1;
            BEGIN
                PERFORM set_config('lock_timeout', '100ms', true);
                EXECUTE format('LOCK TABLE ONLY %s IN ACCESS EXCLUSIVE MODE', parent);
                t_lock := clock_timestamp();
                EXECUTE format('ALTER TABLE %s DETACH PARTITION %I.%I', parent, sch, part);
                EXECUTE format('ALTER INDEX %I.%I RENAME TO %I', sch, pk, oldt || '_pkey');
                EXECUTE format('ALTER INDEX %I.%I RENAME TO %I', sch, idx, oldt || '_account_idx');
                EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', sch, part, oldt);
                EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', sch, newt, part);
                EXECUTE format('ALTER INDEX %I.%I RENAME TO %I', sch, newt || '_pkey', pk);
                EXECUTE format('ALTER INDEX %I.%I RENAME TO %I', sch, newt || '_account_idx', idx);
                EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
                               parent, sch, part, lo, hi);
                EXECUTE format('ALTER TABLE %I.%I DROP CONSTRAINT %I', sch, part, chk);
                EXIT;
            EXCEPTION WHEN lock_not_available THEN
                PERFORM pg_sleep(0.05 + random() * 0.1);
            END;
        END LOOP;
        COMMIT;

        r_part := r_part || part; r_rows := r_rows || nrows;
        r_load := r_load || round(extract(epoch FROM t1 - t0) * 1000, 1);
        r_index := r_index || round(extract(epoch FROM t2 - t1) * 1000, 1);
        r_analyze := r_analyze || round(extract(epoch FROM t3 - t2) * 1000, 1);
        r_commit := r_commit || round(extract(epoch FROM t4 - t3) * 1000, 1);
        r_swap := r_swap || round(extract(epoch FROM clock_timestamp() - t_lock) * 1000, 3);
        r_tries := r_tries || tries;
    END LOOP;

    INSERT INTO bench.hand_timing
    SELECT label, u.* FROM unnest(r_part, r_rows, r_load, r_index, r_analyze, r_commit, r_swap, r_tries) AS u;
    COMMIT;
END
$$;

-- Results of every timed phase.
CREATE TABLE bench.result (phase text, round int, method text, seconds numeric, note text);
SQL
}


# prepare_phase TABLE: the same starting point for every timed phase:
# everything written so far on disk, the target's heap in shared buffers,
# a quiet machine if it can be had. Prints the machine's busy % just before.
prepare_phase() {
    q -c "CHECKPOINT" -c "SELECT sum(pg_prewarm(inhrelid)) AS blocks_prewarmed FROM pg_inherits WHERE inhparent = 'bench.$1'::regclass" >/dev/null
    sync
    wait_quiet
}

# make_copy NAME PARTS ROWS FIRST_DAY: build and VACUUM ANALYZE one copy.
make_copy() {
    q -c "SET client_min_messages = warning" -c "CALL bench.make_events('$1', $2, $3, '$4')" \
        -c "VACUUM ANALYZE bench.$1"
}

# check_copy NAME: every row recomputed, none lost (untimed).
check_copy() {
    local rows bad
    read -r rows bad < <(qv -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE tax IS DISTINCT FROM round(amount * 0.08, 2)) FROM bench.$1")
    if [ "$bad" != 0 ] || [ "$rows" != "$2" ]; then
        die "bench.$1 after the rebuild: $rows rows (expected $2), $bad with a wrong tax"
    fi
    info "  check bench.$1: $rows rows, all with tax = round(amount * 0.08, 2)"
}

# The CPU time (user + system, in seconds) the session's backend has used
# so far, from /proc/self/stat read by the backend itself: unlike wall time
# it hardly moves when other work competes for the CPUs. (Parallel workers
# of CREATE INDEX are other processes and not counted, on either side.)
CPU_SQL="SELECT round((split_part(s, ' ', 12)::bigint + split_part(s, ' ', 13)::bigint) / 100.0, 2)
         FROM (SELECT substring(pg_read_file('/proc/self/stat') FROM '\\) (.*)\$') AS s) AS x"

# run_ext TABLE JOB: backfill.create + CALL backfill.run; prints its
# seconds, the machine's CPU busy % just before and during the run, the CPU
# seconds its backend used, and the seconds backfill.create alone took.
run_ext() {
    local tbl="$1" job="$2" t0 t1 c0 c1 quiet cpu src
    # $1/$2 are the chunk bounds, filled in by backfill.
    # shellcheck disable=SC2016
    src="SELECT id, day, account, amount, round(amount * 0.08, 2) FROM bench.$tbl WHERE day >= \$1 AND day < \$2"
    quiet="$(prepare_phase "$tbl")"
    c0="$(cpu_sample)"
    t0="$(now)"
    cpu="$(cluster_psql "$DIR" -qAt -v src="$src" -v job="$job" -v tbl="bench.$tbl" -v cpu_sql="$CPU_SQL" <<'SQL'
:cpu_sql \gset cpu0_
SET client_min_messages = warning;
SELECT extract(epoch FROM clock_timestamp()) AS t \gset create0_
SELECT backfill.create(:'job', :'tbl', :'src') AS id \gset
SELECT extract(epoch FROM clock_timestamp()) AS t \gset create1_
CALL backfill.run(:'job');
:cpu_sql \gset cpu1_
SELECT (:cpu1_round - :cpu0_round) || ' ' || round((:create1_t - :create0_t)::numeric, 3);
SQL
)"
    t1="$(now)"
    c1="$(cpu_sample)"
    local state
    # the newest job of that name: a purged one keeps its records
    state="$(qv -c "SELECT state FROM backfill.jobs WHERE name = '$job' ORDER BY id DESC LIMIT 1")"
    [ "$state" = completed ] || die "job $job ended '$state'"
    printf '%s %s %s %s\n' "$(secs "$t0" "$t1")" "$quiet" "$(busy_pct "$c0" "$c1")" "$cpu"
}

# run_hand TABLE LABEL: the hand-written procedure; prints as run_ext.
run_hand() {
    local tbl="$1" label="$2" t0 t1 c0 c1 quiet cpu src
    # shellcheck disable=SC2016
    src="SELECT id, day, account, amount, round(amount * 0.08, 2) FROM bench.$tbl WHERE day >= \$1 AND day < \$2"
    quiet="$(prepare_phase "$tbl")"
    c0="$(cpu_sample)"
    t0="$(now)"
    cpu="$(cluster_psql "$DIR" -qAt -v src="$src" -v label="$label" -v tbl="bench.$tbl" -v cpu_sql="$CPU_SQL" <<'SQL'
:cpu_sql \gset cpu0_
CALL bench.hand_rebuild(:'tbl', :'src', :'label');
:cpu_sql \gset cpu1_
SELECT :cpu1_round - :cpu0_round;
SQL
)"
    t1="$(now)"
    c1="$(cpu_sample)"
    printf '%s %s %s %s\n' "$(secs "$t0" "$t1")" "$quiet" "$(busy_pct "$c0" "$c1")" "$cpu"
}

# print_step_profile CHUNKS: the statements in bench.prof (pg_stat_statements
# rows of one run each way, method 'ext' and 'hand', track = all) summed by
# step, in ms per chunk, with the calls of each side.
print_step_profile() {
    q -v pp="$1" <<'SQL'
WITH s AS (
    SELECT method, calls, ms,
           CASE
               WHEN toplevel AND query ~* '^CALL' THEN '0 the CALL (total)'
               WHEN toplevel THEN NULL
               WHEN query ~* 'bench\.hand_timing' THEN '8 bookkeeping (backfill.*; hand: its timing row)'
               WHEN query ~* '^INSERT INTO bench\.' THEN '1 load: INSERT ... SELECT'
               WHEN query ~* 'PRIMARY KEY' THEN '2 primary key'
               WHEN query ~* '^CREATE INDEX' THEN '3 index (account)'
               WHEN query ~* '^ANALYZE' THEN '4 ANALYZE'
               WHEN query ~* '^SELECT count\(\*\) FROM bench' THEN '5 count(*) of the live partition'
               WHEN query ~* '(DETACH|ATTACH|RENAME|DROP CONSTRAINT|LOCK TABLE)' THEN '6 swap DDL'
               WHEN query ~* '^(CREATE TABLE|ALTER TABLE .* CHECK|CREATE TRIGGER|DROP TRIGGER|DROP TABLE)' THEN '7 other DDL (create, CHECK, triggers)'
               WHEN query ~* 'backfill\.' THEN '8 bookkeeping (backfill.*; hand: its timing row)'
               ELSE '9 catalog look-ups and other'
           END AS step
    FROM bench.prof
),
steps AS (
    SELECT step,
           round((sum(ms) FILTER (WHERE method = 'ext') / :pp)::numeric, 1) AS backfill_ms,
           round((sum(ms) FILTER (WHERE method = 'hand') / :pp)::numeric, 1) AS hand_ms,
           coalesce(sum(calls) FILTER (WHERE method = 'ext'), 0) AS backfill_calls,
           coalesce(sum(calls) FILTER (WHERE method = 'hand'), 0) AS hand_calls
    FROM s WHERE step IS NOT NULL GROUP BY step
)
SELECT * FROM steps
UNION ALL
SELECT 'outside statements',
       (SELECT backfill_ms FROM steps WHERE step LIKE '0%') - sum(backfill_ms) FILTER (WHERE step NOT LIKE '0%'),
       (SELECT hand_ms FROM steps WHERE step LIKE '0%') - sum(hand_ms) FILTER (WHERE step NOT LIKE '0%'),
       NULL, NULL
FROM steps
ORDER BY 1;
SQL
}
