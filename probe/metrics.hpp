// The probe's Prometheus metrics: counters kept on the io thread, rendered for GET /metrics.
#pragma once

#include "cluster/node_state.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace pgwarden::probe {

// Single-threaded: every call comes from the io_context's thread, so nothing here is atomic.
class Metrics {
  public:
    // Upper bounds of the query duration histogram, seconds; +Inf is implied.
    static constexpr std::array<double, 11> kQueryBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                          0.05,   0.1,   0.25,   0.5,   1.0};

    // One answered request; `endpoint` is endpoint_name() or "invalid" (unparsable request).
    void count_request(std::string_view endpoint, unsigned status);
    // One check query, failed or not; a failure's time counts in the histogram too.
    void observe_query(double seconds, bool ok);
    void count_reconnect();
    void set_role(cluster::Role role);
    void count_accept_failure();         // an accept check that failed or timed out
    void set_accepting(bool accepting);  // the accept check's latest verdict
    // Whether pgwardend's lease decides (fencing) and, if so, whether it lets this node be the
    // primary, as the last look at it said.
    void set_lease(bool enforced, bool allows_primary);

    void connection_opened();
    void connection_closed();
    // Closed unanswered by the admission policy (not allowed, source or server full).
    void count_rejected_connection();
    void count_reaped_connection();  // an idle keep-alive connection closed to admit a new one
    void count_failed_handshake();   // a TLS client refused: no valid certificate, no TLS

    std::uint64_t requests(std::string_view endpoint, unsigned status) const;
    std::uint64_t connections_open() const { return connections_open_; }

    // Prometheus text exposition format 0.0.4.
    std::string render() const;

  private:
    // Orders (endpoint, status) keys and finds them by string_view without a copy.
    struct KeyLess {
        using is_transparent = void;
        template <typename A, typename B>
        bool operator()(const A& a, const B& b) const {
            return std::pair<std::string_view, unsigned>{a.first, a.second} <
                   std::pair<std::string_view, unsigned>{b.first, b.second};
        }
    };

    std::map<std::pair<std::string, unsigned>, std::uint64_t, KeyLess> checks_;
    std::array<std::uint64_t, kQueryBuckets.size()> bucket_counts_{};  // not cumulative
    std::uint64_t query_count_ = 0;
    double query_seconds_sum_ = 0;
    std::uint64_t query_failures_ = 0;
    std::uint64_t reconnects_ = 0;
    cluster::Role role_ = cluster::Role::unknown;
    std::uint64_t accept_failures_ = 0;
    bool accepting_ = false;  // not known to accept until the first verdict
    bool lease_enforced_ = false;
    bool lease_allows_primary_ = false;
    std::uint64_t connections_open_ = 0;
    std::uint64_t connections_rejected_ = 0;
    std::uint64_t connections_reaped_ = 0;
    std::uint64_t handshakes_failed_ = 0;
};

}  // namespace pgwarden::probe
