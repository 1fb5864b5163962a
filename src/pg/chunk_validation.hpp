// Measuring a built shadow against the partition it replaces, for the
// job's "validate" rules.
#pragma once

#include <cstdint>

#include "core/validation.hpp"
#include "pg/job_store.hpp"
#include "pg/runner_common.hpp"

namespace backfill::pg {

// Measures every figure the rules need (aggregates on both sides, duplicate
// groups, NULLs, the user's query) and returns the core's verdict. User
// expressions run as the job's owner with the job's search_path.
ValidationVerdict validate_chunk(const Job& job, const SwapSpec& spec, std::int64_t rows_before,
                                 std::int64_t rows_after);

// Refuses, when the job is planned, validate rules that cannot run on the
// target: aggregates that do not prepare, columns that do not exist.
void check_validation_rules(const ValidationSpec& rules, const std::string& target_qualified,
                            const std::string& search_path);

}  // namespace backfill::pg
