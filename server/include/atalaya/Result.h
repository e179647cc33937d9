#pragma once

#include <atalaya/Status.h>

#include <cassert>
#include <optional>
#include <utility>

namespace atalaya {

// A value or the Status that explains why there is none (std::expected is C++23).
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_value(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    Result(Status status) : m_status(std::move(status)) {  // NOLINT(google-explicit-constructor)
        assert(!m_status.isOk() && "a Result built from a Status must carry an error");
    }

    bool isOk() const { return m_value.has_value(); }
    const Status& status() const { return m_status; }

    T& value() & { return *m_value; }
    const T& value() const& { return *m_value; }
    T&& value() && { return std::move(*m_value); }
    T* operator->() { return &*m_value; }
    const T* operator->() const { return &*m_value; }
    T& operator*() & { return *m_value; }
    const T& operator*() const& { return *m_value; }

private:
    Status m_status;
    std::optional<T> m_value;
};

}  // namespace atalaya

// Binds `lhs` to the value of a Result expression, or returns its Status from the caller.
// `lhs` may be a declaration ("auto x"), so it cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ATALAYA_CONCAT_INNER(a, b) a##b
#define ATALAYA_CONCAT(a, b) ATALAYA_CONCAT_INNER(a, b)
#define ATALAYA_ASSIGN_OR_RETURN(lhs, expr) \
    ATALAYA_ASSIGN_OR_RETURN_IMPL(ATALAYA_CONCAT(_result_, __LINE__), lhs, expr)
#define ATALAYA_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
    auto tmp = (expr);                                \
    if (!tmp.isOk()) return tmp.status();             \
    lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
