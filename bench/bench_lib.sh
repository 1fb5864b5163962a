# shellcheck shell=bash
# What the benchmark scripts share: psql and timing helpers, and building
# the extension to measure, the cleanup at exit. Source it after
# scripts/lib.sh; the sourcing script sets BUILD, DIR and PRIV.

# bench_cleanup: the EXIT trap of every benchmark. Stops the throwaway
# cluster in $DIR (left running with BENCH_KEEP=1; its files and log kept
# when the run failed) and removes the private PostgreSQL copy $PRIV,
# unless a cluster still runs on it.
bench_cleanup() {
    local rc=$?
    if [ -n "$DIR" ]; then
        if [ "${BENCH_KEEP:-0}" = 1 ]; then
            section "Cluster left running (BENCH_KEEP=1)"
            info "  connect: runuser -u $BF_USER -- $(pg_bindir)/psql -h $DIR/sock -p $(cluster_port "$DIR") -d postgres"
            info "  stop:    runuser -u $BF_USER -- $(pg_bindir)/pg_ctl -D $DIR/data stop && rm -rf $DIR"
        else
            stop_cluster "$DIR"
            if [ "$rc" -eq 0 ]; then
                rm -rf "$DIR"
            else
                cluster_log_tail "$DIR" 30 || true
                info "Cluster stopped; its files and log are kept in $DIR"
            fi
        fi
    fi
    if [ -n "$PRIV" ] && [ -d "$PRIV" ] && [ "${BENCH_KEEP:-0}" != 1 ]; then
        rm -rf "$PRIV"
    fi
    exit "$rc"
}

# psql helpers: q prints aligned output, qv returns unaligned values.
q() { cluster_psql "$DIR" -q "$@"; }
qv() { cluster_psql "$DIR" -qAt "$@"; }
now() { printf '%s\n' "$EPOCHREALTIME"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# cpu_sample: "busy total" CPU jiffies of the whole machine, from /proc/stat.
cpu_sample() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; }
# busy_pct "B0 T0" "B1 T1": percent of the machine's CPU time that was busy.
busy_pct() {
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
        d = y[2] - x[2]; p = 0; if (d > 0) p = 100 * (y[1] - x[1]) / d; printf "%d\n", p }'
}

# wait_quiet: other work shares this machine (tests of other sessions).
# Before a timed phase, wait (up to BENCH_QUIET_WAIT seconds, default 60)
# for a second in which less than BENCH_QUIET_PCT (default 25) percent of
# the machine's CPU is busy; prints the last figure.
wait_quiet() {
    local limit="${BENCH_QUIET_WAIT:-60}" pct="${BENCH_QUIET_PCT:-25}" waited=0 a b busy
    while :; do
        a="$(cpu_sample)"
        sleep 1
        b="$(cpu_sample)"
        busy="$(busy_pct "$a" "$b")"
        if [ "$busy" -lt "$pct" ] || [ "$waited" -ge "$limit" ]; then
            break
        fi
        waited=$((waited + 1))
    done
    printf '%s\n' "$busy"
}

# private_install REF: build REF of this repository outside the working tree
# and install it into $PRIV, a copy of the PostgreSQL installation (binaries
# copied, lib and share as symlinks) that finds its lib and share directories
# relative to its own binaries; PG_CONFIG then points into it.
private_install() {
    local ref="$1" src sys_bin sys_lib sys_share log
    PRIV="$(mktemp -d /tmp/backfill-bench-pg.XXXXXX)"
    chmod 0755 "$PRIV"
    src="$PRIV/src"
    mkdir -p "$src"
    git -C "$BF_ROOT" archive "$ref" | tar -x -C "$src"
    sys_bin="$("$PG_CONFIG" --bindir)"
    sys_lib="$("$PG_CONFIG" --pkglibdir)"
    sys_share="$("$PG_CONFIG" --sharedir)"
    mkdir -p "$PRIV$sys_bin" "$(dirname "$PRIV$sys_lib")" "$(dirname "$PRIV$sys_share")"
    cp -a "$sys_bin/." "$PRIV$sys_bin/"
    cp -as "$sys_lib" "$PRIV$sys_lib"
    cp -as "$sys_share" "$PRIV$sys_share"
    # never write through a symlink into the shared installation
    rm -f "$PRIV$sys_lib"/backfill.so "$PRIV$sys_share"/extension/backfill[.-]*
    log="$PRIV/build.log"
    if (cd "$src" && make PG_CONFIG="$PG_CONFIG" -j"$(nproc)" && make PG_CONFIG="$PG_CONFIG" DESTDIR="$PRIV" install) >"$log" 2>&1; then
        info "built $(git -C "$BF_ROOT" rev-parse --short "$ref") ($(git -C "$BF_ROOT" log -1 --format=%s "$ref" | cut -c1-60)) into $PRIV"
    else
        cat "$log"
        die "build of $ref failed (log: $log)"
    fi
    PG_CONFIG="$PRIV$sys_bin/pg_config"
    export PG_CONFIG
    [ "$("$PG_CONFIG" --pkglibdir)" = "$PRIV$sys_lib" ] ||
        die "the private copy of PostgreSQL does not find its own lib directory"
}

# prepare_build: installs dependencies and the extension to measure, as
# BENCH_BUILD says: install (the working tree, installed), head (the last
# commit, into a private copy of PostgreSQL, leaving the installed
# extension alone) or none (what is installed).
prepare_build() {
    case "$BUILD" in
        install)
            section "Dependencies"
            scripts/install-deps.sh
            ensure_user
            section "Build and install the extension"
            BUILD_LOG="$(mktemp /tmp/backfill-bench-build.XXXXXX.log)"
            if make PG_CONFIG="$PG_CONFIG" -j"$(nproc)" >"$BUILD_LOG" 2>&1 &&
                make PG_CONFIG="$PG_CONFIG" install >>"$BUILD_LOG" 2>&1; then
                rm -f "$BUILD_LOG"
                info "built and installed into $("$PG_CONFIG" --pkglibdir)"
            else
                cat "$BUILD_LOG"
                die "build failed (log: $BUILD_LOG)"
            fi
            ;;
        head)
            section "Dependencies"
            scripts/install-deps.sh
            ensure_user
            section "Build ${BENCH_REF:-HEAD} into a private copy of PostgreSQL"
            private_install "${BENCH_REF:-HEAD}"
            ;;
        none) ;;
        *) die "BENCH_BUILD must be install, head or none (not '$BUILD')" ;;
    esac
}
