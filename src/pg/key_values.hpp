// Partition key values: turning bounds (from the catalog) and range limits
// (from the user) into the core's Bound, and back into SQL parameters.
#pragma once

#include <string>
#include <vector>

#include "core/planner.hpp"
#include "pg/pg_headers.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

// Whether a partition key type is one backfill supports.
bool supported_key_type(Oid type);

// The lower and upper bound of a range partition, from its relpartbound
// node text; is_default set for the default partition.
struct PartitionBounds {
    bool is_default = false;
    Bound lower, upper;
};
PartitionBounds bounds_from_node(const std::string& relpartbound, Oid key_type);

// A user's range_from / range_to, read with the key type's input function.
// Throws UserError naming the argument when the text is not a valid value.
Bound bound_from_text(const std::string& argument, const std::string& text, Oid key_type);

// The text of a bound as a typed SQL literal, e.g. '2024-05-01'::date.
std::string typed_literal(const Bound& bound, Oid key_type);

// Runs sql (which uses $1 and $2 of the key type) with the two bounds as
// parameters; returns the number of rows processed.
std::uint64_t execute_with_bounds(const std::string& sql, Oid key_type, const Bound& lower,
                                  const Bound& upper);

// The same for a query: its rows, each value as text (nullopt for NULL).
std::vector<Row> query_with_bounds(const std::string& sql, Oid key_type, const Bound& lower,
                                   const Bound& upper);

}  // namespace backfill::pg
