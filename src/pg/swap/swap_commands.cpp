#include "pg/swap/swap_commands.hpp"

#include "core/names.hpp"
#include "core/swap/swap_ddl.hpp"
#include "core/user_error.hpp"
#include "pg/chunk_lock.hpp"
#include "pg/job_tables.hpp"
#include "pg/key_values.hpp"
#include "pg/releases.hpp"
#include "pg/runner_common.hpp"
#include "pg/session_context.hpp"
#include "pg/state_store.hpp"
#include "pg/swap/shadow_constraints.hpp"
#include "pg/swap/shadow_indexes.hpp"
#include "pg/swap/swap_spec.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

namespace {

std::string key(const Job& job) { return std::to_string(job.id); }

// The names recorded for a chunk's indexes (column "index_names") or
// extended statistics ("statistics_names"), in recorded order.
std::vector<std::string> names_of(const Job& job, int chunk_no, const std::string& column) {
    auto rows =
        control_query("SELECT pg_catalog.unnest(" + column +
                          ") FROM backfill.chunk WHERE job_id = $1::bigint AND chunk_no = $2::int",
                      {key(job), std::to_string(chunk_no)});
    std::vector<std::string> out;
    for (const auto& r : rows)
        out.push_back(*r[0]);
    return out;
}

// A swap spec for a chunk whose partition is live (an empty LivePartition
// where its parent and constraint do not matter), with the names recorded
// at build time.
SwapSpec spec_for(const Job& job, const ChunkRow& chunk, const LivePartition& live) {
    return swap_spec(job, chunk, parent_name(job), live,
                     names_of(job, chunk.chunk_no, "index_names"),
                     names_of(job, chunk.chunk_no, "statistics_names"));
}

// Drops the guard triggers a job left on a live partition (waiting for the
// lock politely); false when the lock could not be had.
bool drop_guard(const Job& job, const ChunkRow& chunk, const SwapSpec& spec) {
    std::string live = spec.schema + "." + spec.partition;
    if (!relation_named(chunk.part_schema, chunk.part_name).has_value())
        return true;
    return with_lock_retries(job.options.lock_timeout_us, job.options.swap_retries, [&]() {
        for (const auto& s : drop_guard_statements(spec, live))
            execute_quietly(s);
    });
}

// Rollback puts back only what this job itself published: the live
// partition must still be the table the chunk swapped in, and the retained
// original the one it took out; otherwise it refuses, saying what changed.
void require_own_published(const Job& job, const ChunkRow& c, Oid live_oid) {
    std::string qname = qualified(c.part_schema, c.part_name);
    if (live_oid != c.live_oid) {
        // The job that took this job's table out; another role's job is
        // named by its owner only (job names are private per owner).
        auto newer = control_query(
            "SELECT CASE WHEN j.owner = $2::oid THEN 'backfill job \"' || j.name || '\"'"
            " ELSE 'a backfill job of role ' || pg_catalog.pg_get_userbyid(j.owner) END"
            " FROM backfill.chunk ch JOIN backfill.job j ON j.id = ch.job_id"
            " WHERE ch.retained_oid = $1::oid ORDER BY j.id DESC LIMIT 1",
            {std::to_string(c.live_oid), std::to_string(job.owner)});
        throw UserError(
            ErrorKind::WrongState,
            "partition " + qname + " was replaced after backfill job \"" + job.name +
                "\" published it" +
                (newer.empty() ? std::string(" (by DDL)") : " (by " + *newer[0][0] + ")"),
            "Rolling back would discard the newer table and the rows written to it. "
            "Roll back the newer job first, or leave this job as it is.");
    }
    auto retained = relation_named(c.part_schema, c.retained_name);
    if (!retained || retained->oid != c.retained_oid || retained->is_partition)
        throw UserError(
            ErrorKind::WrongState,
            "the retained original of " + qname + " (" + qualified(c.part_schema, c.retained_name) +
                ") is missing or is not the table backfill job \"" + job.name + "\" took out",
            "It was dropped, renamed or replaced; this chunk cannot be rolled back.");
    require_name_free(c.part_schema, c.shadow_name, InvalidOid,
                      "the rolled-back table of chunk " + std::to_string(c.chunk_no));
}

// Rollback would lose rows written to a published chunk since: refused
// (unless forced). Checked under the parent's lock with a fresh snapshot,
// so a write committed just before is seen whatever the caller's isolation.
void refuse_if_written_since_publication(const Job& job) {
    auto written = control_query_latest(
        "SELECT pg_catalog.string_agg(DISTINCT chunk_no::text, ', ') FROM backfill.chunk_write"
        " WHERE job_id = $1::bigint AND phase = 'live'",
        {key(job)});
    if (written[0][0])
        throw UserError(ErrorKind::WrongState,
                        "rows were written to published chunk(s) " + *written[0][0] +
                            " of backfill job \"" + job.name + "\" after they were published",
                        "Rolling back would lose those writes. Copy them out first, then call "
                        "backfill.rollback(name, force => true).");
}

// Purge drops a table a chunk set aside (its retained original, or the
// table a rollback took out) only while nobody wrote to it since: the guard
// left on it records such writes (phase 'retained'). The table is locked
// before the check, made with a fresh snapshot, so no write can commit
// between the check and the drop. Refuses, naming the table.
void refuse_if_written_since_set_aside(const Job& job, const ChunkRow& c, Oid table) {
    auto name = query(
        "SELECT pg_catalog.format('%I.%I', n.nspname, r.relname) FROM pg_catalog.pg_class r"
        " JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace"
        " WHERE r.oid = $1::oid AND r.relkind = 'r' AND NOT r.relispartition",
        {std::to_string(table)});
    if (name.empty())
        return;
    execute_quietly("LOCK TABLE " + *name[0][0] + " IN ACCESS EXCLUSIVE MODE");
    if (control_query_latest("SELECT 1 FROM backfill.chunk_write WHERE job_id = $1::bigint"
                             " AND chunk_no = $2::int AND phase = 'retained' LIMIT 1",
                             {key(job), std::to_string(c.chunk_no)})
            .empty())
        return;
    throw UserError(ErrorKind::WrongState,
                    "rows were written to " + *name[0][0] + " after backfill job \"" + job.name +
                        "\" set it aside (" + chunk_label(c) + ")",
                    "Purging would lose them, so nothing was dropped. Copy what you need out of "
                    "it, drop it yourself, then purge again.");
}

// The spec seen from the retained original, the table a rollback brings
// back: the shadow-side names name it.
SwapSpec retained_view(const SwapSpec& spec) {
    SwapSpec view = spec;
    view.shadow = spec.retained;
    return view;
}

// Under the parent's lock: the retained original's indexes paired with the
// live partition's. An index created on the parent after the indexes were
// completed would be built under the lock: the rollback stops instead.
void pair_indexes_for_restore(const Job& job, const ChunkRow& c, SwapSpec& spec, Oid live) {
    try {
        pair_for_restore(job, c, spec, live, c.retained_oid);
    } catch (const ShadowBehind&) {
        throw UserError(ErrorKind::WrongState,
                        "an index was created on the target while backfill job \"" + job.name +
                            "\" was being rolled back",
                        "Nothing was rolled back. Call backfill.rollback again.");
    }
}

}  // namespace

