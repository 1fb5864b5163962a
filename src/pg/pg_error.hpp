// Crossing the C/C++ boundary safely. A PostgreSQL error raised inside
// pg_guard() becomes a PgError C++ exception (so destructors run); at each
// SQL entry point guarded_entry() turns any C++ exception back into an
// ereport(ERROR) after every C++ frame has been left.
#pragma once

#include <exception>
#include <string>
#include <utility>

#include "pg/pg_headers.hpp"

namespace backfill::pg {

// A PostgreSQL error, copied out of the error stack into plain C++ data.
struct PgError : std::exception {
    int sqlerrcode = 0;
    int elevel = ERROR;
    std::string message, detail, hint, context;
    const char* what() const noexcept override { return message.c_str(); }
};

[[noreturn]] void throw_current_pg_error(MemoryContext ctx);

// Runs f, which calls PostgreSQL, converting a PostgreSQL error into PgError.
// f must not own C++ objects with destructors (a longjmp skips them).
template <typename F>
auto pg_guard(F&& f) -> decltype(f()) {
    using R = decltype(f());
    MemoryContext ctx = CurrentMemoryContext;
    volatile bool failed = false;
    if constexpr (std::is_void_v<R>) {
        PG_TRY();
        { f(); }
        PG_CATCH();
        { failed = true; }
        PG_END_TRY();
        if (failed)
            throw_current_pg_error(ctx);
    } else {
        R result{};
        R* volatile slot = &result;
        PG_TRY();
        { *slot = f(); }
        PG_CATCH();
        { failed = true; }
        PG_END_TRY();
        if (failed)
            throw_current_pg_error(ctx);
        return result;
    }
}

// Reports whatever exception is in flight as a PostgreSQL ERROR. Called by
// guarded_entry only, outside any catch block.
[[noreturn]] void report_exception(std::exception_ptr error);

// The body of every SQL-callable function: runs f and turns a C++ exception
// into ereport(ERROR) once f's frames are gone.
template <typename F>
Datum guarded_entry(F&& f) {
    std::exception_ptr error;
    try {
        return f();
    } catch (...) {
        error = std::current_exception();
    }
    report_exception(error);
}

// Whether a PgError is a cancel the user asked for (pg_cancel_backend or
// statement_timeout), which must end the statement, not just fail a chunk.
bool is_user_cancel(const PgError& e);

}  // namespace backfill::pg
