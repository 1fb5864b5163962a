#include "core/merge/merge_sql.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace backfill {

namespace {

// "a.x, a.y": each column prefixed with an alias (none: bare).
std::string column_list(const MergeTable& t, const std::string& alias) {
    std::string out;
    for (const MergeColumn& c : t.columns) {
        out += (out.empty() ? "" : ", ") + (alias.empty() ? "" : alias + ".") + c.name;
    }
    return out;
}

// "a.k1 = b.k1 AND a.k2 = b.k2": the key of two aliases matches.
std::string key_match(const MergeTable& t, const std::string& a, const std::string& b) {
    std::string out;
    for (const std::string& k : t.key) {
        out += (out.empty() ? "" : " AND ") + a + "." + k + " = " + b + "." + k;
    }
    return out;
}

// The row of an alias as compared: columns without an equality operator
// by their text.
std::string compared_row(const MergeTable& t, const std::string& alias) {
    std::string out;
    for (const MergeColumn& c : t.columns) {
        out += (out.empty() ? "" : ", ") + alias + "." + c.name + (c.by_text ? "::text" : "");
    }
    return "ROW(" + out + ")";
}

// Whether alias's chunk_by lies in the chunk's range.
std::string in_range(const MergeTable& t, const std::string& alias) {
    return alias + "." + t.chunk_by + " >= $1 AND " + alias + "." + t.chunk_by + " < $2";
}

// Each column's value in an alias: "a.x" (by name), or "a.p1" (by
// position, prefix p: the columns of the update's CTE).
std::vector<std::string> values_of(const MergeTable& t, const std::string& alias,
                                   const std::string& prefix = "") {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < t.columns.size(); i++) {
        out.push_back(alias + "." +
                      (prefix.empty() ? t.columns[i].name : prefix + std::to_string(i + 1)));
    }
    return out;
}

// "x, y" of a list.
std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out;
}

// Whether a column is part of the key.
bool is_key(const MergeTable& t, const std::string& column) {
    return std::find(t.key.begin(), t.key.end(), column) != t.key.end();
}

// "SET (x, y) = ROW(vx, vy)" over the columns an update may set, keys left
// out (they match anyway); values parallel to t.columns.
std::string set_clause(const MergeTable& t, const std::vector<std::string>& values) {
    std::string names, set;
    for (std::size_t i = 0; i < t.columns.size(); i++) {
        const MergeColumn& c = t.columns[i];
        if (!c.settable || is_key(t, c.name)) {
            continue;
        }
        names += (names.empty() ? "" : ", ") + c.name;
        set += (set.empty() ? "" : ", ") + values[i];
    }
    // ROW() keeps a single column a row, as SET (x) = ROW(...) requires
    return "SET (" + names + ") = ROW(" + set + ")";
}

// The image rows of the chunks in $1 with an action among actions.
std::string image_rows(const std::string& actions) {
    return std::string("b.") + kImageChunkColumn + " = ANY ($1::int[]) AND b." +
           kImageActionColumn + " IN (" + actions + ")";
}

}  // namespace

std::vector<std::string> create_image_statements(const MergeTable& t, const std::string& index) {
    return {"CREATE TABLE " + t.before + " AS SELECT NULL::int AS " + kImageChunkColumn +
                ", NULL::\"char\" AS " + kImageActionColumn + ", " + column_list(t, "") + " FROM " +
                t.target + " WITH NO DATA",
            "CREATE INDEX " + index + " ON " + t.before + " (" + kImageChunkColumn + ")"};
}

std::vector<std::string> create_stage_table_statements(const MergeTable& t,
                                                       const std::string& index) {
    return {"CREATE TABLE " + t.stage + " AS SELECT NULL::int AS " + kImageChunkColumn + ", " +
                column_list(t, "") + " FROM " + t.target + " WITH NO DATA",
            "CREATE INDEX " + index + " ON " + t.stage + " (" + kImageChunkColumn + ")"};
}

std::string fill_stage_table_statement(const MergeTable& t, const std::string& source,
                                       int chunk_no) {
    return "INSERT INTO " + t.stage + " SELECT " + std::to_string(chunk_no) + ", " +
           column_list(t, "backfill_source") + " FROM (\n" + source + "\n) AS backfill_source (" +
           column_list(t, "") + ") WHERE " + in_range(t, "backfill_source");
}

