// The module's identity and its load-time set-up; nothing else lives here.
#include "pg/launcher.hpp"
#include "pg/pg_headers.hpp"
#include "pg/settings.hpp"
#include "pg/worker_slots.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);

// Defines the settings; when preloaded, also asks for the worker slot table
// in shared memory and registers the launcher that relaunches running jobs.
void _PG_init(void) {
    backfill::pg::define_settings();
    if (process_shared_preload_libraries_in_progress) {
        backfill::pg::request_worker_slots();
        backfill::pg::register_launcher();
    }
}
}
