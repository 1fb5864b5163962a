#include "pg/swap/table_metadata_reader.hpp"

#include <sstream>

#include "pg/spi.hpp"

namespace backfill::pg {

namespace {

// Splits "a\nb" (options joined by the query) into its lines.
std::vector<std::string> lines(const Value& joined) {
    std::vector<std::string> out;
    if (!joined)
        return out;
    std::istringstream in(*joined);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

// Comments are read from pg_description in each query's own plan:
// obj_description() and col_description() are SQL functions, planned again
// at every execution of the query that calls them.

// Owner, comment, options, replica identity and CLUSTER mark of the table.
void read_table(const std::string& oid, TableMetadata& m) {
    auto r = query(
        "SELECT pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(c.relowner)),"
        " pg_catalog.quote_literal((SELECT d.description FROM pg_catalog.pg_description d"
        "  WHERE d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass"
        "  AND d.objsubid = 0)),"
        " pg_catalog.array_to_string(c.reloptions, E'\\n'),"
        " pg_catalog.array_to_string(t.reloptions, E'\\n'), c.relreplident,"
        " (SELECT pg_catalog.quote_ident(i.relname) FROM pg_catalog.pg_index x"
        "  JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid"
        "  WHERE x.indrelid = c.oid AND x.indisreplident),"
        " (SELECT pg_catalog.quote_ident(i.relname) FROM pg_catalog.pg_index x"
        "  JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid"
        "  WHERE x.indrelid = c.oid AND x.indisclustered)"
        " FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid"
        " WHERE c.oid = $1::oid",
        {oid});
    m.owner = *r[0][0];
    m.comment = r[0][1];
    m.options = lines(r[0][2]);
    m.toast_options = lines(r[0][3]);
    m.replica_identity = (*r[0][4])[0];
    m.replica_index = m.replica_identity == 'i' ? r[0][5].value_or("") : "";
    m.cluster_index = r[0][6].value_or("");
}

// Table and column privileges, except the owner's own.
void read_grants(const std::string& oid, TableMetadata& m) {
    for (const auto& r : query(
             "SELECT a.privilege_type,"
             " CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
             "  ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,"
             " '', a.is_grantable"
             " FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a"
             " WHERE c.oid = $1::oid AND a.grantee <> c.relowner"
             " UNION ALL SELECT a.privilege_type,"
             " CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
             "  ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,"
             " pg_catalog.quote_ident(att.attname), a.is_grantable"
             " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute att ON att.attrelid = c.oid,"
             " pg_catalog.aclexplode(att.attacl) a"
             " WHERE c.oid = $1::oid AND att.attnum > 0 AND NOT att.attisdropped"
             " AND a.grantee <> c.relowner ORDER BY 3, 1, 2",
             {oid}))
        m.grants.push_back(Grant{*r[0], *r[1], *r[2], *r[3] == "t"});
}

// Defaults, comments, statistics targets and options of every column.
void read_columns(const std::string& oid, TableMetadata& m) {
    for (const auto& r :
         query("SELECT pg_catalog.quote_ident(a.attname), a.attgenerated <> '',"
               " pg_catalog.pg_get_expr(d.adbin, d.adrelid),"
               " pg_catalog.quote_literal((SELECT ds.description FROM pg_catalog.pg_description ds"
               "  WHERE ds.objoid = a.attrelid"
               "  AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass"
               "  AND ds.objsubid = a.attnum)),"
               " a.attstattarget, pg_catalog.array_to_string(a.attoptions, E'\\n')"
               " FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d"
               "  ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
               " WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped"
               " ORDER BY a.attnum",
               {oid}))
        m.columns.push_back(
            ColumnMetadata{*r[0], *r[1] == "t", r[2], r[3], std::stoi(*r[4]), lines(r[5])});
}

// Every index and constraint by name, with its comment.
void read_comments(const std::string& oid, TableMetadata& m) {
    for (const auto& r : query(
             "SELECT 'i', pg_catalog.quote_ident(i.relname),"
             " pg_catalog.quote_literal((SELECT d.description FROM pg_catalog.pg_description d"
             "  WHERE d.objoid = i.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass"
             "  AND d.objsubid = 0))"
             " FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid"
             " WHERE x.indrelid = $1::oid"
             " UNION ALL SELECT 'c', pg_catalog.quote_ident(c.conname),"
             " pg_catalog.quote_literal((SELECT d.description FROM pg_catalog.pg_description d"
             "  WHERE d.objoid = c.oid"
             "  AND d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass"
             "  AND d.objsubid = 0))"
             " FROM pg_catalog.pg_constraint c WHERE c.conrelid = $1::oid",
             {oid}))
        (*r[0] == "i" ? m.index_comments : m.constraint_comments)[*r[1]] = r[2];
}

}  // namespace

TableMetadata read_table_metadata(Oid relid) {
    std::string oid = std::to_string(relid);
    TableMetadata m;
    read_table(oid, m);
    read_grants(oid, m);
    read_columns(oid, m);
    read_comments(oid, m);
    return m;
}

}  // namespace backfill::pg
