#include "pg/row_count.hpp"

#include "pg/pg_error.hpp"

namespace backfill::pg {

std::int64_t count_rows(Oid relid) {
    return pg_guard([&]() {
        Relation rel = table_open(relid, AccessShareLock);
        AclResult acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
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
