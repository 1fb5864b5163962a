#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/swap/pairing.hpp"
#include "core/swap/swap_ddl.hpp"
#include "core/user_error.hpp"

namespace backfill {
namespace {

using Pairs = std::vector<std::pair<std::size_t, std::size_t>>;
using Positions = std::vector<std::size_t>;

// Same sets in another order pair by identity, not by position.
TEST(Pairing, ByIdentityNotPosition) {
    Pairing p = pair_by_identity({"pk", "a", "b"}, {"b", "pk", "a"});
    EXPECT_EQ(p.pairs, (Pairs{{0, 1}, {1, 2}, {2, 0}}));
    EXPECT_TRUE(p.live_only.empty());
    EXPECT_TRUE(p.shadow_only.empty());
}

// An index dropped from the live partition after the build is left over on
// the shadow; the others keep their partners (the primary key's name never
// moves to another index).
TEST(Pairing, DroppedFromLive) {
    Pairing p = pair_by_identity({"pk", "b"}, {"pk", "a", "b"});
    EXPECT_EQ(p.pairs, (Pairs{{0, 0}, {1, 2}}));
    EXPECT_TRUE(p.live_only.empty());
    EXPECT_EQ(p.shadow_only, (Positions{1}));
}

// An index created after the build is missing on the shadow.
TEST(Pairing, CreatedOnLive) {
    Pairing p = pair_by_identity({"c", "pk", "a"}, {"pk", "a"});
    EXPECT_EQ(p.pairs, (Pairs{{1, 0}, {2, 1}}));
    EXPECT_EQ(p.live_only, (Positions{0}));
    EXPECT_TRUE(p.shadow_only.empty());
}

// Duplicate definitions pair one to one, in order.
TEST(Pairing, Duplicates) {
    Pairing p = pair_by_identity({"a", "a", "a"}, {"a", "a"});
    EXPECT_EQ(p.pairs, (Pairs{{0, 0}, {1, 1}}));
    EXPECT_EQ(p.live_only, (Positions{2}));
}

// The identity of an index ignores its name, its table's name and ONLY,
// and keeps everything that makes it another index.
TEST(IndexIdentity, IndependentOfNames) {
    const std::string live = index_identity(
        "CREATE INDEX events_p1_amount_idx ON ONLY public.events_p1 USING btree (amount) WHERE "
        "(amount > (0)::numeric)",
        "public", "events_p1_amount_idx", "events_p1", "");
    const std::string shadow = index_identity(
        "CREATE INDEX events_p1_bf7_3_n2 ON public.events_p1_bf7_3_new USING btree (amount) "
        "WHERE (amount > (0)::numeric)",
        "public", "events_p1_bf7_3_n2", "events_p1_bf7_3_new", "");
    EXPECT_EQ(live, shadow);
    EXPECT_EQ(live, "USING btree (amount) WHERE (amount > (0)::numeric)");
}

// Unique, constraint-backed and plain indexes on the same columns differ.
TEST(IndexIdentity, KindMatters) {
    const std::string def_u = "CREATE UNIQUE INDEX i ON s.t USING btree (id, day)";
    const std::string plain =
        index_identity("CREATE INDEX i ON s.t USING btree (id, day)", "s", "i", "t", "");
    const std::string unique = index_identity(def_u, "s", "i", "t", "");
    const std::string pk = index_identity(def_u, "s", "i", "t", "PRIMARY KEY (id, day)");
    const std::string uc = index_identity(def_u, "s", "i", "t", "UNIQUE (id, day)");
    EXPECT_EQ(unique, "UNIQUE USING btree (id, day)");
    EXPECT_EQ(pk, "CONSTRAINT PRIMARY KEY (id, day) UNIQUE USING btree (id, day)");
    EXPECT_NE(plain, unique);
    EXPECT_NE(unique, pk);
    EXPECT_NE(pk, uc);
}

// A definition that names another index or table is a bug.
TEST(IndexIdentity, Mismatch) {
    EXPECT_THROW(index_identity("CREATE INDEX other ON s.t USING btree (a)", "s", "i", "t", ""),
                 UserError);
}

}  // namespace
}  // namespace backfill
