#include "core/target_checks.hpp"

#include "core/names.hpp"

namespace backfill {

namespace {

const char* const kPartitionedHint =
    "Mode swap rebuilds the partitions of a partitioned table; to correct the rows of any other "
    "table in place, use mode merge: '{\"mode\": \"merge\", \"chunk_by\": \"column\"}'.";

// The shape refusals of a mode that works on the leaf partitions of a
// top-level partitioned table: relation kind, then place in a tree. Every
// strategy and key is accepted (range_keyed says what the key allows).
std::optional<UserError> partitioned_shape_refusal(const TargetFacts& t) {
    if (t.strategy == PartitionStrategy::None)
        return UserError(ErrorKind::FeatureNotSupported,
                         "table " + t.qualified + " is not partitioned", kPartitionedHint);
    if (t.is_partition)
        return UserError(ErrorKind::FeatureNotSupported,
                         "table " + t.qualified + " is itself a partition",
                         "Give the top-level partitioned table; option partitions restricts the "
                         "job to some of its partitions.");
    return std::nullopt;
}

}  // namespace

std::optional<UserError> target_refusal(const TargetFacts& t, const TargetRequirements& mode) {
    if (mode.partitioned)
        if (auto shape = partitioned_shape_refusal(t))
            return shape;
    if (!t.owned)
        return UserError(
            ErrorKind::InvalidParameter, "must be owner of table " + t.qualified,
            "Only the owner of the target (or a member of its owning role) can backfill it.");
    if (t.unowned_partition)
        return UserError(ErrorKind::InvalidParameter,
                         "must be owner of partition " + *t.unowned_partition,
                         "Only the owner of the target and all its partitions can backfill it.");
    return std::nullopt;
}

bool range_keyed(const TargetFacts& t) {
    return t.strategy == PartitionStrategy::Range && t.key_columns == 1 && t.key_column &&
           t.key_type_supported;
}

std::optional<UserError> neighbour_refusal(const std::string& target, const NeighbourFacts& n,
                                           const TargetRequirements& mode) {
    if (mode.detaches_partitions && n.referencing_foreign_key)
        return UserError(ErrorKind::FeatureNotSupported,
                         "table " + target + " is referenced by foreign key \"" +
                             n.referencing_foreign_key->object + "\" of table " +
                             n.referencing_foreign_key->table,
                         "A partition cannot be detached while rows reference it: use mode "
                         "merge ('{\"mode\": \"merge\"}'), which corrects rows in place and "
                         "keeps the foreign key checked.");
    if (mode.bypasses_replication && n.publication)
        return UserError(ErrorKind::FeatureNotSupported,
                         "table " + n.publication->table + " is in publication \"" +
                             n.publication->object + "\"",
                         "Rows loaded into a shadow partition are not sent to subscribers, so "
                         "they would diverge: use mode merge ('{\"mode\": \"merge\"}'), whose "
                         "writes replicate like any other.");
    if (!mode.replaces_partitions)
        return std::nullopt;
    if (n.schema_without_create)
        return UserError(ErrorKind::InvalidParameter,
                         "permission denied to create tables in schema " + *n.schema_without_create,
                         "backfill builds each shadow partition beside the partition it "
                         "replaces; the job's owner needs CREATE on that schema.");
    if (n.partition_trigger)
        return UserError(ErrorKind::FeatureNotSupported,
                         "partition " + n.partition_trigger->table + " has its own trigger \"" +
                             n.partition_trigger->object + "\"",
                         "Triggers defined on a single partition are not carried over to its "
                         "rebuilt table. Define the trigger on the partitioned table instead (it "
                         "is cloned to every partition), or drop it for the backfill.");
    if (n.partition_with_row_security)
        return UserError(
            ErrorKind::FeatureNotSupported,
            "partition " + *n.partition_with_row_security + " has row-level security of its own",
            "Policies and ENABLE ROW LEVEL SECURITY on a single partition are not "
            "carried over to its rebuilt table. Define them on the partitioned "
            "table, or remove them for the backfill.");
    if (n.dependent_view)
        return UserError(
            ErrorKind::FeatureNotSupported,
            "view " + n.dependent_view->object + " depends on partition " + n.dependent_view->table,
            "It would keep reading the retained original after the swap. Define the "
            "view on the partitioned table, or drop it for the backfill.");
    if (n.owned_sequence)
        return UserError(
            ErrorKind::FeatureNotSupported,
            "partition " + n.owned_sequence->table + " owns sequence " + n.owned_sequence->object,
            "A serial or identity column declared on a single partition cannot "
            "move to its rebuilt table. Declare the default on the partitioned "
            "table instead.");
    return std::nullopt;
}

std::optional<UserError> replaced_partition_refusal(const std::string& partition,
                                                    const std::vector<std::string>& own_triggers,
                                                    bool row_security) {
    NeighbourFacts n;
    for (const auto& t : own_triggers)
        if (!is_guard_trigger_name(t)) {
            n.partition_trigger = TableObject{t, partition};
            break;
        }
    if (row_security)
        n.partition_with_row_security = partition;
    return neighbour_refusal(partition, n, kSwapRequirements);
}

}  // namespace backfill
