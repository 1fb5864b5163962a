#include "pg/swap/publisher.hpp"

#include "core/publication.hpp"
#include "core/target_checks.hpp"
#include "pg/after_publish.hpp"
#include "pg/canary_gate.hpp"
#include "pg/catalog_cache.hpp"
#include "pg/job_tables.hpp"
#include "pg/pg_error.hpp"
#include "pg/releases.hpp"
#include "pg/session_context.hpp"
#include "pg/snapshot_wait.hpp"
#include "pg/state_store.hpp"
#include "pg/swap/built_shadows.hpp"
#include "pg/swap/chunk_plan.hpp"
#include "pg/swap/shadow_constraints.hpp"
#include "pg/swap/shadow_indexes.hpp"
#include "pg/swap/swap_spec.hpp"
#include "pg/swap/table_metadata_reader.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

namespace {

// Thrown inside the publishing transaction when a chunk must be built
// again: the guard saw a write to its live partition during the build, or
// the live partition is no longer the one that was guarded. The unit must
// not be published.
struct MustRebuild {
    int chunk_no;
    std::string reason;
};

// What one try of a unit's publishing transaction did.
struct UnitTry {
    std::vector<int> published;
    bool cancelled = false;  // the job ended (cancelled, rolled back...)
    bool paused = false;     // the job is paused: keep the built shadows
    std::chrono::steady_clock::time_point locked_at;
};

// The published chunks' records and their chunk_published events, with
// how long the unit held the parent's lock up to its last swap statement
// (the commit's WAL flush comes after), in the publishing transaction
// itself, so that no commit is spent on them. Each chunk was read 'built'
// under its row lock.
void record_published(const Job& job, const UnitTry& t, std::vector<PublishRecord>& records) {
    double swap_ms = ms_since(t.locked_at);
    std::string detail =
        "swap held the parent's lock for " + std::to_string(swap_ms) + " ms" +
        (t.published.size() > 1 ? " (with " + std::to_string(t.published.size() - 1) + " more)"
                                : std::string());
    for (std::size_t i = 0; i < t.published.size(); i++) {
        records[i].swap_ms = swap_ms;
        record_chunk_published(job, t.published[i], records[i], detail);
    }
}

// The body of the publishing transaction for a unit; run inside
// with_lock_retries. Chunks no longer built (published meanwhile by another
// runner) are skipped; the parent's lock serialises publishers.
void publish_try(const Job& job, const std::vector<ChunkRow>& unit,
                 const std::vector<ChunkPlan>& plans, bool manual, UnitTry& t) {
    t = UnitTry{};
    OwnerBox box(job.owner, kOurSql);
    // Checked under the job row's lock, held to the end of this
    // transaction: nothing is published once the job was paused (except by
    // backfill.publish on a paused job), cancelled or rolled back, however
    // long the runner waited to get here. The row is taken before the
    // parent, in the order the commands take them, so a command holding
    // the row and waiting for the parent never waits for us.
    switch (lock_publication_gate(job, manual)) {
        case PublishGate::Refuse:
            t.cancelled = true;
            return;
        case PublishGate::KeepBuilt:
            t.paused = true;
            return;
        case PublishGate::Publish:
            break;
    }
    // A chunk built just before was committed without waiting for its
    // flush (build_shadow); it is flushed before this waits for the lock.
    flush_unless_lock_free(job.target, AccessExclusiveLock);
    execute(lock_parent_statement(plans.front().spec));
    t.locked_at = std::chrono::steady_clock::now();
    // counted under the parent's lock, which serialises publishers
    std::optional<int> room = lock_canary_room(job);
    std::vector<PublishRecord> records;
    for (std::size_t i = 0; i < unit.size(); i++) {
        if (room && static_cast<int>(t.published.size()) >= *room)
            break;
        const ChunkRow& c = unit[i];
        const SwapSpec& spec = plans[i].spec;
        std::string no = std::to_string(c.chunk_no);
        auto now = control_query(
            "SELECT state, live_oid, shadow_oid FROM backfill.chunk"
            " WHERE job_id = $1::bigint AND chunk_no = $2::int FOR UPDATE",
            {job_key(job), no});
        if (*now[0][0] != "built")
            continue;
        std::string qname = qualified(c.part_schema, c.part_name);
        auto live = live_partition(job.target, c.part_schema, c.part_name, false);
        if (!live)
            throw PermanentFailure(ErrorKind::WrongState,
                                   "partition " + qname + " is no longer a partition of the target",
                                   "Create a new job for the table as it is now.");
        if (!now[0][1] || std::to_string(live->oid) != *now[0][1])
            throw MustRebuild{c.chunk_no,
                              "partition " + qname + " was replaced after its shadow was built"};
        auto shadow = relation_named(c.part_schema, c.shadow_name);
        if (!shadow || !now[0][2] || std::to_string(shadow->oid) != *now[0][2])
            throw MustRebuild{c.chunk_no, "the shadow of " + chunk_label(c) +
                                              " is not the table this chunk built"};
        auto squatter = relation_named(c.part_schema, c.retained_name);
        if (squatter)
            throw PermanentFailure(
                ErrorKind::WrongState,
                "relation " + qualified(c.part_schema, c.retained_name) + " (owned by role " +
                    squatter->owner +
                    ") already exists, and backfill needs this name for the "
                    "retained original of " +
                    chunk_label(c),
                "backfill never drops or renames a table it did not create. Rename or drop that "
                "relation, then SELECT backfill.retry(name).");
        // built by this runner and unchanged since: its pairing stands
        auto built = take_built_shadow(job.id, c.chunk_no, shadow->oid);
        bool as_built = built && unchanged_since_build(*built, live->oid, shadow->oid);
        execute(detach_statement(spec));
        OwnDefinitions own = own_definitions(live->oid);
        if (auto refusal = replaced_partition_refusal(qname, own.triggers, own.row_security))
            throw PermanentFailure(refusal->kind(), refusal->what(), refusal->hint());
        // the shadow locked too (as ATTACH will), so that no write to
        // either table can come after this look
        pg_guard([&]() { LockRelationOid(shadow->oid, AccessExclusiveLock); });
        auto writes = control_query_latest(
            "SELECT count(*) FROM backfill.chunk_write WHERE job_id = $1::bigint"
            " AND chunk_no = $2::int AND phase = 'build'",
            {job_key(job), no});
        if (*writes[0][0] != "0")
            throw MustRebuild{c.chunk_no, "rows of partition " + qname +
                                              " or of its shadow were written after its build "
                                              "began"};
        // Indexes and statistics paired by what they are; the partition's
        // catalog attributes as they are now, after the detach, win over
        // those the shadow copied at build time.
        SwapSpec paired = spec;
        PairedNames names =
            as_built ? pair_as_built(job, c, paired, built->indexes, live->oid, shadow->oid)
                     : pair_for_publication(job, c, paired, live->oid, shadow->oid);
        std::string behind =
            as_built ? "" : shadow_constraints_behind(c, spec, live->oid, shadow->oid);
        if (!behind.empty())
            throw ShadowBehind{c.chunk_no, behind};
        TableMetadata wanted = read_table_metadata(live->oid);
        run_all(swap_in_statements(paired, live->bound_spec));
        run_all(metadata_statements(wanted, read_table_metadata(shadow->oid), paired.schema,
                                    paired.schema + "." + paired.partition));
        if (!job.options.retain)
            drop_own_table(live->oid);
        records.push_back(
            PublishRecord{job.options.retain, live->oid, names.indexes, names.statistics});
        t.published.push_back(c.chunk_no);
    }
    record_published(job, t, records);
    if (!t.published.empty())
        record_release(job, "publish", t.published, job.options.notify);
    pause_at_canary(job);
}

// Outside the parent's lock, each shadow of the unit gets the indexes and
// constraints its partition gained since the build and loses those it
// lost, so that the publishing transaction builds and validates none (a
// runner does it once that transaction found a shadow behind; a manual
// publish first). A shadow that is not the chunk's own is left for
// publish_try to refuse.
void complete_unit_shadows(const Job& job, const std::vector<ChunkRow>& unit,
                           const std::vector<ChunkPlan>& plans) {
    in_subtransaction([&]() {
        for (std::size_t i = 0; i < unit.size(); i++) {
            const ChunkRow& c = unit[i];
            auto shadow = relation_named(c.part_schema, c.shadow_name);
            if (c.state == ChunkState::Built && shadow && shadow->oid == c.shadow_oid) {
                complete_shadow_indexes(job, c, plans[i].spec, plans[i].live.live.oid, shadow->oid);
                complete_shadow_constraints(job, plans[i].spec, plans[i].live.live.oid,
                                            shadow->oid);
            }
        }
    });
}

// A shadow that cannot get an index or constraint its partition gained (a
// new unique index or CHECK its rows violate, for one) is built again from
// the source.
void record_completion_failure(const Job& job, const std::vector<ChunkRow>& unit,
                               const PgError& e) {
    record_failure(
        job, unit.front(),
        "the shadow could not get an index or constraint its partition gained since the build: " +
            e.message,
        false);
}

// How many times an index or constraint appearing while a unit waits for the parent's
// lock sends it back to complete its shadows before the chunk is rebuilt.
constexpr int kCompletionRounds = 3;

// Publishes one unit in its own committed transaction, from a runner,
// once the older snapshots are gone (waiting at most budget_us for them).
PublishResult publish_unit(const Job& job, const std::vector<ChunkRow>& unit,
                           const std::string& parent, std::int64_t budget_us) {
    std::vector<ChunkPlan> plans;
    for (const auto& c : unit) {
        try {
            in_subtransaction(
                [&]() { plans.push_back(plan_chunk(job, c, parent, PlanFor::Publication)); });
        } catch (const PermanentFailure& e) {
            record_failure(job, c, e.what(), true);
            return {};
        }
    }
    // The shadows are completed only when the publishing transaction finds
    // one behind (ShadowBehind, below): an index or constraint the
    // partition gained since the build is rare, and reading both tables'
    // indexes and constraints here too would cost every chunk the reads the
    // check under the lock makes anyway.
    commit_step();
    switch (wait_for_older_snapshots(job, unit, budget_us, false)) {
        case SnapshotWait::Clear:
            break;
        case SnapshotWait::Deferred:
            return PublishResult{0, false, true};
        case SnapshotWait::Stopped:
            return PublishResult{0, true};
    }
    UnitTry t;
    bool locked = false;
    try {
        for (int round = 1;; round++) {
            try {
                locked = with_lock_retries(job.options.lock_timeout_us, job.options.swap_retries,
                                           [&]() { publish_try(job, unit, plans, false, t); });
                break;
            } catch (const ShadowBehind& e) {
                if (round == kCompletionRounds)
                    throw MustRebuild{e.chunk_no, e.reason};
                try {
                    complete_unit_shadows(job, unit, plans);
                } catch (const PgError& pe) {
                    record_completion_failure(job, unit, pe);
                    return {};
                }
                commit_step();
            }
        }
    } catch (const MustRebuild& w) {
        for (const auto& c : unit)
            if (c.chunk_no == w.chunk_no) {
                // one transaction: between a commit of the discard and the
                // failure's record, another runner could claim the pending
                // chunk, and the record would then undo its attempt
                discard_shadow(job, c);
                record_failure(job, c, w.reason + "; rebuilding", false);
            }
        return {};
    } catch (const PermanentFailure& e) {
        record_failure(job, unit.front(), e.what(), true);
        return {};
    }
    if (!locked) {
        for (const auto& c : unit)
            record_failure(job, c,
                           "could not lock " + parent + " within lock_timeout in " +
                               std::to_string(job.options.swap_retries) + " tries",
                           false);
        return {};
    }
    if (t.cancelled) {
        for (const auto& c : unit)
            discard_shadow(job, c);
        commit_step();
        return PublishResult{0, true};
    }
    if (t.paused) {
        commit_step();
        return PublishResult{0, true};
    }
    commit_step();
    for (const auto& c : unit)
        for (int no : t.published)
            if (no == c.chunk_no)
                notice("backfill job \"" + job.name + "\": " + chunk_label(c) + " published");
    run_after_publish(job, t.published);
    return PublishResult{static_cast<int>(t.published.size()), false};
}

// The rows of rows numbered in numbers, in the order of numbers.
std::vector<ChunkRow> rows_numbered(const std::vector<ChunkRow>& rows,
                                    const std::vector<int>& numbers) {
    std::vector<ChunkRow> out;
    for (int no : numbers)
        for (const auto& c : rows)
            if (c.chunk_no == no)
                out.push_back(c);
    return out;
}

}  // namespace

