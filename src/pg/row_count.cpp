#include "pg/row_count.hpp"

#include "pg/pg_error.hpp"

namespace backfill::pg {

std::int64_t count_rows(Oid relid) {
    return pg_guard([&]() {
        Relation rel = table_open(relid, AccessShareLock);
        // a swap's partitions are plain tables; a foreign table has no heap
        if (rel->rd_rel->relkind != RELKIND_RELATION)
            ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                            errmsg("\"%s\" is not a plain table", RelationGetRelationName(rel)),
                            errhint("backfill counts the rows of a partition it replaces by "
                                    "scanning it.")));
        // as count(*) checks it: SELECT on the table or on any column
        AclResult acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
        if (acl != ACLCHECK_OK &&
            pg_attribute_aclcheck_all(relid, GetUserId(), ACL_SELECT, ACLMASK_ANY) == ACLCHECK_OK)
            acl = ACLCHECK_OK;
        if (acl != ACLCHECK_OK)
            aclcheck_error(acl, get_relkind_objtype(rel->rd_rel->relkind),
                           RelationGetRelationName(rel));
        PushActiveSnapshot(GetTransactionSnapshot());
        TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, nullptr);
        TupleTableSlot* slot = table_slot_create(rel, nullptr);
        int64 rows = 0;
        while (table_scan_getnextslot(scan, ForwardScanDirection, slot)) {
            if (++rows % 4096 == 0)
                CHECK_FOR_INTERRUPTS();
        }
        ExecDropSingleTupleTableSlot(slot);
        table_endscan(scan);
        PopActiveSnapshot();
        table_close(rel, NoLock);
        return static_cast<std::int64_t>(rows);
    });
}

}  // namespace backfill::pg
