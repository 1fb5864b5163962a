#!/usr/bin/env bash
# Upgrade test (layer "upgrade" of scripts/test.sh). The project rule: every
# schema change ships in the upgrade script from the last release, and this
# test proves it: an updated install equals a fresh one, and a job half done
# before the update finishes after it.
#
# scripts/test.sh calls it in three places, while it holds its lock on the
# PostgreSQL installation (the extension is installed into it):
#
#   upgrade_test.sh old STATE      before the build layer: build the last
#                                  release from git ($RELEASE_COMMIT) and install
#                                  it, start a cluster in STATE/cluster, half-run
#                                  a job as an ordinary role, stop the cluster
#   upgrade_test.sh new STATE      after the build layer installed the current
#                                  tree: start the same cluster, ALTER EXTENSION
#                                  UPDATE, finish the job, roll it back, purge
#                                  it, then compare the updated schema with a
#                                  fresh CREATE EXTENSION in a second database
#   upgrade_test.sh restore STATE  put back the install that `old` replaced
#                                  (test.sh calls it when the current tree was
#                                  not installed, so the release never stays)
#
# STATE is a directory test.sh made for it. Exits non-zero on any failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
. "$HERE/../../scripts/lib.sh"

# The last release and what it is called. When the next release is cut, point
# these at it (and keep its install script unedited).
RELEASE_COMMIT=43b1a50
RELEASE_VERSION=0.1.0

ROLE=bf_upgrade_owner   # ordinary LOGIN role that owns the table and the jobs
DB_UPDATED=bf_upgraded  # installed with the release, then ALTER EXTENSION UPDATE
DB_FRESH=bf_fresh       # CREATE EXTENSION of the current version

[ "$#" -eq 2 ] || die "usage: $0 old|new|restore STATE_DIR (run it through BF_LAYERS=upgrade scripts/test.sh)"
PHASE="$1"
STATE="$2"
[ -d "$STATE" ] || die "state directory $STATE does not exist"
[ "$(id -u)" -eq 0 ] || die "$0 must run as root, from scripts/test.sh"
[ "${BF_TEST_LOCKED:-}" = 1 ] ||
    die "$0 installs into the machine's PostgreSQL: run it through scripts/test.sh (BF_LAYERS=upgrade), which holds the test lock"

BINDIR="$(pg_bindir)"
PKGLIBDIR="$(pg_pkglibdir)"
EXTDIR="$("$PG_CONFIG" --sharedir)/extension"
JOBS="$(nproc)"
CL="$STATE/cluster"
FAILS="$STATE/failures"

# ------------------------------------------------------------------ helpers

# psql_db USER DB [psql args...]: psql as USER into DB on the test cluster.
psql_db() {
    local user="$1" db="$2"
    shift 2
    as_user "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -P pager=off \
        -h "$CL/sock" -p "$(cluster_port "$CL")" -U "$user" -d "$db" "$@"
}
# su_sql DB SQL / role_sql DB SQL: one statement, unaligned tuples only.
su_sql() { psql_db "$BF_USER" "$1" -At -c "$2"; }
role_sql() { psql_db "$ROLE" "$1" -At -c "$2"; }

# check WHAT GOT WANT: a soft assertion; failures are listed at the end.
check() {
    if [ "$2" == "$3" ]; then
        ok_msg "ok   $1"
    else
        fail_msg "FAIL $1"
        printf '       got:  %s\n       want: %s\n' "$2" "$3"
        printf '%s\n' "$1" >>"$FAILS"
    fi
}
note_fail() {
    fail_msg "FAIL $1"
    printf '%s\n' "$1" >>"$FAILS"
}

# Checksums of the two targets: rows, and which partition holds each.
READINGS_SUM="SELECT count(*) || ' rows, md5 ' || md5(string_agg(format('%s|%s|%s|%s|%s|%s',
    tableoid::regclass, id, day, sensor, value, corrected), ',' ORDER BY id, day))
    FROM app.readings"
EVENTS_SUM="SELECT count(*) || ' rows, md5 ' || md5(string_agg(format('%s|%s|%s|%s|%s',
    tableoid::regclass, id, day, kind, score), ',' ORDER BY id, day))
    FROM app.events"

