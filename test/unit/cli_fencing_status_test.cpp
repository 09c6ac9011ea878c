#include "fencing_status.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden;

namespace {

constexpr std::int64_t kNow = 1'000'000;

cli::FencingView view_with(std::optional<failover::Lease> lease) {
    cli::FencingView view;
    view.node_id = 1;
    view.lease_path = "/var/lib/pgwarden/lease-1";
    view.probe_path = view.lease_path;
    view.lease.file_exists = lease.has_value();
    view.lease.lease = std::move(lease);
    view.probed = view.lease;
    view.boot_id = "boot-a";
    view.now_ms = kNow;
    return view;
}

failover::Lease lease_of(failover::LeaseVerdict verdict, std::int64_t valid_until_ms,
                         std::string reason) {
    failover::Lease lease;
    lease.node_id = 1;
    lease.verdict = verdict;
    lease.boot_id = "boot-a";
    lease.valid_until_ms = valid_until_ms;
    lease.reason = std::move(reason);
    return lease;
}

}  // namespace

TEST_CASE("service status shows a renewed primary lease and the probe's 200", "[cli][fencing]") {
    const auto view =
        view_with(lease_of(failover::LeaseVerdict::primary, kNow + 6'200, "2 of 3 nodes seen"));
    CHECK(cli::format_fencing_status(view) ==
          "Fencing on node 1 (this node): primary lease valid for 7 s (2 of 3 nodes seen)\n"
          "  pgwarden-probe answers 200 on /primary while the server is a primary: pgwardend's "
          "lease is valid for 6200 ms more\n");
}

TEST_CASE("service status shows a fenced node, a lease run out and a standby with the probe's 503",
          "[cli][fencing]") {
    const auto fenced = view_with(
        lease_of(failover::LeaseVerdict::fenced, kNow, "no majority seen for fence_timeout (3 s)"));
    CHECK(cli::format_fencing_status(fenced) ==
          "Fencing on node 1 (this node): fenced: no majority seen for fence_timeout (3 s)\n"
          "  pgwarden-probe answers 503 on /primary: pgwardend's verdict is fenced: no majority "
          "seen for fence_timeout (3 s)\n");

    const auto ran_out =
        view_with(lease_of(failover::LeaseVerdict::primary, kNow - 12'500, "3 of 3 nodes seen"));
    CHECK(cli::describe_lease(ran_out) ==
          "primary lease ran out 12 s ago (pgwardend stopped renewing it) (3 of 3 nodes seen)");

    const auto standby = view_with(lease_of(failover::LeaseVerdict::standby, kNow, ""));
    CHECK(cli::format_fencing_status(standby) ==
          "Fencing on node 1 (this node): standby\n"
          "  pgwarden-probe answers 503 on /primary: pgwardend's verdict is standby: \n");
}

TEST_CASE("service status says what the probe answers without a lease file", "[cli][fencing]") {
    auto view = view_with(std::nullopt);
    CHECK(cli::format_fencing_status(view) ==
          "Fencing on node 1 (this node): no lease file (/var/lib/pgwarden/lease-1)\n"
          "  pgwarden-probe answers from pg_is_in_recovery() alone: no lease file: the probe "
          "runs without pgwardend\n");
    view.probe_mode = failover::FencingMode::on;
    CHECK_THAT(cli::format_fencing_status(view),
               Catch::EndsWith("  pgwarden-probe answers 503 on /primary: no lease from pgwardend "
                               "yet\n"));
    view.probe_mode = failover::FencingMode::off;
    CHECK_THAT(cli::format_fencing_status(view),
               Catch::EndsWith("pg_is_in_recovery() alone: fencing is off\n"));
}

TEST_CASE("service status names a void lease and a probe that looks elsewhere", "[cli][fencing]") {
    auto earlier = lease_of(failover::LeaseVerdict::primary, kNow + 5'000, "3 of 3 nodes seen");
    earlier.boot_id = "boot-before";
    CHECK(cli::describe_lease(view_with(earlier)) ==
          "the lease (primary) is from an earlier boot: void");
    auto other = earlier;
    other.node_id = 2;
    CHECK(cli::describe_lease(view_with(other)) ==
          "the lease file /var/lib/pgwarden/lease-1 holds node 2's lease");

    auto unreadable = view_with(std::nullopt);
    unreadable.lease.file_exists = true;
    unreadable.lease.read_error = "line 1: \"x\" is not key=value";
    CHECK(cli::describe_lease(unreadable) ==
          "the lease file /var/lib/pgwarden/lease-1 cannot be read: line 1: \"x\" is not "
          "key=value");

    auto elsewhere =
        view_with(lease_of(failover::LeaseVerdict::primary, kNow + 5'000, "3 of 3 nodes seen"));
    elsewhere.probe_path = "/srv/leases/lease-1";
    elsewhere.probed = {};
    CHECK(cli::format_fencing_status(elsewhere) ==
          "Fencing on node 1 (this node): primary lease valid for 5 s (3 of 3 nodes seen)\n"
          "  pgwarden-probe reads its lease in /srv/leases/lease-1, not where pgwardend writes it\n"
          "  pgwarden-probe answers from pg_is_in_recovery() alone: no lease file: the probe runs "
          "without pgwardend\n");
}
