#include "pg/settings.hpp"

#include "pg/pg_headers.hpp"

namespace backfill::pg {

// Reserving the prefix turns a mistyped "SET backfill.xyz" into an error
// instead of a silently ignored placeholder.
void define_settings() { MarkGUCPrefixReserved("backfill"); }

}  // namespace backfill::pg