PublishResult publish_ready(const Job& job, const std::string& parent,
                            std::int64_t snapshot_budget_us) {
    PublishResult total;
    std::vector<ChunkRow> built = load_built_chunks(job.id);
    if (built.empty())
        return total;
    std::vector<int> built_numbers;
    for (const auto& c : built)
        built_numbers.push_back(c.chunk_no);
    auto units = units_of_built(job.options.publish, built_numbers);
    if (!units)
        units = ready_units(job.options.publish, job.options.partitions_per_batch,
                            chunk_states(job.id));
    bool first = true;
    for (const auto& numbers : *units) {
        // The first unit's rows are those just read, unless a chunk of it
        // was built since (the states ready_units read are newer): a unit
        // is published whole or not at all. A later unit's are read again,
        // after the units before it committed.
        std::vector<ChunkRow> unit;
        if (first)
            unit = rows_numbered(built, numbers);
        if (unit.size() != numbers.size())
            unit = load_chunks(job.id, int_array(numbers));
        first = false;
        PublishResult r = publish_unit(job, unit, parent, snapshot_budget_us);
        total.published += r.published;
        if (r.stopped)
            return PublishResult{total.published, true};
        // The snapshots that held this unit back are older than the later
        // builds too: waiting for them again, unit after unit, would only
        // multiply the bound.
        if (r.deferred)
            return PublishResult{total.published, false, true};
    }
    return total;
}

