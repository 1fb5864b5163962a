#include "pg/merge/merge_target.hpp"

#include <algorithm>

#include "core/user_error.hpp"
#include "pg/job_tables.hpp"
#include "pg/key_values.hpp"
#include "pg/pg_error.hpp"
#include "pg/runner_common.hpp"
#include "pg/session_context.hpp"
#include "pg/spi.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

namespace {

// A column of the target by name: its type, or nullopt.
std::optional<Oid> column_type(Oid relid, const std::string& column) {
    Value type = scalar(
        "SELECT atttypid::text FROM pg_catalog.pg_attribute WHERE attrelid = $1::oid"
        " AND attname = $2 AND attnum > 0 AND NOT attisdropped",
        {std::to_string(relid), column});
    if (!type)
        return std::nullopt;
    return static_cast<Oid>(std::stoul(*type));
}

// The column named by option, which must exist.
Oid required_column(const TargetInfo& t, const std::string& option, const std::string& column) {
    if (auto type = column_type(t.oid, column))
        return *type;
    throw UserError(
        ErrorKind::InvalidParameter,
        "option \"" + option + "\": table " + t.qualified + " has no column \"" + column + "\"",
        "Name a column of the target, exactly as the catalog spells it.");
}

// chunk_by: the option, or the key of a table partitioned by RANGE on one
// plain column.
void resolve_chunk_by(TargetInfo& t, JobOptions& options) {
    if (!options.merge.chunk_by) {
        Value key = scalar(
            "SELECT a.attname FROM pg_catalog.pg_partitioned_table p JOIN pg_catalog.pg_attribute a"
            " ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]"
            " WHERE p.partrelid = $1::oid AND p.partstrat = 'r' AND p.partnatts = 1",
            {std::to_string(t.oid)});
        if (!key)
            throw UserError(ErrorKind::InvalidParameter,
                            "option \"chunk_by\" is required: table " + t.qualified +
                                " is not partitioned by RANGE on one column",
                            "Name the column whose ranges are the chunks, e.g. '{\"mode\": "
                            "\"merge\", \"chunk_by\": \"created_at\"}'.");
        options.merge.chunk_by = *key;
    }
    t.key_column = *options.merge.chunk_by;
    t.key_type = required_column(t, "chunk_by", t.key_column);
    if (!supported_key_type(t.key_type))
        throw UserError(
            ErrorKind::FeatureNotSupported,
            "option \"chunk_by\": column \"" + t.key_column + "\" has type " +
                *scalar("SELECT pg_catalog.format_type($1::oid, NULL)",
                        {std::to_string(t.key_type)}),
            "chunk_by must be a date, timestamp, timestamptz, smallint, integer, bigint "
            "or numeric column.");
}

// chunk_size: the option, read against chunk_by's type, or its default.
void resolve_chunk_size(const TargetInfo& t, JobOptions& options) {
    bool temporal =
        t.key_type == DATEOID || t.key_type == TIMESTAMPOID || t.key_type == TIMESTAMPTZOID;
    if (!options.merge.chunk_size)
        options.merge.chunk_size = temporal ? "1 day" : "100000";
    const std::string& size = *options.merge.chunk_size;
    std::string check = temporal
                            ? "SELECT $1::interval > interval '0'"
                            : (t.key_type == NUMERICOID
                                   ? "SELECT $1::numeric > 0"
                                   : "SELECT $1::numeric > 0 AND $1::numeric = trunc($1::numeric)");
    bool ok = false;
    try {
        in_subtransaction([&]() { ok = *scalar(check, {size}) == "t"; });
    } catch (const PgError&) {
        ok = false;
    }
    if (!ok)
        throw UserError(ErrorKind::InvalidParameter,
                        "option \"chunk_size\" \"" + size + "\" is not a positive " +
                            (temporal ? "interval" : "whole number") + " for column \"" +
                            t.key_column + "\"",
                        temporal ? "Give an interval such as \"1 day\" or \"6 hours\"."
                                 : "Give a positive number such as 100000.");
}

// key: the option, or the primary key; a unique index on exactly these
// columns, valid, immediate, without predicate or expression, must exist
// (it is the arbiter of the chunk's inserts).
void resolve_key(const TargetInfo& t, JobOptions& options) {
    std::vector<std::string>& key = options.merge.key;
    if (key.empty()) {
        key = primary_key_columns(t.oid);
        if (key.empty())
            throw UserError(ErrorKind::InvalidParameter,
                            "table " + t.qualified + " has no primary key",
                            "Give the columns of a unique key: '{\"mode\": \"merge\", \"key\": "
                            "[\"id\"]}'.");
    }
    for (const std::string& column : key)
        required_column(t, "key", column);
    std::vector<std::string> sorted = key;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
        throw UserError(ErrorKind::InvalidParameter, "option \"key\" names a column twice",
                        "List each column of the unique key once.");
    Value found = scalar(
        "SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = $1::oid AND i.indisunique"
        " AND i.indisvalid AND i.indimmediate AND i.indpred IS NULL AND i.indexprs IS NULL"
        " AND i.indnkeyatts = pg_catalog.array_length($2::name[], 1)"
        " AND (SELECT pg_catalog.array_agg(a.attname ORDER BY a.attname)"
        "      FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indrelid"
        "      AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1]))"
        "     = (SELECT pg_catalog.array_agg(c ORDER BY c) FROM unnest($2::name[]) c)"
        " LIMIT 1",
        {std::to_string(t.oid), text_array(key)});
    if (!found)
        throw UserError(
            ErrorKind::InvalidParameter,
            "table " + t.qualified + " has no unique index on exactly (" +
                [&]() {
                    std::string out;
                    for (const auto& c : key)
                        out += (out.empty() ? "" : ", ") + c;
                    return out;
                }() +
                ")",
            "Mode merge matches source rows to live rows by a unique key: create a "
            "unique index (not partial, not deferrable) on these columns, or give "
            "the columns of an existing one as \"key\".");
}

// version_column must exist and be orderable.
void check_version_column(const TargetInfo& t, const JobOptions& options) {
    if (!options.merge.version_column)
        return;
    Oid type = required_column(t, "version_column", *options.merge.version_column);
    bool orderable =
        pg_guard([&]() { return OidIsValid(lookup_type_cache(type, TYPECACHE_LT_OPR)->lt_opr); });
    if (!orderable)
        throw UserError(ErrorKind::InvalidParameter,
                        "option \"version_column\": column \"" + *options.merge.version_column +
                            "\" has a type without an order",
                        "Use a column that says which row is newer: a timestamp, a number.");
}

// The before-image and staging tables put two columns of their own ahead
// of the target's.
void refuse_reserved_columns(const TargetInfo& t) {
    for (const char* reserved : {kImageChunkColumn, kImageActionColumn})
        if (column_type(t.oid, reserved))
            throw UserError(ErrorKind::FeatureNotSupported,
                            "table " + t.qualified + " has a column named \"" + reserved + "\"",
                            "Mode merge keeps the job's before-image in a table with a column of "
                            "that name; rename the column for the backfill.");
}

}  // namespace

