#include "pg/chunk_validation.hpp"

#include "core/user_error.hpp"
#include "pg/pg_error.hpp"
#include "pg/session_context.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

namespace {

// "a", "b" -> quoted, comma-separated.
std::string column_list(const std::vector<std::string>& columns) {
    std::string out;
    for (const auto& c : columns)
        out += (out.empty() ? "" : ", ") + quote_ident(c);
    return out;
}

}  // namespace

ValidationFigures measure_validation(const Job& job, const std::string& before,
                                     const std::string& after, std::int64_t rows_before,
                                     std::int64_t rows_after) {
    const ValidationSpec& rules = job.options.validate;
    ValidationFigures f;
    f.rows_before = rows_before;
    f.rows_after = rows_after;
    OwnerBox box(job.owner, job.search_path);
    for (const auto& a : rules.aggregates) {
        std::string select = "SELECT (" + a.expr + "\n)::text FROM ";
        f.aggregates.push_back(AggregateFigure{scalar(select + before), scalar(select + after)});
    }
    for (const auto& cols : rules.unique)
        f.duplicate_groups.push_back(
            std::stoll(*scalar("SELECT count(*) FROM (SELECT 1 FROM " + after + " GROUP BY " +
                               column_list(cols) + " HAVING count(*) > 1) d")));
    for (const auto& c : rules.not_null)
        f.null_counts.push_back(std::stoll(
            *scalar("SELECT count(*) FROM " + after + " WHERE " + quote_ident(c) + " IS NULL")));
    if (rules.query) {
        try {
            in_subtransaction([&]() {
                auto v = scalar("SELECT (" + expand_validation_query(*rules.query, after, before) +
                                "\n)::boolean");
                if (v)
                    f.query_result = *v == "t";
            });
        } catch (const PgError& e) {
            if (is_user_cancel(e))
                throw;
            f.query_error = e.message;
        }
    }
    return f;
}

ValidationVerdict validate_chunk(const Job& job, const std::string& before,
                                 const std::string& after, std::int64_t rows_before,
                                 std::int64_t rows_after) {
    return evaluate_validation(job.options.validate,
                               measure_validation(job, before, after, rows_before, rows_after));
}

void check_validation_rules(const ValidationSpec& rules, const std::string& target,
                            const std::string& search_path) {
    OwnerBox box(current_role(), search_path);
    auto prepares = [&](const std::string& what, const std::string& sql) {
        try {
            prepare_only(sql);
        } catch (PgError& e) {
            if (is_user_cancel(e))
                throw;
            throw UserError(ErrorKind::InvalidParameter, what + " is invalid: " + e.message,
                            "Validation rules are checked against the target when the job is "
                            "created; see the validate option in the README.");
        }
    };
    for (const auto& a : rules.aggregates)
        prepares("validate aggregate \"" + a.expr + "\"",
                 "SELECT (" + a.expr + "\n)::text FROM " + target);
    for (const auto& cols : rules.unique)
        prepares("validate.unique " + column_list(cols),
                 "SELECT 1 FROM " + target + " GROUP BY " + column_list(cols));
    for (const auto& c : rules.not_null)
        prepares("validate.not_null " + quote_ident(c),
                 "SELECT 1 FROM " + target + " WHERE " + quote_ident(c) + " IS NULL");
    if (rules.query)
        prepares(
            "validate.query",
            "SELECT (" + expand_validation_query(*rules.query, target, target) + "\n)::boolean");
}

}  // namespace backfill::pg
