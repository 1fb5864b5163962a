// Chunk planning: which leaf partitions of a range-partitioned target lie in
// [range_from, range_to), and refusals for every shape that cannot be swapped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace backfill {

enum class BoundKind { MinValue, Finite, MaxValue };

// A partition bound or a range limit. sort_key is a plain decimal number
// ("-12", "1714521600.25") that orders like the key's type (the PostgreSQL
// layer maps dates to days and timestamps to epoch seconds); text is the
// bound as the user knows it ("2024-05-01"), used in messages.
struct Bound {
    BoundKind kind = BoundKind::Finite;
    std::string sort_key;
    std::string text;
};

struct PartitionInfo {
    std::string qualified_name;  // quoted, for messages
    Bound lower;
    Bound upper;
    bool is_default = false;
    bool is_partitioned = false;  // has partitions of its own
    std::int64_t est_rows = 0;
    std::int64_t est_bytes = 0;
};

// A user-given end of the range; given = false means open.
struct RangeLimit {
    bool given = false;
    Bound value;
};

// A chunk: its range of the key and estimates; a swap chunk is a
// partition (partition_index into the partitions vector), a merge chunk a
// range of chunk_by (partition_index unused).
struct PlannedChunk {
    int chunk_no;                 // 1-based, in key order
    std::size_t partition_index;  // swap: index into the partitions vector
    std::string name;             // for messages: the partition, or "lower .. upper"
    Bound lower, upper;
    std::int64_t est_rows = 0;
    std::int64_t est_bytes = 0;
};

// Compares two decimal strings numerically (-1, 0, 1).
int compare_decimal(const std::string& a, const std::string& b);

// Orders bounds as PostgreSQL does: MINVALUE below every value, MAXVALUE
// above (-1, 0, 1).
int compare_bounds(const Bound& a, const Bound& b);

// Returns the partitions in range, in key order (a partitioned one too:
// core/partition_shapes.hpp turns it into its leaves). Partitions may come
// in any order. Throws UserError when range_from >= range_to, when a
// partition straddles either end of the range (naming it and its bounds),
// when a partition in range has a MINVALUE/MAXVALUE bound, or when no
// partition lies in range. Default partitions are never in a range.
std::vector<PlannedChunk> plan_chunks(const std::vector<PartitionInfo>& partitions,
                                      const RangeLimit& from, const RangeLimit& to,
                                      const std::string& target_name);

}  // namespace backfill
