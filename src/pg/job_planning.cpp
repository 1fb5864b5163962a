#include "pg/job_planning.hpp"

#include "pg/job_store.hpp"
#include "pg/key_values.hpp"
#include "pg/source_query.hpp"

namespace backfill::pg {

PlannedJob plan_job(Oid target, const std::string& source,
                    const std::optional<std::string>& range_from,
                    const std::optional<std::string>& range_to, const std::string& options_json,
                    const std::string& search_path) {
    PlannedJob p;
    p.options = options_from_json(options_json);
    p.target = load_target(target);
    RangeLimit from, to;
    if (range_from) {
        p.range_from = bound_from_text("range_from", *range_from, p.target.key_type);
        from = RangeLimit{true, *p.range_from};
    }
    if (range_to) {
        p.range_to = bound_from_text("range_to", *range_to, p.target.key_type);
        to = RangeLimit{true, *p.range_to};
    }
    p.chunks = plan_chunks(p.target.partitions, from, to, p.target.qualified);
    std::vector<std::size_t> parts;
    for (const auto& c : p.chunks)
        parts.push_back(c.partition_index);
    preflight_neighbours(p.target, parts);
    check_source(source, p.target, search_path);
    if (p.options.throttle_query)
        check_throttle_query(*p.options.throttle_query, search_path);
    return p;
}

}  // namespace backfill::pg
