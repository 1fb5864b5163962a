// The write guard trigger: records that a partition a job cares about was
// written to (phase 'build': while its shadow was being built, so the swap
// must not happen; phase 'live': after publication, so a rollback would lose
// the write). A write to a built shadow before its publication (its guard,
// installed for after the swap, fires already) is recorded as phase 'build'
// too: the built rows are no longer the validated ones, and the parent's
// triggers never saw them, so the chunk is built again. A table the chunk set aside keeps its
// trigger: the retained original, and after a rollback the table it took out; a write to one of
// them is recorded as phase 'retained', so purge will not drop it. Once per
// (sub)transaction and chunk, to stay cheap on bulk writes. Runs as the extension owner to write
// the control table, and records a write only when it fires on the very table its chunk guards (by
// OID): a trigger someone else pointed at the function forges nothing.
#include <stdexcept>

#include "pg/pg_error.hpp"
#include "pg/pg_headers.hpp"
#include "pg/restored_jobs.hpp"
#include "pg/session_context.hpp"
#include "pg/spi.hpp"

using namespace backfill::pg;

namespace {

// The last (transaction, subtransaction, trigger arguments) recorded: a
// repeat in the same subtransaction needs no second row.
struct LastMark {
    TransactionId xid = InvalidTransactionId;
    SubTransactionId subxid = InvalidSubTransactionId;
    std::string args;
};
LastMark last_mark;

// Records the write when the trigger's table is one the chunk guards (by
// OID); false when it is not.
bool record_write(const std::string& job, const std::string& chunk, const std::string& phase,
                  const std::string& table) {
    return execute(
               "INSERT INTO backfill.chunk_write (job_id, chunk_no, phase)"
               " SELECT $1::bigint, $2::int,"
               "  CASE WHEN c.live_oid OPERATOR(pg_catalog.=) $4::oid THEN $3"
               "   WHEN c.state OPERATOR(pg_catalog.=) 'built' THEN 'build' ELSE 'retained' END"
               " FROM backfill.chunk c"
               " WHERE c.job_id OPERATOR(pg_catalog.=) $1::bigint"
               " AND c.chunk_no OPERATOR(pg_catalog.=) $2::int"
               " AND (c.live_oid OPERATOR(pg_catalog.=) $4::oid"
               "  OR (c.state OPERATOR(pg_catalog.=) 'built'"
               "      AND c.shadow_oid OPERATOR(pg_catalog.=) $4::oid)"
               "  OR c.retained_oid OPERATOR(pg_catalog.=) $4::oid"
               "  OR (c.state OPERATOR(pg_catalog.=) 'rolled_back'"
               "      AND c.shadow_oid OPERATOR(pg_catalog.=) $4::oid))",
               {job, chunk, phase, table}) > 0;
}

// Whether the job was restored from a dump and not adopted yet: its OIDs
// are another database's, so a write to a restored table it guards matches
// none of them until it is.
bool restored_elsewhere(const std::string& job) {
    return !query(
                "SELECT 1 FROM backfill.job WHERE id OPERATOR(pg_catalog.=) $1::bigint"
                " AND home OPERATOR(pg_catalog.<>) backfill.database_identity()",
                {job})
                .empty();
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(backfill_guard);

Datum backfill_guard(PG_FUNCTION_ARGS) {
    return guarded_entry([&]() {
        if (!CALLED_AS_TRIGGER(fcinfo))
            throw std::runtime_error("backfill._guard() must be called as a trigger");
        TriggerData* trig = reinterpret_cast<TriggerData*>(fcinfo->context);
        if (trig->tg_trigger->tgnargs != 3)
            throw std::runtime_error("backfill._guard() needs (job, chunk, phase) arguments");
        std::string job = trig->tg_trigger->tgargs[0];
        std::string chunk = trig->tg_trigger->tgargs[1];
        std::string phase = trig->tg_trigger->tgargs[2];
        Datum pass_through =
            TRIGGER_FIRED_FOR_ROW(trig->tg_event)
                ? PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple
                                                                          : trig->tg_trigtuple)
                : (Datum)0;
        TransactionId xid = pg_guard([]() { return GetTopTransactionId(); });
        SubTransactionId subxid = GetCurrentSubTransactionId();
        std::string args = job + "/" + chunk + "/" + phase;
        if (last_mark.xid == xid && last_mark.subxid == subxid && last_mark.args == args)
            return pass_through;
        std::string table = std::to_string(RelationGetRelid(trig->tg_relation));
        spi_connect();
        {
            AsExtensionOwner owner;
            if (!record_write(job, chunk, phase, table) && restored_elsewhere(job)) {
                adopt_restored_jobs();
                record_write(job, chunk, phase, table);
            }
        }
        spi_finish();
        last_mark = LastMark{xid, subxid, args};
        return pass_through;
    });
}

}  // extern "C"
