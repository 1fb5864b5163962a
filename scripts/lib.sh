# shellcheck shell=bash
# Shared shell functions for the backfill scripts. Source it from a bash
# script that runs with `set -euo pipefail`:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# PostgreSQL refuses to run as root, so every cluster these scripts start runs
# as the unprivileged system user $BF_USER (default "bfrunner"), through
# `runuser`. Clusters are throwaway: own directory, own port, a unix socket in
# that directory plus 127.0.0.1. They never touch the distribution's "main"
# cluster.

BF_USER="${BACKFILL_USER:-bfrunner}"
BF_HOME="${BACKFILL_HOME:-/var/lib/bfrunner}"
# Pin PostgreSQL 15 even if other server versions are installed; /usr/bin/pg_config
# is postgresql-common's wrapper and follows the newest server-dev package.
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
export PG_CONFIG

BF_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC2034  # used by the scripts that source this file
BF_ROOT="$(cd "$BF_LIB_DIR/.." && pwd)"

# ---------------------------------------------------------------- output

if [ -t 1 ]; then
    _bf_bold=$'\e[1m' _bf_red=$'\e[31m' _bf_green=$'\e[32m' _bf_yellow=$'\e[33m' _bf_off=$'\e[0m'
else
    _bf_bold='' _bf_red='' _bf_green='' _bf_yellow='' _bf_off=''
fi

# section TITLE: a visible header
section() {
    printf '\n%s==== %s ====%s\n' "$_bf_bold" "$*" "$_bf_off"
}

info() { printf '%s\n' "$*"; }
warn() { printf '%sWARNING:%s %s\n' "$_bf_yellow" "$_bf_off" "$*" >&2; }
die() {
    printf '%sERROR:%s %s\n' "$_bf_red" "$_bf_off" "$*" >&2
    exit 1
}
ok_msg() { printf '%s%s%s\n' "$_bf_green" "$*" "$_bf_off"; }
fail_msg() { printf '%s%s%s\n' "$_bf_red" "$*" "$_bf_off"; }

# ---------------------------------------------------------------- privileges

# require_root "$0" "$@": re-exec the calling script through sudo when not
# root (installing packages, `make install` and `runuser` all need root).
require_root() {
    if [ "$(id -u)" -eq 0 ]; then
        return 0
    fi
    local script="$1"
    shift
    if command -v sudo >/dev/null 2>&1; then
        info "Not root: re-running $script through sudo." >&2
        exec sudo --preserve-env=PG_CONFIG,BACKFILL_USER,BACKFILL_HOME,BACKFILL_DEMO_KEEP,BACKFILL_REGRESS_PRELOAD \
            bash "$script" "$@"
    fi
    die "$script must run as root (it installs packages and starts PostgreSQL as user '$BF_USER'), and sudo is not available. Run it as root."
}

# ---------------------------------------------------------------- postgres binaries

pg_bindir() { "$PG_CONFIG" --bindir; }
pg_pkglibdir() { "$PG_CONFIG" --pkglibdir; }

# ensure_user: create the unprivileged system user that runs the clusters.
ensure_user() {
    if id -u "$BF_USER" >/dev/null 2>&1; then
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || die "user '$BF_USER' does not exist and only root can create it"
    useradd --system --user-group --create-home --home-dir "$BF_HOME" \
        --shell /bin/bash --comment "backfill test clusters" "$BF_USER"
    info "Created system user '$BF_USER' (home $BF_HOME)."
}

# as_user CMD...: run CMD as $BF_USER. Runs from / unless BF_CWD names a
# directory, because the caller's cwd (for example a clone under /root) may
# be unreadable for that user. Use absolute paths in CMD.
as_user() {
    local cwd="${BF_CWD:-/}"
    (cd "$cwd" && runuser -u "$BF_USER" -- "$@")
}

# _bf_port_in_use PORT: true when something accepts TCP on 127.0.0.1:PORT.
_bf_port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port START: print the first port from START on that nothing listens on.
free_port() {
    local port="$1" last=$(($1 + 200))
    while [ "$port" -le "$last" ]; do
        if ! _bf_port_in_use "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
        port=$((port + 1))
    done
    die "no free TCP port in $1-$last"
}

# ---------------------------------------------------------------- clusters
#
# Layout of a cluster directory DIR (created, owned by $BF_USER):
#   DIR/data              PGDATA
#   DIR/sock              unix socket directory (PGHOST)
#   DIR/log/postgresql.log server log
#   DIR/port              the port, for cluster_env / cluster_psql

