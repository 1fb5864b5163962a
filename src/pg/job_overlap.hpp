// Two jobs must not rebuild the same partition at once: each would publish
// over the other's result. create (and start) refuses a job while another
// unfinished job on the same target covers one of its partitions; the
// decision is the core's (core/overlap.hpp). plan does not: it is a dry run
// of the chunks, and the other job may well be finished by create time.
#pragma once

#include "pg/job_planning.hpp"

namespace backfill::pg {

// Throws the core's refusal when another job holds one of the planned
// chunks' partitions. Takes the target's job lock first (until the
// transaction ends), so that two creates at once see each other.
void refuse_overlapping_jobs(const TargetInfo& target, const std::vector<PlannedChunk>& chunks);

}  // namespace backfill::pg
