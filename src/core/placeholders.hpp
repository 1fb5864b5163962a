// Placeholders in the SQL a user writes once for many uses ({shadow} and
// {old} in a validation query, {range_from} and {range_to} in an
// after_publish hook).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace backfill {

// text with every placeholder (first of each pair) replaced by its value
// (second); replaced text is not scanned again.
std::string expand_placeholders(const std::string& text,
                                const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace backfill
