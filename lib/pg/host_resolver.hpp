// Resolves a conninfo's host names on Asio's resolver thread, never on the io_context's, and
// hands back a conninfo with hostaddr= (host_addresses.hpp). The caller's deadline bounds it:
// cancel() drops a lookup in flight, and while one is still stuck in getaddrinfo no other is
// started, so a hung resolver costs one thread, not one per attempt.
#pragma once

#include "pg/host_addresses.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>

namespace pgwarden::pg {

class HostResolver {
  public:
    // On success `conninfo` is what to connect with and `error` is empty.
    using Handler = std::function<void(const std::string& conninfo, const std::string& error)>;

    explicit HostResolver(boost::asio::io_context& io) : io_(io) {}
    // A lookup may outlive its resolver (a hung getaddrinfo): its answer then finds nobody.
    ~HostResolver() { *alive_ = false; }
    HostResolver(const HostResolver&) = delete;
    HostResolver& operator=(const HostResolver&) = delete;

    // Calls `done` once, on the io_context, later (never inside this call) — unless cancel()
    // comes first. A conninfo without names to look up is handed back as it is.
    void resolve(const std::string& conninfo, Handler done);
    void cancel();

  private:
    struct Lookup;
    void next_host(const std::shared_ptr<Lookup>& lookup);

    boost::asio::io_context& io_;
    std::shared_ptr<Lookup> current_;  // the lookup whose answer is still wanted
    std::shared_ptr<bool> busy_;       // a getaddrinfo still runs, wanted or not
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pgwarden::pg
