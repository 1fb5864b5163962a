#include "names.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace backfill {

namespace {

// "_bf<job>_<chunk>": the part of every per-chunk name that makes it unique.
std::string chunk_tag(std::int64_t job_id, int chunk_no) {
    return "_bf" + std::to_string(job_id) + "_" + std::to_string(chunk_no);
}

// Keeps the suffix whole and shortens the prefix, so that names of different
// chunks and jobs never collide however long the prefix.
std::string with_suffix(const std::string& prefix, const std::string& suffix) {
    return truncate_identifier(prefix, kMaxIdentifierBytes - suffix.size()) + suffix;
}

}  // namespace

// PostgreSQL would truncate a long name itself, but silently and possibly in
// the middle of a multi-byte character; this does it first, cleanly.
std::string truncate_identifier(const std::string& text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) {
        return text;
    }
    std::size_t cut = max_bytes;
    // A byte 10xxxxxx continues a UTF-8 sequence: back up to its lead byte.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
        --cut;
    }
    return text.substr(0, cut);
}

// The table a chunk is built into, beside the live partition.
std::string shadow_table_name(const std::string& partition, std::int64_t job_id, int chunk_no) {
    return with_suffix(partition, chunk_tag(job_id, chunk_no) + "_new");
}

// A merge job keeps one before-image table beside its target.
std::string before_image_name(const std::string& target, std::int64_t job_id) {
    return with_suffix(target, "_bf" + std::to_string(job_id) + "_before");
}

std::string before_image_index_name(const std::string& target, std::int64_t job_id) {
    return with_suffix(target, "_bf" + std::to_string(job_id) + "_before_chunk");
}

std::string stage_table_name(const std::string& target, std::int64_t job_id) {
    return with_suffix(target, "_bf" + std::to_string(job_id) + "_stage");
}

std::string stage_table_index_name(const std::string& target, std::int64_t job_id) {
    return with_suffix(target, "_bf" + std::to_string(job_id) + "_stage_chunk");
}

// The name the live partition gets when a swap takes it out.
std::string retained_table_name(const std::string& partition, std::int64_t job_id, int chunk_no) {
    return with_suffix(partition, chunk_tag(job_id, chunk_no) + "_old");
}

// Indexes built on the shadow, renamed to the originals' names at the swap.
std::string shadow_index_name(const std::string& partition, std::int64_t job_id, int chunk_no,
                              int k) {
    return with_suffix(partition, chunk_tag(job_id, chunk_no) + "_n" + std::to_string(k));
}

// The names the live partition's indexes get when it is retained.
std::string retained_index_name(const std::string& index, std::int64_t job_id, int chunk_no,
                                int k) {
    return with_suffix(index, chunk_tag(job_id, chunk_no) + "_o" + std::to_string(k));
}

// One guard trigger name per job: each partition carries at most one.
std::string guard_trigger_name(std::int64_t job_id) {
    return "backfill_guard_" + std::to_string(job_id);
}

// Guards and their TRUNCATE twins share the prefix (guard_trigger_name).
bool is_guard_trigger_name(const std::string& name) {
    return name.rfind("backfill_guard_", 0) == 0;
}

// The helper CHECK that lets ATTACH skip its scan of the shadow.
std::string bound_check_name(std::int64_t job_id, int chunk_no) {
    return "backfill_bound_" + std::to_string(job_id) + "_" + std::to_string(chunk_no);
}

}  // namespace backfill
