// The range of a specification document: source_range.end names the last
// key included, create() takes range_to as the first key excluded.
#pragma once

#include <string>

namespace backfill {

// The kinds of partition key an inclusive end can be mapped for.
enum class KeyFamily { Date, Integer, Other };

// range_to for a specification whose source_range.end is inclusive_end,
// given in the key type's canonical text ("2026-05-31", "0044-03-15 BC",
// "infinity", "-17"): the next day for a date key, the next integer for an
// integer key. Throws UserError for other key types (no next value exists)
// and for the largest bigint.
std::string exclusive_range_end(const std::string& inclusive_end, KeyFamily family);

}  // namespace backfill