int drop_unpublished_shadows(const Job& job) {
    int dropped = 0;
    for (const auto& chunk : load_chunks(job.id)) {
        if (!build_discardable(chunk.state))
            continue;
        ChunkLock lock;
        if (!lock.try_take(job.id, chunk.chunk_no))
            continue;  // its runner cleans up
        SwapSpec spec = spec_for(job, chunk, LivePartition{});
        if (drop_own_table(chunk.shadow_oid))
            dropped++;
        drop_guard(job, chunk, spec);
        if (chunk.state != ChunkState::Failed)
            discard_chunk_build(job, chunk.chunk_no);
    }
    return dropped;
}

int restore_retained_originals(const Job& job, bool force) {
    std::vector<ChunkRow> published;
    for (const auto& c : load_chunks(job.id))
        if (c.state == ChunkState::Published)
            published.push_back(c);
    for (const auto& c : published)
        if (!c.retained)
            throw UserError(
                ErrorKind::WrongState,
                "chunk " + std::to_string(c.chunk_no) + " of backfill job \"" + job.name +
                    "\" has no retained original",
                "The job ran with retain = false or was purged; it cannot be rolled back.");
    std::vector<SwapSpec> specs;
    for (const auto& c : published) {
        auto live = live_partition(job.target, c.part_schema, c.part_name);
        if (!live)
            throw UserError(
                ErrorKind::WrongState,
                "partition " + qualified(c.part_schema, c.part_name) + " is no longer attached",
                "Reattach it, then roll back.");
        require_own_published(job, c, live->oid);
        SwapSpec spec = spec_for(job, c, *live);
        for (const auto& s : prepare_restore_statements(spec))
            execute_quietly(s);
        complete_retained_indexes(job, c, spec, live->oid, c.retained_oid);
        complete_shadow_constraints(job, retained_view(spec), live->oid, c.retained_oid);
        specs.push_back(spec);
    }
    bool locked = with_lock_retries(job.options.lock_timeout_us, job.options.swap_retries, [&]() {
        if (specs.empty())
            return;
        execute(lock_parent_statement(specs.front()));
        if (!force)
            refuse_if_written_since_publication(job);
        for (std::size_t i = 0; i < specs.size(); i++) {
            auto live =
                live_partition(job.target, published[i].part_schema, published[i].part_name);
            if (!live)
                throw UserError(ErrorKind::WrongState,
                                "partition " +
                                    qualified(published[i].part_schema, published[i].part_name) +
                                    " was detached while the rollback waited for its lock",
                                "Reattach it, then roll back.");
            require_own_published(job, published[i], live->oid);
            pair_indexes_for_restore(job, published[i], specs[i], live->oid);
            std::string behind = shadow_constraints_behind(published[i], retained_view(specs[i]),
                                                           live->oid, published[i].retained_oid);
            if (!behind.empty())
                throw UserError(ErrorKind::WrongState,
                                "a constraint changed on the target while backfill job \"" +
                                    job.name + "\" was being rolled back (" + behind + ")",
                                "Nothing was rolled back. Call backfill.rollback again.");
            for (const auto& s : restore_statements(specs[i], live->bound_spec))
                execute_quietly(s);
        }
    });
    if (!locked)
        throw UserError(
            ErrorKind::WrongState,
            "could not lock the target within lock_timeout to roll back backfill job \"" +
                job.name + "\"",
            "Long transactions hold the table; retry, or raise lock_timeout in the job's options.");
    std::vector<int> numbers;
    for (const auto& c : published)
        numbers.push_back(c.chunk_no);
    if (!numbers.empty())
        record_release(job, "rollback", numbers);
    record_chunks_rolled_back(job);
    // Writes to the retained originals are live again, nothing to keep.
    control_execute(
        "DELETE FROM backfill.chunk_write WHERE job_id = $1::bigint AND phase = 'retained'",
        {key(job)});
    return static_cast<int>(published.size());
}