on_exit() {
    local rc=$?
    if [ -f "$CL/data/postmaster.pid" ]; then
        if [ "$rc" -ne 0 ]; then cluster_log_tail "$CL" 40; fi
        stop_cluster "$CL"
    fi
    exit "$rc"
}

# The files of an installed backfill (shared library, control file, scripts).
installed_files() {
    local f
    for f in "$PKGLIBDIR/backfill.so" "$EXTDIR/backfill.control" "$EXTDIR"/backfill--*.sql; do
        if [ -e "$f" ]; then printf '%s\n' "$f"; fi
    done
}

# ------------------------------------------------------------------ old
phase_old() {
    chmod 0755 "$STATE" # the cluster directory inside must be reachable by $BF_USER
    : >"$FAILS"

    section "Upgrade 1/2: release $RELEASE_VERSION from git ($RELEASE_COMMIT)"
    local err
    if ! err="$(git -C "$BF_ROOT" rev-parse --git-dir 2>&1)"; then
        die "upgrade layer: $BF_ROOT is not a usable git checkout ($err). The upgrade test builds release $RELEASE_VERSION from the history (commit $RELEASE_COMMIT): run the tests in a git clone of backfill with its full history."
    fi
    if ! git -C "$BF_ROOT" cat-file -e "$RELEASE_COMMIT^{commit}" 2>/dev/null; then
        local hint="fetch the full history (git fetch --tags origin)"
        if [ "$(git -C "$BF_ROOT" rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
            hint="this is a shallow clone: git fetch --unshallow"
        fi
        die "upgrade layer: commit $RELEASE_COMMIT (release $RELEASE_VERSION) is not in this checkout's history; $hint. The upgrade test cannot run without it."
    fi
    if ! git -C "$BF_ROOT" show "$RELEASE_COMMIT:sql/backfill--$RELEASE_VERSION.sql" |
        cmp -s - "$BF_ROOT/sql/backfill--$RELEASE_VERSION.sql"; then
        die "upgrade layer: sql/backfill--$RELEASE_VERSION.sql differs from the released file at $RELEASE_COMMIT; a released install script is never edited (put the change in the upgrade script)"
    fi
    info "release $RELEASE_VERSION = $(git -C "$BF_ROOT" log -1 --format='%h %s' "$RELEASE_COMMIT")"

    # What is installed now, so that `restore` can put it back.
    local saved="$STATE/saved-install"
    rm -rf "$saved"
    mkdir -p "$saved/lib" "$saved/extension"
    local f
    while read -r f; do
        case "$f" in
            "$PKGLIBDIR"/*) cp -p "$f" "$saved/lib/" ;;
            *) cp -p "$f" "$saved/extension/" ;;
        esac
    done < <(installed_files)

    # Build it outside the checkout. -O0: this build only has to behave like
    # the release, and it compiles in half the time of -O2.
    local tree="$STATE/release-$RELEASE_VERSION" log="$STATE/release-build.log"
    rm -rf "$tree"
    mkdir -p "$tree"
    git -C "$BF_ROOT" archive "$RELEASE_COMMIT" | tar -C "$tree" -xf -
    info "building $tree (log: $log)"
    if ! make -C "$tree" PG_CONFIG="$PG_CONFIG" CXXFLAGS="-O0 -g0" -j"$JOBS" >"$log" 2>&1; then
        tail -n 40 "$log"
        die "upgrade layer: release $RELEASE_VERSION does not build (see $log)"
    fi
    # From here on the machine's install is the release's until test.sh
    # installs the current tree (or calls `restore`).
    touch "$STATE/release-installed"
    while read -r f; do rm -f "$f"; done < <(installed_files)
    if ! make -C "$tree" PG_CONFIG="$PG_CONFIG" install >>"$log" 2>&1; then
        tail -n 40 "$log"
        die "upgrade layer: make install of release $RELEASE_VERSION failed (see $log)"
    fi
    rm -rf "$tree"
    info "installed release $RELEASE_VERSION: $(installed_files | xargs -n1 basename | tr '\n' ' ')"

    section "Upgrade 1/2: a job half done with release $RELEASE_VERSION"
    trap on_exit EXIT
    start_cluster "$CL" "$(free_port 54360)" "max_worker_processes = 16"
    info "cluster up: $CL (port $(cluster_port "$CL"))"

    su_sql postgres "CREATE ROLE $ROLE LOGIN" >/dev/null
    su_sql postgres "CREATE DATABASE $DB_UPDATED" >/dev/null
    psql_db "$BF_USER" "$DB_UPDATED" \
        -c "CREATE SCHEMA app AUTHORIZATION $ROLE" \
        -c "CREATE EXTENSION backfill VERSION '$RELEASE_VERSION'" \
        -c "CREATE SCHEMA upgrade_check" \
        -c "CREATE TABLE upgrade_check.checksum (at text PRIMARY KEY, readings text, events text)" \
        -c "CREATE TABLE upgrade_check.rel (what text PRIMARY KEY, rel oid NOT NULL)"
    check "CREATE EXTENSION backfill VERSION '$RELEASE_VERSION'" \
        "$(su_sql "$DB_UPDATED" "SELECT extversion FROM pg_extension WHERE extname = 'backfill'")" \
        "$RELEASE_VERSION"

    info "as role $ROLE: tables, rows and two jobs (test/upgrade/tenant_setup.sql)"
    psql_db "$ROLE" "$DB_UPDATED" -f - <"$HERE/tenant_setup.sql" >/dev/null
    # The partitions as they are before any chunk ran: the ones published
    # chunks must keep (retained) and roll back to.
    psql_db "$BF_USER" "$DB_UPDATED" -c "
        INSERT INTO upgrade_check.checksum VALUES ('original', ($READINGS_SUM), ($EVENTS_SUM));
        INSERT INTO upgrade_check.rel
        SELECT 'original ' || p.relname, p.oid
        FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid
        WHERE i.inhparent IN ('app.readings'::regclass, 'app.events'::regclass)"

    info "as role $ROLE: CALL backfill.run('upgrade-fix', 3), CALL backfill.run('upgrade-manual')"
    psql_db "$ROLE" "$DB_UPDATED" -c "CALL backfill.run('upgrade-fix', 3)"
    psql_db "$ROLE" "$DB_UPDATED" -c "CALL backfill.run('upgrade-manual')"

    check "upgrade-fix: chunks 1-3 published, 4-6 pending" \
        "$(role_sql "$DB_UPDATED" "SELECT string_agg(state, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'upgrade-fix'")" \
        "published,published,published,pending,pending,pending"
    check "upgrade-manual: every chunk built, none published" \
        "$(role_sql "$DB_UPDATED" "SELECT string_agg(state, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'upgrade-manual'")" \
        "built,built,built"
    info "jobs before the update: $(role_sql "$DB_UPDATED" "SELECT string_agg(name || ' ' || state || ' ' || chunks_done || '/' || chunks_total, '; ' ORDER BY name) FROM backfill.jobs")"
    psql_db "$BF_USER" "$DB_UPDATED" -c "
        INSERT INTO upgrade_check.checksum VALUES ('half done', ($READINGS_SUM), ($EVENTS_SUM));
        INSERT INTO upgrade_check.rel
        SELECT 'half done ' || p.relname, p.oid
        FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid
        WHERE i.inhparent IN ('app.readings'::regclass, 'app.events'::regclass)"
    info "app.readings half done: $(su_sql "$DB_UPDATED" "SELECT readings FROM upgrade_check.checksum WHERE at = 'half done'")"

    stop_cluster "$CL"
    trap - EXIT
    if [ -s "$FAILS" ]; then
        die "upgrade layer: the release's half-done job is not as expected (see above)"
    fi
    touch "$STATE/old.done"
    ok_msg "release $RELEASE_VERSION: job half done, cluster stopped (part 1 took $SECONDS s)"
}

# ------------------------------------------------------------------ new

# restart_cluster: start the cluster `old` made again (on another port if
# its port was taken meanwhile).
restart_cluster() {
    local port
    port="$(cluster_port "$CL")"
    if _bf_port_in_use "$port"; then
        port="$(free_port 54360)"
        printf 'port = %s\n' "$port" | as_user tee -a "$CL/data/postgresql.conf" >/dev/null
        printf '%s\n' "$port" | as_user tee "$CL/port" >/dev/null
    fi
    if ! as_user "$BINDIR/pg_ctl" -D "$CL/data" -l "$CL/log/postgresql.log" -w -t 60 start >/dev/null; then
        cluster_log_tail "$CL" 40
        die "upgrade layer: the release's cluster does not start again ($CL)"
    fi
}

# The half-done job finishes after the update, rolls back to the original
# rows and purges; the manual job publishes the chunks the release built.
# Runs in a subshell with -e: an error stops it, not the schema comparison.
finish_jobs() {
    local db="$DB_UPDATED"

    info "as role $ROLE: CALL backfill.run('upgrade-fix')"
    psql_db "$ROLE" "$db" -c "CALL backfill.run('upgrade-fix')"
    check "upgrade-fix: job completed" \
        "$(role_sql "$db" "SELECT state FROM backfill.jobs WHERE name = 'upgrade-fix'")" "completed"
    check "upgrade-fix: every chunk published" \
        "$(role_sql "$db" "SELECT string_agg(state, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'upgrade-fix'")" \
        "published,published,published,published,published,published"
    check "upgrade-fix: rows and sum(corrected) per partition are what the source produces" \
        "$(su_sql "$db" "SELECT string_agg(format('%s=%s/%s', p, n, s), ' ' ORDER BY p)
             FROM (SELECT tableoid::regclass::text AS p, count(*) AS n, sum(corrected) AS s
                   FROM app.readings GROUP BY 1) x")" \
        "$(su_sql "$db" "SELECT string_agg(format('%s=%s/%s', p, n, s), ' ' ORDER BY p)
             FROM (SELECT 'app.readings_' || to_char(day, 'YYYYMMDD') AS p, count(*) AS n,
                          sum(corrected) AS s
                   FROM app.readings_expected GROUP BY 1) x")"
    check "upgrade-fix: no row lost, duplicated or left uncorrected (both EXCEPT ALL empty)" \
        "$(su_sql "$db" "SELECT count(*) FROM (
             (TABLE app.readings_expected
              EXCEPT ALL SELECT id, day, sensor, value, corrected FROM app.readings)
             UNION ALL
             (SELECT id, day, sensor, value, corrected FROM app.readings
              EXCEPT ALL TABLE app.readings_expected)) d")" "0"
    check "upgrade-fix: every partition kept its primary key and index" \
        "$(su_sql "$db" "SELECT count(*) FROM pg_inherits i JOIN pg_index x ON x.indrelid = i.inhrelid
             WHERE i.inhparent = 'app.readings'::regclass")" "12"

    info "as role $ROLE: SELECT backfill.rollback('upgrade-fix')"
    check "upgrade-fix: rollback restores 6 partitions" \
        "$(role_sql "$db" "SELECT backfill.rollback('upgrade-fix')")" "6"
    check "upgrade-fix: job rolled_back" \
        "$(role_sql "$db" "SELECT state FROM backfill.jobs WHERE name = 'upgrade-fix'")" "rolled_back"
    check "upgrade-fix: rollback brought back the original rows (checksum)" \
        "$(su_sql "$db" "$READINGS_SUM")" \
        "$(su_sql "$db" "SELECT readings FROM upgrade_check.checksum WHERE at = 'original'")"
    check "upgrade-fix: rollback brought back the original partitions (OIDs)" \
        "$(su_sql "$db" "SELECT string_agg(p.relname || '=' || (p.oid = o.rel), ' ' ORDER BY p.relname)
             FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid
             LEFT JOIN upgrade_check.rel o ON o.what = 'original ' || p.relname
             WHERE i.inhparent = 'app.readings'::regclass")" \
        "readings_20240101=true readings_20240102=true readings_20240103=true readings_20240104=true readings_20240105=true readings_20240106=true"

    info "as role $ROLE: SELECT backfill.purge('upgrade-fix')"
    check "upgrade-fix: purge drops the 6 rebuilt tables rollback took out" \
        "$(role_sql "$db" "SELECT backfill.purge('upgrade-fix')")" "6"
    check "upgrade-fix: after purge no table but the partitioned table, its 6 partitions and the expected rows" \
        "$(su_sql "$db" "SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class
             WHERE relnamespace = 'app'::regnamespace AND relkind IN ('r', 'p')
               AND relname LIKE 'readings%'")" \
        "readings readings_20240101 readings_20240102 readings_20240103 readings_20240104 readings_20240105 readings_20240106 readings_expected"
    check "upgrade-fix: after purge no guard trigger is left" \
        "$(su_sql "$db" "SELECT count(*) FROM pg_trigger WHERE tgfoid = 'backfill._guard'::regproc
             AND tgrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'app.readings'::regclass)")" "0"
    check "upgrade-fix: rows still the original ones after purge" \
        "$(su_sql "$db" "$READINGS_SUM")" \
        "$(su_sql "$db" "SELECT readings FROM upgrade_check.checksum WHERE at = 'original'")"

    info "as role $ROLE: SELECT backfill.publish('upgrade-manual') (chunks the release built)"
    check "upgrade-manual: publish publishes the 3 built chunks" \
        "$(role_sql "$db" "SELECT backfill.publish('upgrade-manual')")" "3"
    check "upgrade-manual: job completed" \
        "$(role_sql "$db" "SELECT state FROM backfill.jobs WHERE name = 'upgrade-manual'")" "completed"
    check "upgrade-manual: rows are what the source produced (both EXCEPT ALL empty)" \
        "$(su_sql "$db" "SELECT count(*) FROM (
             (TABLE app.events_expected EXCEPT ALL SELECT id, day, kind, score FROM app.events)
             UNION ALL
             (SELECT id, day, kind, score FROM app.events EXCEPT ALL TABLE app.events_expected)) d")" "0"
}

phase_new() {
    [ -f "$STATE/old.done" ] || die "upgrade layer: part 1 (the release's half-done job) did not complete"
    local new_version
    new_version="$(sed -n "s/^default_version *= *'\(.*\)'.*/\1/p" "$BF_ROOT/backfill.control")"
    [ -n "$new_version" ] || die "upgrade layer: no default_version in backfill.control"

    section "Upgrade 2/2: ALTER EXTENSION backfill UPDATE ($RELEASE_VERSION -> $new_version)"
    trap on_exit EXIT
    restart_cluster
    info "cluster up again: $CL (port $(cluster_port "$CL"))"
    local db="$DB_UPDATED"
    check "the current tree is installed (default_version $new_version)" \
        "$(su_sql "$db" "SELECT default_version FROM pg_available_extensions WHERE name = 'backfill'")" \
        "$new_version"
    if ! psql_db "$BF_USER" "$db" -c "ALTER EXTENSION backfill UPDATE"; then
        die "upgrade layer: ALTER EXTENSION backfill UPDATE failed (see above)"
    fi
    check "extversion after ALTER EXTENSION backfill UPDATE" \
        "$(su_sql "$db" "SELECT extversion FROM pg_extension WHERE extname = 'backfill'")" "$new_version"
    check "the update changes no row of the targets" \
        "$(su_sql "$db" "SELECT ($READINGS_SUM) || ' / ' || ($EVENTS_SUM)")" \
        "$(su_sql "$db" "SELECT readings || ' / ' || events FROM upgrade_check.checksum WHERE at = 'half done'")"

    # What the chunks the release recorded must point at, from the OIDs seen
    # before the update: a published chunk guards the partition now attached
    # and retains the original; a pending one guards the original; a built one
    # has a shadow that is no partition.
    check "upgrade-fix: OIDs of the release's chunks (live, shadow, retained)" \
        "$(su_sql "$db" "SELECT string_agg(format('%s:%s/%s/%s', c.chunk_no,
                   CASE WHEN c.live_oid = h.rel THEN 'attached' WHEN c.live_oid IS NULL THEN '-' ELSE 'WRONG' END,
                   CASE WHEN c.shadow_oid IS NULL THEN '-' ELSE 'WRONG' END,
                   CASE WHEN c.retained_oid = o.rel THEN 'original' WHEN c.retained_oid IS NULL THEN '-' ELSE 'WRONG' END),
                   ' ' ORDER BY c.chunk_no)
             FROM backfill.chunk c JOIN backfill.job j ON j.id = c.job_id
             LEFT JOIN upgrade_check.rel o ON o.what = 'original ' || c.part_name
             LEFT JOIN upgrade_check.rel h ON h.what = 'half done ' || c.part_name
             WHERE j.name = 'upgrade-fix'")" \
        "1:attached/-/original 2:attached/-/original 3:attached/-/original 4:attached/-/- 5:attached/-/- 6:attached/-/-"
    check "upgrade-manual: OIDs of the release's built chunks (live, shadow, retained)" \
        "$(su_sql "$db" "SELECT string_agg(format('%s:%s/%s/%s', c.chunk_no,
                   CASE WHEN c.live_oid = o.rel THEN 'attached' WHEN c.live_oid IS NULL THEN '-' ELSE 'WRONG' END,
                   CASE WHEN c.shadow_oid IS NULL THEN '-'
                        WHEN s.relispartition OR s.relnamespace <> 'app'::regnamespace THEN 'WRONG'
                        ELSE 'table' END,
                   CASE WHEN c.retained_oid IS NULL THEN '-' ELSE 'WRONG' END),
                   ' ' ORDER BY c.chunk_no)
             FROM backfill.chunk c JOIN backfill.job j ON j.id = c.job_id
             LEFT JOIN upgrade_check.rel o ON o.what = 'original ' || c.part_name
             LEFT JOIN pg_class s ON s.oid = c.shadow_oid
             WHERE j.name = 'upgrade-manual'")" \
        "1:attached/table/- 2:attached/table/- 3:attached/table/-"

    section "Upgrade 2/2: the half-done job finishes, rolls back and purges"
    set +e
    (
        set -e
        finish_jobs
    )
    local rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        note_fail "the jobs started with release $RELEASE_VERSION stopped at an error after the update (see above)"
    fi

    section "Upgrade 2/2: updated install vs fresh CREATE EXTENSION ($new_version)"
    su_sql postgres "CREATE DATABASE $DB_FRESH" >/dev/null
    psql_db "$BF_USER" "$DB_FRESH" -c "CREATE EXTENSION backfill"
    check "fresh install's extversion" \
        "$(su_sql "$DB_FRESH" "SELECT extversion FROM pg_extension WHERE extname = 'backfill'")" "$new_version"
    local snap_upd="$STATE/catalog-updated.txt" snap_fresh="$STATE/catalog-fresh.txt"
    psql_db "$BF_USER" "$db" -f - <"$HERE/catalog_snapshot.sql" >"$snap_upd"
    psql_db "$BF_USER" "$DB_FRESH" -f - <"$HERE/catalog_snapshot.sql" >"$snap_fresh"
    # The snapshot must have seen the extension, or two empty files agree.
    local members
    members="$(awk '/^==== extension members/{f=1; next} /^====/{f=0} f' "$snap_fresh" | wc -l)"
    if [ "$members" -lt 20 ] || ! grep -q '^---- backfill.run(text,integer)$' "$snap_fresh"; then
        note_fail "catalog snapshot of the fresh install lists $members extension members and no backfill.run: the snapshot query is broken"
    fi
    if diff -u --label "updated from $RELEASE_VERSION ($db)" --label "fresh $new_version ($DB_FRESH)" \
        "$snap_upd" "$snap_fresh" >"$STATE/catalog.diff"; then
        ok_msg "ok   updated and fresh schema identical ($(wc -l <"$snap_fresh") lines of catalog, $members extension members)"
    else
        cat "$STATE/catalog.diff"
        note_fail "updated and fresh schema differ (diff above; snapshots in $snap_upd and $snap_fresh)"
    fi

    stop_cluster "$CL"
    trap - EXIT
    if [ -s "$FAILS" ]; then
        section "Upgrade test failures"
        fail_msg "$(sed 's/^/  - /' "$FAILS")"
        exit 1
    fi
    ok_msg "upgrade $RELEASE_VERSION -> $new_version: job finished, rolled back and purged; schema equals a fresh install (part 2 took $SECONDS s)"
}

# ------------------------------------------------------------------ restore
phase_restore() {
    [ -f "$STATE/release-installed" ] || return 0
    local saved="$STATE/saved-install" f n=0
    [ -d "$saved" ] || die "upgrade layer: nothing saved in $saved to restore"
    while read -r f; do rm -f "$f"; done < <(installed_files)
    for f in "$saved"/lib/* "$saved"/extension/*; do
        [ -e "$f" ] || continue
        if [ "$(dirname "$f")" = "$saved/lib" ]; then cp -p "$f" "$PKGLIBDIR/"; else cp -p "$f" "$EXTDIR/"; fi
        n=$((n + 1))
    done
    rm -f "$STATE/release-installed"
    warn "upgrade layer: the current tree was not installed; put back the install from before the test ($n files)"
}

case "$PHASE" in
    old) phase_old ;;
    new) phase_new ;;
    restore) phase_restore ;;
    *) die "usage: $0 old|new|restore STATE_DIR" ;;
esac
