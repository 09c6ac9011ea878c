// The external configuration files of a clone's source (clone_config_source.hpp).
#include "clone_config_source.hpp"

#include "postgres_user.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

namespace pgwarden::test {

namespace fs = std::filesystem;

unsigned file_mode(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777U) : 0U;
}

std::string move_config_out(PgCluster& cluster) {
    const std::string etc = cluster.dir() + "/etc";
    fs::create_directories(etc);
    const auto& data_dir = cluster.node(1).data_dir;
    std::ofstream(etc + "/extra.conf") << "# outside the data directory\nwork_mem = '7MB'\n";
    fs::copy_file(data_dir + "/pg_hba.conf", etc + "/pg_hba.conf");
    std::ofstream(etc + "/pg_hba.conf", std::ios::app) << "# the external pg_hba.conf\n";
    for (const char* file : {"/extra.conf", "/pg_hba.conf"}) {
        give_to_postgres(etc + file);
        ::chmod((etc + file).c_str(), 0640);
    }
    give_to_postgres(etc);
    std::ofstream(data_dir + "/postgresql.conf", std::ios::app)
        << fmt::format("include '{}/extra.conf'\n", etc);
    cluster.psql(1, fmt::format("ALTER SYSTEM SET hba_file = '{}/pg_hba.conf'", etc));
    cluster.restart(1);
    REQUIRE(cluster.psql(1, "SHOW hba_file") == etc + "/pg_hba.conf");
    REQUIRE(cluster.psql(1, "SHOW work_mem") == "7MB");
    return etc;
}

std::string clone_ssh_conf(const std::string& ssh_options) {
    return fmt::format(
        "ssh_options='{0}'\nrsync_options='--archive --checksum --rsh=\"ssh -o Batchmode=yes "
        "{0}\"'\n",
        ssh_options);
}

}  // namespace pgwarden::test
