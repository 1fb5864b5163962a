#include "pg/publisher.hpp"

#include "core/publication.hpp"
#include "pg/pg_error.hpp"
#include "pg/releases.hpp"
#include "pg/snapshot_wait.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

namespace {

// Thrown inside the publishing transaction when the guard saw a write to a
// live partition during its build: the unit must not be published.
struct WritesSeen {
    int chunk_no;
};

// What one try of a unit's publishing transaction did.
struct UnitTry {
    std::vector<int> published;
    bool cancelled = false;
    std::chrono::steady_clock::time_point locked_at;
};

// The body of the publishing transaction for a unit; run inside
// with_lock_retries. Chunks no longer built (published meanwhile by another
// runner) are skipped; the parent's lock serialises publishers.
void publish_try(const Job& job, const std::vector<ChunkRow>& unit,
                 const std::vector<ChunkPlan>& plans, UnitTry& t) {
    t = UnitTry{};
    execute(lock_parent_statement(plans.front().spec));
    t.locked_at = std::chrono::steady_clock::now();
    auto state =
        control_query("SELECT state FROM backfill.job WHERE id = $1::bigint", {job_key(job)});
    if (*state[0][0] == "cancelled") {
        t.cancelled = true;
        return;
    }
    for (std::size_t i = 0; i < unit.size(); i++) {
        const ChunkRow& c = unit[i];
        const SwapSpec& spec = plans[i].spec;
        std::string no = std::to_string(c.chunk_no);
        auto now = control_query(
            "SELECT state FROM backfill.chunk WHERE job_id = $1::bigint AND chunk_no = $2::int"
            " FOR UPDATE",
            {job_key(job), no});
        if (*now[0][0] != "built")
            continue;
        auto live = live_partition(job.target, c.part_schema, c.part_name);
        if (!live)
            throw PermanentFailure(ErrorKind::WrongState,
                                   "partition " + qualified(c.part_schema, c.part_name) +
                                       " is no longer a partition of the target",
                                   "Create a new job for the table as it is now.");
        execute(detach_statement(spec));
        auto writes = control_query(
            "SELECT count(*) FROM backfill.chunk_write WHERE job_id = $1::bigint"
            " AND chunk_no = $2::int AND phase = 'build'",
            {job_key(job), no});
        if (*writes[0][0] != "0")
            throw WritesSeen{c.chunk_no};
        run_all(swap_in_statements(spec, live->bound_spec));
        if (!job.options.retain)
            execute("DROP TABLE " + spec.schema + "." + spec.retained);
        control_execute(
            "UPDATE backfill.chunk SET state = 'published', retained = $3::boolean,"
            " shadow_exists = false, finished_at = now(), error = NULL"
            " WHERE job_id = $1::bigint AND chunk_no = $2::int",
            {job_key(job), no, job.options.retain ? "t" : "f"});
        t.published.push_back(c.chunk_no);
    }
    if (!t.published.empty())
        record_release(job, "publish", t.published);
}

// Records how long the unit held the parent's lock, and the events.
void record_swap(const Job& job, const UnitTry& t, double swap_ms) {
    for (int no : t.published) {
        control_execute(
            "UPDATE backfill.chunk SET swap_ms = round($3::numeric, 3)"
            " WHERE job_id = $1::bigint AND chunk_no = $2::int",
            {job_key(job), std::to_string(no), std::to_string(swap_ms)});
        log_event(job, no, "chunk_published",
                  "swap held the parent's lock for " + std::to_string(swap_ms) + " ms" +
                      (t.published.size() > 1
                           ? " (with " + std::to_string(t.published.size() - 1) + " more)"
                           : std::string()));
    }
}

// Publishes one unit in its own committed transaction, from a runner,
// once the older snapshots are gone (waiting at most budget_us for them).
PublishResult publish_unit(const Job& job, const std::vector<ChunkRow>& unit,
                           const std::string& parent, std::int64_t budget_us) {
    std::vector<ChunkPlan> plans;
    for (const auto& c : unit) {
        try {
            plans.push_back(plan_chunk(job, c, parent));
        } catch (const PermanentFailure& e) {
            record_failure(job, c, e.what(), true);
            return {};
        }
    }
    commit_step();
    switch (wait_for_older_snapshots(job, unit, budget_us)) {
        case SnapshotWait::Clear:
            break;
        case SnapshotWait::Deferred:
            return PublishResult{0, false, true};
        case SnapshotWait::Stopped:
            return PublishResult{0, true};
    }
    UnitTry t;
    bool locked;
    try {
        locked = with_lock_retries(job.options.lock_timeout_us, job.options.swap_retries,
                                   [&]() { publish_try(job, unit, plans, t); });
    } catch (const WritesSeen& w) {
        for (std::size_t i = 0; i < unit.size(); i++)
            if (unit[i].chunk_no == w.chunk_no) {
                discard_shadow(job, unit[i], plans[i].spec);
                commit_step();
                record_failure(job, unit[i],
                               "rows of partition " +
                                   qualified(unit[i].part_schema, unit[i].part_name) +
                                   " were written while its shadow was built; rebuilding",
                               false);
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
        for (std::size_t i = 0; i < unit.size(); i++)
            discard_shadow(job, unit[i], plans[i].spec);
        commit_step();
        return PublishResult{0, true};
    }
    commit_step();
    record_swap(job, t, ms_since(t.locked_at));
    commit_step();
    for (const auto& c : unit)
        for (int no : t.published)
            if (no == c.chunk_no)
                notice("backfill job \"" + job.name + "\": " + chunk_label(c) + " published");
    return PublishResult{static_cast<int>(t.published.size()), false};
}

}  // namespace

PublishResult publish_ready(const Job& job, const std::string& parent,
                            std::int64_t snapshot_budget_us) {
    PublishResult total;
    for (const auto& numbers :
         ready_units(job.options.publish, job.options.partitions_per_batch, chunk_states(job.id))) {
        std::vector<ChunkRow> unit = load_chunks(job.id, int_array(numbers));
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
    std::vector<ChunkPlan> plans;
    for (const auto& c : unit)
        plans.push_back(plan_chunk(job, c, parent));
    UnitTry t;
    bool locked;
    try {
        locked = with_lock_retries(job.options.lock_timeout_us, job.options.swap_retries,
                                   [&]() { publish_try(job, unit, plans, t); });
    } catch (const WritesSeen& w) {
        for (std::size_t i = 0; i < unit.size(); i++)
            if (unit[i].chunk_no == w.chunk_no)
                discard_shadow(job, unit[i], plans[i].spec);
        set_job_state(job, JobState::Paused);
        log_event(job, w.chunk_no, "chunk_retry",
                  "written to while its shadow was built; nothing was published");
        pg_guard([&]() {
            ereport(WARNING,
                    (errmsg("nothing was published: chunk %d of backfill job \"%s\" was written "
                            "to while its shadow was built",
                            w.chunk_no, job.name.c_str()),
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
    record_swap(job, t, ms_since(t.locked_at));
    return static_cast<int>(t.published.size());
}

}  // namespace backfill::pg
