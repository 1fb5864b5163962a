#include "pg/swap/chunk_builder.hpp"

#include "core/names.hpp"
#include "core/source_check.hpp"
#include "pg/build_timer.hpp"
#include "pg/catalog_fingerprint.hpp"
#include "pg/chunk_validation.hpp"
#include "pg/job_tables.hpp"
#include "pg/pg_error.hpp"
#include "pg/row_count.hpp"
#include "pg/session_context.hpp"
#include "pg/source_eras.hpp"
#include "pg/state_store.hpp"
#include "pg/swap/built_shadows.hpp"
#include "pg/swap/chunk_plan.hpp"
#include "pg/swap/shadow_indexes.hpp"
#include "pg/swap/swap_spec.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

std::string describe_build_error(const PgError& e, const Job& job, const ChunkRow& chunk) {
    if (e.sqlerrcode == ERRCODE_CHECK_VIOLATION &&
        e.message.find(bound_check_name(job.id, chunk.chunk_no)) != std::string::npos)
        return "the source returned a row outside the chunk's bounds [" + chunk.lower_bound + ", " +
               chunk.upper_bound + "); filter it with " + job.key_column + " >= $1 AND " +
               job.key_column + " < $2";
    return e.message;
}

namespace {

// The names of the partition's indexes the shadow was built from, as the
// name[] literal the chunk records (sorted by name, as live_indexes reads
// them; publication records them again in the order it paired them).
std::string index_names(const std::vector<LiveIndex>& indexes) {
    std::vector<std::string> names;
    for (const auto& index : indexes)
        names.push_back(index.name);
    return text_array(names);
}

// Every name the chunk will give a table or an index (shadow, retained
// original, their indexes) must be free before the build starts: a table
// someone else put there is reported with its owner, never dropped.
void require_names_free(const Job& job, const ChunkRow& chunk,
                        const std::vector<LiveIndex>& indexes) {
    std::vector<WantedName> wanted = {
        {chunk.shadow_name, "the shadow of " + chunk_label(chunk)},
        {chunk.retained_name, "the retained original of " + chunk_label(chunk)}};
    int k = 0;
    for (const auto& index : indexes) {
        k++;
        wanted.push_back({shadow_index_name(chunk.part_name, job.id, chunk.chunk_no, k),
                          "an index of the shadow of " + chunk_label(chunk)});
        wanted.push_back({retained_index_name(index.name, job.id, chunk.chunk_no, k),
                          "an index of the retained original of " + chunk_label(chunk)});
    }
    require_names_free(chunk.part_schema, wanted);
}

// What the publication may take as it is (built_shadows.hpp), once the
// shadow is complete. The partition's fingerprint is the one taken before
// the plan read anything: a change since, during the build included, makes
// the publication's differ.
std::optional<BuiltShadow> as_built(const Job& job, const ChunkRow& chunk, const ChunkPlan& plan,
                                    Oid shadow) {
    auto pairs = built_index_pairs(job, chunk, plan.indexes, shadow);
    if (!pairs)
        return std::nullopt;
    return BuiltShadow{job.id, chunk.chunk_no,        plan.live.live.oid,
                       shadow, plan.live_fingerprint, catalog_fingerprint(shadow),
                       *pairs};
}

// Step 1: the guard trigger on the live partition (whose OID the guard
// checks), a clean slate for the shadow (the one this chunk built before,
// by OID; a table someone else put at its name is refused, never dropped),
// and the attempt counted. Committed before the build starts, so every
// write the build's snapshot misses is recorded.
void prepare_build(const Job& job, const ChunkRow& chunk, const ChunkPlan& plan) {
    const LiveChunk& lc = plan.live;
    const SwapSpec& spec = plan.spec;
    std::string live = spec.schema + "." + spec.partition;
    bool locked = with_lock_retries(job.options.lock_timeout_us, job.options.swap_retries, [&]() {
        install_guard(spec, live, lc.live.oid, "build", GuardSlate::Replace);
    });
    if (!locked)
        throw UserError(ErrorKind::WrongState,
                        "could not lock partition " + live + " to install the write guard",
                        "Long transactions on the partition block it; retry later.");
    // The attempt is counted outside the subtransaction below, so that a
    // step failing there still uses one up (and a squatted name ends in a
    // failed chunk, not in a retry loop).
    start_chunk_attempt(job, chunk.chunk_no);
    in_subtransaction([&]() {
        {
            OwnerBox box(job.owner, kOurSql);
            drop_own_table(chunk.shadow_oid);
        }
        require_names_free(job, chunk, plan.indexes);
        // the writes an earlier attempt saw are forgotten in the same statement
        control_execute(
            "WITH forgotten AS (DELETE FROM backfill.chunk_write"
            "  WHERE job_id = $1::bigint AND chunk_no = $2::int)"
            " UPDATE backfill.chunk SET live_oid = $3::oid, shadow_oid = NULL"
            " WHERE job_id = $1::bigint AND chunk_no = $2::int",
            {job_key(job), std::to_string(chunk.chunk_no), std::to_string(lc.live.oid)});
    });
    // Flushed before any of the owner's SQL runs: an attempt that crashes
    // the server must count, or max_attempts would never stop the loop.
    commit_step();
}

// Step 2: shadow created, loaded from the source, indexed, validated
// against the partition it replaces, analyzed; the chunk becomes built (or
// failed, keeping its shadow for inspection) in the same transaction, so a
// built chunk is always a validated one.
Outcome build_shadow(const Job& job, const ChunkRow& chunk, ChunkPlan& plan) {
    const LiveChunk& lc = plan.live;
    SwapSpec& spec = plan.spec;
    std::string shadow = spec.schema + "." + spec.shadow;
    auto t0 = std::chrono::steady_clock::now();
    std::optional<ValidationVerdict> verdict;
    std::optional<BuiltShadow> built;
    std::string source = chunk_source(job, chunk);
    in_subtransaction([&]() {
        OwnerBox ddl_box(job.owner, kOurSql);
        std::string rows_before = std::to_string(count_rows(lc.live.oid));
        auto unvalidated = not_valid_checks(lc.live.oid);
        std::uint64_t rows_after = load_shadow(job, source, lc, spec, unvalidated);
        Oid shadow_oid = relation_named(chunk.part_schema, chunk.shadow_name).value().oid;
        finish_shadow(spec, unvalidated);
        run_all(copy_ownership_statements(lc.live.oid, shadow));
        install_guard(spec, shadow, shadow_oid, "live", GuardSlate::Fresh);
        if (!job.options.validate.empty())
            verdict =
                validate_chunk(job, spec.schema + "." + spec.partition, shadow,
                               std::stoll(rows_before), static_cast<std::int64_t>(rows_after));
        BuildRecord build;
        build.passed = !verdict || verdict->passed;
        if (verdict)
            for (const auto& f : verdict->failures)
                build.failures += (build.failures.empty() ? "" : "; ") + f;
        build.rows_before = rows_before;
        build.rows_after = std::to_string(rows_after);
        build.build_ms = std::to_string(ms_since(t0));
        build.index_names = index_names(plan.indexes);
        build.build_xid = std::to_string(pg_guard([]() { return GetTopTransactionId(); }));
        build.shadow_oid = std::to_string(shadow_oid);
        if (verdict)
            build.validation = verdict->figures_json;
        built = as_built(job, chunk, plan, shadow_oid);
        record_chunk_build(job, chunk.chunk_no, build,
                           build.passed ? build.rows_after + " rows (was " + rows_before + ")"
                                        : "validation failed: " + build.failures +
                                              "; the shadow is kept for inspection");
        if (!build.passed)
            stop_job_if_asked(job, chunk, "validation failed: " + build.failures);
    });
    // A built chunk's commit does not wait for its flush: the publication
    // that follows flushes it with its own commit, or before it waits for
    // anything (a lock, older snapshots, a pause: flush_deferred_commits).
    // Only a crash in the instants between loses it, and the chunk is then
    // rebuilt (its attempt was flushed when claimed). One WAL flush less per
    // chunk. A failed validation, which may stop the job, is flushed.
    bool passed = !verdict || verdict->passed;
    commit_step(passed ? CommitFlush::Deferred : CommitFlush::Wait);
    if (passed && built)
        remember_built_shadow(std::move(*built));
    if (!passed) {
        pg_guard([&]() {
            ereport(WARNING, (errmsg("backfill job \"%s\": %s failed validation", job.name.c_str(),
                                     chunk_label(chunk).c_str())));
        });
        return Outcome::Failed;
    }
    return Outcome::Built;
}

}  // namespace

