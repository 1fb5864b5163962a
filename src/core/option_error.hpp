// An option refused, with the JSON path of the bad value, so the same error
// can be reported under the path the user wrote: an options key
// ("validate.aggregates[0].expr") or a specification field
// ("validation.aggregates[0].expr").
#pragma once

#include <string>

#include "core/user_error.hpp"

namespace backfill {

class OptionError : public UserError {
public:
    // "option "<path>" <complaint>", e.g. complaint "must be true or false, not 1".
    OptionError(const std::string& path, const std::string& complaint, const std::string& hint)
        : UserError(ErrorKind::InvalidParameter, "option \"" + path + "\" " + complaint, hint),
          path_(path),
          complaint_(complaint) {}

    // "unknown option "<path>"": a key no option or rule knows.
    static OptionError unknown(const std::string& path, const std::string& hint) {
        return OptionError(path, hint);
    }

    const std::string& path() const { return path_; }
    const std::string& complaint() const { return complaint_; }
    bool is_unknown() const { return complaint_.empty(); }

private:
    OptionError(const std::string& path, const std::string& hint)
        : UserError(ErrorKind::InvalidParameter, "unknown option \"" + path + "\"", hint),
          path_(path) {}

    std::string path_;
    std::string complaint_;  // empty for an unknown key
};

// "validate.aggregates" + 2 -> "validate.aggregates[2]".
inline std::string element_path(const std::string& path, std::size_t index) {
    return path + "[" + std::to_string(index) + "]";
}

}  // namespace backfill
