#include "planner.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "user_error.hpp"

namespace backfill {

namespace {

// A sort key split into sign and digits, leading and trailing zeros gone.
struct Decimal {
    bool negative = false;
    std::string whole;     // no leading zeros; "" for zero
    std::string fraction;  // no trailing zeros
};

// Reads "-12.50" and the like; anything else is a bug in the layer that
// computed the sort key.
Decimal parse_decimal(const std::string& text) {
    Decimal d;
    std::size_t pos = 0;
    if (pos < text.size() && text[pos] == '-') {
        d.negative = true;
        ++pos;
    }
    const std::size_t whole_begin = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        ++pos;
    }
    d.whole = text.substr(whole_begin, pos - whole_begin);
    std::size_t digits = d.whole.size();
    if (pos < text.size() && text[pos] == '.') {
        const std::size_t fraction_begin = ++pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            ++pos;
        }
        d.fraction = text.substr(fraction_begin, pos - fraction_begin);
        digits += d.fraction.size();
    }
    if (digits == 0 || pos != text.size()) {
        throw UserError(ErrorKind::Internal, "invalid partition sort key \"" + text + "\"");
    }
    d.whole.erase(0, std::min(d.whole.find_first_not_of('0'), d.whole.size()));
    d.fraction.erase(d.fraction.find_last_not_of('0') + 1);
    if (d.whole.empty() && d.fraction.empty()) {
        d.negative = false;  // -0 is 0
    }
    return d;
}

// Compares magnitudes: more whole digits is bigger, then digit by digit.
int compare_magnitude(const Decimal& a, const Decimal& b) {
    if (a.whole.size() != b.whole.size()) {
        return a.whole.size() < b.whole.size() ? -1 : 1;
    }
    if (int c = a.whole.compare(b.whole); c != 0) {
        return c < 0 ? -1 : 1;
    }
    if (int c = a.fraction.compare(b.fraction); c != 0) {
        return c < 0 ? -1 : 1;
    }
    return 0;
}

// A bound as the user reads it in messages.
std::string bound_text(const Bound& b) {
    switch (b.kind) {
        case BoundKind::MinValue:
            return "MINVALUE";
        case BoundKind::MaxValue:
            return "MAXVALUE";
        case BoundKind::Finite:
            break;
    }
    return b.text;
}

// A range end as the user reads it; an open end is infinite.
std::string limit_text(const RangeLimit& limit, const char* open_text) {
    return limit.given ? bound_text(limit.value) : open_text;
}

// "public.events_2024_01 (FROM 2024-01-01 TO 2024-02-01)".
std::string describe_partition(const PartitionInfo& p) {
    return p.qualified_name + " (FROM " + bound_text(p.lower) + " TO " + bound_text(p.upper) + ")";
}

// The finite bounds of a partition, as the places a range may start or end.
std::string finite_bounds(const PartitionInfo& p) {
    std::vector<std::string> bounds;
    for (const Bound* b : {&p.lower, &p.upper}) {
        if (b->kind == BoundKind::Finite) {
            bounds.push_back(b->text);
        }
    }
    if (bounds.size() == 2) {
        return bounds[0] + " or " + bounds[1];
    }
    return bounds.empty() ? std::string() : bounds[0];
}

// A partition with an infinite bound holds keys no source range can cover.
[[noreturn]] void refuse_unbounded(const PartitionInfo& p) {
    const bool min = p.lower.kind == BoundKind::MinValue;
    const bool max = p.upper.kind == BoundKind::MaxValue;
    std::string hint;
    if (min && max) {
        hint = "It holds every key, so no range can leave it out.";
    } else if (min) {
        hint = "Narrow the range to start at or after " + bound_text(p.upper) +
               " so that it leaves this partition out.";
    } else {
        hint = "Narrow the range to end at or before " + bound_text(p.lower) +
               " so that it leaves this partition out.";
    }
    throw UserError(ErrorKind::FeatureNotSupported,
                    "partition " + p.qualified_name + " has " +
                        (min && max ? "MINVALUE and MAXVALUE bounds"
                                    : (min ? "a MINVALUE bound" : "a MAXVALUE bound")) +
                        " and cannot be rebuilt",
                    hint);
}

