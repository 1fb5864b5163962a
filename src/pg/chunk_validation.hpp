// Measuring a chunk's rows as built against the rows they replace, for the
// job's "validate" rules.
#pragma once

#include <cstdint>
#include <string>

#include "core/validation.hpp"
#include "pg/job_store.hpp"

namespace backfill::pg {

// Measures every figure the rules need (aggregates on both sides, duplicate
// groups, NULLs, the user's query). before
// and after are what a FROM clause reads the replaced and the new rows from
// (for swap: the live partition and its shadow). User expressions run as
// the job's owner with the job's search_path.
ValidationFigures measure_validation(const Job& job, const std::string& before,
                                     const std::string& after, std::int64_t rows_before,
                                     std::int64_t rows_after);

// The core's verdict over measure_validation's figures.
ValidationVerdict validate_chunk(const Job& job, const std::string& before,
                                 const std::string& after, std::int64_t rows_before,
                                 std::int64_t rows_after);

// Refuses, when the job is planned, validate rules that cannot run on the
// target: aggregates that do not prepare, columns that do not exist.
void check_validation_rules(const ValidationSpec& rules, const std::string& target_qualified,
                            const std::string& search_path);

}  // namespace backfill::pg
