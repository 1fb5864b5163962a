// Reading a catalog's rows by an OID key through one of its indexes,
// without a statement (index_catalog.cpp, table_metadata_reader.cpp), and
// a text[] column of one.
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

// The elements of a text[] catalog column (reloptions, attoptions), as a
// List of palloc'd C strings; NIL for NULL. Inside pg_guard.
inline List* text_array(Datum array, bool isnull) {
    List* out = NIL;
    if (isnull)
        return out;
    Datum* items;
    int count;
    deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false, TYPALIGN_INT, &items, nullptr,
                      &count);
    for (int i = 0; i < count; i++)
        out = lappend(out, TextDatumGetCString(items[i]));
    return out;
}

}  // namespace backfill::pg
