// A table's catalog fingerprint: the row versions of what describes its
// indexes, constraints and columns, to tell cheaply whether any of them
// changed between two moments (a chunk's build and its publication)
// without deparsing a definition.
#pragma once

#include <string>

#include "pg/pg_headers.hpp"

namespace backfill::pg {

// The rows of pg_index (the table's indexes), pg_class (those indexes),
// pg_constraint and pg_attribute (the table's), each by OID or column
// number and row version (xmin and place). Any DDL that changes an index,
// a constraint or a column writes a new row version, and so a new
// fingerprint; VACUUM and ANALYZE, which update statistics in place, do
// not. Read through the catalog indexes, without a statement.
std::string catalog_fingerprint(Oid relid);

}  // namespace backfill::pg
