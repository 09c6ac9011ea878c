// Renders the probe's counters in Prometheus' text format; label values are our own constants,
// so the series count stays bounded whatever clients send.
#include "metrics.hpp"

#include <fmt/format.h>

#include <iterator>

namespace pgwarden::probe {

namespace {

constexpr std::array<cluster::Role, 3> kRoles{cluster::Role::primary, cluster::Role::standby,
                                              cluster::Role::unknown};

// Label values: backslash, double quote and newline are escaped (exposition format 0.0.4).
std::string label_value(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void Metrics::count_request(std::string_view endpoint, unsigned status) {
    auto it = checks_.find(std::pair<std::string_view, unsigned>{endpoint, status});
    if (it == checks_.end())
        it = checks_.emplace(std::pair{std::string(endpoint), status}, 0).first;
    ++it->second;
}

std::uint64_t Metrics::requests(std::string_view endpoint, unsigned status) const {
    const auto it = checks_.find(std::pair<std::string_view, unsigned>{endpoint, status});
    return it == checks_.end() ? 0 : it->second;
}

void Metrics::observe_query(double seconds, bool ok) {
    ++query_count_;
    query_seconds_sum_ += seconds;
    for (std::size_t i = 0; i < kQueryBuckets.size(); ++i) {
        if (seconds <= kQueryBuckets[i]) {
            ++bucket_counts_[i];
            break;
        }
    }
    if (!ok)
        ++query_failures_;
}

void Metrics::count_reconnect() {
    ++reconnects_;
}

void Metrics::set_role(cluster::Role role) {
    role_ = role;
}

void Metrics::count_accept_failure() {
    ++accept_failures_;
}

void Metrics::set_accepting(bool accepting) {
    accepting_ = accepting;
}

void Metrics::set_lease(bool enforced, bool allows_primary) {
    lease_enforced_ = enforced;
    lease_allows_primary_ = allows_primary;
}

void Metrics::connection_opened() {
    ++connections_open_;
}

void Metrics::connection_closed() {
    if (connections_open_ > 0)
        --connections_open_;
}

void Metrics::count_rejected_connection() {
    ++connections_rejected_;
}

void Metrics::count_reaped_connection() {
    ++connections_reaped_;
}

void Metrics::count_failed_handshake() {
    ++handshakes_failed_;
}

std::string Metrics::render() const {
    std::string out;
    out.reserve(2048);
    auto append = std::back_inserter(out);

    family(out, "pgwarden_probe_checks_total", "counter",
           "HTTP requests answered, by endpoint and status code.");
    for (const auto& [key, count] : checks_) {
        fmt::format_to(append, "pgwarden_probe_checks_total{{endpoint=\"{}\",status=\"{}\"}} {}\n",
                       label_value(key.first), key.second, count);
    }

    family(out, "pgwarden_probe_query_duration_seconds", "histogram",
           "Time the role check query took, failures included.");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kQueryBuckets.size(); ++i) {
        cumulative += bucket_counts_[i];
        fmt::format_to(append, "pgwarden_probe_query_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                       kQueryBuckets[i], cumulative);
    }
    fmt::format_to(append,
                   "pgwarden_probe_query_duration_seconds_bucket{{le=\"+Inf\"}} {}\n"
                   "pgwarden_probe_query_duration_seconds_sum {}\n"
                   "pgwarden_probe_query_duration_seconds_count {}\n",
                   query_count_, query_seconds_sum_, query_count_);

    family(out, "pgwarden_probe_query_failures_total", "counter",
           "Role check queries that failed or timed out.");
    fmt::format_to(append, "pgwarden_probe_query_failures_total {}\n", query_failures_);

    family(out, "pgwarden_probe_reconnects_total", "counter",
           "New connections the probe made to PostgreSQL.");
    fmt::format_to(append, "pgwarden_probe_reconnects_total {}\n", reconnects_);

    family(out, "pgwarden_probe_role", "gauge",
           "Role seen by the last check: 1 for the current role, 0 for the others.");
    for (const auto role : kRoles) {
        fmt::format_to(append, "pgwarden_probe_role{{role=\"{}\"}} {}\n", cluster::role_name(role),
                       role == role_ ? 1 : 0);
    }

    family(out, "pgwarden_probe_accepting_connections", "gauge",
           "1 when the server accepted a fresh connection lately (the accept check), else 0.");
    fmt::format_to(append, "pgwarden_probe_accepting_connections {}\n", accepting_ ? 1 : 0);

    family(out, "pgwarden_probe_fencing_enforced", "gauge",
           "1 when pgwardend's lease decides whether this node may answer as the primary.");
    fmt::format_to(append, "pgwarden_probe_fencing_enforced {}\n", lease_enforced_ ? 1 : 0);
    family(out, "pgwarden_probe_lease_valid", "gauge",
           "1 while pgwardend's lease lets this node answer as the primary (when enforced).");
    fmt::format_to(append, "pgwarden_probe_lease_valid {}\n",
                   lease_enforced_ && lease_allows_primary_ ? 1 : 0);

    family(out, "pgwarden_probe_accept_check_failures_total", "counter",
           "Accept checks (fresh connections) that failed or timed out.");
    fmt::format_to(append, "pgwarden_probe_accept_check_failures_total {}\n", accept_failures_);

    family(out, "pgwarden_probe_connections_open", "gauge", "HTTP connections open now.");
    fmt::format_to(append, "pgwarden_probe_connections_open {}\n", connections_open_);

    family(out, "pgwarden_probe_connections_rejected_total", "counter",
           "HTTP connections closed unanswered: source not allowed, or over a connection limit.");
    fmt::format_to(append, "pgwarden_probe_connections_rejected_total {}\n", connections_rejected_);

    family(out, "pgwarden_probe_connections_reaped_total", "counter",
           "Idle keep-alive HTTP connections closed to make room for new ones.");
    fmt::format_to(append, "pgwarden_probe_connections_reaped_total {}\n", connections_reaped_);

    family(out, "pgwarden_probe_tls_handshakes_failed_total", "counter",
           "TLS connections closed unanswered because the handshake failed (e.g. no client "
           "certificate our CA signed).");
    fmt::format_to(append, "pgwarden_probe_tls_handshakes_failed_total {}\n", handshakes_failed_);
    return out;
}

}  // namespace pgwarden::probe
