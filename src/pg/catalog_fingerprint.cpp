#include "pg/catalog_fingerprint.hpp"

#include "pg/catalog_scan.hpp"
#include "pg/pg_error.hpp"

namespace backfill::pg {

namespace {

// " <tag><key>@<xmin>/<block>.<offset>": one row version. Inside pg_guard.
void append_version(StringInfo out, char tag, Oid key, HeapTuple tuple) {
    appendStringInfo(out, " %c%u@%u/%u.%u", tag, key, HeapTupleHeaderGetRawXmin(tuple->t_data),
                     ItemPointerGetBlockNumber(&tuple->t_self),
                     static_cast<unsigned>(ItemPointerGetOffsetNumber(&tuple->t_self)));
}

}  // namespace

std::string catalog_fingerprint(Oid relid) {
    char* text = pg_guard([&]() {
        AcceptInvalidationMessages();
        StringInfoData out;
        initStringInfo(&out);
        scan_catalog(IndexRelationId, IndexIndrelidIndexId, Anum_pg_index_indrelid, relid,
                     [&](HeapTuple tuple) {
                         Oid index = reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple))->indexrelid;
                         append_version(&out, 'i', index, tuple);
                         HeapTuple rel = SearchSysCache1(RELOID, ObjectIdGetDatum(index));
                         if (HeapTupleIsValid(rel)) {
                             append_version(&out, 'r', index, rel);
                             ReleaseSysCache(rel);
                         }
                         return true;
                     });
        scan_catalog(ConstraintRelationId, ConstraintRelidTypidNameIndexId,
                     Anum_pg_constraint_conrelid, relid, [&](HeapTuple tuple) {
                         append_version(&out, 'c',
                                        reinterpret_cast<Form_pg_constraint>(GETSTRUCT(tuple))->oid,
                                        tuple);
                         return true;
                     });
        scan_catalog(AttributeRelationId, AttributeRelidNumIndexId, Anum_pg_attribute_attrelid,
                     relid, [&](HeapTuple tuple) {
                         auto* att = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tuple));
                         if (att->attnum > 0)  // system columns never change
                             append_version(&out, 'a', static_cast<Oid>(att->attnum), tuple);
                         return true;
                     });
        return out.data;
    });
    return text;
}

}  // namespace backfill::pg
