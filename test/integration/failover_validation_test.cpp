// failover_validation_command: the winner asks it before promoting; a veto means no promotion
// now and the election again after election_rerun_interval.
#include "daemon_cluster.hpp"
#include "log_file.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>

using namespace std::chrono_literals;
using namespace pgwarden::test;

TEST_CASE("a vetoing failover_validation_command holds the promotion until it agrees", "[daemon]") {
    std::string allow_file;
    DaemonClusterOptions options;
    options.extra_conf = [&allow_file](int i) -> std::vector<std::string> {
        if (i == 3)
            return {"priority=50"};
        if (i == 2)
            return {fmt::format("failover_validation_command='test -f {}'", allow_file),
                    "election_rerun_interval=2"};
        return {};
    };
    // Named before the cluster is built (the configuration refers to it), one per test process.
    allow_file = fmt::format("/tmp/pgwarden-validation-{}", ::getpid());
    std::remove(allow_file.c_str());
    DaemonCluster dc(options);
    dc.start_daemons();
    dc.cluster().wait_caught_up(2, 1);
    dc.cluster().wait_caught_up(3, 1);
    dc.cluster().kill9(1);

    // Three attempts, the election, the veto, a rerun and its veto: nobody promoted.
    const bool vetoed_twice = wait_for_log([&] { return dc.daemon_log(2); },
                                           "failover_validation_command returned 1", 30s, 2);
    INFO(dc.all_logs());
    CHECK(vetoed_twice);
    CHECK(dc.cluster().is_in_recovery(2));
    CHECK(dc.cluster().is_in_recovery(3));

    std::ofstream(allow_file) << "yes\n";
    const bool promoted = dc.wait_primary(2, 30s);
    std::string why;
    const bool followed = promoted && dc.wait_streaming(3, 2, 30s, &why);
    INFO(why << "\n" << dc.all_logs());
    std::remove(allow_file.c_str());
    CHECK(promoted);
    CHECK(followed);
}
