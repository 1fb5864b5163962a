// Reads one option's JSON value by its entry in the option table.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/duration.hpp"
#include "core/option_table.hpp"

namespace backfill {

// The value of option spec, or OptionError naming the JSON path of what is
// wrong (spec.name, or deeper: "window[1]", "release.owner",
// "validate.aggregates[0].expr").
OptionValue read_option(const OptionSpec& spec, const nlohmann::json& value,
                        const DurationReader& read_duration);

// Refuses the value at path: "option "<path>" must be <expected>, not
// <value as written>".
[[noreturn]] void refuse_option(const std::string& path, const std::string& expected,
                                const nlohmann::json& value, const std::string& hint);

}  // namespace backfill
