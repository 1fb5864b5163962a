// Planning a job: every check that create makes, and the chunk list.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "core/planner.hpp"
#include "pg/catalog.hpp"

namespace backfill::pg {

struct PlannedJob {
    TargetInfo target;
    JobOptions options;
    std::vector<PlannedChunk> chunks;
    std::optional<Bound> range_from, range_to;
};

// Checks the (parsed) options' queries, target, range, neighbours and
// source (resolved with search_path), and plans the chunks. Changes nothing.
PlannedJob plan_job(Oid target, const std::string& source,
                    const std::optional<std::string>& range_from,
                    const std::optional<std::string>& range_to, const JobOptions& options,
                    const std::string& search_path);

// A job described by a specification document: its name, source and plan.
struct SpecJob {
    std::string name, source;
    PlannedJob plan;
};

// Maps the document onto the same checks and plan as create(); refuses a
// partition_key that is not the target's key, unknown or missing fields.
// Prepares the SQL an options object carries (throttle_query, validate
// rules) against the target: what create() and set() both refuse.
void check_option_queries(const JobOptions& options, const std::string& target,
                          const std::string& search_path);

SpecJob plan_spec_job(const std::string& spec_json, const std::string& search_path);

}  // namespace backfill::pg
