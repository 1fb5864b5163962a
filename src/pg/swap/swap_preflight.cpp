#include "pg/swap/swap_preflight.hpp"

#include "core/target_checks.hpp"
#include "pg/pg_error.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

void preflight_swap(const TargetInfo& t, const std::vector<PlannedChunk>& chunks) {
    std::vector<std::size_t> leaves;
    for (const auto& c : chunks)
        leaves.push_back(c.partition_index);
    preflight_neighbours(t, leaves, kSwapRequirements);
    if (t.default_partition && t.default_rows > 10000) {
        std::string qdef = qualified(t.default_partition->schema, t.default_partition->name);
        std::string msg = "default partition " + qdef + " holds about " +
                          std::to_string(t.default_rows) +
                          " rows; every swap scans it under an ACCESS EXCLUSIVE lock";
        std::string hint =
            "Move its rows into proper partitions, or add a validated CHECK constraint to it that "
            "excludes the backfilled range, e.g. ALTER TABLE " +
            qdef + " ADD CHECK (NOT (" + quote_ident(t.key_column) + " >= <range_from> AND " +
            quote_ident(t.key_column) + " < <range_to>)); ATTACH then skips the scan.";
        pg_guard(
            [&]() { ereport(WARNING, (errmsg("%s", msg.c_str()), errhint("%s", hint.c_str()))); });
    }
}

}  // namespace backfill::pg
