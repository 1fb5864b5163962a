// Which leaf partitions of a partitioned target a swap job rebuilds, for
// every shape: RANGE, LIST or HASH, keys of several columns, several levels.
// The PostgreSQL layer reads the partition tree (pg/catalog.cpp); the
// decisions over it are here. docs/shapes.md describes the rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "core/planner.hpp"
#include "core/user_error.hpp"

namespace backfill {

// A leaf partition of the target (a table holding rows) and where it sits.
struct LeafInfo {
    std::string qualified;  // quoted schema.name
    // The partitioned partitions above it, quoted, the top level's first
    // and its own parent last (the target itself is not among them).
    std::vector<std::string> above;
    // Range-keyed target: the index, among the top level's partitions, of
    // the one it is or lies under; unused under the top level's default.
    std::size_t top_partition = 0;
    bool under_top_default = false;  // it is, or lies under, the top level's default
    bool is_default = false;         // it or a partition above it is a default partition
    bool is_foreign = false;         // a foreign table
    std::int64_t est_rows = 0;
    std::int64_t est_bytes = 0;
};

// What a job asked for: its range (range-keyed targets only) and options.
struct ShapeChoice {
    bool range_keyed = false;  // see range_keyed() in core/target_checks.hpp
    RangeLimit from, to;
    // Option partitions, each resolved to a quoted schema.name (a name that
    // names no relation is kept as written); empty: every leaf.
    std::vector<std::string> partitions;
    bool include_default = false;
};

// The chunks: one per chosen leaf (partition_index into leaves), in key
// order of the top level when range-keyed (each with the bounds of its
// top-level partition, which $1 and $2 carry), else by name (with
// MINVALUE / MAXVALUE bounds: no bounds). top_level are the top level's
// partitions but its default. Throws UserError for a range on a target
// that is not range-keyed, a name that is no partition of the target, a
// default partition named without include_default, a chosen foreign table,
// a chosen partition under the top level's default of a range-keyed
// target (it has no bounds for $1 and $2), or when nothing is chosen; and
// plan_chunks's refusals of the range.
std::vector<PlannedChunk> plan_leaf_chunks(const std::vector<PartitionInfo>& top_level,
                                           const std::vector<LeafInfo>& leaves,
                                           const ShapeChoice& choice,
                                           const std::string& target_name);

// A target that is not range-keyed takes no range_from / range_to: the
// refusal when one was given (range_given), naming target (quoted).
std::optional<UserError> range_without_bounds_refusal(bool range_given, const std::string& target);

// A sort key that orders like the bound for the chunk table, which has no
// MINVALUE / MAXVALUE: very long decimals below and above every key.
std::string stored_sort_key(const Bound& bound);

// Options partitions and include_default chose the chunks at create:
// changing them afterwards is refused (set()).
std::optional<UserError> shape_option_change_refusal(const JobOptions& before,
                                                     const JobOptions& after);

}  // namespace backfill
