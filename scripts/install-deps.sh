#!/usr/bin/env bash
# Install what building and testing backfill needs on Debian 12 (bookworm).
# Idempotent: when every package is already installed it only runs dpkg-query
# and exits, without touching apt.
#
# Installing postgresql-15 makes Debian create and start a "main" cluster on
# port 5432. It is left alone: the scripts here never use it, they start their
# own clusters on their own ports.
set -euo pipefail

PACKAGES=(
    # build
    build-essential g++ make cmake libgtest-dev clang-format ca-certificates
    # the JSON library the core reads options and specifications with (header-only)
    nlohmann-json3-dev
    # server, headers, client (psql, pg_config), contrib modules
    postgresql-15 postgresql-server-dev-15 postgresql-client-15 postgresql-contrib
    # pgbench: on Debian 12 it ships in postgresql-15 (/usr/lib/postgresql/15/bin/pgbench)
    # tests: pgTAP + pg_prove, Perl TAP (prove, IPC::Run for PostgreSQL::Test::Cluster)
    postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl perl libipc-run-perl
    # extensions used alongside backfill
    postgresql-15-cron postgresql-15-partman
)

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        echo "install-deps: not root, re-running through sudo" >&2
        exec sudo bash "$0" "$@"
    fi
    echo "install-deps: must run as root (apt-get install), and sudo is not available" >&2
    exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [ "$status" != "install ok installed" ]; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi

# apt's output goes to a log file, named (with its last lines) only when
# something fails, so the scripts' own story stays readable.
LOG="${BACKFILL_DEPS_LOG:-/tmp/backfill-install-deps.log}"
echo "install-deps: installing ${#missing[@]} packages with apt (log: $LOG)"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$LOG" 2>&1; then
    tail -n 30 "$LOG" >&2
    echo "install-deps: apt-get failed; its whole output is in $LOG" >&2
    exit 1
fi
echo "install-deps: installed ${missing[*]}"
