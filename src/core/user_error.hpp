// The one error type the core raises: a message for people, an optional
// hint, and the SQLSTATE class the PostgreSQL layer reports it under.
#pragma once

#include <stdexcept>
#include <string>

namespace backfill {

enum class ErrorKind {
    InvalidParameter,     // 22023 invalid_parameter_value
    FeatureNotSupported,  // 0A000 feature_not_supported
    WrongState,           // 55000 object_not_in_prerequisite_state
    DatatypeMismatch,     // 42804 datatype_mismatch
    Internal              // XX000 internal_error
};

class UserError : public std::runtime_error {
public:
    UserError(ErrorKind kind, const std::string& message, std::string hint = {})
        : std::runtime_error(message), kind_(kind), hint_(std::move(hint)) {}

    ErrorKind kind() const { return kind_; }
    const std::string& hint() const { return hint_; }

private:
    ErrorKind kind_;
    std::string hint_;
};

}  // namespace backfill
