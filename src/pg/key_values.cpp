#include "pg/key_values.hpp"

#include "core/user_error.hpp"
#include "pg/formats.hpp"
#include "pg/pg_error.hpp"
#include "pg/session_context.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

bool supported_key_type(Oid type) {
    switch (type) {
        case DATEOID:
        case TIMESTAMPOID:
        case TIMESTAMPTZOID:
        case INT2OID:
        case INT4OID:
        case INT8OID:
        case NUMERICOID:
            return true;
        default:
            return false;
    }
}

namespace {

// A key value as palloc'd C strings: its sort key (a decimal number that
// orders like the type) and its display text. NaN/infinite numerics have no
// sort key (nullptr).
struct RawKey {
    char* sort_key;
    char* text;
};

// Computes both strings for a datum of a supported key type.
RawKey raw_key(Datum value, Oid type) {
    RawKey key{};
    Oid out_func;
    bool is_varlena;
    getTypeOutputInfo(type, &out_func, &is_varlena);
    key.text = OidOutputFunctionCall(out_func, value);
    switch (type) {
        case DATEOID:
            key.sort_key = psprintf("%d", (int)DatumGetDateADT(value));
            break;
        case TIMESTAMPOID:
        case TIMESTAMPTZOID:
            key.sort_key = psprintf(INT64_FORMAT, (int64)DatumGetTimestamp(value));
            break;
        case INT2OID:
            key.sort_key = psprintf("%d", (int)DatumGetInt16(value));
            break;
        case INT4OID:
            key.sort_key = psprintf("%d", DatumGetInt32(value));
            break;
        case INT8OID:
            key.sort_key = psprintf(INT64_FORMAT, DatumGetInt64(value));
            break;
        case NUMERICOID:
            key.sort_key =
                numeric_is_nan(DatumGetNumeric(value)) || numeric_is_inf(DatumGetNumeric(value))
                    ? nullptr
                    : key.text;
            break;
        default:
            elog(ERROR, "unsupported partition key type %u", type);
    }
    return key;
}

// Builds a finite Bound from a RawKey, refusing values with no order.
Bound finite_bound(const RawKey& raw) {
    if (raw.sort_key == nullptr)
        throw UserError(ErrorKind::FeatureNotSupported,
                        std::string("partition key value ") + raw.text + " cannot be ordered",
                        "Only finite numeric values can bound a chunk.");
    return Bound{BoundKind::Finite, raw.sort_key, raw.text};
}

// Reads one PartitionRangeDatum of a relpartbound node.
struct RawDatum {
    PartitionRangeDatumKind kind;
    RawKey key;
};

// Bound texts are stored and read back by other sessions with other
// settings: rendered canonically (ISO with an explicit UTC offset), every
// TimeZone / DateStyle reads them back as the same value.
class CanonicalFormats {
public:
    CanonicalFormats() { set_canonical_formats(gucs_); }

private:
    GucScope gucs_;
};

}  // namespace

PartitionBounds bounds_from_node(const std::string& relpartbound, Oid key_type) {
    struct RawBounds {
        bool is_default;
        RawDatum lower, upper;
    };
    CanonicalFormats formats;
    RawBounds raw = pg_guard([&]() {
        RawBounds r{};
        Node* node = static_cast<Node*>(stringToNode(relpartbound.c_str()));
        PartitionBoundSpec* spec = castNode(PartitionBoundSpec, node);
        r.is_default = spec->is_default;
        if (r.is_default)
            return r;
        if (spec->strategy != PARTITION_STRATEGY_RANGE || list_length(spec->lowerdatums) != 1 ||
            list_length(spec->upperdatums) != 1)
            elog(ERROR, "unexpected partition bound shape");
        RawDatum* sides[2] = {&r.lower, &r.upper};
        List* lists[2] = {spec->lowerdatums, spec->upperdatums};
        for (int i = 0; i < 2; i++) {
            PartitionRangeDatum* d = castNode(PartitionRangeDatum, linitial(lists[i]));
            sides[i]->kind = d->kind;
            if (d->kind == PARTITION_RANGE_DATUM_VALUE)
                sides[i]->key = raw_key(castNode(Const, d->value)->constvalue, key_type);
        }
        return r;
    });
    PartitionBounds out;
    out.is_default = raw.is_default;
    if (out.is_default)
        return out;
    auto convert = [](const RawDatum& d) {
        if (d.kind == PARTITION_RANGE_DATUM_MINVALUE)
            return Bound{BoundKind::MinValue, "", "MINVALUE"};
        if (d.kind == PARTITION_RANGE_DATUM_MAXVALUE)
            return Bound{BoundKind::MaxValue, "", "MAXVALUE"};
        return finite_bound(d.key);
    };
    out.lower = convert(raw.lower);
    out.upper = convert(raw.upper);
    return out;
}

