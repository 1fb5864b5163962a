// The extension's own parameterized statements, prepared once per session:
// planning and parse analysis were a third of a small chunk's CPU time.
#pragma once

#include <string>

struct _SPI_plan;

namespace backfill::pg {

// The kept plan of sql with nparams text parameters, prepared (and kept
// with SPI_keepplan) on first use. Only for backfill's own statements,
// which run with the safe search_path and canonical formats: a cached plan
// never folds a constant under another session's settings, and the plan
// cache itself re-plans when an object it uses changes. The plans are
// generic (CURSOR_OPT_GENERIC_PLAN): left to choose, PostgreSQL kept
// planning most of them again at every execution (custom plans), 1.5 ms of
// a small chunk's CPU; backfill's statements are key look-ups that one
// generic plan serves (the chunk table has statistics once a job runs:
// know_chunk_statistics).
_SPI_plan* own_statement_plan(const std::string& sql, int nparams);

}  // namespace backfill::pg
