#include "pg/swap/table_metadata_reader.hpp"

#include <algorithm>
#include <tuple>

#include "pg/catalog_scan.hpp"
#include "pg/direct_call.hpp"
#include "pg/pg_error.hpp"
#include "pg/statement_settings.hpp"

namespace backfill::pg {

// Everything here reads the catalog caches and catalog indexes directly,
// without a statement: the eight catalog queries this replaced cost a
// chunk two million instructions under the parent's lock. Each helper
// runs inside pg_guard and returns memory PostgreSQL owns (palloc'd C
// strings, Lists); the C++ objects are built outside it.
namespace {

// A comment as COMMENT ON prints it back: a quoted literal, or NULL.
char* comment_literal(Oid object, Oid catalog, int32 subid) {
    char* comment = GetComment(object, catalog, subid);
    return comment ? quote_literal_cstr(comment) : nullptr;
}

// The role's name quoted, as quote_ident(pg_get_userbyid(role)) gives it.
char* quoted_role(Oid role) {
    char* name = GetUserNameFromId(role, true);
    return pstrdup(quote_identifier(name ? name : psprintf("unknown (OID=%u)", role)));
}

std::vector<std::string> strings(List* list) {
    std::vector<std::string> out;
    ListCell* cell;
    foreach (cell, list)
        out.emplace_back(static_cast<const char*>(lfirst(cell)));
    return out;
}

std::optional<std::string> optional_text(const char* text) {
    return text ? std::optional<std::string>(text) : std::nullopt;
}

// One privilege of one grantee, as aclexplode() lists it.
struct RawGrant {
    const char* privilege;
    char* grantee;  // quoted, or PUBLIC
    char* column;   // quoted, or ""
    bool grantable;
};

// The privileges a table or column can carry, with aclexplode()'s names.
constexpr std::pair<AclMode, const char*> kRights[] = {
    {ACL_INSERT, "INSERT"},  {ACL_SELECT, "SELECT"},     {ACL_UPDATE, "UPDATE"},
    {ACL_DELETE, "DELETE"},  {ACL_TRUNCATE, "TRUNCATE"}, {ACL_REFERENCES, "REFERENCES"},
    {ACL_TRIGGER, "TRIGGER"}};

// Appends to grants the privileges of acl (table or column), except the
// owner's own.
List* explode_acl(List* grants, Datum acl, bool isnull, Oid owner, const char* column) {
    if (isnull)
        return grants;
    Acl* items = DatumGetAclP(acl);
    const AclItem* item = ACL_DAT(items);
    for (int i = 0; i < ACL_NUM(items); i++, item++) {
        if (item->ai_grantee == owner)
            continue;
        for (const auto& [bit, name] : kRights) {
            if ((ACLITEM_GET_PRIVS(*item) & bit) == 0)
                continue;
            auto* g = static_cast<RawGrant*>(palloc(sizeof(RawGrant)));
            g->privilege = name;
            g->grantee = item->ai_grantee == ACL_ID_PUBLIC ? pstrdup("PUBLIC")
                                                           : quoted_role(item->ai_grantee);
            g->column = pstrdup(column);
            g->grantable = (ACLITEM_GET_GOPTIONS(*item) & bit) != 0;
            grants = lappend(grants, g);
        }
    }
    return grants;
}

// What pg_class and pg_index say of the table.
struct RawTable {
    char* owner = nullptr;
    char* comment = nullptr;
    List* options = NIL;
    List* toast_options = NIL;
    Oid owner_id = InvalidOid;
    char replica_identity = 'd';
    char* replica_index = nullptr;
    char* cluster_index = nullptr;
    List* grants = NIL;          // of RawGrant*
    List* index_comments = NIL;  // pairs: quoted name, literal or NULL
    int natts = 0;
};

// The table's pg_class row: owner, comment, options, replica identity,
// table grants.
void read_class(Oid relid, RawTable& t) {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple))
        elog(ERROR, "cache lookup failed for relation %u", relid);
    auto* rel = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple));
    t.owner_id = rel->relowner;
    t.owner = quoted_role(rel->relowner);
    t.comment = comment_literal(relid, RelationRelationId, 0);
    bool isnull;
    Datum options = SysCacheGetAttr(RELOID, tuple, Anum_pg_class_reloptions, &isnull);
    t.options = text_array(options, isnull);
    t.replica_identity = rel->relreplident;
    t.natts = rel->relnatts;
    Datum acl = SysCacheGetAttr(RELOID, tuple, Anum_pg_class_relacl, &isnull);
    t.grants = explode_acl(t.grants, acl, isnull, rel->relowner, "");
    Oid toast = rel->reltoastrelid;
    ReleaseSysCache(tuple);
    if (OidIsValid(toast)) {
        HeapTuple toast_tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(toast));
        if (HeapTupleIsValid(toast_tuple)) {
            Datum o = SysCacheGetAttr(RELOID, toast_tuple, Anum_pg_class_reloptions, &isnull);
            t.toast_options = text_array(o, isnull);
            ReleaseSysCache(toast_tuple);
        }
    }
}

// The table's indexes (pg_index): the replica identity and CLUSTER marks,
// and each index's comment.
void read_indexes(Oid relid, RawTable& t) {
    scan_catalog(
        IndexRelationId, IndexIndrelidIndexId, Anum_pg_index_indrelid, relid, [&](HeapTuple tuple) {
            auto* index = reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple));
            char* name = get_rel_name(index->indexrelid);
            if (name == nullptr)
                return true;
            char* quoted = pstrdup(quote_identifier(name));
            if (index->indisreplident)
                t.replica_index = quoted;
            if (index->indisclustered)
                t.cluster_index = quoted;
            t.index_comments = lappend(t.index_comments, quoted);
            t.index_comments = lappend(t.index_comments,
                                       comment_literal(index->indexrelid, RelationRelationId, 0));
            return true;
        });
}

