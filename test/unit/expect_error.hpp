// Shared by the unit tests: run code that must throw a UserError and hand the
// error back, so a test can assert its kind, message and hint exactly.
#pragma once

#include <gtest/gtest.h>

#include "core/user_error.hpp"

namespace backfill {

// Returns the UserError that f throws; records a test failure if it throws
// none.
template <typename F>
UserError expect_user_error(F f) {
    try {
        f();
    } catch (const UserError& e) {
        return e;
    }
    ADD_FAILURE() << "expected a UserError, none was thrown";
    return UserError(ErrorKind::Internal, "<no error>");
}

}  // namespace backfill
