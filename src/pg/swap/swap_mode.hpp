// Mode swap: each chunk is a leaf partition, rebuilt as a shadow table and
// swapped in; the partition it replaces is retained for rollback.
#pragma once

#include "pg/mode.hpp"

namespace backfill::pg {

const Mode& swap_mode();

}  // namespace backfill::pg