int drop_kept_tables(const Job& job) {
    int dropped = 0;
    std::vector<ChunkRow> chunks = load_chunks(job.id);
    for (const auto& chunk : chunks)
        refuse_if_written_since_set_aside(job, chunk,
                                          chunk.retained ? chunk.retained_oid : chunk.shadow_oid);
    for (const auto& chunk : chunks) {
        ChunkLock lock;
        if (!lock.try_take(job.id, chunk.chunk_no))
            continue;
        SwapSpec spec = spec_for(job, chunk, LivePartition{});
        // Only what this job made and nothing attached: drop_own_table
        // goes by OID and leaves partitions alone.
        if (chunk.retained && drop_own_table(chunk.retained_oid))
            dropped++;
        if (drop_own_table(chunk.shadow_oid))
            dropped++;
        drop_guard(job, chunk, spec);
        control_execute(
            "UPDATE backfill.chunk SET retained = false, shadow_exists = false,"
            " retained_oid = NULL, shadow_oid = NULL"
            " WHERE job_id = $1::bigint AND chunk_no = $2::int",
            {key(job), std::to_string(chunk.chunk_no)});
    }
    control_execute("DELETE FROM backfill.chunk_write WHERE job_id = $1::bigint", {key(job)});
    return dropped;
}

}  // namespace backfill::pg
