#include "core/swap/table_metadata.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>

namespace backfill {

namespace {

// The column options a user sets (PostgreSQL's attribute options); a server
// may keep private entries in attoptions, which are not ours to copy.
bool is_user_column_option(const std::string& option) {
    const std::string key = option.substr(0, option.find('='));
    return key == "n_distinct" || key == "n_distinct_inherited";
}

// "key=value" as an option clause "key = 'value'".
std::string option_clause(const std::string& option) {
    const std::size_t eq = option.find('=');
    std::string value = "'";
    for (char c : option.substr(eq + 1)) {
        value += c;
        if (c == '\'') {
            value += '\'';
        }
    }
    return option.substr(0, eq) + " = " + value + "'";
}

// "SET (...)" / "RESET (...)" clauses that turn the options actual into
// wanted; prefix is "" or "toast." and keys are written with it. Empty
// when they already agree.
std::vector<std::string> option_changes(std::vector<std::string> wanted,
                                        std::vector<std::string> actual,
                                        const std::string& prefix) {
    auto key = [](const std::string& o) { return o.substr(0, o.find('=')); };
    std::string set, reset;
    for (const std::string& o : wanted) {
        if (std::find(actual.begin(), actual.end(), o) == actual.end()) {
            set += (set.empty() ? "" : ", ") + prefix + option_clause(o);
        }
    }
    for (const std::string& o : actual) {
        bool kept = std::any_of(wanted.begin(), wanted.end(),
                                [&](const std::string& w) { return key(w) == key(o); });
        if (!kept) {
            reset += (reset.empty() ? "" : ", ") + prefix + key(o);
        }
    }
    std::vector<std::string> out;
    if (!reset.empty()) {
        out.push_back("RESET (" + reset + ")");
    }
    if (!set.empty()) {
        out.push_back("SET (" + set + ")");
    }
    return out;
}

// Grants are compared as (privilege, grantee, column) with their grant option.
bool same_grant(const Grant& a, const Grant& b) {
    return std::tie(a.privilege, a.grantee, a.column) == std::tie(b.privilege, b.grantee, b.column);
}

const Grant* find_grant(const std::vector<Grant>& grants, const Grant& g) {
    for (const Grant& x : grants) {
        if (same_grant(x, g)) {
            return &x;
        }
    }
    return nullptr;
}

// "SELECT" or "SELECT (col)", as GRANT and REVOKE take it.
std::string privilege_clause(const Grant& g) {
    return g.privilege + (g.column.empty() ? "" : " (" + g.column + ")");
}

// GRANT and REVOKE statements that turn the grants actual into wanted.
std::vector<std::string> grant_statements(const std::vector<Grant>& wanted,
                                          const std::vector<Grant>& actual,
                                          const std::string& table) {
    std::vector<std::string> out;
    for (const Grant& g : actual) {
        const Grant* w = find_grant(wanted, g);
        if (w == nullptr) {
            out.push_back("REVOKE " + privilege_clause(g) + " ON TABLE " + table + " FROM " +
                          g.grantee + " CASCADE");
        } else if (g.grantable && !w->grantable) {
            out.push_back("REVOKE GRANT OPTION FOR " + privilege_clause(g) + " ON TABLE " + table +
                          " FROM " + g.grantee + " CASCADE");
        }
    }
    for (const Grant& g : wanted) {
        const Grant* a = find_grant(actual, g);
        if (a == nullptr || (g.grantable && !a->grantable)) {
            out.push_back("GRANT " + privilege_clause(g) + " ON TABLE " + table + " TO " +
                          g.grantee + (g.grantable ? " WITH GRANT OPTION" : ""));
        }
    }
    return out;
}

// A comment as COMMENT ON takes it: the literal, or NULL to remove it.
std::string comment_value(const std::optional<std::string>& comment) {
    return comment ? *comment : "NULL";
}

// ALTER TABLE ... ALTER COLUMN statements for one column.
std::vector<std::string> column_statements(const ColumnMetadata& wanted,
                                           const ColumnMetadata& actual, const std::string& table) {
    std::vector<std::string> out;
    const std::string alter = "ALTER TABLE " + table + " ALTER COLUMN " + wanted.name + " ";
    if (!wanted.generated && wanted.default_expr != actual.default_expr) {
        out.push_back(alter + (wanted.default_expr ? "SET DEFAULT " + *wanted.default_expr
                                                   : std::string("DROP DEFAULT")));
    }
    if (wanted.statistics_target != actual.statistics_target) {
        out.push_back(alter + "SET STATISTICS " + std::to_string(wanted.statistics_target));
    }
    std::vector<std::string> want_opts, have_opts;
    std::copy_if(wanted.options.begin(), wanted.options.end(), std::back_inserter(want_opts),
                 is_user_column_option);
    std::copy_if(actual.options.begin(), actual.options.end(), std::back_inserter(have_opts),
                 is_user_column_option);
    for (const std::string& change : option_changes(want_opts, have_opts, "")) {
        out.push_back(alter + change);
    }
    if (wanted.comment != actual.comment) {
        out.push_back("COMMENT ON COLUMN " + table + "." + wanted.name + " IS " +
                      comment_value(wanted.comment));
    }
    return out;
}

// COMMENT ON statements for named objects both sides have (by name).
std::vector<std::string> named_comment_statements(
    const std::map<std::string, std::optional<std::string>>& wanted,
    const std::map<std::string, std::optional<std::string>>& actual,
    const std::string& comment_on_prefix, const std::string& suffix) {
    std::vector<std::string> out;
    for (const auto& [name, comment] : wanted) {
        auto it = actual.find(name);
        if (it != actual.end() && it->second != comment) {
            out.push_back(comment_on_prefix + name + suffix + " IS " + comment_value(comment));
        }
    }
    return out;
}

// The ALTER TABLE clause that sets the replica identity of wanted.
std::string replica_identity_clause(const TableMetadata& m) {
    switch (m.replica_identity) {
        case 'n':
            return "REPLICA IDENTITY NOTHING";
        case 'f':
            return "REPLICA IDENTITY FULL";
        case 'i':
            return "REPLICA IDENTITY USING INDEX " + m.replica_index;
        default:
            return "REPLICA IDENTITY DEFAULT";
    }
}

// Appends statements to a list.
void append(std::vector<std::string>& out, const std::vector<std::string>& more) {
    out.insert(out.end(), more.begin(), more.end());
}

}  // namespace

// The owner first (it rewrites the ACL's owner entries), then grants,
// options, columns, replica identity, the CLUSTER mark and comments.
std::vector<std::string> metadata_statements(const TableMetadata& wanted,
                                             const TableMetadata& actual, const std::string& schema,
                                             const std::string& table) {
    std::vector<std::string> out;
    if (wanted.owner != actual.owner) {
        out.push_back("ALTER TABLE " + table + " OWNER TO " + wanted.owner);
    }
    append(out, grant_statements(wanted.grants, actual.grants, table));
    for (const std::string& change : option_changes(wanted.options, actual.options, "")) {
        out.push_back("ALTER TABLE " + table + " " + change);
    }
    for (const std::string& change :
         option_changes(wanted.toast_options, actual.toast_options, "toast.")) {
        out.push_back("ALTER TABLE " + table + " " + change);
    }
    for (const ColumnMetadata& w : wanted.columns) {
        for (const ColumnMetadata& a : actual.columns) {
            if (a.name == w.name) {
                append(out, column_statements(w, a, table));
            }
        }
    }
    if (wanted.replica_identity != actual.replica_identity ||
        wanted.replica_index != actual.replica_index) {
        out.push_back("ALTER TABLE " + table + " " + replica_identity_clause(wanted));
    }
    if (wanted.cluster_index != actual.cluster_index) {
        out.push_back("ALTER TABLE " + table +
                      (wanted.cluster_index.empty() ? std::string(" SET WITHOUT CLUSTER")
                                                    : " CLUSTER ON " + wanted.cluster_index));
    }
    if (wanted.comment != actual.comment) {
        out.push_back("COMMENT ON TABLE " + table + " IS " + comment_value(wanted.comment));
    }
    append(out, named_comment_statements(wanted.index_comments, actual.index_comments,
                                         "COMMENT ON INDEX " + schema + ".", ""));
    append(out, named_comment_statements(wanted.constraint_comments, actual.constraint_comments,
                                         "COMMENT ON CONSTRAINT ", " ON " + table));
    return out;
}

}  // namespace backfill