int publish_all_built(const Job& job) {
    std::string parent = parent_name(job);
    std::vector<ChunkRow> unit;
    int unbuilt = 0;
    for (const auto& c : load_chunks(job.id)) {
        if (c.state == ChunkState::Built)
            unit.push_back(c);
        if (c.state == ChunkState::Pending || c.state == ChunkState::Running)
            unbuilt++;
    }
    if (unbuilt > 0)
        throw UserError(ErrorKind::WrongState,
                        std::to_string(unbuilt) + " chunk(s) of backfill job \"" + job.name +
                            "\" are not built yet",
                        "Wait until the job has built every chunk (it pauses, awaiting "
                        "publication), then publish.");
    if (unit.empty())
        return 0;
    // Like a runner, for the older snapshots, at most snapshot_wait; a job
    // cancelled meanwhile is refused under the parent's lock below.
    if (wait_for_older_snapshots(job, unit, job.options.snapshot_wait_us, true) ==
        SnapshotWait::Deferred)
        return 0;
    std::vector<ChunkPlan> plans;
    for (const auto& c : unit)
        plans.push_back(plan_chunk(job, c, parent, PlanFor::Publication));
    complete_unit_shadows(job, unit, plans);
    UnitTry t;
    bool locked = false;
    try {
        for (int round = 1;; round++) {
            try {
                locked = with_lock_retries(job.options.lock_timeout_us, job.options.swap_retries,
                                           [&]() { publish_try(job, unit, plans, true, t); });
                break;
            } catch (const ShadowBehind& e) {
                if (round == kCompletionRounds)
                    throw MustRebuild{e.chunk_no, e.reason};
                complete_unit_shadows(job, unit, plans);
            }
        }
    } catch (const MustRebuild& w) {
        for (const auto& c : unit)
            if (c.chunk_no == w.chunk_no)
                discard_shadow(job, c);
        change_job_state(
            job, JobState::Paused,
            EventNote{Event::ChunkRetry, w.reason + "; nothing was published", w.chunk_no});
        pg_guard([&]() {
            ereport(WARNING,
                    (errmsg("nothing was published: chunk %d of backfill job \"%s\" must be "
                            "built again: %s",
                            w.chunk_no, job.name.c_str(), w.reason.c_str()),
                     errhint("SELECT backfill.resume(name) rebuilds it; publish again once the "
                             "job is awaiting publication.")));
        });
        return 0;
    }
    if (!locked)
        throw UserError(ErrorKind::WrongState,
                        "could not lock " + parent + " within lock_timeout in " +
                            std::to_string(job.options.swap_retries) + " tries",
                        "Long transactions hold the table; try again.");
    if (t.cancelled)
        throw UserError(ErrorKind::WrongState, "backfill job \"" + job.name + "\" is cancelled",
                        "Nothing was published.");
    return static_cast<int>(t.published.size());
}

}  // namespace backfill::pg
