// Checking the user's source query against the target when a job is
// planned or created.
#pragma once

#include <string>

#include "pg/catalog.hpp"

namespace backfill::pg {

// Prepares source with $1 and $2 of the key type under search_path, and
// refuses it unless it is one plain SELECT whose columns match the target's
// (count, order, assignable types) and that uses both $1 and $2; for a
// target whose chunks have no key (key_type InvalidOid), without
// parameters, refusing a source that uses $1 or $2.
void check_source(const std::string& source, const TargetInfo& target,
                  const std::string& search_path);

// Refuses a watermark query that does not prepare as one column castable
// to chunk_by's type (of target, a quoted qualified name).
void check_watermark_query(const std::string& query_text, const std::string& target,
                           const std::string& chunk_by, const std::string& search_path);

// Refuses a throttle_query that does not prepare as a boolean expression.
void check_throttle_query(const std::string& query_text, const std::string& search_path);

}  // namespace backfill::pg
