#include "pg/merge/merge_units.hpp"

#include <optional>
#include <string>
#include <vector>

#include "core/merge/merge_sql.hpp"
#include "core/names.hpp"
#include "core/publication.hpp"
#include "core/user_error.hpp"
#include "pg/after_publish.hpp"
#include "pg/canary_gate.hpp"
#include "pg/job_tables.hpp"
#include "pg/key_values.hpp"
#include "pg/merge/chunk_merge.hpp"
#include "pg/merge/merge_target.hpp"
#include "pg/pg_error.hpp"
#include "pg/releases.hpp"
#include "pg/session_context.hpp"
#include "pg/source_eras.hpp"
#include "pg/spi.hpp"
#include "pg/state_store.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

std::string stage_table(const Job& job) {
    // a control table: read as the extension owner, whoever runs the job
    auto rows = control_query(
        "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " JOIN backfill.job j ON j.stage_oid = c.oid WHERE j.id = $1::bigint",
        {job_key(job)});
    Value name = rows.empty() ? std::nullopt : rows[0][0];
    if (!name)
        throw PermanentFailure(ErrorKind::WrongState,
                               "the staging table of backfill job \"" + job.name + "\" is gone",
                               "It holds the chunks' rows until their unit is applied; cancel "
                               "the job and create it again.");
    return *name;
}

namespace {

// Applies the built chunks of unit in the caller's transaction: each one's
// watermark, writes and record, then the staged rows dropped and the
// release recorded and announced. A chunk that fails is recorded after the
// unit rolled back; the others stay built. With a canary, only as many
// chunks as it has room for are applied; the others stay built. Returns
// the chunks applied (none on failure).
std::vector<int> apply_unit(const Job& job, const std::vector<ChunkRow>& unit, bool manual) {
    const ChunkRow* current = nullptr;
    std::vector<int> applied;
    try {
        in_subtransaction([&]() {
            if (lock_publication_gate(job, manual) != PublishGate::Publish)
                return;
            MergeTable m = merge_table(job);
            std::string table = stage_table(job);
            std::optional<int> room = lock_canary_room(job);
            std::vector<int> numbers;  // the chunks processed, their staged rows done with
            for (const ChunkRow& c : unit) {
                if (room && static_cast<int>(applied.size()) >= *room)
                    break;
                current = &c;
                numbers.push_back(c.chunk_no);
                if (merge_in_place(job, m, c, [&](const MergeTable& t, const Range&) {
                        return staged_rows(t, table, c.chunk_no);
                    }))
                    applied.push_back(c.chunk_no);
            }
            current = nullptr;
            OwnerBox box(job.owner, kOurSql);
            execute("DELETE FROM " + table + " WHERE " + kImageChunkColumn + " = ANY ($1::int[])",
                    {int_array(numbers)});
        });
    } catch (const UserError& e) {
        if (!current)
            throw;
        record_merge_failure(job, *current, e);
        return {};
    } catch (const PgError& e) {
        if (!current)
            throw;
        record_merge_failure(job, *current, e);
        return {};
    }
    if (!applied.empty())
        record_release(job, "publish", applied, job.options.notify);
    pause_at_canary(job);
    return applied;
}

}  // namespace

void create_stage_table(std::int64_t job_id, const TargetInfo& target) {
    MergeTable m;
    m.target = target.qualified;
    m.columns = merge_columns(target.oid);
    std::string name = stage_table_name(target.name, job_id);
    m.stage = qualified(target.schema, name);
    Oid oid = create_beside_target(
        target, name, "the staging table of the job",
        create_stage_table_statements(m, quote_ident(stage_table_index_name(target.name, job_id))));
    control_execute(
        "UPDATE backfill.job SET stage_oid = $2::oid, stage_schema = $3, stage_name = $4"
        " WHERE id = $1::bigint",
        {std::to_string(job_id), std::to_string(oid), target.schema, name});
}

Outcome stage_chunk(const Job& job, const ChunkRow& chunk) {
    try {
        start_chunk_attempt(job, chunk.chunk_no);
        commit_step();
        std::uint64_t staged = 0;
        std::string source = chunk_source(job, chunk);
        in_subtransaction([&]() {
            MergeTable m = merge_table(job);
            m.stage = stage_table(job);
            Range range{Bound{BoundKind::Finite, chunk.lower_key, chunk.lower_bound},
                        Bound{BoundKind::Finite, chunk.upper_key, chunk.upper_bound}};
            {
                OwnerBox box(job.owner, kOurSql);
                execute("DELETE FROM " + m.stage + " WHERE " + kImageChunkColumn + " = $1::int",
                        {std::to_string(chunk.chunk_no)});
            }
            OwnerBox box(job.owner, job.search_path);
            staged = execute_with_bounds(fill_stage_table_statement(m, source, chunk.chunk_no),
                                         job.key_type, range.lower, range.upper);
        });
        record_chunk_staged(job, chunk.chunk_no, static_cast<std::int64_t>(staged));
        commit_step();
        return Outcome::Built;
    } catch (const UserError& e) {
        return record_merge_failure(job, chunk, e);
    } catch (const PgError& e) {
        return record_merge_failure(job, chunk, e);
    }
}

PublishResult apply_ready_units(const Job& job) {
    PublishResult total;
    for (const auto& numbers :
         ready_units(job.options.publish, job.options.partitions_per_batch, chunk_states(job.id))) {
        std::vector<ChunkRow> unit = load_chunks(job.id, int_array(numbers));
        std::vector<int> applied = apply_unit(job, unit, false);
        total.published += static_cast<int>(applied.size());
        commit_step();
        run_after_publish(job, applied);
    }
    return total;
}

int apply_all_built(const Job& job) {
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
                        "Wait until every chunk is built (backfill.progress), then publish.");
    return unit.empty() ? 0 : static_cast<int>(apply_unit(job, unit, true).size());
}

void drop_staged_rows(const Job& job, std::optional<int> chunk_no) {
    Value oid = control_query("SELECT stage_oid::text FROM backfill.job WHERE id = $1::bigint",
                              {job_key(job)})[0][0];
    if (!oid || !scalar("SELECT 1 FROM pg_catalog.pg_class WHERE oid = $1::oid", {*oid}))
        return;
    std::string table = stage_table(job);
    OwnerBox box(job.owner, kOurSql);
    if (chunk_no)
        execute("DELETE FROM " + table + " WHERE " + kImageChunkColumn + " = $1::int",
                {std::to_string(*chunk_no)});
    else
        execute("TRUNCATE " + table);
}

int drop_stage_table(const Job& job) {
    Value oid = control_query("SELECT stage_oid::text FROM backfill.job WHERE id = $1::bigint",
                              {job_key(job)})[0][0];
    if (!oid || !drop_own_table(static_cast<Oid>(std::stoul(*oid))))
        return 0;
    control_execute("UPDATE backfill.job SET stage_oid = NULL WHERE id = $1::bigint",
                    {job_key(job)});
    return 1;
}

}  // namespace backfill::pg
