// The snapshot view of a swap job (option snapshot_view, a specification's
// rollback.snapshot): a view over the partitions the job will replace, as
// they were at create, bound to them by OID, so that it keeps showing the
// rows as they were before the job once the partitions are retained
// originals (docs/snapshot_view.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "core/user_error.hpp"

namespace backfill {

// A view name as SQL reads it: an optional schema and the name, each an
// identifier (unquoted: folded to lower case; quoted: as written).
struct ViewName {
    std::optional<std::string> schema;
    std::string name;
};

// Reads "name", "schema.name" or their quoted forms; throws a UserError
// (InvalidParameter) for anything else, so no text reaches SQL unread.
ViewName parse_view_name(const std::string& text);

// CREATE VIEW view AS the partitions' rows, one SELECT of the target's
// columns per partition (all arguments quoted already). security_invoker:
// whoever reads the view needs the rights to read the partitions, so the
// view shows nobody more than the partitions would.
std::string snapshot_view_statement(const std::string& view,
                                    const std::vector<std::string>& columns,
                                    const std::vector<std::string>& partitions);

// The view is made at create over the chunks planned then; changing the
// option afterwards would not change it, so set() refuses.
std::optional<UserError> snapshot_view_change_refusal(const JobOptions& before,
                                                      const JobOptions& after);

}  // namespace backfill
