// The validate rules of a merge chunk: the range's rows before the writes
// (copied to a temporary table first) against the rows after them, in the
// chunk's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/merge/merge_sql.hpp"
#include "core/validation.hpp"
#include "pg/job_store.hpp"
#include "pg/merge/chunk_merge.hpp"

namespace backfill::pg {

class RangeValidation {
public:
    // Copies the range's rows as they are now, when the job has rules.
    RangeValidation(const Job& job, const MergeTable& m, const Range& range);

    // Whether the job has rules (and the copy was made).
    bool active() const { return active_; }

    // The figures of the rules over the copy and the range as it is now;
    // the copy is dropped, so the next chunk of a unit makes its own.
    ValidationFigures figures(std::int64_t rows_before, std::int64_t rows_after) const;

    // Fails the chunk (PermanentFailure: its transaction rolls back) unless
    // the rules pass; their figures when they do, nullopt without rules.
    std::optional<std::string> verdict(std::int64_t rows_before, std::int64_t rows_after) const;

private:
    inline static const std::string kBefore = "pg_temp.backfill_before";
    inline static const std::string kAfter = "pg_temp.backfill_after";
    const Job& job_;
    const MergeTable& m_;
    const Range& range_;
    bool active_;
};

}  // namespace backfill::pg