std::string staged_rows(const MergeTable& t, const std::string& stage_table, int chunk_no) {
    return "(SELECT " + column_list(t, "staged") + " FROM " + stage_table +
           " staged WHERE staged." + kImageChunkColumn + " = " + std::to_string(chunk_no) +
           " AND " + in_range(t, "staged") + ")";
}

std::vector<std::string> stage_statements(const MergeTable& t, const std::string& source) {
    return {"CREATE TEMPORARY TABLE " + t.stage + " ON COMMIT DROP AS SELECT " +
                column_list(t, "") + " FROM " + t.target + " WITH NO DATA",
            "INSERT INTO " + t.stage + " SELECT " + column_list(t, "backfill_source") +
                " FROM (\n" + source + "\n) AS backfill_source (" + column_list(t, "") +
                ") WHERE " + in_range(t, "backfill_source")};
}

bool chunk_by_in_key(const MergeTable& t) { return is_key(t, t.chunk_by); }

std::string chunk_counts_statement(const MergeTable& t) {
    // distinct keys counted as GROUP BY would group them (NULLs together):
    // one column sorts as itself, with its NULLs as one more key; several
    // as a row, whose comparison takes NULLs as equal
    std::string distinct_keys;
    if (t.key.size() == 1) {
        const std::string k = "s." + t.key[0];
        distinct_keys = "count(DISTINCT " + k + ") + coalesce(max((" + k + " IS NULL)::int), 0)";
    } else {
        std::string keys;
        for (const std::string& k : t.key) {
            keys += (keys.empty() ? "" : ", ") + std::string("s.") + k;
        }
        distinct_keys = "count(DISTINCT ROW(" + keys + "))";
    }
    return "SELECT staged.n, staged.n - staged.keys, live.n, live.matched FROM (SELECT count(*) "
           "AS n, " +
           distinct_keys + " AS keys FROM " + t.stage +
           " s) AS staged, (SELECT count(*) AS n, count(s." + t.key[0] + ") AS matched FROM " +
           t.target + " t LEFT JOIN " + t.stage + " s ON " + key_match(t, "s", "t") + " WHERE " +
           in_range(t, "t") + ") AS live";
}

std::string outside_count_statement(const MergeTable& t) {
    return "SELECT count(*) FROM " + t.stage + " s WHERE EXISTS (SELECT 1 FROM " + t.target +
           " t WHERE " + key_match(t, "t", "s") + " AND NOT (" + in_range(t, "t") + "))";
}

std::string duplicate_key_statement(const MergeTable& t) {
    std::string keys;
    for (const std::string& k : t.key) {
        keys += (keys.empty() ? "" : ", ") + std::string("s.") + k;
    }
    return "SELECT ROW(" + keys + ")::text FROM " + t.stage + " s GROUP BY " + keys +
           " HAVING count(*) > 1 LIMIT 1";
}

std::string update_statement(const MergeTable& t, int chunk_no) {
    std::string newer = t.conflict == Conflict::NewerWins
                            ? " AND s." + t.version_column + " >= t." + t.version_column
                            : "";
    // changed carries both rows' columns by position, the live one's as
    // locked (old_i: the image) and the source's (new_i: the new values),
    // so the update joins only the changed rows back to the target, by key
    // (a concurrent update is followed); no row is formed as a whole
    std::vector<std::string> names;
    for (std::size_t i = 1; i <= t.columns.size(); i++) {
        names.push_back("old_" + std::to_string(i));
    }
    for (std::size_t i = 1; i <= t.columns.size(); i++) {
        names.push_back("new_" + std::to_string(i));
    }
    const std::vector<std::string> old_values = values_of(t, "changed", "old_");
    std::string back;
    for (std::size_t i = 0; i < t.columns.size(); i++) {
        if (is_key(t, t.columns[i].name)) {
            back += (back.empty() ? "" : " AND ") + std::string("t.") + t.columns[i].name + " = " +
                    old_values[i];
        }
    }
    return "WITH changed (" + joined(names) + ") AS (SELECT " + column_list(t, "t") + ", " +
           column_list(t, "s") + " FROM " + t.target + " t JOIN " + t.stage + " s ON " +
           key_match(t, "t", "s") + " WHERE " + in_range(t, "t") + " AND " + compared_row(t, "t") +
           " IS DISTINCT FROM " + compared_row(t, "s") + newer +
           " FOR UPDATE OF t), image AS (INSERT INTO " + t.before + " SELECT " +
           std::to_string(chunk_no) + ", 'U', " + joined(old_values) + " FROM changed) UPDATE " +
           t.target + " t " + set_clause(t, values_of(t, "changed", "new_")) +
           " FROM changed WHERE " + back + " AND " + in_range(t, "t");
}

