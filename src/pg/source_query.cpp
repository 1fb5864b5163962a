#include "pg/source_query.hpp"

#include "core/source_check.hpp"
#include "core/user_error.hpp"
#include "pg/pg_error.hpp"
#include "pg/session_context.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

namespace {

// What preparing the source told us, in palloc'd memory.
struct PreparedShape {
    int kind;  // 0 ok, 1 not one statement, 2 not a plain SELECT, 3 modifying CTE
    int ncols;
    char** names;
    char** type_names;
    bool* assignable;
};

// Prepares the source (with $1 and $2 of key_type, or none for
// InvalidOid) and reads its result columns; all PostgreSQL calls are here.
PreparedShape prepare_shape(const char* source, Oid key_type, const Oid* target_types,
                            int target_ncols) {
    return pg_guard([&]() {
        PreparedShape s{};
        Oid argtypes[2] = {key_type, key_type};
        SPIPlanPtr plan = SPI_prepare(source, key_type == InvalidOid ? 0 : 2, argtypes);
        if (plan == nullptr)
            elog(ERROR, "could not prepare the source: %s", SPI_result_code_string(SPI_result));
        List* sources = SPI_plan_get_plan_sources(plan);
        if (list_length(sources) != 1) {
            s.kind = 1;
            return s;
        }
        CachedPlanSource* ps = static_cast<CachedPlanSource*>(linitial(sources));
        if (ps->commandTag != CMDTAG_SELECT || ps->resultDesc == nullptr ||
            list_length(ps->query_list) != 1) {
            s.kind = 2;
            return s;
        }
        Query* q = linitial_node(Query, ps->query_list);
        if (q->commandType != CMD_SELECT || q->utilityStmt != nullptr) {
            s.kind = 2;
            return s;
        }
        if (q->hasModifyingCTE) {
            s.kind = 3;
            return s;
        }
        TupleDesc desc = ps->resultDesc;
        s.ncols = desc->natts;
        s.names = static_cast<char**>(palloc0(sizeof(char*) * s.ncols));
        s.type_names = static_cast<char**>(palloc0(sizeof(char*) * s.ncols));
        s.assignable = static_cast<bool*>(palloc0(sizeof(bool) * s.ncols));
        for (int i = 0; i < s.ncols; i++) {
            Form_pg_attribute att = TupleDescAttr(desc, i);
            s.names[i] = pstrdup(NameStr(att->attname));
            s.type_names[i] = format_type_with_typemod(att->atttypid, att->atttypmod);
            Oid src = att->atttypid;
            s.assignable[i] =
                i < target_ncols && can_coerce_type(1, &src, &target_types[i], COERCION_ASSIGNMENT);
        }
        SPI_freeplan(plan);
        return s;
    });
}

}  // namespace

void check_source(const std::string& source, const TargetInfo& target,
                  const std::string& search_path) {
    if (target.key_type == InvalidOid)
        check_source_without_parameters(source, target.qualified);
    else
        check_source_parameters(source);
    PreparedShape shape;
    try {
        OwnerBox box(current_role(), search_path);
        shape = prepare_shape(source.c_str(), target.key_type, target.column_types.data(),
                              static_cast<int>(target.column_types.size()));
    } catch (PgError& e) {
        if (is_user_cancel(e))
            throw;
        e.message = "invalid source: " + e.message;
        if (e.hint.empty())
            e.hint = (target.key_type == InvalidOid
                          ? std::string("The source is prepared without parameters")
                          : std::string("The source is prepared with $1 and $2 of the partition "
                                        "key's type")) +
                     ", using the search_path " + search_path + ".";
        throw;
    }
    if (shape.kind == 1)
        throw UserError(ErrorKind::InvalidParameter, "source must be a single SELECT statement",
                        "Remove the extra statements; the source is one query.");
    if (shape.kind == 2)
        throw UserError(ErrorKind::InvalidParameter, "source must be a SELECT statement",
                        "The source produces the corrected rows; backfill writes them itself.");
    if (shape.kind == 3)
        throw UserError(
            ErrorKind::InvalidParameter,
            "source must not modify data (it has a data-modifying WITH clause)",
            "The source is run once per chunk and again on every retry; keep it read-only.");
    std::vector<ColumnInfo> cols;
    std::vector<bool> assignable;
    for (int i = 0; i < shape.ncols; i++) {
        cols.push_back(ColumnInfo{shape.names[i], shape.type_names[i]});
        assignable.push_back(shape.assignable[i]);
    }
    check_source_columns(target.columns, cols, assignable);
}

void check_watermark_query(const std::string& query_text, const std::string& target,
                           const std::string& chunk_by, const std::string& search_path) {
    try {
        OwnerBox box(current_role(), search_path);
        std::string type = *scalar(
            "SELECT pg_catalog.format_type(atttypid, NULL) FROM pg_catalog.pg_attribute"
            " WHERE attrelid = $1::regclass AND attname = $2",
            {target, chunk_by});
        prepare_only("SELECT (backfill_watermark.value)::" + type + " FROM (\n" + query_text +
                     "\n) AS backfill_watermark (value)");
    } catch (PgError& e) {
        if (is_user_cancel(e))
            throw;
        throw UserError(ErrorKind::InvalidParameter,
                        "option \"watermark\" is invalid: " + e.message,
                        "Give a query returning one value of " + chunk_by +
                            "'s type, e.g. \"SELECT max(created_at) FROM ingest.progress\".");
    }
}

void check_throttle_query(const std::string& query_text, const std::string& search_path) {
    try {
        OwnerBox box(current_role(), search_path);
        std::string sql = "SELECT (" + query_text + "\n)::boolean";
        prepare_only(sql);
    } catch (PgError& e) {
        if (is_user_cancel(e))
            throw;
        throw UserError(ErrorKind::InvalidParameter,
                        "option \"throttle_query\" is invalid: " + e.message,
                        "Give an expression or a scalar subquery that returns boolean, e.g. "
                        "\"SELECT count(*) > 5 FROM pg_stat_activity WHERE state = 'active'\".");
    }
}

}  // namespace backfill::pg
