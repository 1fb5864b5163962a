#include "pg/after_publish.hpp"

#include "core/placeholders.hpp"
#include "pg/pg_error.hpp"
#include "pg/runner_common.hpp"
#include "pg/session_context.hpp"
#include "pg/spi.hpp"
#include "pg/state_store.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

namespace {

// The hook's text for the unit: its first chunk's lower bound and its last
// chunk's upper bound, quoted.
std::string hook_for_unit(const Job& job, const std::vector<int>& chunk_nos) {
    auto r = control_query(
        "SELECT (pg_catalog.array_agg(lower_bound ORDER BY chunk_no))[1],"
        " (pg_catalog.array_agg(upper_bound ORDER BY chunk_no DESC))[1]"
        " FROM backfill.chunk WHERE job_id = $1::bigint AND chunk_no = ANY ($2::int[])",
        {job_key(job), int_array(chunk_nos)});
    return expand_placeholders(
        *job.options.after_publish,
        {{"{range_from}", quote_literal(*r[0][0])}, {"{range_to}", quote_literal(*r[0][1])}});
}

// What a failed hook leaves: the event, last_error, and with on_failure
// stop a paused job (resume or approve lets it go on).
void record_hook_failure(const Job& job, const std::string& sql, const std::string& message) {
    std::string error = "after_publish failed: " + message;
    log_event(job, std::nullopt, Event::HookFailed, error + " (running: " + sql + ")");
    control_execute("UPDATE backfill.job SET last_error = $2 WHERE id = $1::bigint",
                    {job_key(job), error});
    if (job.options.on_failure == OnFailure::Stop && lock_job_state(job) == JobState::Running)
        change_job_state(job, JobState::Paused,
                         EventNote{Event::Paused, "after_publish failed and on_failure is stop"});
    pg_guard([&]() {
        ereport(WARNING, (errmsg("backfill job \"%s\": %s", job.name.c_str(), error.c_str())));
    });
}

}  // namespace

void run_after_publish(const Job& job, const std::vector<int>& chunk_nos) {
    if (!job.options.after_publish || chunk_nos.empty())
        return;
    std::string sql = hook_for_unit(job, chunk_nos);
    commit_step();
    report_activity("backfill job \"" + job.name + "\": running after_publish");
    try {
        in_subtransaction([&]() {
            OwnerBox box(job.owner, job.search_path);
            execute(sql);
        });
    } catch (const PgError& e) {
        if (is_user_cancel(e))
            throw;
        record_hook_failure(job, sql, e.message);
    }
    commit_step();
}

}  // namespace backfill::pg
