#include "pg/announcements.hpp"

namespace backfill::pg {

namespace {

// The payload is built and sent by one statement, with pg_notify (NOTIFY
// takes no parameters). range_from / range_to are the first chunk's lower
// and the last chunk's upper bound, or the job's range when no chunk is
// concerned; chunks is how many (the release row lists them).
void send(const Job& job, const std::string& action, const std::vector<int>& chunk_nos,
          std::optional<std::int64_t> release_id) {
    control_execute(
        "SELECT pg_catalog.pg_notify($2, " + announcement_payload() +
            ") FROM (SELECT j.name AS job, pg_catalog.pg_get_userbyid(j.owner) AS owner,"
            " $3::text AS action, j.target::pg_catalog.regclass::text AS target,"
            " coalesce(c.range_from, j.range_from) AS range_from,"
            " coalesce(c.range_to, j.range_to) AS range_to,"
            " pg_catalog.cardinality($4::int[]) AS chunks, $5::bigint AS release_id"
            " FROM backfill.job j CROSS JOIN LATERAL ("
            "  SELECT (pg_catalog.array_agg(ch.lower_bound ORDER BY ch.chunk_no))[1] AS range_from,"
            "   (pg_catalog.array_agg(ch.upper_bound ORDER BY ch.chunk_no DESC))[1] AS range_to"
            "  FROM backfill.chunk ch WHERE ch.job_id = j.id"
            "  AND ch.chunk_no = ANY ($4::int[])) c"
            " WHERE j.id = $1::bigint) a",
        {std::to_string(job.id), *job.options.notify, action, int_array(chunk_nos),
         release_id ? Value(std::to_string(*release_id)) : std::nullopt});
}

// The chunks of the job now in state.
std::vector<int> chunks_in(const Job& job, const std::string& state) {
    std::vector<int> out;
    for (const auto& r : control_query(
             "SELECT chunk_no FROM backfill.chunk WHERE job_id = $1::bigint AND state = $2"
             " ORDER BY chunk_no",
             {std::to_string(job.id), state}))
        out.push_back(std::stoi(*r[0]));
    return out;
}

}  // namespace

std::string announcement_payload() {
    return "pg_catalog.jsonb_build_object('job', a.job, 'owner', a.owner, 'action', a.action,"
           " 'target', a.target, 'range_from', a.range_from, 'range_to', a.range_to,"
           " 'chunks', a.chunks, 'release_id', a.release_id)::text";
}

void announce_publication(const Job& job, const std::vector<int>& chunk_nos,
                          std::optional<std::int64_t> release_id) {
    if (job.options.notify && !chunk_nos.empty())
        send(job, "publish", chunk_nos, release_id);
}

void announce_job_state(const Job& job, JobState next) {
    if (!job.options.notify)
        return;
    switch (next) {
        case JobState::Completed:
            send(job, "complete", chunks_in(job, "published"), std::nullopt);
            break;
        case JobState::Failed:
            send(job, "fail", chunks_in(job, "published"), std::nullopt);
            break;
        case JobState::RolledBack: {
            // the release row the rollback wrote (mode swap), if any
            Value id = control_query(
                "SELECT max(id) FROM backfill.release_log WHERE job_id = $1::bigint"
                " AND action = 'rollback'",
                {std::to_string(job.id)})[0][0];
            send(job, "rollback", chunks_in(job, "rolled_back"),
                 id ? std::optional<std::int64_t>(std::stoll(*id)) : std::nullopt);
            break;
        }
        default:
            break;
    }
}

}  // namespace backfill::pg
