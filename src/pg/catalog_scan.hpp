// Reading a catalog's rows by an OID key through one of its indexes,
// without a statement (index_catalog.cpp, table_metadata_reader.cpp).
#pragma once

#include "pg/pg_headers.hpp"

namespace backfill::pg {

// Calls visit(tuple) for each row of catalog whose column equals key, read
// through index (whose first column is that column), until visit returns
// false. Inside pg_guard; visit must not throw.
template <typename Visit>
void scan_catalog(Oid catalog, Oid index, AttrNumber column, Oid key, Visit visit) {
    Relation rel = table_open(catalog, AccessShareLock);
    ScanKeyData scan_key;
    ScanKeyInit(&scan_key, column, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(key));
    SysScanDesc scan = systable_beginscan(rel, index, true, nullptr, 1, &scan_key);
    HeapTuple tuple;
    while ((tuple = systable_getnext(scan)) != nullptr)
        if (!visit(tuple))
            break;
    systable_endscan(scan);
    table_close(rel, AccessShareLock);
}

}  // namespace backfill::pg
