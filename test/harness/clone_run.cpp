// standby clone runs into directories of their own (clone_run.hpp).
#include "clone_run.hpp"

#include "ports.hpp"
#include "postgres_user.hpp"
#include "repmgr_conf.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace pgwarden::test {

namespace fs = std::filesystem;

Clone run_clone_args(const PgCluster& cluster, bool repmgr, const std::string& label,
                     const std::vector<std::string>& args, const std::string& extra_conf) {
    const std::string dir =
        fmt::format("{}/clone-{}-{}", cluster.dir(), label, repmgr ? "repmgr" : "pgwarden");
    fs::create_directories(dir);
    give_to_postgres(dir);
    const std::string data_dir = dir + "/data";
    const std::string conf = dir + "/repmgr.conf";
    {
        std::ofstream out(conf);
        out << fmt::format(
            "node_id=2\nnode_name='node2'\nconninfo='host=127.0.0.1 port={} user=postgres "
            "dbname=postgres connect_timeout=2'\ndata_directory='{}'\npg_bindir='{}'\n{}",
            free_tcp_port(), data_dir, PgCluster::kBinDir, extra_conf);
    }
    give_to_postgres(conf);
    return {repmgr ? run_repmgr(conf, args) : run_pgwarden(conf, args), dir, data_dir};
}

Clone run_clone(const PgCluster& cluster, bool repmgr, const std::string& label,
                const std::vector<std::string>& options, const std::string& extra_conf,
                int upstream, const std::string& user) {
    std::vector<std::string> args = standby_clone_args(cluster, upstream);
    const auto user_flag = std::find(args.begin(), args.end(), "-U");
    if (user_flag != args.end() && user_flag + 1 != args.end())
        *(user_flag + 1) = user;
    args.insert(args.end(), options.begin(), options.end());
    return run_clone_args(cluster, repmgr, label, args, extra_conf);
}

}  // namespace pgwarden::test
