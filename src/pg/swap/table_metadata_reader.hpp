// Reads, from the catalog, the attributes of a table that a swap restores
// as of publication (core/table_metadata.hpp): through the catalog caches
// and catalog indexes, without a statement; no lock on the table, no
// table access.
#pragma once

#include "core/swap/table_metadata.hpp"
#include "pg/pg_headers.hpp"

namespace backfill::pg {

TableMetadata read_table_metadata(Oid relid);

}  // namespace backfill::pg
