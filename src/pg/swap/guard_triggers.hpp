// Creating a write guard's triggers without a statement.
#pragma once

#include "core/swap/swap_ddl.hpp"
#include "pg/pg_headers.hpp"

namespace backfill::pg {

// Creates trigger t on table relid (by OID, never by name), calling
// backfill._guard and firing ALWAYS from the start, as the current user
// (install_guard: the extension owner). What CREATE TRIGGER checks
// (privileges, the table's kind, a trigger of that name already there)
// it checks too; event triggers do not fire, as for any of backfill's
// internal DDL.
void create_guard_trigger(Oid relid, const GuardTrigger& t);

}  // namespace backfill::pg