std::vector<MergeColumn> merge_columns(Oid relid) {
    std::vector<MergeColumn> columns;
    for (const auto& r : query("SELECT pg_catalog.quote_ident(attname), atttypid::text,"
                               " attidentity = 'a' FROM pg_catalog.pg_attribute"
                               " WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped"
                               " AND attgenerated = '' ORDER BY attnum",
                               {std::to_string(relid)})) {
        auto type = static_cast<Oid>(std::stoul(*r[1]));
        bool has_equality = pg_guard(
            [&]() { return OidIsValid(lookup_type_cache(type, TYPECACHE_EQ_OPR)->eq_opr); });
        columns.push_back(MergeColumn{*r[0], !has_equality, *r[2] != "t"});
    }
    return columns;
}

Oid create_beside_target(const TargetInfo& target, const std::string& name,
                         const std::string& purpose, const std::vector<std::string>& statements) {
    require_name_free(target.schema, name, InvalidOid, purpose);
    Oid owner = static_cast<Oid>(
        std::stoul(*scalar("SELECT relowner::text FROM pg_catalog.pg_class WHERE oid = $1::oid",
                           {std::to_string(target.oid)})));
    // DDL beside the target runs as the target's owner
    OwnerBox box(owner, kOurSql);
    run_all(statements);
    return relation_named(target.schema, name).value().oid;
}

TargetInfo load_merge_target(Oid relid, JobOptions& options) {
    TargetInfo t = load_target(relid, kMergeRequirements);
    Value kind = scalar("SELECT relkind::text FROM pg_catalog.pg_class WHERE oid = $1::oid",
                        {std::to_string(relid)});
    if (*kind != "r" && *kind != "p")
        throw UserError(ErrorKind::InvalidParameter, t.qualified + " is not a table",
                        "Mode merge corrects the rows of a table (plain or partitioned).");
    resolve_chunk_by(t, options);
    resolve_chunk_size(t, options);
    resolve_key(t, options);
    check_version_column(t, options);
    refuse_reserved_columns(t);
    return t;
}

MergeTable merge_table(const Job& job) {
    MergeTable m;
    m.target = parent_name(job);
    // a control table: read as the extension owner, whoever runs the job
    auto rows = control_query(
        "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " JOIN backfill.job j ON j.before_oid = c.oid WHERE j.id = $1::bigint",
        {job_key(job)});
    Value before = rows.empty() ? std::nullopt : rows[0][0];
    if (!before)
        throw PermanentFailure(
            ErrorKind::WrongState,
            "the before-image table of backfill job \"" + job.name + "\" is gone",
            "It keeps what rollback needs; without it the job cannot go on.");
    m.before = *before;
    m.stage = "pg_temp.backfill_stage";
    m.columns = merge_columns(job.target);
    for (const std::string& k : job.options.merge.key)
        m.key.push_back(quote_ident(k));
    m.chunk_by = quote_ident(job.key_column);
    m.conflict = job.options.merge.conflict;
    if (job.options.merge.version_column)
        m.version_column = quote_ident(*job.options.merge.version_column);
    return m;
}

}  // namespace backfill::pg
