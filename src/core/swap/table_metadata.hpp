// The catalog-only attributes of a partition that a swap must carry over as
// they are at the moment of publication (not as they were when the shadow
// was built): owner, grants, comments, storage and column options,
// defaults, statistics targets, replica identity, the CLUSTER mark.
// Every name is already quoted; every comment is a quoted SQL literal;
// options are "key=value" as pg_class.reloptions / attoptions hold them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace backfill {

// One privilege of one grantee, on the table (column "") or a column.
struct Grant {
    std::string privilege;  // SELECT, INSERT, ...
    std::string grantee;    // quoted role, or PUBLIC
    std::string column;     // quoted column, or "" for the table
    bool grantable = false;
};

struct ColumnMetadata {
    std::string name;                         // quoted
    bool generated = false;                   // its expression is not a default
    std::optional<std::string> default_expr;  // pg_get_expr of the default
    std::optional<std::string> comment;       // literal
    int statistics_target = -1;               // -1: the system default
    std::vector<std::string> options;         // attoptions
};

struct TableMetadata {
    std::string owner;  // quoted
    std::vector<Grant> grants;
    std::optional<std::string> comment;
    std::vector<std::string> options;        // reloptions
    std::vector<std::string> toast_options;  // reloptions of the TOAST table
    char replica_identity = 'd';             // pg_class.relreplident
    std::string replica_index;               // with 'i': the index
    std::string cluster_index;               // "" when none is marked
    std::vector<ColumnMetadata> columns;
    // Every index and constraint by name, with its comment (nullopt: none).
    std::map<std::string, std::optional<std::string>> index_comments;
    std::map<std::string, std::optional<std::string>> constraint_comments;
};

// The statements that give table (qualified; its indexes live in schema)
// the attributes of wanted, where actual differs. Only catalog updates:
// no statement scans or rewrites the table. Index and constraint comments
// apply to the names both have (the swap gave the indexes the live names).
std::vector<std::string> metadata_statements(const TableMetadata& wanted,
                                             const TableMetadata& actual, const std::string& schema,
                                             const std::string& table);

}  // namespace backfill
