#include "pg/scratch_memory.hpp"

#include "pg/pg_error.hpp"

namespace backfill::pg {

// Creates the context under the current one (which outlives it), and makes
// it current when asked.
ScratchMemory::ScratchMemory(const char* name, Use use) : previous_(CurrentMemoryContext) {
    context_ = pg_guard([&]() {
        // name is one of the callers' literals (a context keeps the pointer)
        return AllocSetContextCreateInternal(CurrentMemoryContext, name, ALLOCSET_DEFAULT_SIZES);
    });
    if (use == Use::Current)
        MemoryContextSwitchTo(context_);
}

// Frees everything allocated in the context, after making the previous
// context current again if this one or one inside it is current.
ScratchMemory::~ScratchMemory() {
    for (MemoryContext c = CurrentMemoryContext; c != nullptr; c = c->parent)
        if (c == context_) {
            MemoryContextSwitchTo(previous_);
            break;
        }
    MemoryContextDelete(context_);
}

}  // namespace backfill::pg
