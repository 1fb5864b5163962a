// The launcher (with shared_preload_libraries = 'backfill') and the
// per-database scanner it starts to relaunch running jobs that lost their
// workers: after a restart, a crash, a killed worker, or a worker that gave
// its slot back while its throttle held the job.
#pragma once

namespace backfill::pg {

// Registers the launcher; called from _PG_init when preloaded.
void register_launcher();

}  // namespace backfill::pg
