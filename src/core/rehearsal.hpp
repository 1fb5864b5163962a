// The verdict of a rehearsal (backfill.rehearse): one chunk built twice and
// rolled back, the two builds compared. The PostgreSQL layer measures; this
// turns the figures into the checks a user reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/validation.hpp"

namespace backfill {

// One row of backfill.rehearse().
struct RehearsalCheck {
    std::string name;
    bool passed = false;
    std::string detail;
};

// What one build of the rehearsed chunk measured.
struct RehearsalBuild {
    std::optional<std::string> error;  // the build failed: why (nothing else was measured)
    std::int64_t rows = 0;
    std::string checksum;             // order-independent: the sum of every row's text hash
    std::int64_t duplicate_keys = 0;  // key values the build produced more than once
    std::optional<ValidationFigures> validation;  // when the job has validate rules
    double build_ms = 0;
};

// What the projection of the whole job's time rests on: the planner's
// estimated rows of the rehearsed chunk and of every chunk of the job.
struct JobEstimate {
    std::int64_t chunk_est_rows = 0;
    std::int64_t total_est_rows = 0;
    int chunks = 0;
};

// The job's projected build time: one build's time scaled by the job's
// estimated rows over the chunk's (by the number of chunks when the
// chunk is estimated empty).
double projected_job_ms(double build_ms, const JobEstimate& estimate);

// Every validate rule on its own: row_count, each aggregate, each unique
// column list, each not_null column, the query; named "validate.<rule>".
std::vector<RehearsalCheck> validation_checks(const ValidationSpec& rules,
                                              const ValidationFigures& figures);

// The checks of a rehearsal, in order: deterministic (same rows, same
// checksum, and no call of a function whose value depends on the time of
// the transaction: time_functions names those the source calls), row_count,
// unique_key (key names the key's columns), the validate rules of the first
// build, build_ms. A build that failed gives the check build (failed) in
// their place, with build_ms.
std::vector<RehearsalCheck> rehearsal_checks(const RehearsalBuild& first,
                                             const RehearsalBuild& second,
                                             const std::vector<std::string>& time_functions,
                                             const std::string& key, const ValidationSpec& rules,
                                             const JobEstimate& estimate);

// The first failed check as one sentence ("check unique_key failed: ..."),
// or nullopt when every check passed: why option rehearse fails a job.
std::optional<std::string> first_failure(const std::vector<RehearsalCheck>& checks);

}  // namespace backfill
