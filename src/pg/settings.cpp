#include "pg/settings.hpp"

#include "pg/pg_headers.hpp"

namespace backfill::pg {

int max_workers = 8;
int max_workers_per_role = -1;
int launcher_naptime_s = 10;

void define_settings() {
    DefineCustomIntVariable("backfill.max_workers",
                            "Background workers all backfill jobs may use at the same time.",
                            "Each also needs a slot of max_worker_processes.", &max_workers, 8, 1,
                            1024, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    // Cluster policy, read from the configuration file only: every session
    // and the launcher apply the same limit, and no role can raise its own.
    DefineCustomIntVariable("backfill.max_workers_per_role",
                            "Background workers the jobs of one role may use at the same time.",
                            "-1 means half of backfill.max_workers, at least 1.",
                            &max_workers_per_role, -1, -1, 1024, PGC_SIGHUP, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable(
        "backfill.launcher_naptime", "Time between two looks of the launcher for interrupted jobs.",
        "Only used with shared_preload_libraries = 'backfill'.", &launcher_naptime_s, 10, 1, 3600,
        PGC_SIGHUP, GUC_UNIT_S, nullptr, nullptr, nullptr);
    // Reserving the prefix turns a mistyped "SET backfill.xyz" into an
    // error instead of a silently ignored placeholder.
    MarkGUCPrefixReserved("backfill");
}

}  // namespace backfill::pg
