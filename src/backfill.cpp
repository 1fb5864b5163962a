// The module's identity and its load-time set-up; nothing else lives here.
#include "pg/pg_headers.hpp"
#include "pg/settings.hpp"
#include "pg/workers.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);

// Defines the settings; when preloaded, also registers the launcher that
// resumes running jobs after a restart.
void _PG_init(void) {
    backfill::pg::define_settings();
    if (process_shared_preload_libraries_in_progress)
        backfill::pg::register_launcher();
}
}
