// The statement of backfill.diff: the rows of a chunk before and after,
// paired by key, as one row per changed column, inserted row and deleted
// row. Pure text: the PostgreSQL layer quotes the names and runs it with
// max_rows as $1. The join, the comparison and the ordering run in the
// server, whose top-N sort keeps only max_rows rows in memory.
#pragma once

#include <string>
#include <vector>

namespace backfill {

// A column of the chunk's rows.
struct DiffColumn {
    std::string name;   // quoted
    std::string label;  // as the catalog spells it: column_name, and the key's JSON field
    bool numeric;       // a number: its change has a delta
    bool by_text;       // its type has no equality operator: compared as text
};

struct DiffSpec {
    // FROM items (a table or a parenthesized SELECT) with every column:
    // the rows the chunk replaces and the rows it put (or would put) there.
    std::string old_rows, new_rows;
    std::vector<DiffColumn> key;      // the columns that pair the rows
    std::vector<DiffColumn> columns;  // the others
    // A row of old_rows without a partner counts as deleted (merge without
    // delete_missing leaves it in place: false).
    bool report_deleted = true;
    // SQL over o (old) and n (new) that a changed pair must satisfy to
    // count ("" for every pair): the merge's conflict rule.
    std::string change_filter;
};

// The statement: key jsonb, column_name, old_value, new_value, delta;
// numeric changes largest abs(delta) first, then by key; at most $1 rows.
// An inserted row is one row with column_name and old_value NULL and
// new_value the row as JSON; a deleted row the other way round.
std::string diff_statement(const DiffSpec& spec);

}  // namespace backfill
