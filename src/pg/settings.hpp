// Settings (GUCs) of the extension.
#pragma once

namespace backfill::pg {

// Called from _PG_init: reserves the "backfill." prefix for our settings.
void define_settings();

}  // namespace backfill::pg
