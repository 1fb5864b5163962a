// backfill.diff: a chunk's rows against the rows they replace, paired by
// the target's key, changed columns first by the size of their change.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pg/spi.hpp"

namespace backfill::pg {

// The rows of backfill.diff(name, chunk_no, max_rows): key, column_name,
// old_value, new_value, delta. Refuses a NULL or unknown chunk, one that is
// neither built nor published, one whose old rows are gone (purged), a
// target without a key and a max_rows below 1; reads as the job's owner.
std::vector<Row> diff_chunk(const std::string& name, std::optional<int> chunk_no,
                            std::optional<int> max_rows);

}  // namespace backfill::pg
