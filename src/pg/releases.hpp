// The audit trail: a row in backfill.releases for every publication and
// every rollback, written in the same transaction as the change it records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pg/job_store.hpp"

namespace backfill::pg {

// action is "publish" or "rollback"; chunk_nos the chunks concerned.
// Returns the new row's id. With announce_on (the job's notify channel),
// the same statement announces it (announcements.hpp).
std::int64_t record_release(const Job& job, const std::string& action,
                            const std::vector<int>& chunk_nos,
                            const std::optional<std::string>& announce_on = std::nullopt);

}  // namespace backfill::pg
