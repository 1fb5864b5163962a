#include "eras.hpp"

#include <string>

#include "user_error.hpp"

namespace backfill {

namespace {

const char* const kTilingHint =
    "Give the eras in key order, each starting where the one before ends (from is included, to "
    "excluded), together covering [range_from, range_to) exactly.";

// "sources[2]": an era as the user wrote it in the option.
std::string era_name(std::size_t i) { return "sources[" + std::to_string(i) + "]"; }

[[noreturn]] void refuse(const std::string& what, const std::string& hint = kTilingHint) {
    throw UserError(ErrorKind::InvalidParameter, what, hint);
}

// "chunk 3 (public.events_p3) [2024-03-01, 2024-04-01)": for messages.
std::string chunk_text(const PlannedChunk& c) {
    return "chunk " + std::to_string(c.chunk_no) + " (" + c.name + ") [" + c.lower.text + ", " +
           c.upper.text + ")";
}

}  // namespace

// The eras must leave no key of the job without a source and give no key
// two; a chunk is built by one query, so it must sit in one era.
std::vector<std::size_t> assign_eras(const std::vector<EraSpan>& eras,
                                     const std::vector<PlannedChunk>& chunks,
                                     const std::optional<Bound>& range_from,
                                     const std::optional<Bound>& range_to) {
    if (eras.empty()) {
        refuse("option \"sources\" must hold at least one era");
    }
    for (std::size_t i = 0; i < eras.size(); ++i) {
        if (compare_bounds(eras[i].from, eras[i].to) >= 0) {
            refuse(era_name(i) + " is empty: from " + eras[i].from.text + " is not below to " +
                   eras[i].to.text);
        }
        if (i == 0) {
            continue;
        }
        const int joint = compare_bounds(eras[i - 1].to, eras[i].from);
        if (joint < 0) {
            refuse("sources leave a gap: " + era_name(i - 1) + " ends at " + eras[i - 1].to.text +
                   ", " + era_name(i) + " starts at " + eras[i].from.text);
        }
        if (joint > 0) {
            refuse(era_name(i - 1) + " and " + era_name(i) + " overlap: " + era_name(i - 1) +
                   " ends at " + eras[i - 1].to.text + ", " + era_name(i) + " starts at " +
                   eras[i].from.text);
        }
    }
    if (range_from && compare_bounds(eras.front().from, *range_from) != 0) {
        refuse("sources do not cover the job's range exactly: they start at " +
               eras.front().from.text + ", range_from is " + range_from->text);
    }
    if (range_to && compare_bounds(eras.back().to, *range_to) != 0) {
        refuse("sources do not cover the job's range exactly: they end at " + eras.back().to.text +
               ", range_to is " + range_to->text);
    }
    std::vector<std::size_t> out;
    for (const PlannedChunk& c : chunks) {
        std::optional<std::size_t> era = era_holding(eras, c.lower, c.upper);
        if (era) {
            out.push_back(*era);
            continue;
        }
        for (std::size_t i = 0; i < eras.size(); ++i) {
            if (compare_bounds(eras[i].from, c.lower) <= 0 &&
                compare_bounds(c.lower, eras[i].to) < 0) {
                refuse(chunk_text(c) + " spans two eras of sources: " + era_name(i) + " ends at " +
                           eras[i].to.text,
                       "A chunk is built by one source: make the eras meet at a chunk bound.");
            }
        }
        refuse(chunk_text(c) + " is not covered by sources");
    }
    return out;
}

// Eras are few: a scan is enough.
std::optional<std::size_t> era_holding(const std::vector<EraSpan>& eras, const Bound& lower,
                                       const Bound& upper) {
    for (std::size_t i = 0; i < eras.size(); ++i) {
        if (compare_bounds(eras[i].from, lower) <= 0 && compare_bounds(upper, eras[i].to) <= 0) {
            return i;
        }
    }
    return std::nullopt;
}

}  // namespace backfill
