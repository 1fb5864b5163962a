#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/target_checks.hpp"

namespace backfill {
namespace {

// A target swap accepts: public.events, RANGE on one date column, owned.
TargetFacts events() {
    TargetFacts t;
    t.qualified = "public.events";
    t.strategy = PartitionStrategy::Range;
    t.key_columns = 1;
    t.key_column = "day";
    t.key_type = "date";
    t.key_type_supported = true;
    t.owned = true;
    return t;
}

// A mode that does none of what rules targets out (as merge would not).
constexpr TargetRequirements kInPlace{false, false, false, false};

// The refusal's kind, message and hint, or a failure when there is none.
void expect_refusal(const std::optional<UserError>& refusal, ErrorKind kind,
                    const std::string& message, const std::string& hint) {
    ASSERT_TRUE(refusal.has_value()) << "expected: " << message;
    EXPECT_EQ(refusal->kind(), kind);
    EXPECT_EQ(refusal->what(), message);
    EXPECT_EQ(refusal->hint(), hint);
}

const std::string kPartitionedHint =
    "Mode swap rebuilds the partitions of a partitioned table; to correct the rows of any other "
    "table in place, use mode merge: '{\"mode\": \"merge\", \"chunk_by\": \"column\"}'.";

TEST(TargetChecks, AcceptsAnOwnedRangeTarget) {
    EXPECT_FALSE(target_refusal(events(), kSwapRequirements));
    EXPECT_FALSE(neighbour_refusal("public.events", NeighbourFacts{}, kSwapRequirements));
}

TEST(TargetChecks, RefusesAPlainTable) {
    TargetFacts t = events();
    t.strategy = PartitionStrategy::None;
    t.key_columns = 0;
    t.key_column.reset();
    expect_refusal(target_refusal(t, kSwapRequirements), ErrorKind::FeatureNotSupported,
                   "table public.events is not partitioned", kPartitionedHint);
    EXPECT_FALSE(target_refusal(t, kInPlace));
}

// A partition that is partitioned itself is refused before its strategy
// is looked at.
TEST(TargetChecks, RefusesASubPartition) {
    TargetFacts t = events();
    t.is_partition = true;
    t.strategy = PartitionStrategy::List;
    expect_refusal(target_refusal(t, kSwapRequirements), ErrorKind::FeatureNotSupported,
                   "table public.events is itself a partition",
                   "Give the top-level partitioned table; option partitions restricts the job to "
                   "some of its partitions.");
    EXPECT_FALSE(target_refusal(t, kInPlace));
}

// Every strategy and key is accepted; only a RANGE key on one plain column
// of a supported type gives chunks bounds.
TEST(TargetChecks, AcceptsEveryShapeAndSaysWhichHasBounds) {
    EXPECT_TRUE(range_keyed(events()));
    std::vector<TargetFacts> unbounded(5, events());
    unbounded[0].strategy = PartitionStrategy::List;
    unbounded[1].strategy = PartitionStrategy::Hash;
    unbounded[2].key_columns = 2;
    unbounded[3].key_column.reset();
    unbounded[4].key_type_supported = false;
    for (const TargetFacts& t : unbounded) {
        EXPECT_FALSE(target_refusal(t, kSwapRequirements));
        EXPECT_FALSE(range_keyed(t));
    }
}

// Every mode needs the caller to own the target, then its partitions; a
// shape refusal comes first.
TEST(TargetChecks, RefusesWhatTheCallerDoesNotOwn) {
    TargetFacts t = events();
    t.owned = false;
    t.unowned_partition = "public.events_1";
    const std::string table_message = "must be owner of table public.events";
    const std::string table_hint =
        "Only the owner of the target (or a member of its owning role) can backfill it.";
    expect_refusal(target_refusal(t, kSwapRequirements), ErrorKind::InvalidParameter, table_message,
                   table_hint);
    expect_refusal(target_refusal(t, kInPlace), ErrorKind::InvalidParameter, table_message,
                   table_hint);
    t.owned = true;
    expect_refusal(target_refusal(t, kInPlace), ErrorKind::InvalidParameter,
                   "must be owner of partition public.events_1",
                   "Only the owner of the target and all its partitions can backfill it.");
    t.strategy = PartitionStrategy::None;
    EXPECT_EQ(std::string(target_refusal(t, kSwapRequirements)->what()),
              "table public.events is not partitioned");
}

// One neighbour in the way: the fact, and the refusal swap makes of it.
struct NeighbourCase {
    const char* name;
    void (*set)(NeighbourFacts&);
    ErrorKind kind;
    std::string message, hint;
};

const NeighbourCase kNeighbourCases[] = {
    // Detaching a partition is what a referencing foreign key forbids.
    {"foreign key",
     [](NeighbourFacts& n) {
         n.referencing_foreign_key = TableObject{"orders_event_fk", "public.orders"};
     },
     ErrorKind::FeatureNotSupported,
     "table public.events is referenced by foreign key \"orders_event_fk\" of table "
     "public.orders",
     "A partition cannot be detached while rows reference it: use mode merge ('{\"mode\": "
     "\"merge\"}'), which corrects rows in place and keeps the foreign key checked."},
    {"publication",
     [](NeighbourFacts& n) {
         n.publication = TableObject{"cdc", "public.events_1"};
     },
     ErrorKind::FeatureNotSupported, "table public.events_1 is in publication \"cdc\"",
     "Rows loaded into a shadow partition are not sent to subscribers, so they would diverge: use "
     "mode merge ('{\"mode\": \"merge\"}'), whose writes replicate like any other."},
    {"schema without CREATE", [](NeighbourFacts& n) { n.schema_without_create = "\"Archive\""; },
     ErrorKind::InvalidParameter, "permission denied to create tables in schema \"Archive\"",
     "backfill builds each shadow partition beside the partition it replaces; the job's owner "
     "needs CREATE on that schema."},
    {"partition trigger",
     [](NeighbourFacts& n) {
         n.partition_trigger = TableObject{"audit", "public.events_1"};
     },
     ErrorKind::FeatureNotSupported, "partition public.events_1 has its own trigger \"audit\"",
     "Triggers defined on a single partition are not carried over to its rebuilt table. Define "
     "the trigger on the partitioned table instead (it is cloned to every partition), or drop "
     "it for the backfill."},
    {"row-level security",
     [](NeighbourFacts& n) { n.partition_with_row_security = "public.events_1"; },
     ErrorKind::FeatureNotSupported, "partition public.events_1 has row-level security of its own",
     "Policies and ENABLE ROW LEVEL SECURITY on a single partition are not carried over to its "
     "rebuilt table. Define them on the partitioned table, or remove them for the backfill."},
    {"view",
     [](NeighbourFacts& n) {
         n.dependent_view = TableObject{"public.recent", "public.events_1"};
     },
     ErrorKind::FeatureNotSupported, "view public.recent depends on partition public.events_1",
     "It would keep reading the retained original after the swap. Define the view on the "
     "partitioned table, or drop it for the backfill."},
    {"owned sequence",
     [](NeighbourFacts& n) {
         n.owned_sequence = TableObject{"public.events_1_id_seq", "public.events_1"};
     },
     ErrorKind::FeatureNotSupported,
     "partition public.events_1 owns sequence public.events_1_id_seq",
     "A serial or identity column declared on a single partition cannot move to its rebuilt "
     "table. Declare the default on the partitioned table instead."},
};

// Each neighbour alone is refused by swap, and by no mode that does not
// do to the partitions what that neighbour forbids.
TEST(NeighbourChecks, RefusesEachNeighbourForSwapOnly) {
    for (const auto& c : kNeighbourCases) {
        SCOPED_TRACE(c.name);
        NeighbourFacts n;
        c.set(n);
        expect_refusal(neighbour_refusal("public.events", n, kSwapRequirements), c.kind, c.message,
                       c.hint);
        EXPECT_FALSE(neighbour_refusal("public.events", n, kInPlace));
    }
}

// Each requirement answers for its own neighbours only: a mode that does
// not detach partitions still refuses a published one.
TEST(NeighbourChecks, EachRequirementForItsOwnNeighbours) {
    TargetRequirements attach_only = kSwapRequirements;
    attach_only.detaches_partitions = false;
    NeighbourFacts n;
    n.referencing_foreign_key = TableObject{"fk", "public.orders"};
    EXPECT_FALSE(neighbour_refusal("public.events", n, attach_only));
    n.publication = TableObject{"cdc", "public.events"};
    EXPECT_EQ(std::string(neighbour_refusal("public.events", n, attach_only)->what()),
              "table public.events is in publication \"cdc\"");
}

// With several neighbours in the way, the refusal names the first in the
// order the checks have always had: foreign key, publication, schema,
// trigger, row-level security, view, sequence.
TEST(NeighbourChecks, NamesTheFirstInTheUsualOrder) {
    NeighbourFacts n;
    n.owned_sequence = TableObject{"public.s", "public.events_1"};
    n.dependent_view = TableObject{"public.v", "public.events_1"};
    EXPECT_EQ(std::string(neighbour_refusal("public.events", n, kSwapRequirements)->what()),
              "view public.v depends on partition public.events_1");
    n.schema_without_create = "archive";
    EXPECT_EQ(std::string(neighbour_refusal("public.events", n, kSwapRequirements)->what()),
              "permission denied to create tables in schema archive");
    n.publication = TableObject{"cdc", "public.events"};
    EXPECT_EQ(std::string(neighbour_refusal("public.events", n, kSwapRequirements)->what()),
              "table public.events is in publication \"cdc\"");
    n.referencing_foreign_key = TableObject{"fk", "public.orders"};
    EXPECT_EQ(std::string(neighbour_refusal("public.events", n, kSwapRequirements)->what()),
              "table public.events is referenced by foreign key \"fk\" of table public.orders");
}

// At publication, a partition's own trigger or row-level security that
// appeared after create is refused as create refuses it; backfill's guards
// and their TRUNCATE twins are not the user's.
TEST(ReplacedPartitionChecks, RefusesWhatAppearedAfterCreate) {
    EXPECT_FALSE(replaced_partition_refusal("public.events_1", {}, false));
    EXPECT_FALSE(replaced_partition_refusal("public.events_1",
                                            {"backfill_guard_7", "backfill_guard_7_t"}, false));
    auto trigger =
        replaced_partition_refusal("public.events_1", {"backfill_guard_7", "audit", "other"}, true);
    ASSERT_TRUE(trigger);
    EXPECT_EQ(std::string(trigger->what()),
              "partition public.events_1 has its own trigger \"audit\"");
    EXPECT_EQ(trigger->kind(), ErrorKind::FeatureNotSupported);
    auto rls = replaced_partition_refusal("public.events_1", {"backfill_guard_7"}, true);
    ASSERT_TRUE(rls);
    EXPECT_EQ(std::string(rls->what()),
              "partition public.events_1 has row-level security of its own");
}

}  // namespace
}  // namespace backfill
