// Memory that is freed when the C++ object holding it goes. A run lasts as
// long as its CALL or its worker, and its current memory context, SPI's
// procedure context, is freed only at the end: whatever a statement or a
// chunk left there piled up for the whole job.
#pragma once

#include "pg/pg_headers.hpp"

namespace backfill::pg {

class ScratchMemory {
public:
    // Aside: a context the caller switches to when it needs it. Current:
    // the current context until the object goes (one chunk's work).
    enum class Use { Aside, Current };

    ScratchMemory(const char* name, Use use);
    ~ScratchMemory();
    ScratchMemory(const ScratchMemory&) = delete;
    ScratchMemory& operator=(const ScratchMemory&) = delete;

    MemoryContext context() const { return context_; }

private:
    MemoryContext context_;
    MemoryContext previous_;
};

}  // namespace backfill::pg
