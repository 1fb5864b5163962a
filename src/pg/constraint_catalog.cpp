#include "pg/constraint_catalog.hpp"

#include <algorithm>

#include "pg/catalog_scan.hpp"
#include "pg/direct_call.hpp"
#include "pg/pg_error.hpp"
#include "pg/spi.hpp"
#include "pg/statement_settings.hpp"

namespace backfill::pg {

std::vector<CatalogConstraint> constraints_from_catalog(Oid relid, char contype,
                                                        bool only_not_validated) {
    StatementSettings settings;
    // palloc'd (name, definition) pairs: no C++ object inside pg_guard
    List* found = pg_guard([&]() {
        AcceptInvalidationMessages();
        List* out = NIL;
        scan_catalog(ConstraintRelationId, ConstraintRelidTypidNameIndexId,
                     Anum_pg_constraint_conrelid, relid, [&](HeapTuple tuple) {
                         auto* con = reinterpret_cast<Form_pg_constraint>(GETSTRUCT(tuple));
                         if (con->contype != contype || (only_not_validated && con->convalidated))
                             return true;
                         char* definition = text_of_oid(pg_get_constraintdef, con->oid);
                         if (definition != nullptr) {
                             out = lappend(out, pstrdup(NameStr(con->conname)));
                             out = lappend(out, definition);
                         }
                         return true;
                     });
        return out;
    });
    std::vector<CatalogConstraint> result;
    for (int i = 0; i + 1 < list_length(found); i += 2)
        result.push_back(CatalogConstraint{static_cast<const char*>(list_nth(found, i)),
                                           static_cast<const char*>(list_nth(found, i + 1))});
    std::sort(
        result.begin(), result.end(),
        [](const CatalogConstraint& a, const CatalogConstraint& b) { return a.name < b.name; });
    for (auto& c : result)
        c.name = quote_ident(c.name);
    return result;
}

CatalogStorage storage_from_catalog(Oid relid) {
    struct Raw {
        char persistence = RELPERSISTENCE_PERMANENT;
        char* tablespace = nullptr;
        List* options = NIL;  // of char*
    };
    Raw raw = pg_guard([&]() {
        AcceptInvalidationMessages();
        Raw out;
        HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
        if (!HeapTupleIsValid(tuple))
            return out;
        auto* rel = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple));
        out.persistence = rel->relpersistence;
        if (OidIsValid(rel->reltablespace))
            out.tablespace = get_tablespace_name(rel->reltablespace);
        bool isnull = true;
        Datum options = SysCacheGetAttr(RELOID, tuple, Anum_pg_class_reloptions, &isnull);
        out.options = text_array(options, isnull);
        ReleaseSysCache(tuple);
        return out;
    });
    CatalogStorage storage;
    storage.unlogged = raw.persistence == RELPERSISTENCE_UNLOGGED;
    storage.tablespace = raw.tablespace ? raw.tablespace : "";
    ListCell* cell;
    foreach (cell, raw.options)
        storage.options.push_back(static_cast<const char*>(lfirst(cell)));
    return storage;
}

}  // namespace backfill::pg
