#include "pg/chunk_diff.hpp"

#include <algorithm>

#include "core/diff_sql.hpp"
#include "core/user_error.hpp"
#include "pg/mode.hpp"
#include "pg/pg_error.hpp"
#include "pg/session_context.hpp"

namespace backfill::pg {

namespace {

// The number types whose changes have a delta.
bool is_number(Oid type) {
    return type == INT2OID || type == INT4OID || type == INT8OID || type == NUMERICOID ||
           type == FLOAT4OID || type == FLOAT8OID;
}

// The target's columns (all but generated ones, which follow from the
// others), split into the key's, in key order, and the rest, in order.
void read_columns(const Job& job, const std::vector<std::string>& key, DiffSpec& spec) {
    std::vector<DiffColumn> all;
    for (const auto& r : query("SELECT pg_catalog.quote_ident(attname), attname, atttypid::text"
                               " FROM pg_catalog.pg_attribute WHERE attrelid = $1::oid"
                               " AND attnum > 0 AND NOT attisdropped AND attgenerated = ''"
                               " ORDER BY attnum",
                               {std::to_string(job.target)})) {
        auto type = static_cast<Oid>(std::stoul(*r[2]));
        bool has_equality = pg_guard(
            [&]() { return OidIsValid(lookup_type_cache(type, TYPECACHE_EQ_OPR)->eq_opr); });
        all.push_back(DiffColumn{*r[0], *r[1], is_number(type), !has_equality});
    }
    for (const auto& k : key)
        for (const auto& c : all)
            if (c.label == k)
                spec.key.push_back(c);
    for (const auto& c : all)
        if (std::find(key.begin(), key.end(), c.label) == key.end())
            spec.columns.push_back(c);
}

// The chunk numbered chunk_no, built or published.
ChunkRow chunk_to_diff(const Job& job, std::optional<int> chunk_no) {
    if (!chunk_no)
        throw UserError(ErrorKind::InvalidParameter, "chunk_no must not be NULL",
                        "Name the chunk to compare, as numbered in backfill.chunks.");
    auto found = load_chunks(job.id, int_array({*chunk_no}));
    if (found.empty())
        throw UserError(
            ErrorKind::InvalidParameter,
            "backfill job \"" + job.name + "\" has no chunk " + std::to_string(*chunk_no),
            "Its chunks are numbered 1 to " + std::to_string(chunk_states(job.id).size()) +
                "; see backfill.chunks.");
    const ChunkRow& chunk = found.front();
    if (chunk.state != ChunkState::Built && chunk.state != ChunkState::Published)
        throw UserError(ErrorKind::WrongState,
                        chunk_label(chunk) + " of backfill job \"" + job.name + "\" is " +
                            to_string(chunk.state) +
                            ": only a built or a published chunk has a diff",
                        "A diff compares the rows a chunk built or published with the rows "
                        "they replace; see the chunk's state in backfill.chunks.");
    return chunk;
}

}  // namespace

std::vector<Row> diff_chunk(const std::string& name, std::optional<int> chunk_no,
                            std::optional<int> max_rows) {
    if (!max_rows || *max_rows < 1)
        throw UserError(ErrorKind::InvalidParameter, "max_rows must be at least 1",
                        "It is how many rows of differences to return, e.g. 100.");
    Job job = load_job(name);
    ChunkRow chunk = chunk_to_diff(job, chunk_no);
    const Mode& mode = mode_of(job);
    std::vector<std::string> key = mode.row_key(job);
    if (key.empty())
        throw UserError(ErrorKind::FeatureNotSupported,
                        "the target of backfill job \"" + job.name + "\" has no primary key",
                        "A diff pairs the old and the new rows by the target's primary key.");
    DiffSpec spec;
    read_columns(job, key, spec);
    mode.diff_sides(job, chunk, spec);
    OwnerBox box(job.owner, kOurSql);
    return query(diff_statement(spec), {std::to_string(*max_rows)});
}

}  // namespace backfill::pg
