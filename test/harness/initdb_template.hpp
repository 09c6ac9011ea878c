// One initdb per PostgreSQL build and options, copied for each test's primary: initdb is most
// of a test cluster's start-up (1.5 CPU-seconds of the 2.8 a three-node cluster costs here), and
// the suite makes a cluster per test.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace pgwarden::test {

// A new data directory `data_dir` (which must not exist) as `initdb_argv` (initdb and its
// options, without -D) makes it, as the postgres user. The first cluster of a test process
// gets a copy of a shared template in /tmp/pgwarden-test-initdb, made by whichever test
// needed it first; any further cluster of the same process gets a real initdb, because two
// clusters in one test are meant to be two database systems (a witness server beside its
// cluster: copies share the system identifier, which repmgr compares). Throws
// std::runtime_error, leaving no `data_dir`, when initdb or the copy fails.
void make_data_directory(const std::string& data_dir, const std::vector<std::string>& initdb_argv,
                         std::chrono::milliseconds timeout);

}  // namespace pgwarden::test
