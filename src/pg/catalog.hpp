// What the catalog says about a target: its partition key, its partitions
// and their bounds, columns, and the neighbours that affect a mode's chunks
// (default partition, referencing foreign keys, publications, local
// triggers), judged against the mode's requirements.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/partition_shapes.hpp"
#include "core/planner.hpp"
#include "core/source_check.hpp"
#include "core/target_checks.hpp"
#include "pg/pg_headers.hpp"

namespace backfill::pg {

struct PartitionRef {
    Oid oid = InvalidOid;
    std::string schema, name;
    std::string bound_spec;  // pg_get_expr(relpartbound): "FOR VALUES ...", "DEFAULT"
    std::string above_oids;  // leaves: the partitioned partitions above, "oid,oid" or ""
};

struct TargetInfo {
    Oid oid = InvalidOid;
    std::string schema, name, qualified;  // qualified is quoted
    std::string key_column;               // the first key column ("" for an expression)
    Oid key_type = InvalidOid;
    bool range_keyed = false;  // swap: see range_keyed() in core/target_checks.hpp
    // range-keyed: the top level's partitions
    std::vector<PartitionInfo> partitions;  // every child but the default
    std::vector<PartitionRef> refs;         // parallel to partitions
    // swap: every leaf partition, at any level
    std::vector<LeafInfo> leaves;
    std::vector<PartitionRef> leaf_refs;  // parallel to leaves
    std::optional<PartitionRef> default_partition;
    std::int64_t default_rows = 0;
    std::vector<ColumnInfo> columns;  // insertable columns, in order
    std::vector<Oid> column_types;
};

// Reads the target and checks that a mode with these requirements can work
// on it (for swap: a top-level partitioned table, owned by the caller, as
// are its partitions at every level; its leaves, and when range-keyed its
// top level's bounds, are read). Throws the core's refusal
// (core/target_checks.hpp) otherwise.
TargetInfo load_target(Oid relid, const TargetRequirements& requirements);

// Refuses what would break a mode with these requirements on these leaves
// (indexes into target.leaf_refs) and the partitioned partitions above them
// (the core decides over what the catalog says): foreign keys that
// reference the target, membership in a publication, a schema without
// CREATE, partition-level triggers, row-level security, views or sequences.
void preflight_neighbours(const TargetInfo& target, const std::vector<std::size_t>& chunk_leaves,
                          const TargetRequirements& requirements);

// Table names as the caller wrote them (resolved with search_path, as the
// caller), each as a quoted schema.name; a name that names no relation is
// kept as written.
std::vector<std::string> qualified_relation_names(const std::vector<std::string>& names,
                                                  const std::string& search_path);

// A leaf partition of the target (by schema and name) as it is now, or
// nullopt when the target has no such leaf now: its bound, its whole
// partition constraint (ancestors' included) and its own parent.
struct LivePartition {
    Oid oid;
    std::string bound_spec;  // pg_get_expr(relpartbound)
    std::string constraint;  // pg_get_partition_constraintdef
    std::string parent;      // quoted schema.name
};
// with_constraint false leaves constraint empty (deparsing it is the
// costly part, and only a build filters rows with it). Read from the
// catalog caches, without a statement (catalog_cache.hpp).
std::optional<LivePartition> live_partition(Oid target, const std::string& schema,
                                            const std::string& name, bool with_constraint = true);

// The columns of the table's primary key in key order, unquoted (empty:
// it has none).
std::vector<std::string> primary_key_columns(Oid relid);

}  // namespace backfill::pg
