#include "pg/job_planning.hpp"

#include "core/partition_shapes.hpp"
#include "core/spec_document.hpp"
#include "core/spec_range.hpp"
#include "core/user_error.hpp"
#include "pg/chunk_validation.hpp"
#include "pg/interval_reader.hpp"
#include "pg/job_store.hpp"
#include "pg/key_values.hpp"
#include "pg/mode.hpp"
#include "pg/pg_error.hpp"
#include "pg/session_context.hpp"
#include "pg/source_eras.hpp"
#include "pg/source_query.hpp"

namespace backfill::pg {

PlannedJob plan_job(Oid target, const std::optional<std::string>& source,
                    const std::optional<std::string>& range_from,
                    const std::optional<std::string>& range_to, const JobOptions& options,
                    const std::string& search_path) {
    PlannedJob p;
    p.options = options;
    const Mode& mode = mode_named(p.options.mode);
    p.target = mode.load_target(target, p.options);
    // a target whose chunks have no key (swap of a LIST table, say) takes
    // no range; its partitions are named as the caller names them
    if (p.target.key_type == InvalidOid)
        if (auto refusal = range_without_bounds_refusal(range_from || range_to, p.target.qualified))
            throw *refusal;
    p.options.partitions = qualified_relation_names(p.options.partitions, search_path);
    RangeLimit from, to;
    if (range_from) {
        p.range_from = bound_from_text("range_from", *range_from, p.target.key_type);
        from = RangeLimit{true, *p.range_from};
    }
    if (range_to) {
        p.range_to = bound_from_text("range_to", *range_to, p.target.key_type);
        to = RangeLimit{true, *p.range_to};
    }
    p.chunks = mode.plan_chunks(p.target, p.options, from, to);
    mode.preflight(p.target, p.chunks);
    if (!p.options.sources.empty()) {
        if (source)
            throw UserError(ErrorKind::InvalidParameter,
                            "give either source or the option \"sources\", not both",
                            "With a source per era, pass NULL as the source (leave source out of "
                            "a specification).");
        p.eras = check_eras(p, search_path);
    } else if (!source) {
        throw UserError(ErrorKind::InvalidParameter, "source must not be NULL",
                        "See the documentation of backfill's functions in the README.");
    } else {
        check_source(*source, p.target, search_path);
    }
    check_option_queries(p.options, p.target.qualified, search_path);
    return p;
}

void check_option_queries(const JobOptions& options, const std::string& target,
                          const std::string& search_path) {
    if (options.throttle_query)
        check_throttle_query(*options.throttle_query, search_path);
    if (options.merge.watermark && options.merge.chunk_by)
        check_watermark_query(*options.merge.watermark, target, *options.merge.chunk_by,
                              search_path);
    if (!options.validate.empty())
        check_validation_rules(options.validate, target, search_path);
}

namespace {

// range_to for the document's inclusive source_range.end on a key of type
// type. For a timestamp key, note says how the end was read (a whole day,
// and in which TimeZone, or an instant), for the job to state it.
std::string spec_range_to(const std::string& end, Oid type, std::string& note) {
    if (type == TIMESTAMPOID || type == TIMESTAMPTZOID) {
        bool with_zone = type == TIMESTAMPTZOID;
        // the caller's TimeZone (our own statements run in UTC)
        const char* caller_zone =
            pg_guard([]() { return GetConfigOption("TimeZone", false, false); });
        std::string zone = with_zone ? std::string(" in TimeZone ") + caller_zone : "";
        TimestampEnd t = timestamp_range_end(end);
        if (t.whole_day) {
            std::string to = bound_from_text("source_range.end", t.day_after, type).text;
            note = "source_range.end " + end + " is a date: the whole of that day" + zone +
                   ", up to " + to + " (excluded)";
            return to;
        }
        std::string at = bound_from_text("source_range.end", end, type).text;
        std::string to = *scalar(std::string("SELECT ($1::pg_catalog.") +
                                     (with_zone ? "timestamptz" : "timestamp") +
                                     " OPERATOR(pg_catalog.+) interval '1 microsecond')::text",
                                 {at});
        note = "source_range.end " + end + " is an instant, included" + zone + ": up to " + to +
               " (excluded)";
        return to;
    }
    KeyFamily family = type == DATEOID                                         ? KeyFamily::Date
                       : type == INT2OID || type == INT4OID || type == INT8OID ? KeyFamily::Integer
                                                                               : KeyFamily::Other;
    // The end is read in the key's type first (an unreadable end is named
    // as such), except where the core refuses the type itself.
    return exclusive_range_end(
        family == KeyFamily::Other ? end : bound_from_text("source_range.end", end, type).text,
        family);
}

}  // namespace

SpecJob plan_spec_job(const std::string& spec_json, const std::string& search_path) {
    SpecMapping m = map_spec(spec_json, read_interval_us);
    Value target;
    {
        OwnerBox box(current_role(), search_path);
        target = scalar("SELECT pg_catalog.to_regclass($1)::oid::text", {m.target_table});
    }
    if (!target)
        throw UserError(ErrorKind::InvalidParameter,
                        "specification target.table \"" + m.target_table + "\" does not exist",
                        "Name the partitioned table, qualified with its schema.");
    // mode merge chunks by target.partition_key unless execution names
    // chunk_by; swap by the table's partition key, which it must be
    bool merge = m.options.mode == "merge";
    if (merge && !m.options.merge.chunk_by)
        m.options.merge.chunk_by = m.partition_key;
    auto key = merge ? query(
                           "SELECT attname, atttypid FROM pg_catalog.pg_attribute"
                           " WHERE attrelid = $1::oid AND attname = $2 AND NOT attisdropped",
                           {target, *m.options.merge.chunk_by})
                     : query(
                           "SELECT a.attname, a.atttypid FROM pg_catalog.pg_partitioned_table p"
                           " JOIN pg_catalog.pg_attribute a ON a.attrelid = p.partrelid"
                           " AND a.attnum = p.partattrs[0] WHERE p.partrelid = $1::oid",
                           {target});
    if (!merge && !key.empty() && *key[0][0] != m.partition_key)
        throw UserError(ErrorKind::InvalidParameter,
                        "specification target.partition_key is \"" + m.partition_key + "\" but " +
                            m.target_table + " is partitioned by \"" + *key[0][0] + "\"",
                        "Correct the specification: the partition key decides the chunks.");
    std::optional<std::string> range_to;
    std::string range_note;
    if (m.range_end_inclusive && !key.empty())
        range_to = spec_range_to(*m.range_end_inclusive, static_cast<Oid>(std::stoul(*key[0][1])),
                                 range_note);
    SpecJob job;
    job.name = m.name;
    job.source = m.source;
    job.plan = plan_job(static_cast<Oid>(std::stoul(*target)), m.source, m.range_from, range_to,
                        m.options, search_path);
    job.plan.range_note = range_note;
    return job;
}

}  // namespace backfill::pg
