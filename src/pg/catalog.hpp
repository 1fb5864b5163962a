// What the catalog says about a target: its partition key, its partitions
// and their bounds, columns, and the neighbours that affect a mode's chunks
// (default partition, referencing foreign keys, publications, local
// triggers), judged against the mode's requirements.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/planner.hpp"
#include "core/source_check.hpp"
#include "core/target_checks.hpp"
#include "pg/pg_headers.hpp"

namespace backfill::pg {

struct PartitionRef {
    Oid oid = InvalidOid;
    std::string schema, name;
};

struct TargetInfo {
    Oid oid = InvalidOid;
    std::string schema, name, qualified;  // qualified is quoted
    std::string key_column;
    Oid key_type = InvalidOid;
    std::vector<PartitionInfo> partitions;  // every child but the default
    std::vector<PartitionRef> refs;         // parallel to partitions
    std::optional<PartitionRef> default_partition;
    std::int64_t default_rows = 0;
    std::vector<ColumnInfo> columns;  // insertable columns, in order
    std::vector<Oid> column_types;
};

// Reads the target and checks that a mode with these requirements can work
// on it (for swap: a RANGE-partitioned table with one plain column key of a
// supported type, owned by the caller, as are its partitions). Throws the
// core's refusal (core/target_checks.hpp) otherwise.
TargetInfo load_target(Oid relid, const TargetRequirements& requirements);

// Refuses what would break a mode with these requirements on these
// partitions (the core decides over what the catalog says): foreign keys
// that reference the target, membership in a publication, a schema without
// CREATE, partition-level triggers, row-level security, views or sequences.
void preflight_neighbours(const TargetInfo& target, const std::vector<std::size_t>& chunk_parts,
                          const TargetRequirements& requirements);

// Current relpartbound node text of a partition (by schema and name), or
// nullopt when no such partition of the target exists now.
struct LivePartition {
    Oid oid;
    std::string bound_node;
    std::string bound_spec;  // pg_get_expr(relpartbound)
};
std::optional<LivePartition> live_partition(Oid target, const std::string& schema,
                                            const std::string& name);

// The columns of the table's primary key in key order, unquoted (empty:
// it has none).
std::vector<std::string> primary_key_columns(Oid relid);

}  // namespace backfill::pg
