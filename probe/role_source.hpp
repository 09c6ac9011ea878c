// Where the HTTP server gets a fresh look at the local node; the role checker implements it.
#pragma once

#include "observation.hpp"

#include <functional>

namespace pgwarden::probe {

class RoleSource {
  public:
    using Callback = std::function<void(const Observation&)>;
    virtual ~RoleSource() = default;
    // Calls `done` exactly once, on the io_context's thread, with a state observed by a check that
    // started after this call (never an older cached answer), or with reachable=false when no
    // such check finished within the query timeout.
    virtual void check(Callback done) = 0;
};

}  // namespace pgwarden::probe
