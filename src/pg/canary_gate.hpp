// The canary in the publishing transaction (option canary_chunks): how
// many chunks a unit may still publish, and the pause once the canary is
// complete, both in the transaction that publishes, so that concurrent
// workers and CALL backfill.run together publish exactly canary_chunks.
#pragma once

#include <optional>

#include "pg/job_store.hpp"

namespace backfill::pg {

// How many chunks this transaction may publish (nullopt: no limit). With a
// canary not yet approved it locks the job row (FOR NO KEY UPDATE) to the
// end of the transaction first: publishers count one after the other.
std::optional<int> lock_canary_room(const Job& job);

// After chunks were published in this transaction: when they completed the
// canary and chunks remain, the job pauses (event awaiting_approval) until
// backfill.approve(name).
void pause_at_canary(const Job& job);

}  // namespace backfill::pg
