#include "pg/swap/swap_rehearsal.hpp"

#include <chrono>

#include "pg/chunk_validation.hpp"
#include "pg/job_tables.hpp"
#include "pg/mode.hpp"
#include "pg/rehearsal.hpp"
#include "pg/session_context.hpp"
#include "pg/source_eras.hpp"
#include "pg/swap/chunk_builder.hpp"

namespace backfill::pg {

namespace {

// The table the chunk recorded by OID, under the name it gave it; a
// UserError saying what is missing when it is gone.
std::string own_table(const ChunkRow& chunk, const std::string& name, Oid oid,
                      const std::string& what) {
    auto found = relation_named(chunk.part_schema, name);
    if (oid == InvalidOid || !found || found->oid != oid)
        throw UserError(ErrorKind::WrongState,
                        "the " + what + " of " + chunk_label(chunk) + " is gone",
                        "It was dropped by purge, by retain = false or by hand; there is "
                        "nothing to compare the chunk with.");
    return qualified(chunk.part_schema, name);
}

}  // namespace

RehearsalBuild rehearse_shadow(const Job& job, const ChunkRow& chunk, const std::string& parent) {
    ChunkPlan plan = plan_chunk(job, chunk, parent, PlanFor::Build);
    const SwapSpec& spec = plan.spec;
    require_name_free(chunk.part_schema, chunk.shadow_name, InvalidOid,
                      "the shadow of " + chunk_label(chunk));
    OwnerBox ddl_box(job.owner, kOurSql);
    std::string live = spec.schema + "." + spec.partition;
    std::string shadow = spec.schema + "." + spec.shadow;
    std::int64_t rows_before = std::stoll(*scalar("SELECT count(*) FROM " + live));
    auto unvalidated = not_valid_checks(plan.live.live.oid);
    auto t0 = std::chrono::steady_clock::now();
    std::int64_t rows_after = 0;
    try {
        rows_after = static_cast<std::int64_t>(
            load_shadow(job, chunk_source(job, chunk), plan.live, spec, unvalidated));
    } catch (const PgError& e) {
        if (e.sqlerrcode != ERRCODE_CHECK_VIOLATION)
            throw;
        throw UserError(ErrorKind::InvalidParameter, describe_build_error(e, job, chunk),
                        "See the source's filter on the chunk's bounds.");
    }
    double load_ms = ms_since(t0);
    RehearsalBuild build;
    std::vector<std::string> key;
    for (const auto& k : mode_of(job).row_key(job))
        key.push_back(quote_ident(k));
    measure_rows(job, build, shadow, key);
    // a key that comes twice would fail the primary key's build: the
    // check says it, the indexes are skipped
    auto t1 = std::chrono::steady_clock::now();
    if (build.duplicate_keys == 0)
        finish_shadow(spec, unvalidated);
    build.build_ms = load_ms + ms_since(t1);
    if (!job.options.validate.empty())
        build.validation = measure_validation(job, live, shadow, rows_before, rows_after);
    return build;
}

void swap_diff_sides(const ChunkRow& chunk, DiffSpec& spec) {
    std::string live = qualified(chunk.part_schema, chunk.part_name);
    if (chunk.state == ChunkState::Built) {
        spec.old_rows = live;
        spec.new_rows = own_table(chunk, chunk.shadow_name, chunk.shadow_oid, "shadow");
    } else {
        spec.old_rows =
            own_table(chunk, chunk.retained_name, chunk.retained ? chunk.retained_oid : InvalidOid,
                      "retained original");
        spec.new_rows = live;
    }
}

}  // namespace backfill::pg
