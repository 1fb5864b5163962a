#include "pg/swap/guard_triggers.hpp"

#include "pg/pg_error.hpp"

namespace backfill::pg {

void create_guard_trigger(Oid relid, const GuardTrigger& t) {
    pg_guard([&]() {
        CreateTrigStmt* stmt = makeNode(CreateTrigStmt);
        stmt->replace = false;
        stmt->isconstraint = false;
        stmt->trigname = pstrdup(t.name.c_str());
        stmt->relation =
            makeRangeVar(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid), -1);
        stmt->funcname = list_make2(makeString(pstrdup("backfill")), makeString(pstrdup("_guard")));
        for (const auto& arg : t.args)
            stmt->args = lappend(stmt->args, makeString(pstrdup(arg.c_str())));
        stmt->row = t.for_each_row;
        stmt->timing = TRIGGER_TYPE_AFTER;
        stmt->events = t.for_each_row
                           ? (TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE | TRIGGER_TYPE_DELETE)
                           : TRIGGER_TYPE_TRUNCATE;
        CreateTriggerFiringOn(stmt, "backfill write guard", relid, InvalidOid, InvalidOid,
                              InvalidOid, InvalidOid, InvalidOid, nullptr, false, false,
                              TRIGGER_FIRES_ALWAYS);
        CommandCounterIncrement();
    });
}

}  // namespace backfill::pg
