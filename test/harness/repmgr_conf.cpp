#include "repmgr_conf.hpp"
#include "binaries.hpp"
#include "postgres_user.hpp"

#include "repmgr_cluster.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace pgwarden::test {

namespace {
constexpr std::chrono::seconds kCommandTimeout{60};
}  // namespace

std::string write_conf(const PgCluster& cluster, int i, const std::string& extra,
                       const std::string& file) {
    const std::string path =
        cluster.dir() + "/" + (file.empty() ? fmt::format("repmgr{}.conf", i) : file);
    std::ofstream out(path);
    out << fmt::format(
        "node_id={}\nnode_name='node{}'\nconninfo='{}'\ndata_directory='{}'\n"
        "use_replication_slots=yes\n{}\n",
        i, i, cluster.node(i).conninfo(), cluster.node(i).data_dir, extra);
    out.close();
    give_to_postgres(path);
    return path;
}

std::string write_conf_as_reader(const PgCluster& cluster, int i, const std::string& role) {
    cluster.psql(1, fmt::format("CREATE ROLE {0} LOGIN; GRANT USAGE ON SCHEMA repmgr TO {0}; "
                                "GRANT SELECT ON ALL TABLES IN SCHEMA repmgr TO {0}",
                                role));
    const std::string path = write_conf(cluster, i, "", fmt::format("{}{}.conf", role, i));
    std::string text;
    {
        std::ifstream in(path);
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const std::string user = "user=postgres";
    const auto at = text.find(user);
    if (at == std::string::npos)
        throw std::runtime_error("no " + user + " in " + path);
    std::ofstream(path) << text.replace(at, user.size(), "user=" + role);
    return path;
}

CommandResult run_pgwarden(const std::string& conf, std::vector<std::string> args) {
    args.insert(args.begin(), {pgwarden::test::cli_bin(), "-f", conf});
    return run_command(std::move(args), kCommandTimeout, true);
}

CommandResult run_repmgr(const std::string& conf, std::vector<std::string> args) {
    args.insert(args.begin(), {kRepmgr, "-f", conf});
    return run_command(std::move(args), kCommandTimeout, true);
}

std::vector<std::string> standby_clone_args(const PgCluster& cluster, int upstream) {
    return {"-h",
            "127.0.0.1",
            "-p",
            std::to_string(cluster.node(upstream).port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "--fast-checkpoint",
            "standby",
            "clone"};
}

}  // namespace pgwarden::test
