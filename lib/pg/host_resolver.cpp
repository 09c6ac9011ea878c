#include "pg/host_resolver.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

#include <fmt/format.h>

namespace pgwarden::pg {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct HostResolver::Lookup {
    Lookup(asio::io_context& io, std::string conninfo_in, Handler done_in)
        : resolver(io), conninfo(std::move(conninfo_in)), done(std::move(done_in)) {}
    tcp::resolver resolver;
    std::string conninfo;
    Handler done;
    HostLookup plan;
    std::vector<std::vector<std::string>> addresses;
    std::size_t index = 0;
    std::string errors;
};

void HostResolver::resolve(const std::string& conninfo, Handler done) {
    cancel();
    auto lookup = std::make_shared<Lookup>(io_, conninfo, std::move(done));
    lookup->plan = plan_lookup(conninfo);
    current_ = lookup;
    std::string error = lookup->plan.error;
    if (error.empty() && busy_ && *busy_)
        error = "an earlier DNS lookup of the conninfo's host is still running";
    if (!lookup->plan.any() || !error.empty()) {
        // Answered later, and only if still wanted, like a real lookup.
        asio::post(io_, [this, alive = alive_, lookup, error = std::move(error)] {
            if (!*alive || current_ != lookup)
                return;
            current_.reset();
            if (!error.empty())
                lookup->done({}, error);
            else
                lookup->done(lookup->conninfo, {});
        });
        return;
    }
    lookup->addresses.resize(lookup->plan.hosts.size());
    busy_ = std::make_shared<bool>(false);
    next_host(lookup);
}

void HostResolver::cancel() {
    current_.reset();  // a late answer finds nobody waiting
}

void HostResolver::next_host(const std::shared_ptr<Lookup>& lookup) {
    auto& plan = lookup->plan;
    while (lookup->index < plan.hosts.size() && !plan.needs_dns[lookup->index])
        ++lookup->index;
    if (lookup->index == plan.hosts.size()) {
        auto result = with_host_addresses(lookup->conninfo, plan, lookup->addresses);
        current_.reset();
        if (result)
            lookup->done(*result, {});
        else
            lookup->done({}, fmt::format("cannot resolve the host names: {}",
                                         lookup->errors.empty() ? "no host name has an address"
                                                                : lookup->errors));
        return;
    }
    *busy_ = true;
    const auto& host = plan.hosts[lookup->index];
    // Port "0": only the addresses matter; libpq gets the real port from port=.
    lookup->resolver.async_resolve(
        host, "0",
        [this, alive = alive_, lookup, busy = busy_, host](
            const boost::system::error_code& ec, const tcp::resolver::results_type& results) {
            *busy = false;
            if (!*alive || current_ != lookup)
                return;  // cancelled (the caller's deadline passed): the answer is not wanted
            if (ec) {
                lookup->errors +=
                    fmt::format("{}{}: {}", lookup->errors.empty() ? "" : "; ", host, ec.message());
            }
            for (const auto& entry : results) {
                const auto address = entry.endpoint().address().to_string();
                auto& found = lookup->addresses[lookup->index];
                if (std::find(found.begin(), found.end(), address) == found.end())
                    found.push_back(address);
            }
            ++lookup->index;
            next_host(lookup);
        });
}

}  // namespace pgwarden::pg
