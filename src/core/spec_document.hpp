// The backfill specification document, the shape teams write for review,
// mapped onto a job: name, target, range, source and options.
#pragma once

#include <optional>
#include <string>

#include "core/duration.hpp"
#include "core/options.hpp"

namespace backfill {

// What a specification says, in the terms of create(). The PostgreSQL layer
// resolves target_table, checks partition_key against the real key and
// turns range_end_inclusive into range_to (core/spec_range.hpp).
struct SpecMapping {
    std::string name;                                // backfill_id
    std::string target_table;                        // target.table
    std::string partition_key;                       // target.partition_key
    std::optional<std::string> range_from;           // source_range.start
    std::optional<std::string> range_end_inclusive;  // source_range.end
    std::optional<std::string> source;               // source (absent with sources)
    JobOptions options;                              // read by the option table
};

// Reads the document's JSON text. Top-level fields: backfill_id (string,
// required), owner (string), source_range {start, end} (strings), target
// {table, partition_key} (strings, both required), reason {issue, change}
// (strings), source (string, required unless sources gives a source per
// era), sources (the option of that name), execution (object: the options the
// option table places there), validation (object: the "validate" option),
// rollback (object: retain (boolean), snapshot (string, informational)),
// code_version (string), approved_by (string). Unknown fields at any level
// are refused naming their path ("execution.foo"); missing required ones
// too, and a bad option value under the path the document gives it
// ("execution.max_concurrency", "validation.aggregates[0].expr"). owner,
// reason, code_version, approved_by and rollback.snapshot go into the
// "release" option so the audit trail records them. read_duration reads
// duration strings (PostgreSQL's interval input).
SpecMapping map_spec(const std::string& document_json, const DurationReader& read_duration);

}  // namespace backfill
