#include "pg/merge/chunk_merge.hpp"

#include <chrono>
#include <optional>
#include <string>

#include "core/merge/merge_sql.hpp"
#include "core/user_error.hpp"
#include "pg/after_publish.hpp"
#include "pg/announcements.hpp"
#include "pg/build_timer.hpp"
#include "pg/canary_gate.hpp"
#include "pg/key_values.hpp"
#include "pg/merge/merge_target.hpp"
#include "pg/merge/range_validation.hpp"
#include "pg/pg_error.hpp"
#include "pg/session_context.hpp"
#include "pg/source_eras.hpp"
#include "pg/spi.hpp"
#include "pg/state_store.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

namespace {

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

}  // namespace

MergeRecord apply_staged(const Job& job, const MergeTable& m, int chunk_no, const Range& range) {
    // the owner's triggers fire for the written rows: the job's search_path
    OwnerBox box(job.owner, job.search_path);
    MergeRecord r;
    auto bounds = [&](const std::string& sql) {
        return query_with_bounds(sql, job.key_type, range.lower, range.upper);
    };
    Row counts = bounds(chunk_counts_statement(m))[0];
    std::int64_t staged = std::stoll(*counts[0]);
    std::int64_t matched = std::stoll(*counts[3]);
    r.rows_before = std::stoll(*counts[2]);
    if (*counts[1] != "0")
        throw PermanentFailure(ErrorKind::InvalidParameter,
                               "the source returned the key " +
                                   *bounds(duplicate_key_statement(m))[0][0] + " more than once",
                               "Each key may come once per chunk: deduplicate the source.");
    std::string outside =
        staged > matched && !chunk_by_in_key(m) ? *bounds(outside_count_statement(m))[0][0] : "0";
    if (outside != "0")
        throw PermanentFailure(ErrorKind::InvalidParameter,
                               "the source returned " + outside +
                                   " row(s) whose key lives outside the chunk's range [" +
                                   range.lower.text + ", " + range.upper.text + ") of " +
                                   job.key_column,
                               "The source must not move rows across chunks: keep " +
                                   job.key_column + " as it is, or correct such rows separately.");
    auto write = [&](const std::string& sql) {
        return static_cast<std::int64_t>(
            execute_with_bounds(sql, job.key_type, range.lower, range.upper));
    };
    if (m.conflict != Conflict::LiveWins && matched > 0)
        r.rows_updated = write(update_statement(m, chunk_no));
    if (job.options.merge.delete_missing && r.rows_before > matched)
        r.rows_deleted = write(delete_statement(m, chunk_no));
    if (staged > matched)
        r.rows_inserted = write(insert_statement(m, chunk_no));
    r.rows_unchanged = matched - r.rows_updated;
    return r;
}

namespace {

// The chunk's writes, validated when asked, in the caller's
// subtransaction; what they did. stage fills m.stage (outside any box: it
// may create a temporary table) and returns it.
MergeRecord write_chunk(const Job& job, MergeTable m, int chunk_no, const Range& range,
                        const StageStep& stage) {
    auto t0 = std::chrono::steady_clock::now();
    GucScope waits;
    waits.set("lock_timeout", kRowLockWait);
    BuildTimer timer(job.options.statement_timeout_us);
    m.stage = stage(m, range);
    // the validation's copy of the range is made before any box, like the
    // staging table
    RangeValidation validation(job, m, range);
    MergeRecord r = apply_staged(job, m, chunk_no, range);
    r.validation =
        validation.verdict(r.rows_before, r.rows_before + r.rows_inserted - r.rows_deleted);
    TransactionId xid = pg_guard([]() { return GetCurrentTransactionIdIfAny(); });
    if (TransactionIdIsValid(xid))
        r.write_xid = std::to_string(xid);
    r.build_ms = std::to_string(ms_since(t0));
    return r;
}

}  // namespace

std::string stage_in_temporary_table(const Job& job, const std::string& source, const MergeTable& m,
                                     const Range& range) {
    MergeTable temporary = m;
    temporary.stage = "pg_temp.backfill_stage";
    std::vector<std::string> stage = stage_statements(temporary, source);
    execute(stage[0]);
    OwnerBox box(job.owner, job.search_path);
    execute_with_bounds(stage[1], job.key_type, range.lower, range.upper);
    return temporary.stage;
}

bool merge_in_place(const Job& job, const MergeTable& m, const ChunkRow& chunk,
                    const StageStep& stage) {
    Range range{Bound{BoundKind::Finite, chunk.lower_key, chunk.lower_bound},
                Bound{BoundKind::Finite, chunk.upper_key, chunk.upper_bound}};
    std::optional<Bound> watermark = read_watermark(job);
    if (watermark && compare_bounds(*watermark, range.lower) <= 0) {
        record_chunk_skipped(
            job, chunk.chunk_no,
            "the watermark " + watermark->text + " is at or below " + range.lower.text);
        return false;
    }
    std::optional<Bound> clamped;
    if (watermark && compare_bounds(*watermark, range.upper) < 0)
        clamped = range.upper = *watermark;
    MergeRecord record = write_chunk(job, m, chunk.chunk_no, range, stage);
    record.clamped_upper = clamped;
    record_chunk_merged(job, chunk.chunk_no, record);
    return true;
}

Outcome record_merge_failure(const Job& job, const ChunkRow& chunk, const std::exception& error) {
    if (const auto* p = dynamic_cast<const PermanentFailure*>(&error))
        return record_failure(job, chunk, p->what(), true);
    if (const auto* u = dynamic_cast<const UserError*>(&error))
        return record_failure(job, chunk, u->what(), false);
    const auto& e = dynamic_cast<const PgError&>(error);
    bool timed_out = build_timed_out();
    if (is_user_cancel(e) && !timed_out)
        throw e;
    if (timed_out)
        return record_failure(job, chunk, "merging the chunk exceeded statement_timeout", false);
    auto [message, permanent] = describe_merge_error(e);
    return record_failure(job, chunk, message, permanent);
}

Outcome merge_chunk(const Job& job, const ChunkRow& chunk) {
    try {
        start_chunk_attempt(job, chunk.chunk_no);
        commit_step();
        bool merged = false;
        std::string source = chunk_source(job, chunk);
        bool canary_full = false;
        in_subtransaction([&]() {
            // the chunk's transaction publishes it: the canary is counted here
            std::optional<int> room = lock_canary_room(job);
            canary_full = room && *room == 0;
            if (!canary_full) {
                merged = merge_in_place(job, merge_table(job), chunk,
                                        [&](const MergeTable& m, const Range& range) {
                                            return stage_in_temporary_table(job, source, m, range);
                                        });
                if (merged)
                    announce_publication(job, {chunk.chunk_no}, std::nullopt);
            }
            pause_at_canary(job);
        });
        commit_step();
        if (canary_full) {
            give_back_attempt(job, chunk.chunk_no, "the canary is published: awaiting approval");
            commit_step();
            return Outcome::Stopped;
        }
        if (merged) {
            notice("backfill job \"" + job.name + "\": " + chunk_label(chunk) + " merged");
            run_after_publish(job, {chunk.chunk_no});
        }
        return Outcome::Published;
    } catch (const UserError& e) {
        return record_merge_failure(job, chunk, e);
    } catch (const PgError& e) {
        return record_merge_failure(job, chunk, e);
    }
}

}  // namespace backfill::pg
