// The command lines standby promote --siblings-follow and standby switchover run over SSH: the
// local /bin/sh must hand ssh exactly its words, and the far side's /bin/sh must hand pgwarden
// exactly its own. Checked by running both shells, with stand-ins for ssh and pgwarden that
// print the arguments they got.
#include "standby_siblings.hpp"

#include "exec/shell.hpp"

#include "node_records.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

using namespace pgwarden;
using namespace std::chrono_literals;

namespace {

std::string one_per_line(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& word : words)
        out += "<" + word + ">\n";
    return out;
}

// A program at `path` that prints each argument as "<arg>" on a line of its own.
void write_argument_printer(const pgwarden::test::TempDir& dir, const std::string& name) {
    const auto path =
        dir.write(name, "#!/bin/sh\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\"; done\n");
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
}

}  // namespace

TEST_CASE("ssh gets its options, --, the host and the remote command line as words of their own",
          "[standby]") {
    pgwarden::test::TempDir dir("ssh");
    write_argument_printer(dir, "bin/ssh");
    write_argument_printer(dir, "bin/pgwarden");
    const std::string marker = dir.path("x");

    config::RepmgrConfig config;
    config.ssh_options = "-q -o ConnectTimeout=10";
    config.repmgr_bindir = dir.path("bin");
    cli::standby::SiblingOptions options;
    options.remote_user = "post gres";
    auto node = test::record(3, model::NodeType::witness, 1);
    node.config_file = dir.path("my repmgr's $(touch " + marker + ").conf");
    const std::string conninfo = "host=node1 password='x y' dbname=repmgr";

    const std::string remote =
        cli::standby::remote_pgwarden(node, config,
                                      {"witness", "register", "-d", conninfo, "--force"}) +
        " && echo done";
    const std::string host = "-oProxyCommand=touch " + marker;
    const std::string command = cli::standby::ssh_command(host, config, options, remote);

    const auto local = exec::run_shell("PATH=" + dir.path("bin") + ":$PATH; " + command, 5s);
    CHECK(local.exit_code == 0);
    CHECK(local.output == one_per_line({"-o", "Batchmode=yes", "-q", "-o", "ConnectTimeout=10",
                                        "-l", "post gres", "--", host, remote}));

    // What ssh does with its command: hand it to the remote user's shell as it is.
    const auto far_side = exec::run_shell(remote, 5s);
    CHECK(far_side.exit_code == 0);
    CHECK(far_side.output ==
          one_per_line({"-f", node.config_file, "witness", "register", "-d", conninfo, "--force"}) +
              "done\n");
    CHECK_FALSE(std::filesystem::exists(marker));
}
