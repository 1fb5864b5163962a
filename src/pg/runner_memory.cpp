#include "pg/runner_memory.hpp"

#include <malloc.h>

namespace backfill::pg {

void keep_freed_memory() {
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
}

}  // namespace backfill::pg
