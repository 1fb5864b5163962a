// Which targets a job may work on, and why the others are refused: the
// decisions, over facts the PostgreSQL layer reads from the catalog
// (pg/catalog.cpp). Each refusal exists because of something a mode does to
// its target; a mode says which of those it does (TargetRequirements), so
// a mode that writes rows in place gets other answers than swap.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/user_error.hpp"

namespace backfill {

// What a mode does to its target that rules out some targets.
struct TargetRequirements {
    // Works on the leaf partitions of one top-level partitioned table (any
    // strategy, key and depth).
    bool partitioned;
    // Detaches partitions, which a foreign key referencing them forbids.
    bool detaches_partitions;
    // Loads rows that logical replication does not send to subscribers.
    bool bypasses_replication;
    // Replaces each partition by a table it builds beside it, in the
    // partition's schema: what is defined on that partition alone (a
    // trigger, row-level security, a view, an owned sequence) would not
    // follow.
    bool replaces_partitions;
};

// Mode swap does all of it; mode merge none: it writes rows in place, on
// any table, as ordinary writes that foreign keys check and publications
// send.
inline constexpr TargetRequirements kSwapRequirements{true, true, true, true};
inline constexpr TargetRequirements kMergeRequirements{false, false, false, false};

enum class PartitionStrategy { None, Range, List, Hash };

// The target table as the catalog describes it.
struct TargetFacts {
    std::string qualified;                                 // quoted schema.name, for messages
    PartitionStrategy strategy = PartitionStrategy::None;  // None: not partitioned
    bool is_partition = false;                             // a partition of another table
    int key_columns = 0;
    std::optional<std::string> key_column;  // the first key column; none: an expression
    std::string key_type;                   // its type as format_type() names it
    bool key_type_supported = false;        // the PostgreSQL layer can order its values
    bool owned = false;                     // the caller is a member of its owning role
    // The first partition (but the default) whose owner the caller is not.
    std::optional<std::string> unowned_partition;
};

// An object and the table it belongs to (or reads), both quoted, for
// messages.
struct TableObject {
    std::string object, table;
};

// What lies around the target and the partitions a job would work on: the
// first object of each kind the catalog lists, or none.
struct NeighbourFacts {
    std::optional<TableObject> referencing_foreign_key;  // table: the referencing one
    std::optional<TableObject> publication;              // table: the published one
    std::optional<std::string> schema_without_create;    // a partition's schema, quoted
    std::optional<TableObject> partition_trigger;        // table: the partition
    std::optional<std::string> partition_with_row_security;
    std::optional<TableObject> dependent_view;  // table: the partition it reads
    std::optional<TableObject> owned_sequence;  // table: the partition owning it
};

// Why a mode with these requirements cannot work on the target, or none.
std::optional<UserError> target_refusal(const TargetFacts& target, const TargetRequirements& mode);

// Whether the target's top level is RANGE on one plain column of a type the
// PostgreSQL layer can order: then a chunk has bounds on that key ($1 and
// $2 of a swap source, range_from and range_to); otherwise it has none.
bool range_keyed(const TargetFacts& target);

// Why a mode with these requirements cannot work on the partitions of
// target (quoted) with these neighbours, or none.
std::optional<UserError> neighbour_refusal(const std::string& target,
                                           const NeighbourFacts& neighbours,
                                           const TargetRequirements& mode);

// Why a swap cannot replace partition (quoted) now, at publication: what
// was defined on it alone after create (its own triggers, unquoted, and
// whether row-level security is enabled on it) would stay with the
// retained original, and the rebuilt table would not have it. Or none.
std::optional<UserError> replaced_partition_refusal(const std::string& partition,
                                                    const std::vector<std::string>& own_triggers,
                                                    bool row_security);

}  // namespace backfill
