// backfill.rehearse and the option rehearse: one chunk built twice by its
// mode, each build rolled back, the two compared (core/rehearsal.hpp).
// Nothing is left behind but the event rehearsed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/rehearsal.hpp"
#include "pg/job_store.hpp"

namespace backfill::pg {

// Measures the rows a rehearsal build made (from: a FROM item; key: quoted
// columns, may be empty): how many, their order-independent checksum, and
// how many key values come more than once. Runs as the job's owner.
void measure_rows(const Job& job, RehearsalBuild& build, const std::string& from,
                  const std::vector<std::string>& key);

// backfill.rehearse(name, chunk_no): the first pending chunk when chunk_no
// is nullopt. Refuses a chunk out of range or being built (or built).
std::vector<RehearsalCheck> rehearse_job(const std::string& name, std::optional<int> chunk_no);

// Option rehearse, before a runner builds anything: when no chunk of the
// job was tried yet, its first chunk is rehearsed; a failed check fails the
// job (returns false). True when the runner may go on.
bool rehearsal_allows_run(const Job& job);

}  // namespace backfill::pg
