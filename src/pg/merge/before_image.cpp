#include "pg/merge/before_image.hpp"

#include <string>
#include <vector>

#include "core/merge/merge_sql.hpp"
#include "core/names.hpp"
#include "core/user_error.hpp"
#include "pg/job_tables.hpp"
#include "pg/merge/merge_target.hpp"
#include "pg/runner_common.hpp"
#include "pg/session_context.hpp"
#include "pg/spi.hpp"
#include "pg/state_store.hpp"

namespace backfill::pg {

namespace {

// The job's recorded before-image table, or InvalidOid.
Oid before_oid(const Job& job) {
    Value oid = control_query("SELECT before_oid::text FROM backfill.job WHERE id = $1::bigint",
                              {job_key(job)})[0][0];
    return oid ? static_cast<Oid>(std::stoul(*oid)) : InvalidOid;
}

}  // namespace

void create_before_image(std::int64_t job_id, const TargetInfo& target) {
    MergeTable m;
    m.target = target.qualified;
    m.columns = merge_columns(target.oid);
    std::string name = before_image_name(target.name, job_id);
    m.before = qualified(target.schema, name);
    Oid oid = create_beside_target(
        target, name, "the before-image of the job",
        create_image_statements(m, quote_ident(before_image_index_name(target.name, job_id))));
    control_execute(
        "UPDATE backfill.job SET before_oid = $2::oid, before_schema = $3, before_name = $4"
        " WHERE id = $1::bigint",
        {std::to_string(job_id), std::to_string(oid), target.schema, name});
}

int restore_before_image(const Job& job, bool force) {
    std::vector<int> chunks;
    std::vector<std::string> xids;
    int published = 0;
    for (const auto& r : control_query(
             "SELECT chunk_no, build_xid::text FROM backfill.chunk WHERE job_id = $1::bigint"
             " AND state = 'published' ORDER BY chunk_no",
             {job_key(job)})) {
        published++;
        if (r[1]) {  // a chunk that wrote nothing has nothing to restore
            chunks.push_back(std::stoi(*r[0]));
            xids.push_back(*r[1]);
        }
    }
    if (!chunks.empty()) {
        MergeTable m = merge_table(job);
        std::vector<Value> params{int_array(chunks), text_array(xids)};
        if (!force) {
            std::string changed = *query(changed_since_statement(m), params)[0][0];
            if (changed != "0")
                throw UserError(
                    ErrorKind::WrongState,
                    "backfill job \"" + job.name + "\": " + changed +
                        " row(s) it wrote or deleted were changed since; rollback would "
                        "overwrite those changes",
                    "Look at the changes first; to put the job's before-image back anyway, "
                    "SELECT backfill.rollback('" +
                        job.name + "', force => true).");
        }
        // the owner's triggers fire for the restored rows: the job's
        // search_path, as when the chunks wrote them
        OwnerBox box(job.owner, job.search_path);
        for (const std::string& statement : restore_statements(m))
            query(statement, {params[0]});
    }
    record_merge_chunks_rolled_back(job);
    return published;
}

int drop_before_image(const Job& job) {
    Oid oid = before_oid(job);
    if (oid == InvalidOid || !drop_own_table(oid))
        return 0;
    control_execute("UPDATE backfill.job SET before_oid = NULL WHERE id = $1::bigint",
                    {job_key(job)});
    return 1;
}

void adopt_copied_image(const Job& job) {
    auto written = control_query(
        "SELECT chunk_no FROM backfill.chunk WHERE job_id = $1::bigint AND state = 'published'"
        " AND build_xid IS NOT NULL ORDER BY chunk_no",
        {job_key(job)});
    if (written.empty() || before_oid(job) == InvalidOid)
        return;
    MergeTable m = merge_table(job);
    for (const auto& r : written) {
        Value xid;
        {
            // the target is read as its owner, whoever's command adopts
            OwnerBox box(job.owner, job.search_path);
            xid = query(restored_write_xid_statement(m), {r[0]})[0][0];
        }
        control_execute(
            "UPDATE backfill.chunk SET build_xid = $3::xid WHERE job_id = $1::bigint"
            " AND chunk_no = $2::int",
            {job_key(job), r[0], xid});
    }
}

}  // namespace backfill::pg
