#include "pg/releases.hpp"

#include "pg/announcements.hpp"

namespace backfill::pg {

namespace {

// "FIN-2841: Correct tax-inclusive revenue calculation", from the job's
// release option; nullopt when it says nothing.
Value reason_of(const ReleaseInfo& r) {
    if (!r.issue && !r.change)
        return std::nullopt;
    if (r.issue && r.change)
        return *r.issue + ": " + *r.change;
    return r.issue ? *r.issue : *r.change;
}

}  // namespace

std::int64_t record_release(const Job& job, const std::string& action,
                            const std::vector<int>& chunk_nos,
                            const std::optional<std::string>& announce_on) {
    const ReleaseInfo& r = job.options.release;
    std::string insert =
        "INSERT INTO backfill.release_log (job_id, job_name, action, dataset, range_from, range_to,"
        " reason, code_version, approved_by, requested_by, published_by, chunks, rows_before,"
        " rows_after)"
        " SELECT j.id, j.name, $2, j.target::regclass::text,"
        "  (pg_catalog.array_agg(c.lower_bound ORDER BY c.chunk_no))[1],"
        "  (pg_catalog.array_agg(c.upper_bound ORDER BY c.chunk_no DESC))[1],"
        "  $3, $4, $5, pg_catalog.pg_get_userbyid(j.owner), session_user,"
        "  pg_catalog.array_agg(c.chunk_no ORDER BY c.chunk_no), sum(c.rows_before),"
        "  sum(c.rows_after)"
        " FROM backfill.job j JOIN backfill.chunk c ON c.job_id = j.id"
        " WHERE j.id = $1::bigint AND c.chunk_no = ANY($6::int[])"
        " GROUP BY j.id, j.name, j.owner, j.target";
    std::vector<Value> params = {std::to_string(job.id), action,        reason_of(r),
                                 r.code_version,         r.approved_by, int_array(chunk_nos)};
    if (!announce_on) {
        auto rows = control_query(insert + " RETURNING id", params);
        return std::stoll(*rows[0][0]);
    }
    // The row and its announcement in one statement: the payload is made
    // from the row as written.
    params.push_back(*announce_on);
    auto rows = control_query(
        "WITH r AS (" + insert +
            " RETURNING id, job_name, requested_by, action, dataset, range_from, range_to,"
            " chunks)"
            " SELECT a.release_id, pg_catalog.pg_notify($7, " +
            announcement_payload() +
            ") FROM (SELECT r.id AS release_id, r.job_name AS job, r.requested_by AS owner,"
            " r.action, r.dataset AS target, r.range_from, r.range_to,"
            " pg_catalog.cardinality(r.chunks) AS chunks FROM r) a",
        params);
    return std::stoll(*rows[0][0]);
}

}  // namespace backfill::pg
