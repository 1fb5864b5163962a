// Planning a job: every check that create makes, and the chunk list.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/eras.hpp"
#include "core/options.hpp"
#include "core/planner.hpp"
#include "pg/catalog.hpp"

namespace backfill::pg {

struct PlannedJob {
    TargetInfo target;
    JobOptions options;
    std::vector<PlannedChunk> chunks;
    std::optional<Bound> range_from, range_to;
    // how a specification's source_range.end was read, stated in the log
    // when the job is created ("" when there is nothing to say)
    std::string range_note;
    // the bounds of the option sources' eras, read in the key's type
    std::vector<EraSpan> eras;
};

// Checks the (parsed) options' queries, target, range, neighbours and
// source (resolved with search_path), or each era's source when the option
// sources gives them (then source must be nullopt), and plans the chunks.
// Changes nothing.
PlannedJob plan_job(Oid target, const std::optional<std::string>& source,
                    const std::optional<std::string>& range_from,
                    const std::optional<std::string>& range_to, const JobOptions& options,
                    const std::string& search_path);

// A job described by a specification document: its name, source and plan.
struct SpecJob {
    std::string name;
    std::optional<std::string> source;  // nullopt with sources
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
