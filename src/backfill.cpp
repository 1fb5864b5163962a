// The module's identity and its load-time set-up; nothing else lives here.
#include "pg/pg_headers.hpp"
#include "pg/settings.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);

// Registers the extension's settings when the library is loaded.
void _PG_init(void) { backfill::pg::define_settings(); }
}
