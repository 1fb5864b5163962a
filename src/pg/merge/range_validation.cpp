#include "pg/merge/range_validation.hpp"

#include "pg/chunk_validation.hpp"
#include "pg/key_values.hpp"
#include "pg/session_context.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

RangeValidation::RangeValidation(const Job& job, const MergeTable& m, const Range& range)
    : job_(job), m_(m), range_(range), active_(!job.options.validate.empty()) {
    if (!active_)
        return;
    // created empty outside the box (a restricted operation may not
    // create a temporary table), filled inside it (policies may run)
    execute("CREATE TEMPORARY TABLE " + kBefore + " ON COMMIT DROP AS SELECT * FROM " + m.target +
            " WITH NO DATA");
    OwnerBox box(job.owner, kOurSql);
    execute_with_bounds("INSERT INTO " + kBefore + " SELECT * FROM " + m.target + " t WHERE t." +
                            m.chunk_by + " >= $1 AND t." + m.chunk_by + " < $2",
                        job.key_type, range.lower, range.upper);
}

ValidationFigures RangeValidation::figures(std::int64_t rows_before,
                                           std::int64_t rows_after) const {
    execute("CREATE TEMPORARY VIEW " + kAfter + " AS SELECT * FROM " + m_.target + " t WHERE t." +
            m_.chunk_by + " >= " + typed_literal(range_.lower, job_.key_type) + " AND t." +
            m_.chunk_by + " < " + typed_literal(range_.upper, job_.key_type));
    ValidationFigures f = measure_validation(job_, kBefore, kAfter, rows_before, rows_after);
    execute("DROP VIEW " + kAfter);
    execute("DROP TABLE " + kBefore);
    return f;
}

std::optional<std::string> RangeValidation::verdict(std::int64_t rows_before,
                                                    std::int64_t rows_after) const {
    if (!active_)
        return std::nullopt;
    ValidationVerdict v =
        evaluate_validation(job_.options.validate, figures(rows_before, rows_after));
    if (!v.passed) {
        std::string failures;
        for (const auto& f : v.failures)
            failures += (failures.empty() ? "" : "; ") + f;
        throw PermanentFailure(
            ErrorKind::WrongState,
            "validation failed: " + failures + "; nothing of the chunk was written",
            "See the validate option in the README.");
    }
    return v.figures_json;
}

}  // namespace backfill::pg