Bound bound_from_text(const std::string& argument, const std::string& text, Oid key_type) {
    struct Parsed {
        bool ok;
        RawKey key;
    };
    // The user's text is read with the caller's settings (it is written
    // in them); the bound is then rendered canonically.
    struct Read {
        bool ok;
        Datum value;
    };
    Read read = pg_guard([&]() {
        Read r{};
        Oid in_func, ioparam;
        getTypeInputInfo(key_type, &in_func, &ioparam);
        MemoryContext ctx = CurrentMemoryContext;
        PG_TRY();
        {
            r.value = OidInputFunctionCall(in_func, const_cast<char*>(text.c_str()), ioparam, -1);
            r.ok = true;
        }
        PG_CATCH();
        {
            MemoryContextSwitchTo(ctx);
            FlushErrorState();
            r.ok = false;
        }
        PG_END_TRY();
        return r;
    });
    CanonicalFormats formats;
    Parsed parsed = pg_guard([&]() {
        Parsed p{};
        if (!read.ok)
            return p;
        p.key = raw_key(read.value, key_type);
        p.ok = true;
        return p;
    });
    if (!parsed.ok)
        throw UserError(
            ErrorKind::InvalidParameter,
            argument + " \"" + text + "\" is not a valid value of the partition key's type " +
                pg_guard([&]() { return format_type_be(key_type); }),
            "Give " + argument +
                " as a literal of the partition key's type, e.g. '2024-01-01' for a date key.");
    if (parsed.key.sort_key == nullptr)
        throw UserError(ErrorKind::InvalidParameter,
                        argument + " \"" + text + "\" cannot bound a chunk",
                        "Give a finite value; NaN and infinite numerics have no place in a range.");
    return finite_bound(parsed.key);
}

std::string typed_literal(const Bound& bound, Oid key_type) {
    std::string type = pg_guard([&]() { return format_type_be_qualified(key_type); });
    return quote_literal(bound.text) + "::" + type;
}

namespace {

// Runs sql with the two bounds as parameters of the key type (inside
// pg_guard); SPI_processed and SPI_tuptable hold the result.
void run_with_bounds(const std::string& sql, Oid key_type, const Bound& lower, const Bound& upper) {
    Oid in_func, ioparam;
    getTypeInputInfo(key_type, &in_func, &ioparam);
    Oid types[2] = {key_type, key_type};
    Datum values[2] = {
        OidInputFunctionCall(in_func, const_cast<char*>(lower.text.c_str()), ioparam, -1),
        OidInputFunctionCall(in_func, const_cast<char*>(upper.text.c_str()), ioparam, -1)};
    MemoryContext caller = CurrentMemoryContext;
    int rc = SPI_execute_with_args(sql.c_str(), 2, types, values, nullptr, false, 0);
    if (rc < 0)
        elog(ERROR, "SPI failed (%d)", rc);
    // SPI ends every call in its procedure context
    MemoryContextSwitchTo(caller);
}

}  // namespace

std::uint64_t execute_with_bounds(const std::string& sql, Oid key_type, const Bound& lower,
                                  const Bound& upper) {
    return pg_guard([&]() {
        run_with_bounds(sql, key_type, lower, upper);
        std::uint64_t processed = SPI_processed;
        SPI_freetuptable(SPI_tuptable);
        return processed;
    });
}

std::vector<Row> query_with_bounds(const std::string& sql, Oid key_type, const Bound& lower,
                                   const Bound& upper) {
    return pg_guard([&]() {
        run_with_bounds(sql, key_type, lower, upper);
        std::vector<Row> rows;
        for (uint64 i = 0; i < SPI_processed; i++) {
            Row row;
            for (int c = 1; c <= SPI_tuptable->tupdesc->natts; c++) {
                char* v = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c);
                row.push_back(v ? Value(std::string(v)) : std::nullopt);
            }
            rows.push_back(std::move(row));
        }
        SPI_freetuptable(SPI_tuptable);
        return rows;
    });
}

}  // namespace backfill::pg