// A range end inside a partition would rebuild only part of it, which a swap
// cannot do.
[[noreturn]] void refuse_cut(const char* end_name, const RangeLimit& limit, const PartitionInfo& p,
                             const char* verb) {
    if (p.lower.kind != BoundKind::Finite && p.upper.kind != BoundKind::Finite) {
        refuse_unbounded(p);  // no bound to suggest: every range cuts it
    }
    throw UserError(
        ErrorKind::InvalidParameter,
        std::string(end_name) + " " + bound_text(limit.value) + " cuts through partition " +
            describe_partition(p),
        std::string(verb) + " the range at a partition bound, such as " + finite_bounds(p) + ".");
}

// Tells the user where the partitions are when the range missed them all.
[[noreturn]] void refuse_empty(const std::vector<PartitionInfo>& partitions,
                               const std::vector<std::size_t>& order, const RangeLimit& from,
                               const RangeLimit& to, const std::string& target_name) {
    std::string hint;
    if (order.empty()) {
        hint =
            target_name + " has no partitions" + (partitions.empty() ? "" : " but a default") + ".";
    } else {
        const PartitionInfo& first = partitions[order.front()];
        const PartitionInfo& last = partitions[order.back()];
        hint = "Its partitions cover keys from " + bound_text(first.lower) + " to " +
               bound_text(last.upper) + ".";
    }
    throw UserError(ErrorKind::InvalidParameter,
                    "no partition of " + target_name + " lies in [" +
                        limit_text(from, "-infinity") + ", " + limit_text(to, "infinity") + ")",
                    hint);
}

}  // namespace

// Sort keys are decimal text of any size (epoch seconds with fractions,
// numeric keys), so they are compared as text, never as floating point.
int compare_decimal(const std::string& a, const std::string& b) {
    const Decimal x = parse_decimal(a);
    const Decimal y = parse_decimal(b);
    if (x.negative != y.negative) {
        return x.negative ? -1 : 1;
    }
    const int magnitude = compare_magnitude(x, y);
    return x.negative ? -magnitude : magnitude;
}

// Orders bounds as PostgreSQL does: MINVALUE below every value, MAXVALUE
// above.
int compare_bounds(const Bound& a, const Bound& b) {
    if (a.kind != b.kind) {
        return static_cast<int>(a.kind) < static_cast<int>(b.kind) ? -1 : 1;
    }
    return a.kind == BoundKind::Finite ? compare_decimal(a.sort_key, b.sort_key) : 0;
}

// A job is a list of whole partitions; this finds them and refuses every
// range or partition shape that the swap cannot handle, before anything runs.
std::vector<PlannedChunk> plan_chunks(const std::vector<PartitionInfo>& partitions,
                                      const RangeLimit& from, const RangeLimit& to,
                                      const std::string& target_name) {
    const Bound low = from.given ? from.value : Bound{BoundKind::MinValue, "", ""};
    const Bound high = to.given ? to.value : Bound{BoundKind::MaxValue, "", ""};
    if (from.given && to.given && compare_bounds(low, high) >= 0) {
        throw UserError(ErrorKind::InvalidParameter, "range_from must be less than range_to",
                        "The range [" + bound_text(low) + ", " + bound_text(high) +
                            ") is empty: range_from is inclusive, range_to exclusive.");
    }

    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < partitions.size(); ++i) {
        if (!partitions[i].is_default) {
            order.push_back(i);
        }
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return compare_bounds(partitions[a].lower, partitions[b].lower) < 0;
    });

    std::vector<PlannedChunk> chunks;
    for (std::size_t index : order) {
        const PartitionInfo& p = partitions[index];
        if (compare_bounds(p.upper, low) <= 0 || compare_bounds(p.lower, high) >= 0) {
            continue;  // wholly outside the range
        }
        if (compare_bounds(p.lower, low) < 0) {
            refuse_cut("range_from", from, p, "Start");
        }
        if (compare_bounds(p.upper, high) > 0) {
            refuse_cut("range_to", to, p, "End");
        }
        if (p.lower.kind != BoundKind::Finite || p.upper.kind != BoundKind::Finite) {
            refuse_unbounded(p);
        }
        chunks.push_back(PlannedChunk{static_cast<int>(chunks.size()) + 1, index, p.qualified_name,
                                      p.lower, p.upper, p.est_rows, p.est_bytes});
    }
    if (chunks.empty()) {
        refuse_empty(partitions, order, from, to, target_name);
    }
    return chunks;
}

}  // namespace backfill
