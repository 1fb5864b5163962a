#include "pg/ownership_catalog.hpp"

#include "pg/catalog_scan.hpp"
#include "pg/pg_error.hpp"

namespace backfill::pg {

CatalogOwnership ownership_from_catalog(Oid relid) {
    struct Raw {
        Oid owner = InvalidOid;
        char* owner_name = nullptr;
        char replica_identity = REPLICA_IDENTITY_DEFAULT;
        char* comment = nullptr;
        bool grants_or_targets = false;
    };
    Raw raw = pg_guard([&]() {
        AcceptInvalidationMessages();
        Raw out;
        HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
        if (!HeapTupleIsValid(tuple))
            elog(ERROR, "relation %u is gone", relid);
        auto* rel = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple));
        out.owner = rel->relowner;
        out.replica_identity = rel->relreplident;
        out.grants_or_targets = !heap_attisnull(tuple, Anum_pg_class_relacl, nullptr);
        ReleaseSysCache(tuple);
        out.owner_name = GetUserNameFromId(out.owner, false);
        out.comment = GetComment(relid, RelationRelationId, 0);
        scan_catalog(AttributeRelationId, AttributeRelidNumIndexId, Anum_pg_attribute_attrelid,
                     relid, [&](HeapTuple att_tuple) {
                         auto* att = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(att_tuple));
                         if (att->attnum > 0 && !att->attisdropped &&
                             (att->attstattarget >= 0 ||
                              !heap_attisnull(att_tuple, Anum_pg_attribute_attacl, nullptr)))
                             out.grants_or_targets = true;
                         return !out.grants_or_targets;
                     });
        return out;
    });
    CatalogOwnership o;
    o.owner = raw.owner;
    o.owner_name = raw.owner_name;
    o.replica_identity = raw.replica_identity;
    if (raw.comment != nullptr)
        o.comment = raw.comment;
    o.grants_or_targets = raw.grants_or_targets;
    return o;
}

}  // namespace backfill::pg
