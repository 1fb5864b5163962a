#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <limits>
#include <set>
#include <string>

#include "core/names.hpp"

namespace backfill {
namespace {

// Whether text is well-formed UTF-8, i.e. no sequence was cut.
bool valid_utf8(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const unsigned char lead = static_cast<unsigned char>(text[i]);
        std::size_t length = lead < 0x80           ? 1
                             : (lead >> 5) == 0x6  ? 2
                             : (lead >> 4) == 0xE  ? 3
                             : (lead >> 3) == 0x1E ? 4
                                                   : 0;
        if (length == 0 || i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += length;
    }
    return true;
}

// text repeated n times.
std::string repeat(const std::string& text, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        out += text;
    }
    return out;
}

// Short names keep the whole prefix, with the documented suffixes.
TEST(Names, Formats) {
    EXPECT_EQ(shadow_table_name("events_2024_01", 7, 3), "events_2024_01_bf7_3_new");
    EXPECT_EQ(retained_table_name("events_2024_01", 7, 3), "events_2024_01_bf7_3_old");
    EXPECT_EQ(shadow_index_name("events_2024_01", 7, 3, 2), "events_2024_01_bf7_3_n2");
    EXPECT_EQ(retained_index_name("events_2024_01_pkey", 7, 3, 1), "events_2024_01_pkey_bf7_3_o1");
    EXPECT_EQ(guard_trigger_name(7), "backfill_guard_7");
    EXPECT_EQ(bound_check_name(7, 3), "backfill_bound_7_3");
}

// Quotes, spaces and capitals are part of the name and stay as they are.
TEST(Names, QuotedAndMixedCasePreserved) {
    EXPECT_EQ(shadow_table_name("Events \"2024\"", 1, 2), "Events \"2024\"_bf1_2_new");
    EXPECT_EQ(retained_index_name("Idx \"A\"", 1, 2, 3), "Idx \"A\"_bf1_2_o3");
}

// A long name loses the end of its prefix, never its suffix.
TEST(Names, LongNamesTruncateThePrefix) {
    const std::string long_name = repeat("a", 80);
    const std::string shadow = shadow_table_name(long_name, 12, 345);
    EXPECT_EQ(shadow, repeat("a", 63 - 13) + "_bf12_345_new");
    EXPECT_EQ(shadow.size(), 63u);
    EXPECT_EQ(retained_index_name(long_name, 12, 345, 6), repeat("a", 63 - 12) + "_bf12_345_o6");
    const std::string at_limit = repeat("b", 63 - 10);
    EXPECT_EQ(shadow_table_name(at_limit, 1, 1), at_limit + "_bf1_1_new");
}

// However long the originals, names of different chunks, jobs and indexes
// never collide and never exceed 63 bytes.
TEST(Names, LongNamesStayUniqueAndShort) {
    const std::string p1 = repeat("events_partition_with_a_very_long_name_", 3);
    const std::string p2 = p1 + "_other";  // same first 63 bytes
    std::set<std::string> seen;
    int made = 0;
    for (const std::string& base : {p1, p2}) {
        for (std::int64_t job : {std::int64_t{1}, std::int64_t{12}, std::int64_t{123456789012},
                                 std::numeric_limits<std::int64_t>::max()}) {
            for (int chunk : {1, 2, 10, 11, 100, INT_MAX}) {
                for (const std::string& name :
                     {shadow_table_name(base, job, chunk), retained_table_name(base, job, chunk),
                      shadow_index_name(base, job, chunk, 1),
                      shadow_index_name(base, job, chunk, 2),
                      retained_index_name(base, job, chunk, 1),
                      retained_index_name(base, job, chunk, 2)}) {
                    EXPECT_LE(name.size(), kMaxIdentifierBytes) << name;
                    if (base == p1) {
                        EXPECT_TRUE(seen.insert(name).second) << name;
                        ++made;
                    } else {
                        // p2 shares p1's truncated prefix: same names, by design
                        // unique per (job, chunk), not per partition.
                        EXPECT_EQ(seen.count(name), 1u) << name;
                    }
                }
            }
        }
    }
    EXPECT_EQ(made, 4 * 6 * 6);
}

// Multi-byte characters are kept whole or dropped whole.
TEST(Names, Utf8NotCut) {
    // "_bf1_1_new" is 10 bytes, leaving 53 for the prefix.
    const std::string two = repeat("\xC3\xA9", 40);           // é, 2 bytes each
    const std::string three = repeat("\xE6\x97\xA5", 30);     // 日, 3 bytes each
    const std::string four = repeat("\xF0\x9F\x98\x80", 20);  // 😀, 4 bytes each
    EXPECT_EQ(shadow_table_name(two, 1, 1), repeat("\xC3\xA9", 26) + "_bf1_1_new");
    EXPECT_EQ(shadow_table_name(three, 1, 1), repeat("\xE6\x97\xA5", 17) + "_bf1_1_new");
    EXPECT_EQ(shadow_table_name(four, 1, 1), repeat("\xF0\x9F\x98\x80", 13) + "_bf1_1_new");
    for (const std::string& base : {two, three, four, "x" + two, "xy" + three, "xyz" + four}) {
        for (int chunk = 1; chunk <= 12; ++chunk) {
            const std::string name = retained_index_name(base, 98765, chunk, chunk % 4 + 1);
            EXPECT_LE(name.size(), kMaxIdentifierBytes);
            EXPECT_TRUE(valid_utf8(name)) << name;
        }
    }
}

// The cut itself, at and around sequence boundaries.
TEST(TruncateIdentifier, CutsAtCharacterBoundaries) {
    EXPECT_EQ(truncate_identifier("abc", 2), "ab");
    EXPECT_EQ(truncate_identifier("ab", 2), "ab");
    EXPECT_EQ(truncate_identifier("", 5), "");
    EXPECT_EQ(truncate_identifier("abc", 0), "");
    EXPECT_EQ(truncate_identifier("a\xC3\xA9", 2), "a");
    EXPECT_EQ(truncate_identifier("a\xC3\xA9", 3), "a\xC3\xA9");
    EXPECT_EQ(truncate_identifier("\xE6\x97\xA5\xE6\x97\xA5", 5), "\xE6\x97\xA5");
    EXPECT_EQ(truncate_identifier("\xF0\x9F\x98\x80", 3), "");
}

// A guard and its TRUNCATE twin are backfill's; a trigger that only
// mentions the prefix elsewhere is the user's.
TEST(GuardTriggerName, KnowsBackfillsOwn) {
    EXPECT_TRUE(is_guard_trigger_name(guard_trigger_name(12)));
    EXPECT_TRUE(is_guard_trigger_name(guard_trigger_name(12) + "_t"));
    EXPECT_FALSE(is_guard_trigger_name("audit_backfill_guard_12"));
    EXPECT_FALSE(is_guard_trigger_name("backfill_guard"));
}

}  // namespace
}  // namespace backfill
