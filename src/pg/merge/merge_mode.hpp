// Mode merge: corrects rows in place, chunk by chunk of a column's ranges,
// on any table (plain, partitioned, referenced by foreign keys, published).
#pragma once

#include "pg/mode.hpp"

namespace backfill::pg {

const Mode& merge_mode();

}  // namespace backfill::pg
