// Counting a table's rows without a statement.
#pragma once

#include <cstdint>

#include "pg/pg_headers.hpp"

namespace backfill::pg {

// The rows of table relid a statement starting now would see, counted by
// scanning the table itself. No statement is planned: for the small
// partitions of a daily table, planning SELECT count(*) (which opens every
// index to cost an index-only scan) costs ten times the count. Checks
// SELECT on the table or on any of its columns for the current user and
// holds ACCESS SHARE on it to the end of the transaction, as the statement
// would. Row-level security is not applied: a partition a swap replaces
// has none of its own (refused at create and at publication). A plain
// table only (anything else is an error).
std::int64_t count_rows(Oid relid);

}  // namespace backfill::pg
