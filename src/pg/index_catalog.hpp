// A table's indexes read through the catalog caches and catalog index
// scans, without a statement: the partition's at plan time and the
// partition's and its shadow's under the parent's lock at publication.
// The statement this replaces joined seven catalogs and cost about a
// million instructions per chunk in executor start-up and joins.
#pragma once

#include <string>
#include <vector>

#include "pg/pg_headers.hpp"

namespace backfill::pg {

// One index (oid), names unquoted. definition: pg_get_indexdef(); for an index
// that implements a PRIMARY KEY, UNIQUE or EXCLUDE constraint of the
// table, constraint_definition is that constraint's pg_get_constraintdef().
struct CatalogIndex {
    Oid oid = InvalidOid;
    std::string name, definition;
    bool is_constraint = false;
    std::string constraint_definition, tablespace;
};

// The table relid's name, its schema's, and its indexes sorted by name
// (bytewise, as ORDER BY on a name column sorts). Takes no lock on the
// table, as a catalog query would not; the texts are those one of
// backfill's statements would get (StatementSettings: the box's
// search_path, canonical formats).
struct CatalogIndexes {
    std::string table, schema;
    std::vector<CatalogIndex> indexes;
};
CatalogIndexes indexes_from_catalog(Oid relid);

// The OIDs of relid's indexes, from pg_index's index on indrelid, in its
// order. Inside pg_guard.
List* index_oids(Oid relid);

}  // namespace backfill::pg