std::string delete_statement(const MergeTable& t, int chunk_no) {
    return "WITH missing AS (SELECT t.* FROM " + t.target + " t WHERE " + in_range(t, "t") +
           " AND NOT EXISTS (SELECT 1 FROM " + t.stage + " s WHERE " + key_match(t, "s", "t") +
           ") FOR UPDATE OF t), image AS (INSERT INTO " + t.before + " SELECT " +
           std::to_string(chunk_no) + ", 'D', " + column_list(t, "missing") +
           " FROM missing) DELETE FROM " + t.target + " t USING missing WHERE " +
           key_match(t, "t", "missing");
}

std::string insert_statement(const MergeTable& t, int chunk_no) {
    std::string keys;
    for (const std::string& k : t.key) {
        keys += (keys.empty() ? "" : ", ") + k;
    }
    return "WITH inserted AS (INSERT INTO " + t.target + " (" + column_list(t, "") +
           ") OVERRIDING SYSTEM VALUE SELECT " + column_list(t, "s") + " FROM " + t.stage +
           " s WHERE NOT EXISTS (SELECT 1 FROM " + t.target + " t WHERE " + in_range(t, "t") +
           " AND " + key_match(t, "t", "s") + ") ON CONFLICT (" + keys + ") DO NOTHING RETURNING " +
           column_list(t, "") + ") INSERT INTO " + t.before + " SELECT " +
           std::to_string(chunk_no) + ", 'I', " + column_list(t, "inserted") + " FROM inserted";
}

std::string changed_since_statement(const MergeTable& t) {
    return "SELECT count(*) FROM " + t.before +
           " b JOIN unnest($1::int[], $2::text[]) AS w (chunk_no, xid) ON w.chunk_no = b." +
           kImageChunkColumn + " LEFT JOIN " + t.target + " t ON " + key_match(t, "t", "b") +
           " WHERE CASE b." + kImageActionColumn +
           " WHEN 'D' THEN t.ctid IS NOT NULL ELSE t.ctid IS NULL OR t.xmin::text <> w.xid END";
}

std::vector<std::string> restore_statements(const MergeTable& t) {
    return {"DELETE FROM " + t.target + " t USING " + t.before + " b WHERE " + image_rows("'I'") +
                " AND " + key_match(t, "t", "b"),
            "UPDATE " + t.target + " t " + set_clause(t, values_of(t, "b")) + " FROM " + t.before +
                " b WHERE " + image_rows("'U', 'D'") + " AND " + key_match(t, "t", "b"),
            "INSERT INTO " + t.target + " (" + column_list(t, "") +
                ") OVERRIDING SYSTEM VALUE SELECT " + column_list(t, "b") + " FROM " + t.before +
                " b WHERE " + image_rows("'U', 'D'") + " AND NOT EXISTS (SELECT 1 FROM " +
                t.target + " t WHERE " + key_match(t, "t", "b") + ")"};
}

std::string restored_write_xid_statement(const MergeTable& t) {
    return "SELECT CASE WHEN count(DISTINCT t.xmin::text) = 1 THEN min(t.xmin::text) ELSE '0' END"
           " FROM " +
           t.before + " b JOIN " + t.target + " t ON " + key_match(t, "t", "b") + " WHERE b." +
           kImageChunkColumn + " = $1::int AND b." + kImageActionColumn + " IN ('U', 'I')";
}

}  // namespace backfill
