// How a runner's backend gives freed memory back to the system.
#pragma once

namespace backfill::pg {

// A runner makes PostgreSQL build the parent's partition descriptor two or
// three times per chunk (DETACH, ATTACH, planning the load), each time
// allocating memory in proportion to the number of partitions (about 2 MB
// at 730) in contexts that free it when the statement ends. glibc handed
// such blocks back to the kernel (mmap above its threshold, heap trimming
// above another, both moving with the allocation history), and the next
// chunk faulted the same pages in again: 450 page faults and 7 ms per
// chunk at 730 partitions whenever earlier allocations happened to lie
// that way. The backend keeps freed memory instead (blocks up to 32 MB
// from the heap, up to 64 MB of free heap kept); it is a backend that runs
// a job, and it returns the memory when it exits.
void keep_freed_memory();

}  // namespace backfill::pg