std::uint64_t load_shadow(const Job& job, const std::string& source, const LiveChunk& lc,
                          const SwapSpec& spec, const std::vector<NotValidCheck>& unvalidated) {
    run_all(create_shadow_statements(spec));
    for (const auto& c : unvalidated)
        execute("ALTER TABLE " + spec.schema + "." + spec.shadow + " DROP CONSTRAINT " + c.name);
    OwnerBox box(job.owner, job.search_path);
    BuildTimer timer(job.options.statement_timeout_us);
    // $1 and $2 where the chunk has bounds (create refused them elsewhere);
    // the partition constraint filters the rows anyway
    std::string load = load_shadow_statement(spec, source);
    return source_uses_parameters(source)
               ? execute_with_bounds(load, job.key_type, lc.lower, lc.upper)
               : execute(load);
}

void finish_shadow(const SwapSpec& spec, const std::vector<NotValidCheck>& unvalidated) {
    for (const auto& idx : spec.indexes)
        build_index(spec, idx, spec.shadow);
    run_all(finish_shadow_statements(spec));
    for (const auto& c : unvalidated)
        execute("ALTER TABLE " + spec.schema + "." + spec.shadow + " ADD CONSTRAINT " + c.name +
                " " + c.definition);
}

Outcome build_chunk(const Job& job, const ChunkRow& chunk, const std::string& parent) {
    try {
        std::optional<ChunkPlan> plan;
        in_subtransaction([&]() { plan = plan_chunk(job, chunk, parent, PlanFor::Build); });
        prepare_build(job, chunk, *plan);
        return build_shadow(job, chunk, *plan);
    } catch (const PermanentFailure& e) {
        return record_failure(job, chunk, e.what(), true);
    } catch (const UserError& e) {
        return record_failure(job, chunk, e.what(), false);
    } catch (const PgError& e) {
        bool timed_out = build_timed_out();
        if (is_user_cancel(e) && !timed_out)
            throw;
        std::string message =
            timed_out ? "building the chunk exceeded statement_timeout" : e.message;
        return record_failure(job, chunk, message, false);
    }
}

}  // namespace backfill::pg