# start_cluster DIR PORT [postgresql.conf line...]
#   initdb (trust auth, superuser $BF_USER, UTF8, C locale), listen on
#   DIR/sock and 127.0.0.1:PORT, append the given lines to postgresql.conf
#   (e.g. "shared_preload_libraries = 'pg_cron'"), start and wait until ready.
start_cluster() {
    [ "$#" -ge 2 ] || die "usage: start_cluster DIR PORT [conf line...]"
    local dir="$1" port="$2"
    shift 2
    local bindir
    bindir="$(pg_bindir)"
    ensure_user

    if [ -e "$dir/data/PG_VERSION" ]; then
        die "start_cluster: $dir/data already holds a cluster"
    fi
    if _bf_port_in_use "$port"; then
        die "start_cluster: port $port is already in use"
    fi
    mkdir -p "$dir/sock" "$dir/log"
    chown "$BF_USER:" "$dir" "$dir/sock" "$dir/log"
    chmod 0755 "$dir"
    chmod 0700 "$dir/sock"
    if ! as_user test -w "$dir/log"; then
        die "start_cluster: user '$BF_USER' cannot reach $dir (every parent directory must be searchable by it)"
    fi
    printf '%s\n' "$port" | as_user tee "$dir/port" >/dev/null

    if ! as_user env LC_ALL=C "$bindir/initdb" -D "$dir/data" -A trust -U "$BF_USER" \
        --encoding=UTF8 --locale=C --no-sync >"$dir/log/initdb.log" 2>&1; then
        cat "$dir/log/initdb.log" >&2
        die "initdb failed in $dir/data"
    fi

    {
        printf '\n# ---- added by scripts/lib.sh start_cluster\n'
        printf "listen_addresses = '127.0.0.1'\n"
        printf 'port = %s\n' "$port"
        printf "unix_socket_directories = '%s'\n" "$dir/sock"
        printf 'fsync = off\n'
        printf 'synchronous_commit = off\n'
        printf 'full_page_writes = off\n'
        printf "log_line_prefix = '%%m [%%p] %%q%%u@%%d '\n"
        printf 'log_min_messages = info\n'
        local line
        for line in "$@"; do
            printf '%s\n' "$line"
        done
    } | as_user tee -a "$dir/data/postgresql.conf" >/dev/null

    if ! as_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log/postgresql.log" \
        -w -t 60 start >/dev/null; then
        tail -n 50 "$dir/log/postgresql.log" >&2 || true
        die "PostgreSQL did not start in $dir (log: $dir/log/postgresql.log)"
    fi

    local _
    for _ in $(seq 1 60); do
        if as_user "$bindir/pg_isready" -q -h "$dir/sock" -p "$port" -d postgres; then
            return 0
        fi
        sleep 0.5
    done
    tail -n 50 "$dir/log/postgresql.log" >&2 || true
    die "PostgreSQL in $dir is not accepting connections"
}

# stop_cluster DIR: stop the cluster in DIR if it runs. Never fails, so it is
# safe in an EXIT trap.
stop_cluster() {
    local dir="$1" bindir
    [ -n "$dir" ] || return 0
    [ -f "$dir/data/postmaster.pid" ] || return 0
    bindir="$(pg_bindir 2>/dev/null)" || bindir=/usr/lib/postgresql/15/bin
    if ! as_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1; then
        as_user "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    return 0
}

# cluster_port DIR
cluster_port() { cat "$1/port"; }

# cluster_psql DIR [psql args...]: psql as $BF_USER (the cluster's superuser),
# database postgres unless -d is given; -X, ON_ERROR_STOP, no pager.
cluster_psql() {
    local dir="$1"
    shift
    as_user "$(pg_bindir)/psql" -X -v ON_ERROR_STOP=1 -P pager=off \
        -h "$dir/sock" -p "$(cluster_port "$dir")" -U "$BF_USER" -d postgres "$@"
}

# cluster_log_tail DIR [N]: show the end of the server log.
cluster_log_tail() {
    local dir="$1" n="${2:-40}"
    if [ -f "$dir/log/postgresql.log" ]; then
        printf -- '--- last %s lines of %s\n' "$n" "$dir/log/postgresql.log"
        tail -n "$n" "$dir/log/postgresql.log"
    fi
}
