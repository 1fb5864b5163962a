// A table's constraints of one kind, and its storage, read through the
// catalog caches and pg_constraint's index without a statement: what a
// build reads of the live partition for every chunk (its foreign keys, its
// CHECK constraints not validated, its persistence, tablespace and storage
// parameters). The statements this replaces cost about 0.2 million
// instructions each per chunk.
#pragma once

#include <string>
#include <vector>

#include "pg/pg_headers.hpp"

namespace backfill::pg {

// One constraint: its name, quoted, and pg_get_constraintdef's text (as one
// of backfill's statements would get it: StatementSettings).
struct CatalogConstraint {
    std::string name, definition;
};

// relid's constraints of type contype (CONSTRAINT_FOREIGN,
// CONSTRAINT_CHECK...), only those not validated when asked, by name
// (bytewise, as ORDER BY on a name column sorts).
std::vector<CatalogConstraint> constraints_from_catalog(Oid relid, char contype,
                                                        bool only_not_validated);

// relid's persistence ('u': unlogged), tablespace (empty: the database's
// default) and storage parameters as "name=value" (pg_class.reloptions).
struct CatalogStorage {
    bool unlogged = false;
    std::string tablespace;
    std::vector<std::string> options;
};
CatalogStorage storage_from_catalog(Oid relid);

}  // namespace backfill::pg
