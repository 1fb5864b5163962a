#include "pg/merge/chunk_merge.hpp"

#include <chrono>
#include <optional>
#include <string>

#include "core/merge/merge_sql.hpp"
#include "core/user_error.hpp"
#include "pg/build_timer.hpp"
#include "pg/key_values.hpp"
#include "pg/merge/merge_target.hpp"
#include "pg/pg_error.hpp"
#include "pg/session_context.hpp"
#include "pg/spi.hpp"
#include "pg/state_store.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

namespace {

// How long a chunk waits for a row another session holds before it is
// retried (a live writer's transaction should be far shorter).
constexpr const char* kRowLockWait = "5s";

// The chunk's range as the core's bounds.
struct Range {
    Bound lower, upper;
};

// The watermark now (run as the owner, in the job's box), as a bound of
// chunk_by's type; nullopt without one.
std::optional<Bound> read_watermark(const Job& job) {
    if (!job.options.merge.watermark)
        return std::nullopt;
    std::vector<Row> rows;
    {
        OwnerBox box(job.owner, job.search_path);
        std::string type =
            *scalar("SELECT pg_catalog.format_type($1::oid, NULL)", {std::to_string(job.key_type)});
        rows = query("SELECT (backfill_watermark.value)::" + type + "::text FROM (\n" +
                     *job.options.merge.watermark + "\n) AS backfill_watermark (value) LIMIT 2");
    }
    if (rows.size() != 1 || !rows[0][0])
        throw UserError(
            ErrorKind::InvalidParameter,
            "the watermark query returned " + std::string(rows.empty()      ? "no row"
                                                          : rows.size() > 1 ? "more than one row"
                                                                            : "NULL"),
            "It must return exactly one value of " + job.key_column + "'s type.");
    return bound_from_text("watermark", *rows[0][0], job.key_type);
}

// Rewords the errors a chunk's writes meet in backfill's terms, and says
// whether a retry can help.
std::pair<std::string, bool> describe_merge_error(const PgError& e) {
    if (e.sqlerrcode == ERRCODE_FOREIGN_KEY_VIOLATION)
        return {e.message + (e.detail.empty() ? "" : " (" + e.detail + ")") +
                    "; nothing of the chunk was written",
                true};
    if (e.sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
        return {std::string("rows of the chunk stayed locked by another session for ") +
                    kRowLockWait + "; the chunk is tried again",
                false};
    return {e.message, false};
}

// The chunk's writes, in the caller's subtransaction; what they did.
MergeRecord write_chunk(const Job& job, int chunk_no, const Range& range) {
    MergeTable m = merge_table(job);
    MergeRecord r;
    auto t0 = std::chrono::steady_clock::now();
    GucScope waits;
    waits.set("lock_timeout", kRowLockWait);
    BuildTimer timer(job.options.statement_timeout_us);
    std::vector<std::string> stage = stage_statements(m, job.source);
    // A security-restricted operation may not create a temporary table, so
    // the empty staging table is made before the box (it runs no user code);
    // the source fills it inside.
    execute(stage[0]);
    {
        OwnerBox box(job.owner, job.search_path);
        execute_with_bounds(stage[1], job.key_type, range.lower, range.upper);
    }
    OwnerBox box(job.owner, kSafeSearchPath);
    if (Value twice = scalar(duplicate_key_statement(m)))
        throw PermanentFailure(ErrorKind::InvalidParameter,
                               "the source returned the key " + *twice + " more than once",
                               "Each key may come once per chunk: deduplicate the source.");
    auto bounds = [&](const std::string& sql) {
        return query_with_bounds(sql, job.key_type, range.lower, range.upper);
    };
    Row matched = bounds(match_count_statement(m))[0];
    if (*matched[1] != "0")
        throw PermanentFailure(ErrorKind::InvalidParameter,
                               "the source returned " + *matched[1] +
                                   " row(s) whose key lives outside the chunk's range [" +
                                   range.lower.text + ", " + range.upper.text + ") of " +
                                   job.key_column,
                               "The source must not move rows across chunks: keep " +
                                   job.key_column + " as it is, or correct such rows separately.");
    r.rows_before = std::stoll(*bounds(range_count_statement(m))[0][0]);
    if (m.conflict != Conflict::LiveWins)
        r.rows_updated = static_cast<std::int64_t>(execute_with_bounds(
            update_statement(m, chunk_no), job.key_type, range.lower, range.upper));
    if (job.options.merge.delete_missing)
        r.rows_deleted = static_cast<std::int64_t>(execute_with_bounds(
            delete_statement(m, chunk_no), job.key_type, range.lower, range.upper));
    r.rows_inserted = static_cast<std::int64_t>(
        execute_with_bounds(insert_statement(m, chunk_no), job.key_type, range.lower, range.upper));
    r.rows_unchanged = std::stoll(*matched[0]) - r.rows_updated;
    TransactionId xid = pg_guard([]() { return GetCurrentTransactionIdIfAny(); });
    if (TransactionIdIsValid(xid))
        r.write_xid = std::to_string(xid);
    r.build_ms = std::to_string(ms_since(t0));
    return r;
}

}  // namespace

Outcome merge_chunk(const Job& job, const ChunkRow& chunk) {
    try {
        start_chunk_attempt(job, chunk.chunk_no);
        commit_step();
        Range range{Bound{BoundKind::Finite, chunk.lower_key, chunk.lower_bound},
                    Bound{BoundKind::Finite, chunk.upper_key, chunk.upper_bound}};
        bool skipped = false;
        in_subtransaction([&]() {
            std::optional<Bound> watermark = read_watermark(job);
            if (watermark && compare_bounds(*watermark, range.lower) <= 0) {
                record_chunk_skipped(
                    job, chunk.chunk_no,
                    "the watermark " + watermark->text + " is at or below " + range.lower.text);
                skipped = true;
                return;
            }
            std::optional<Bound> clamped;
            if (watermark && compare_bounds(*watermark, range.upper) < 0)
                clamped = range.upper = *watermark;
            MergeRecord record = write_chunk(job, chunk.chunk_no, range);
            record.clamped_upper = clamped;
            record_chunk_merged(job, chunk.chunk_no, record);
        });
        commit_step();
        if (!skipped)
            notice("backfill job \"" + job.name + "\": " + chunk_label(chunk) + " merged");
        return Outcome::Published;
    } catch (const PermanentFailure& e) {
        return record_failure(job, chunk, e.what(), true);
    } catch (const UserError& e) {
        return record_failure(job, chunk, e.what(), false);
    } catch (const PgError& e) {
        bool timed_out = build_timed_out();
        if (is_user_cancel(e) && !timed_out)
            throw;
        if (timed_out)
            return record_failure(job, chunk, "merging the chunk exceeded statement_timeout",
                                  false);
        auto [message, permanent] = describe_merge_error(e);
        return record_failure(job, chunk, message, permanent);
    }
}

}  // namespace backfill::pg
