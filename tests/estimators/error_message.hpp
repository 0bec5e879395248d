// The message of the tg::Error subclass `E` that `f` throws (a test failure if it throws
// nothing or something else), for tests that check what a bad-input message names.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <typeinfo>

namespace tg::test {

template <class E, class F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected " << typeid(E).name() << ", got " << typeid(e).name() << ": "
                  << e.what();
    return "";
  }
  ADD_FAILURE() << "expected " << typeid(E).name() << ", nothing was thrown";
  return "";
}

}  // namespace tg::test
