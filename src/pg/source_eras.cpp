#include "pg/source_eras.hpp"

#include "core/user_error.hpp"
#include "pg/key_values.hpp"
#include "pg/pg_error.hpp"
#include "pg/runner_common.hpp"
#include "pg/source_query.hpp"

namespace backfill::pg {

std::vector<EraSpan> check_eras(const PlannedJob& plan, const std::string& search_path) {
    const std::vector<SourceEra>& sources = plan.options.sources;
    std::vector<EraSpan> eras;
    for (std::size_t i = 0; i < sources.size(); i++) {
        std::string name = "sources[" + std::to_string(i) + "]";
        eras.push_back(
            EraSpan{bound_from_text(name + ".from", sources[i].from, plan.target.key_type),
                    bound_from_text(name + ".to", sources[i].to, plan.target.key_type)});
    }
    assign_eras(eras, plan.chunks, plan.range_from, plan.range_to);
    for (std::size_t i = 0; i < sources.size(); i++) {
        std::string name = "sources[" + std::to_string(i) + "]: ";
        try {
            check_source(sources[i].source, plan.target, search_path);
        } catch (const UserError& e) {
            throw UserError(e.kind(), name + e.what(), e.hint());
        } catch (PgError& e) {
            if (!is_user_cancel(e))
                e.message = name + e.message;
            throw;
        }
    }
    return eras;
}

void record_eras(std::int64_t job_id, const PlannedJob& plan) {
    for (std::size_t i = 0; i < plan.eras.size(); i++)
        control_execute(
            "INSERT INTO backfill.era (job_id, era_no, range_from, range_to, lower_key,"
            " upper_key, source) VALUES ($1::bigint, $2::int, $3, $4, $5, $6, $7)",
            {std::to_string(job_id), std::to_string(i), plan.eras[i].from.text,
             plan.eras[i].to.text, plan.eras[i].from.sort_key, plan.eras[i].to.sort_key,
             plan.options.sources[i].source});
}

std::string chunk_source(const Job& job, const ChunkRow& chunk) {
    if (job.options.sources.empty())
        return job.source;
    auto rows = control_query(
        "SELECT range_from, range_to, lower_key, upper_key, source FROM backfill.era"
        " WHERE job_id = $1::bigint ORDER BY era_no",
        {std::to_string(job.id)});
    std::vector<EraSpan> eras;
    for (const auto& r : rows)
        eras.push_back(EraSpan{Bound{BoundKind::Finite, *r[2], *r[0]},
                               Bound{BoundKind::Finite, *r[3], *r[1]}});
    auto era = era_holding(eras, Bound{BoundKind::Finite, chunk.lower_key, chunk.lower_bound},
                           Bound{BoundKind::Finite, chunk.upper_key, chunk.upper_bound});
    if (!era)
        throw PermanentFailure(
            ErrorKind::InvalidParameter,
            "chunk " + std::to_string(chunk.chunk_no) + " [" + chunk.lower_bound + ", " +
                chunk.upper_bound + ") lies in no single era of sources",
            "A chunk is built by one source: its range must lie inside one era.");
    return *rows[*era][4];
}

}  // namespace backfill::pg
