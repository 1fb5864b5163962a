// Settings (GUCs) of the extension.
#pragma once

namespace backfill::pg {

// backfill.max_workers: background workers all backfill jobs may use at
// once (superuser only).
extern int max_workers;

// backfill.max_workers_per_role: of those, what the workers of one role may
// use at once (postgresql.conf); -1 means half of max_workers, at least 1.
extern int max_workers_per_role;

// backfill.launcher_naptime: seconds between two looks of the launcher for
// running jobs that lost their workers.
extern int launcher_naptime_s;

// Called from _PG_init: defines the settings and reserves the prefix.
void define_settings();

}  // namespace backfill::pg
