#include "pg/direct_call.hpp"

#include <optional>

namespace backfill::pg {

namespace {

// f(a) or f(a, b) (b given) for a text-returning f; NULL where f returns
// NULL.
char* call_text_function(PGFunction f, Datum a, std::optional<Datum> b) {
    LOCAL_FCINFO(fcinfo, 2);
    InitFunctionCallInfoData(*fcinfo, nullptr, b ? 2 : 1, InvalidOid, nullptr, nullptr);
    fcinfo->args[0].value = a;
    fcinfo->args[0].isnull = false;
    if (b) {
        fcinfo->args[1].value = *b;
        fcinfo->args[1].isnull = false;
    }
    Datum result = f(fcinfo);
    return fcinfo->isnull ? nullptr : text_to_cstring(DatumGetTextPP(result));
}

}  // namespace

char* text_of_oid(PGFunction f, Oid oid) {
    return call_text_function(f, ObjectIdGetDatum(oid), std::nullopt);
}

char* text_of_expression(Datum expression, Oid relid) {
    return call_text_function(pg_get_expr, expression, ObjectIdGetDatum(relid));
}

}  // namespace backfill::pg
