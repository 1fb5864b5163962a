// Sources whose rows depend on the time of the transaction: now() and its
// kin are constant inside one transaction, so the two builds of a
// rehearsal (one transaction) agree on them; a real run, in transactions
// of its own, would not. They are found in the source's query tree.
#pragma once

#include <string>
#include <vector>

#include "pg/job_store.hpp"

namespace backfill::pg {

// The transaction-time functions the job's source calls (views it reads
// included), as the user wrote them ("now()", "CURRENT_DATE"); empty when
// none, or when the source does not prepare (the build reports that).
std::vector<std::string> transaction_time_calls(const Job& job);

}  // namespace backfill::pg
