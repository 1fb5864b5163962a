// Checks of the user's source query against the target, made when the job is
// created, before anything runs.
#pragma once

#include <string>
#include <vector>

namespace backfill {

struct ColumnInfo {
    std::string name;
    std::string type_name;  // as format_type prints it
};

// The source must give the target's columns in the target's order: same
// count; a source column named like a target column must sit at that
// column's position; assignable[i] says whether source column i can be
// stored in target column i. Throws UserError (DatatypeMismatch) naming the
// first mismatching column, with a hint.
void check_source_columns(const std::vector<ColumnInfo>& target,
                          const std::vector<ColumnInfo>& source,
                          const std::vector<bool>& assignable);

// The source must use both $1 and $2 (outside string literals and comments),
// or every chunk would read the whole source. Throws UserError otherwise.
void check_source_parameters(const std::string& source);

// Whether the source uses $1 or $2 (outside string literals and comments).
bool source_uses_parameters(const std::string& source);

// A source for a target whose chunks have no bounds (its top level is not
// RANGE on one column: core/target_checks.hpp) must use neither $1 nor $2.
// Throws UserError naming target (quoted) otherwise.
void check_source_without_parameters(const std::string& source, const std::string& target);

// The source as it is stored and run: without trailing semicolons and
// whitespace, which would break the subquery it is wrapped in.
std::string normalize_source(const std::string& source);

}  // namespace backfill
