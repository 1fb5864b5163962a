#include "pg/pg_error.hpp"

#include "core/user_error.hpp"

namespace backfill::pg {

// Copies the error PostgreSQL is handling into a PgError, clears the error
// stack, and throws. Called from pg_guard right after PG_END_TRY.
void throw_current_pg_error(MemoryContext ctx) {
    MemoryContextSwitchTo(ctx);
    ErrorData* edata = CopyErrorData();
    FlushErrorState();
    PgError e;
    e.sqlerrcode = edata->sqlerrcode;
    e.elevel = edata->elevel;
    if (edata->message)
        e.message = edata->message;
    if (edata->detail)
        e.detail = edata->detail;
    if (edata->hint)
        e.hint = edata->hint;
    if (edata->context)
        e.context = edata->context;
    FreeErrorData(edata);
    throw e;
}

// Maps the core's error kinds onto SQLSTATEs.
static int sqlstate_of(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::InvalidParameter:
            return ERRCODE_INVALID_PARAMETER_VALUE;
        case ErrorKind::FeatureNotSupported:
            return ERRCODE_FEATURE_NOT_SUPPORTED;
        case ErrorKind::WrongState:
            return ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
        case ErrorKind::DatatypeMismatch:
            return ERRCODE_DATATYPE_MISMATCH;
        case ErrorKind::Internal:
            break;
    }
    return ERRCODE_INTERNAL_ERROR;
}

// Strings handed to ereport must outlive every C++ frame: copy to palloc.
static const char* keep(const std::string& s) { return s.empty() ? nullptr : pstrdup(s.c_str()); }

void report_exception(std::exception_ptr error) {
    int code = ERRCODE_INTERNAL_ERROR;
    const char* message = nullptr;
    const char* detail = nullptr;
    const char* hint = nullptr;
    try {
        std::rethrow_exception(error);
    } catch (const PgError& e) {
        code = e.sqlerrcode;
        message = keep(e.message);
        detail = keep(e.detail);
        hint = keep(e.hint);
    } catch (const UserError& e) {
        code = sqlstate_of(e.kind());
        message = keep(e.what());
        hint = keep(e.hint());
    } catch (const std::exception& e) {
        message = keep(std::string("internal error: ") + e.what());
    } catch (...) {
        message = "internal error: unknown exception";
    }
    ereport(ERROR, (errcode(code), errmsg_internal("%s", message ? message : "unknown error"),
                    detail ? errdetail_internal("%s", detail) : 0, hint ? errhint("%s", hint) : 0));
    pg_unreachable();
}

bool is_user_cancel(const PgError& e) { return e.sqlerrcode == ERRCODE_QUERY_CANCELED; }

}  // namespace backfill::pg
