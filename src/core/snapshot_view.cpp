#include "core/snapshot_view.hpp"

#include <cstddef>

#include "core/names.hpp"

namespace backfill {

namespace {

constexpr const char* kNameHint =
    "Give a view name such as \"events_before\" or \"audit.events_before\"; quote a part that "
    "has capitals or other characters as in SQL: \"\\\"Audit\\\".\\\"Events 2024\\\"\".";

[[noreturn]] void refuse(const std::string& text) {
    throw UserError(ErrorKind::InvalidParameter, "\"" + text + "\" is not a view name", kNameHint);
}

// A letter, _ or any byte of a multi-byte UTF-8 character: what starts an
// unquoted identifier; digits and $ may follow.
bool starts_identifier(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}
bool continues_identifier(char c) {
    return starts_identifier(c) || (c >= '0' && c <= '9') || c == '$';
}

// One identifier from text[at]; moves at past it.
std::string read_identifier(const std::string& text, std::size_t& at) {
    std::string out;
    if (at < text.size() && text[at] == '"') {
        for (++at;; ++at) {
            if (at >= text.size()) {
                refuse(text);
            }
            if (text[at] == '"') {
                if (at + 1 < text.size() && text[at + 1] == '"') {
                    out += '"';
                    ++at;
                    continue;
                }
                ++at;
                break;
            }
            out += text[at];
        }
    } else {
        if (at >= text.size() || !starts_identifier(text[at])) {
            refuse(text);
        }
        for (; at < text.size() && continues_identifier(text[at]); ++at) {
            char c = text[at];
            out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        }
    }
    if (out.empty() || out.size() > kMaxIdentifierBytes) {
        refuse(text);
    }
    return out;
}

}  // namespace

ViewName parse_view_name(const std::string& text) {
    std::size_t at = 0;
    std::string first = read_identifier(text, at);
    if (at == text.size()) {
        return ViewName{std::nullopt, first};
    }
    if (text[at] != '.') {
        refuse(text);
    }
    ++at;
    std::string second = read_identifier(text, at);
    if (at != text.size()) {
        refuse(text);
    }
    return ViewName{first, second};
}

std::string snapshot_view_statement(const std::string& view,
                                    const std::vector<std::string>& columns,
                                    const std::vector<std::string>& partitions) {
    std::string list;
    for (const std::string& c : columns) {
        list += (list.empty() ? "" : ", ") + c;
    }
    std::string body;
    for (const std::string& p : partitions) {
        body += (body.empty() ? "" : " UNION ALL ") + ("SELECT " + list + " FROM " + p);
    }
    return "CREATE VIEW " + view + " WITH (security_invoker = true) AS " + body;
}

std::optional<UserError> snapshot_view_change_refusal(const JobOptions& before,
                                                      const JobOptions& after) {
    if (before.snapshot_view == after.snapshot_view) {
        return std::nullopt;
    }
    return UserError(ErrorKind::InvalidParameter,
                     "option snapshot_view cannot be changed after create",
                     "The view was made at create over the partitions the job replaces; create a "
                     "view of your own over the job's retained originals (backfill.chunks) "
                     "instead.");
}

}  // namespace backfill
