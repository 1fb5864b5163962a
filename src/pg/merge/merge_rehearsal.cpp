#include "pg/merge/merge_rehearsal.hpp"

#include <chrono>

#include "core/merge/merge_sql.hpp"
#include "pg/build_timer.hpp"
#include "pg/key_values.hpp"
#include "pg/merge/chunk_merge.hpp"
#include "pg/merge/merge_target.hpp"
#include "pg/merge/merge_units.hpp"
#include "pg/merge/range_validation.hpp"
#include "pg/rehearsal.hpp"
#include "pg/session_context.hpp"
#include "pg/source_eras.hpp"

namespace backfill::pg {

namespace {

// "a, b": quoted names joined.
std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

// The target's written columns, quoted, joined.
std::string column_list(const MergeTable& m) {
    std::vector<std::string> names;
    for (const auto& c : m.columns)
        names.push_back(c.name);
    return joined(names);
}

// The conflict rule as the pairs of a diff that count as changes.
std::string conflict_filter(const MergeTable& m) {
    switch (m.conflict) {
        case Conflict::LiveWins:
            return "false";
        case Conflict::NewerWins:
            return "n." + m.version_column + " >= o." + m.version_column;
        default:
            return "";
    }
}

}  // namespace

RehearsalBuild rehearse_range(const Job& job, const ChunkRow& chunk) {
    MergeTable m = merge_table(job);
    Range range{Bound{BoundKind::Finite, chunk.lower_key, chunk.lower_bound},
                Bound{BoundKind::Finite, chunk.upper_key, chunk.upper_bound}};
    GucScope waits;
    waits.set("lock_timeout", kRowLockWait);
    BuildTimer timer(job.options.statement_timeout_us);
    RehearsalBuild build;
    auto t0 = std::chrono::steady_clock::now();
    m.stage = stage_in_temporary_table(job, chunk_source(job, chunk), m, range);
    double stage_ms = ms_since(t0);
    measure_rows(job, build, m.stage, m.key);
    // a key that comes twice is refused by the writes: the check says it
    if (build.duplicate_keys > 0) {
        build.build_ms = stage_ms;
        return build;
    }
    auto t1 = std::chrono::steady_clock::now();
    RangeValidation validation(job, m, range);
    MergeRecord r = apply_staged(job, m, chunk.chunk_no, range);
    build.build_ms = stage_ms + ms_since(t1);
    if (validation.active())
        build.validation =
            validation.figures(r.rows_before, r.rows_before + r.rows_inserted - r.rows_deleted);
    return build;
}

void merge_diff_sides(const Job& job, const ChunkRow& chunk, DiffSpec& spec) {
    MergeTable m = merge_table(job);
    std::string columns = column_list(m);
    std::string key = joined(m.key);
    std::string of_chunk =
        " WHERE " + std::string(kImageChunkColumn) + " = " + std::to_string(chunk.chunk_no);
    if (chunk.state == ChunkState::Published) {
        spec.old_rows = "(SELECT " + columns + " FROM " + m.before + of_chunk + " AND " +
                        kImageActionColumn + " <> 'I')";
        spec.new_rows = "(SELECT " + columns + " FROM " + m.target + " WHERE (" + key +
                        ") IN (SELECT " + key + " FROM " + m.before + of_chunk + "))";
    } else {
        Bound lower{BoundKind::Finite, chunk.lower_key, chunk.lower_bound};
        Bound upper{BoundKind::Finite, chunk.upper_key, chunk.upper_bound};
        spec.old_rows = "(SELECT " + columns + " FROM " + m.target + " WHERE " + m.chunk_by +
                        " >= " + typed_literal(lower, job.key_type) + " AND " + m.chunk_by + " < " +
                        typed_literal(upper, job.key_type) + ")";
        spec.new_rows = "(SELECT " + columns + " FROM " + stage_table(job) + of_chunk + ")";
        spec.report_deleted = job.options.merge.delete_missing;
        spec.change_filter = conflict_filter(m);
    }
}

}  // namespace backfill::pg
