#include "pg/swap/partition_watch.hpp"

#include "core/swap/new_partitions.hpp"
#include "pg/catalog.hpp"
#include "pg/key_values.hpp"
#include "pg/runner_common.hpp"
#include "pg/session_context.hpp"
#include "pg/state_store.hpp"
#include "pg/swap/chunk_records.hpp"

namespace backfill::pg {

namespace {

// A bound as backfill.new_partition keeps it: the sort key, NULL for
// MINVALUE / MAXVALUE (then the text says which).
Bound stored_bound(const Value& text, const Value& key) {
    if (key)
        return Bound{BoundKind::Finite, *key, *text};
    return Bound{*text == "MINVALUE" ? BoundKind::MinValue : BoundKind::MaxValue, "", *text};
}

// Why a new partition is not rebuilt, for the log, the report and last_error.
std::string skip_reason(const NewPartition& n) {
    if (!n.buildable)
        return "not rebuilt: it is not wholly inside the job's range, has a MINVALUE or "
               "MAXVALUE bound, or is partitioned itself";
    return "not rebuilt: include_new_partitions is false";
}

// The job's range, as create recorded it (NULL: open).
std::pair<RangeLimit, RangeLimit> job_range(const Job& job) {
    auto r = control_query("SELECT range_from, range_to FROM backfill.job WHERE id = $1::bigint",
                           {job_key(job)});
    RangeLimit from, to;
    if (r[0][0])
        from = RangeLimit{true, bound_from_text("range_from", *r[0][0], job.key_type)};
    if (r[0][1])
        to = RangeLimit{true, bound_from_text("range_to", *r[0][1], job.key_type)};
    return {from, to};
}

}  // namespace

int adopt_new_partitions(const Job& job) {
    control_query("SELECT 1 FROM backfill.job WHERE id = $1::bigint FOR UPDATE", {job_key(job)});
    TargetInfo target;
    {
        OwnerBox box(job.owner, kOurSql);
        target = load_target(job.target, kSwapRequirements);
    }
    std::vector<std::pair<Bound, Bound>> known;
    for (const auto& r : control_query(
             "SELECT lower_bound, lower_key, upper_bound, upper_key FROM backfill.chunk"
             " WHERE job_id = $1::bigint UNION ALL"
             " SELECT lower_bound, lower_key, upper_bound, upper_key FROM backfill.new_partition"
             " WHERE job_id = $1::bigint",
             {job_key(job)}))
        known.emplace_back(stored_bound(r[0], r[1]), stored_bound(r[2], r[3]));
    auto [from, to] = job_range(job);
    // set() may have changed the option since this runner loaded the job
    bool include = load_job_by_id(job.id)->options.include_new_partitions;
    int added = 0;
    for (const NewPartition& n : find_new_partitions(target.partitions, from, to, known)) {
        const PartitionInfo& p = target.partitions[n.partition_index];
        std::optional<int> chunk_no;
        if (n.buildable && include) {
            chunk_no =
                std::stoi(*control_query("SELECT coalesce(max(chunk_no), 0) + 1 FROM "
                                         "backfill.chunk WHERE job_id = $1::bigint",
                                         {job_key(job)})[0][0]);
            insert_chunk(job.id, *chunk_no, target.refs[n.partition_index], p);
            added++;
        }
        std::string what =
            chunk_no ? "rebuilt as chunk " + std::to_string(*chunk_no) : skip_reason(n);
        auto key = [](const Bound& b) {
            return b.kind == BoundKind::Finite ? Value(b.sort_key) : std::nullopt;
        };
        control_execute(
            "INSERT INTO backfill.new_partition (job_id, partition, lower_bound, upper_bound,"
            " lower_key, upper_key, chunk_no, note)"
            " VALUES ($1::bigint, $2, $3, $4, $5, $6, $7::int, $8)",
            {job_key(job), p.qualified_name, p.lower.text, p.upper.text, key(p.lower), key(p.upper),
             chunk_no ? Value(std::to_string(*chunk_no)) : std::nullopt, what});
        std::string text = "partition " + p.qualified_name + " (FROM " + p.lower.text + " TO " +
                           p.upper.text +
                           ") was added inside the range after the job was created; " + what;
        log_event(job, chunk_no, Event::PartitionAdded, text);
        notice("backfill job \"" + job.name + "\": " + text);
    }
    return added;
}

void announce_skipped_partitions(const Job& job) {
    auto skipped = control_query(
        "SELECT pg_catalog.string_agg(partition, ', ' ORDER BY found_at, partition)"
        " FROM backfill.new_partition WHERE job_id = $1::bigint AND chunk_no IS NULL",
        {job_key(job)});
    if (!skipped[0][0])
        return;
    std::string text = "partition(s) " + *skipped[0][0] +
                       " were added inside the range after the job was created and were not "
                       "rebuilt; see backfill.report(name)";
    control_execute("UPDATE backfill.job SET last_error = $2 WHERE id = $1::bigint",
                    {job_key(job), text});
    notice("backfill job \"" + job.name + "\" completed, but " + text);
}

}  // namespace backfill::pg
