// The settings one of backfill's catalog reads or statements runs with.
#pragma once

#include "pg/formats.hpp"
#include "pg/session_context.hpp"

namespace backfill::pg {

// Every statement runs in a GUC nest level of its own with the search_path
// of the box it is in: whatever an earlier statement or the session left
// behind, ours resolve names the same way, and nothing a statement sets
// outlives it. backfill's own statements also get the canonical formats
// (already in force in a runner's transaction steps, which take them once:
// formats.hpp); a job owner's SQL keeps the session's. The catalog reads
// that call PostgreSQL's deparsers directly (pg_get_indexdef, pg_get_expr:
// their texts name what the search_path does not show with its schema)
// take the same settings, so their texts are those a statement would get.
class StatementSettings {
public:
    StatementSettings() {
        gucs_.set("search_path", statement_search_path());
        if (!running_owners_sql())
            set_canonical_formats(gucs_);
    }

private:
    GucScope gucs_;
};

}  // namespace backfill::pg
