#include "pg/index_catalog.hpp"

#include <algorithm>

#include "pg/catalog_scan.hpp"
#include "pg/direct_call.hpp"
#include "pg/pg_error.hpp"
#include "pg/statement_settings.hpp"

namespace backfill::pg {

namespace {

// What the scans found, in memory PostgreSQL owns (no C++ object inside
// pg_guard): one palloc'd C string per field.
struct RawIndex {
    Oid oid;
    char* name;
    char* definition;
    char* constraint_definition;  // NULL: no constraint (or it is gone)
    char* tablespace;             // NULL: the database's default
};

// The constraint of relid (PRIMARY KEY, UNIQUE or EXCLUDE) that index
// implements, or InvalidOid; as the join on pg_constraint (conrelid,
// conindid, contype) decides it. Inside pg_guard.
Oid constraint_of_index(Oid relid, Oid index) {
    Oid found = InvalidOid;
    scan_catalog(ConstraintRelationId, ConstraintRelidTypidNameIndexId, Anum_pg_constraint_conrelid,
                 relid, [&](HeapTuple tuple) {
                     auto* con = reinterpret_cast<Form_pg_constraint>(GETSTRUCT(tuple));
                     if (con->conindid == index &&
                         (con->contype == CONSTRAINT_PRIMARY || con->contype == CONSTRAINT_UNIQUE ||
                          con->contype == CONSTRAINT_EXCLUSION))
                         found = con->oid;
                     return !OidIsValid(found);
                 });
    return found;
}

}  // namespace

List* index_oids(Oid relid) {
    List* out = NIL;
    scan_catalog(
        IndexRelationId, IndexIndrelidIndexId, Anum_pg_index_indrelid, relid, [&](HeapTuple tuple) {
            out = lappend_oid(out, reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple))->indexrelid);
            return true;
        });
    return out;
}

CatalogIndexes indexes_from_catalog(Oid relid) {
    StatementSettings settings;
    struct Found {
        char* table = nullptr;
        char* schema = nullptr;
        List* indexes = NIL;  // of RawIndex*
    };
    Found f = pg_guard([&]() {
        Found out;
        AcceptInvalidationMessages();
        out.table = get_rel_name(relid);
        if (out.table == nullptr)
            return out;
        out.schema = get_namespace_name(get_rel_namespace(relid));
        ListCell* cell;
        foreach (cell, index_oids(relid)) {
            Oid index = lfirst_oid(cell);
            auto* raw = static_cast<RawIndex*>(palloc0(sizeof(RawIndex)));
            raw->oid = index;
            raw->name = get_rel_name(index);
            raw->definition = raw->name ? text_of_oid(pg_get_indexdef, index) : nullptr;
            if (raw->definition == nullptr)
                continue;  // dropped since the scan
            Oid constraint = constraint_of_index(relid, index);
            if (OidIsValid(constraint))
                raw->constraint_definition = text_of_oid(pg_get_constraintdef, constraint);
            Oid space = get_rel_tablespace(index);
            if (OidIsValid(space))
                raw->tablespace = get_tablespace_name(space);
            out.indexes = lappend(out.indexes, raw);
        }
        return out;
    });
    CatalogIndexes result;
    if (f.table == nullptr)
        return result;
    result.table = f.table;
    result.schema = f.schema ? f.schema : "";
    ListCell* cell;
    foreach (cell, f.indexes) {
        const auto* raw = static_cast<const RawIndex*>(lfirst(cell));
        CatalogIndex index;
        index.oid = raw->oid;
        index.name = raw->name;
        index.definition = raw->definition;
        index.is_constraint = raw->constraint_definition != nullptr;
        index.constraint_definition = raw->constraint_definition ? raw->constraint_definition : "";
        index.tablespace = raw->tablespace ? raw->tablespace : "";
        result.indexes.push_back(index);
    }
    std::sort(result.indexes.begin(), result.indexes.end(),
              [](const CatalogIndex& a, const CatalogIndex& b) { return a.name < b.name; });
    return result;
}

}  // namespace backfill::pg
