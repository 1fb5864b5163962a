// Calling one of PostgreSQL's SQL-callable functions directly, without a
// statement.
#pragma once

#include "pg/pg_headers.hpp"

namespace backfill::pg {

// f(oid) for a text-returning function f (pg_get_indexdef,
// pg_get_constraintdef, pg_get_partition_constraintdef...): palloc'd, or
// NULL where f returns NULL (the object is gone, or has no such text),
// which DirectFunctionCall1 would refuse. Inside pg_guard.
char* text_of_oid(PGFunction f, Oid oid);

// pg_get_expr(expression, relid): a pg_node_tree stored in the catalog
// (a column default, say) as SQL text, its columns named from relid.
// palloc'd, or NULL. Inside pg_guard.
char* text_of_expression(Datum expression, Oid relid);

}  // namespace backfill::pg