// Each constraint's quoted name and comment, as pairs.
List* constraint_comments(Oid relid) {
    List* out = NIL;
    scan_catalog(ConstraintRelationId, ConstraintRelidTypidNameIndexId, Anum_pg_constraint_conrelid,
                 relid, [&](HeapTuple tuple) {
                     auto* con = reinterpret_cast<Form_pg_constraint>(GETSTRUCT(tuple));
                     out = lappend(out, pstrdup(quote_identifier(NameStr(con->conname))));
                     out = lappend(out, comment_literal(con->oid, ConstraintRelationId, 0));
                     return true;
                 });
    return out;
}

// The default expression of column attnum, as pg_get_expr() prints it, or
// NULL.
char* column_default(Oid relid, AttrNumber attnum) {
    char* out = nullptr;
    Relation catalog = table_open(AttrDefaultRelationId, AccessShareLock);
    ScanKeyData keys[2];
    ScanKeyInit(&keys[0], Anum_pg_attrdef_adrelid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(relid));
    ScanKeyInit(&keys[1], Anum_pg_attrdef_adnum, BTEqualStrategyNumber, F_INT2EQ,
                Int16GetDatum(attnum));
    SysScanDesc scan = systable_beginscan(catalog, AttrDefaultIndexId, true, nullptr, 2, keys);
    HeapTuple tuple = systable_getnext(scan);
    if (tuple != nullptr) {
        bool isnull;
        Datum bin = heap_getattr(tuple, Anum_pg_attrdef_adbin, RelationGetDescr(catalog), &isnull);
        if (!isnull)
            out = text_of_expression(bin, relid);  // NULL: the table is gone
    }
    systable_endscan(scan);
    table_close(catalog, AccessShareLock);
    return out;
}

// One column as the metadata needs it.
struct RawColumn {
    char* name;
    bool generated;
    char* default_expr;
    char* comment;
    int statistics_target;
    List* options;
};

// The live columns in attnum order, appending their grants to t.grants.
List* read_columns(Oid relid, RawTable& t) {
    List* out = NIL;
    for (AttrNumber attnum = 1; attnum <= t.natts; attnum++) {
        HeapTuple tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
        if (!HeapTupleIsValid(tuple))
            continue;
        auto* att = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tuple));
        if (att->attisdropped) {
            ReleaseSysCache(tuple);
            continue;
        }
        auto* c = static_cast<RawColumn*>(palloc0(sizeof(RawColumn)));
        c->name = pstrdup(quote_identifier(NameStr(att->attname)));
        c->generated = att->attgenerated != '\0';
        c->default_expr = att->atthasdef ? column_default(relid, attnum) : nullptr;
        c->comment = comment_literal(relid, RelationRelationId, attnum);
        c->statistics_target = att->attstattarget;
        bool isnull;
        Datum options = SysCacheGetAttr(ATTNUM, tuple, Anum_pg_attribute_attoptions, &isnull);
        c->options = text_array(options, isnull);
        Datum acl = SysCacheGetAttr(ATTNUM, tuple, Anum_pg_attribute_attacl, &isnull);
        t.grants = explode_acl(t.grants, acl, isnull, t.owner_id, c->name);
        ReleaseSysCache(tuple);
        out = lappend(out, c);
    }
    return out;
}

// Fills a name -> comment map from pairs.
void comment_map(List* pairs, std::map<std::string, std::optional<std::string>>& into) {
    for (int i = 0; i + 1 < list_length(pairs); i += 2)
        into[static_cast<const char*>(list_nth(pairs, i))] =
            optional_text(static_cast<const char*>(list_nth(pairs, i + 1)));
}

}  // namespace

TableMetadata read_table_metadata(Oid relid) {
    StatementSettings settings;  // defaults deparsed as a statement would
    struct Raw {
        RawTable table;
        List* columns = NIL;
        List* constraints = NIL;
    };
    Raw raw = pg_guard([&]() {
        Raw r;
        AcceptInvalidationMessages();
        read_class(relid, r.table);
        read_indexes(relid, r.table);
        r.constraints = constraint_comments(relid);
        r.columns = read_columns(relid, r.table);
        return r;
    });
    TableMetadata m;
    m.owner = raw.table.owner;
    m.comment = optional_text(raw.table.comment);
    m.options = strings(raw.table.options);
    m.toast_options = strings(raw.table.toast_options);
    m.replica_identity = raw.table.replica_identity;
    m.replica_index =
        m.replica_identity == 'i' && raw.table.replica_index ? raw.table.replica_index : "";
    m.cluster_index = raw.table.cluster_index ? raw.table.cluster_index : "";
    ListCell* cell;
    foreach (cell, raw.table.grants) {
        const auto* g = static_cast<const RawGrant*>(lfirst(cell));
        m.grants.push_back(Grant{g->privilege, g->grantee, g->column, g->grantable});
    }
    // as the query ordered them: by column, privilege, grantee
    std::sort(m.grants.begin(), m.grants.end(), [](const Grant& a, const Grant& b) {
        return std::tie(a.column, a.privilege, a.grantee) <
               std::tie(b.column, b.privilege, b.grantee);
    });
    foreach (cell, raw.columns) {
        const auto* c = static_cast<const RawColumn*>(lfirst(cell));
        m.columns.push_back(ColumnMetadata{c->name, c->generated, optional_text(c->default_expr),
                                           optional_text(c->comment), c->statistics_target,
                                           strings(c->options)});
    }
    comment_map(raw.table.index_comments, m.index_comments);
    comment_map(raw.constraints, m.constraint_comments);
    return m;
}

}  // namespace backfill::pg
