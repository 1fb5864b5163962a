// The backfill specification document, the shape teams write for review,
// mapped onto a job: name, target, range, source and options.
#pragma once

#include <optional>
#include <string>

namespace backfill {

// What a specification says, in the terms of create(). The PostgreSQL layer
// resolves target_table, checks partition_key against the real key and
// turns range_end_inclusive into range_to.
struct SpecMapping {
    std::string name;                                // backfill_id
    std::string target_table;                        // target.table
    std::string partition_key;                       // target.partition_key
    std::optional<std::string> range_from;           // source_range.start
    std::optional<std::string> range_end_inclusive;  // source_range.end
    std::string source;                              // source
    std::string options_json;                        // a JSON object for parse_options
};

// Reads the document. Top-level fields: backfill_id (string, required),
// owner (string), source_range {start, end} (strings), target {table,
// partition_key} (strings, both required), reason {issue, change}
// (strings), source (string, required), execution (object: its keys are job
// options, e.g. max_concurrency, lock_timeout, sleep, window; and
// partitions_per_batch, which also sets "publish": "batch"), validation
// (object: the "validate" option's keys), rollback (object: retain
// (boolean), snapshot (string, informational)), code_version (string),
// approved_by (string). Unknown fields at any level are refused naming
// their path ("execution.foo"); missing required ones too. owner, reason,
// code_version, approved_by and rollback.snapshot go into the "release"
// option (see options.hpp) so the audit trail records them.
SpecMapping map_spec(const std::string& document_json);

}  // namespace backfill
