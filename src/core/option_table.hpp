// The option table: every job option named once, with its type, allowed
// range or values, default, one line of documentation and its place in a
// specification document. Parsing, defaults, the options echo, the
// specification mapping and the README check all read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/options.hpp"

namespace backfill {

// How an option's JSON value is read.
enum class OptionType {
    Choice,          // a string among choices
    Integer,         // a whole JSON number within [low, high]
    PositiveBigint,  // a whole JSON number from 1 up (bytes, bytes per second)
    Ratio,           // a JSON number within [low, high], fractions allowed
    Boolean,
    Duration,  // a string PostgreSQL reads as an interval, within [low, high] microseconds
    Windows,   // "HH:MM-HH:MM", several separated by commas, or an array of them
    Query,     // SQL as a non-empty string
    Rules,     // the validation rules object (core/validation.hpp)
    Release,   // the audit record object
    Names,     // column names: a non-empty array of non-empty strings (or one string)
    Name,      // a column name: a non-empty string
    Width,     // a positive JSON number, or a non-empty string (an interval)
    Eras,      // a non-empty array of {"from", "to", "source"} objects (core/eras.hpp)
    Tables,    // table names, read like Names
    Channel,   // a NOTIFY channel: a lower-case identifier of at most 63 bytes
    ViewName,  // a view name, possibly schema-qualified, in SQL syntax (core/snapshot_view.hpp)
};

// Where a specification document carries the option.
enum class SpecPlace {
    Execution,         // execution.<name>
    Validation,        // the validation section is the whole option
    RollbackRetain,    // rollback.retain
    RollbackSnapshot,  // rollback.snapshot
    Audit,             // assembled from owner, reason, code_version, approved_by, rollback.snapshot
    TopLevel,          // a top-level field of its own name
};

// One option's value as read from JSON; which member holds it depends on
// the type. is_null: the option was null (none, off).
struct OptionValue {
    bool is_null = false;
    std::int64_t integer = 0;        // Integer, PositiveBigint, Duration (microseconds)
    double number = 0;               // Ratio
    bool boolean = false;            // Boolean
    std::string text;                // Choice, Query, Name, Width
    std::vector<std::string> names;  // Names, Tables
    std::vector<TimeWindow> windows;
    ValidationSpec rules;
    ReleaseInfo release;
    std::vector<SourceEra> eras;  // Eras
};

struct OptionSpec {
    const char* name;
    OptionType type;
    bool nullable;                     // null is accepted and means none / off
    std::int64_t low, high;            // Integer, Ratio; Duration in microseconds
    const char* range_text;            // Duration: the range in words, "between 1ms and 1h"
    std::vector<std::string> choices;  // Choice
    const char* default_json;          // the default, as the echo writes it
    const char* doc;                   // what it does, one line; the hint for a value out of range
    SpecPlace spec_place;
    void (*store)(JobOptions&, const OptionValue&);  // puts the value into JobOptions
    OptionValue (*load)(const JobOptions&);          // takes it back out, for the echo
};

// Every option, in the order the echo writes them.
const std::vector<OptionSpec>& option_table();

// The option named name; nullptr for an unknown key.
const OptionSpec* find_option(const std::string& name);

// The mode an option belongs to ("swap", "merge"), or nullptr for an
// option of every mode: a job of another mode refuses it, and its echo
// leaves it out.
const char* option_mode(const std::string& name);

// "a, b, c and d": the names of the options a specification carries under
// place, or of every option when place is nullopt; for hints.
std::string option_names(std::optional<SpecPlace> place);

}  // namespace backfill
