// Announcements (option notify): NOTIFY <channel>, <json> for every
// publication unit, rollback, completion and failure, sent in the
// transaction of the change it announces, so that PostgreSQL delivers it
// when that commits and drops it when that rolls back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/states.hpp"
#include "pg/job_store.hpp"

namespace backfill::pg {

// The announcement's JSON text, as an SQL expression over the columns job,
// owner, action, target, range_from, range_to, chunks (how many) and
// release_id of a row source named a.
std::string announcement_payload();

// A publication unit: the chunks it published and the backfill.releases
// row that records it (none: a merge chunk published on its own).
void announce_publication(const Job& job, const std::vector<int>& chunk_nos,
                          std::optional<std::int64_t> release_id);

// A job that became completed, failed or rolled_back (other states are not
// announced): the chunks published (rolled back, for a rollback).
void announce_job_state(const Job& job, JobState next);

}  // namespace backfill::pg
