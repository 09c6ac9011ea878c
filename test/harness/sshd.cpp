// LoopbackSshd: keys made with ssh-keygen, a config that trusts only them, sshd in the
// foreground, and a wait for its banner.
#include "sshd.hpp"

#include "log_file.hpp"
#include "ports.hpp"
#include "postgres_user.hpp"
#include "wait.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace pgwarden::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kSshd = "/usr/sbin/sshd";
// sshd refuses to start without its privilege separation directory (the Debian package's
// systemd unit makes it, and no unit runs here).
constexpr const char* kPrivsepDir = "/run/sshd";
constexpr seconds kKeygenTimeout{30};
constexpr seconds kStartTimeout{15};
constexpr milliseconds kBannerWait{500};
constexpr milliseconds kStopGrace{5000};
constexpr int kPortAttempts = 5;

// Only the keys in the directory, only for the one user, only commands: no passwords, no PAM,
// no forwarding. StrictModes off because the directory belongs to the test, not to $HOME.
constexpr const char* kConfig = R"(# pgwarden test harness: LoopbackSshd
ListenAddress 127.0.0.1
Port {port}
HostKey {dir}/host_key
PidFile {dir}/sshd.pid
AuthorizedKeysFile {dir}/authorized_keys
AllowUsers {user}
StrictModes no
UsePAM yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
PermitTTY no
PrintMotd no
UseDNS no
MaxStartups 100
LogLevel VERBOSE
)";

// The login name ssh reaches: the user the CLI under test runs as.
std::string login_user() {
    if (const Identity* id = identity_for(true))
        return id->name;
    const passwd* self = getpwuid(geteuid());
    if (self == nullptr)
        throw std::runtime_error("sshd: who runs the tests is not in the user database");
    return self->pw_name;
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

// An ed25519 key pair at `path` (private) and `path`.pub, made as postgres when `for_postgres`,
// so that ssh, which insists on a private key only its owner can read, accepts it.
void keygen(const std::string& path, bool for_postgres) {
    run_checked({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "pgwarden-test", "-f", path},
                kKeygenTimeout, for_postgres);
}

// True once something on 127.0.0.1:port answers with an SSH banner.
bool answers_ssh(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = false;
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        pollfd pfd{fd, POLLIN, 0};
        char banner[8] = {};
        if (poll(&pfd, 1, static_cast<int>(kBannerWait.count())) == 1)
            ok = read(fd, banner, sizeof banner) == sizeof banner &&
                 std::memcmp(banner, "SSH-2.0-", sizeof banner) == 0;
    }
    close(fd);
    return ok;
}

}  // namespace

LoopbackSshd::LoopbackSshd() {
    // postgres reads its key, known_hosts and (through sshd) authorized_keys in here.
    dir_ = make_postgres_dir("pgwarden-sshd");
    try {
        if (mkdir(kPrivsepDir, 0755) != 0 && errno != EEXIST)
            throw std::runtime_error(
                fmt::format("could not create sshd's {}: {}", kPrivsepDir, std::strerror(errno)));
        make_keys();
        for (int attempt = 1; attempt <= kPortAttempts; ++attempt) {
            if (start_on(free_tcp_port()))
                return;
            fmt::print(stderr, "sshd: port {} was taken before sshd could bind it; retrying\n",
                       port_);
        }
        throw std::runtime_error(fmt::format(
            "sshd found no free port after {} attempts; its log:\n{}", kPortAttempts, log_tail()));
    } catch (...) {
        teardown();
        throw;
    }
}

LoopbackSshd::~LoopbackSshd() {
    teardown();
}

void LoopbackSshd::make_keys() {
    // The host key stays root's (sshd refuses a private key others may read, and the tests'
    // root owns sshd); the user keys are postgres's, who runs ssh.
    keygen(dir_ + "/host_key", false);
    authorized_key_ = dir_ + "/id_ed25519";
    unauthorized_key_ = dir_ + "/id_unauthorized";
    keygen(authorized_key_, true);
    keygen(unauthorized_key_, true);
    const std::string authorized_keys = dir_ + "/authorized_keys";
    std::ofstream(authorized_keys) << file_contents(authorized_key_ + ".pub");
    give_to_postgres(authorized_keys);
}

bool LoopbackSshd::start_on(int port) {
    port_ = port;
    const std::string host_key = first_line(file_contents(dir_ + "/host_key.pub"));
    known_hosts_ = dir_ + "/known_hosts";
    // Both forms: ssh looks a host up as [host]:port when the port is not 22.
    std::ofstream(known_hosts_) << fmt::format("{},[{}]:{} {}\n", kHost, kHost, port, host_key);
    give_to_postgres(known_hosts_);
    const std::string config = dir_ + "/sshd_config";
    std::ofstream(config) << fmt::format(kConfig, fmt::arg("port", port), fmt::arg("dir", dir_),
                                         fmt::arg("user", login_user()));
    const std::string log = dir_ + "/sshd.log";
    const auto log_size = file_contents(log).size();
    sshd_ = ChildProcess({kSshd, "-D", "-e", "-f", config}, log);
    if (wait_until([&] { return answers_ssh(port) || !sshd_.running(); }, kStartTimeout) &&
        sshd_.running())
        return true;
    const bool port_taken =
        file_contents(log).find("Address already in use", log_size) != std::string::npos;
    sshd_.stop(SIGTERM, kStopGrace);
    if (port_taken)
        return false;
    throw std::runtime_error(fmt::format("sshd on 127.0.0.1:{} did not answer within {} s; {}:\n{}",
                                         port, kStartTimeout.count(), log, log_tail()));
}

std::string LoopbackSshd::ssh_options_with(const std::string& identity_file) const {
    // -F /dev/null: neither ~/.ssh/config nor /etc/ssh/ssh_config may change what is tested;
    // IdentitiesOnly: an agent or default key of the user's must not log in instead.
    return fmt::format(
        "-q -F /dev/null -o ConnectTimeout=10 -p {} -i {} -o IdentitiesOnly=yes "
        "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes",
        port_, identity_file, known_hosts_);
}

CommandResult LoopbackSshd::ssh(const std::string& remote_command, const std::string& options,
                                std::chrono::milliseconds timeout) const {
    const std::string line =
        fmt::format("ssh -o Batchmode=yes {} {} {}", options, kHost, remote_command);
    return run_command({"/bin/sh", "-c", line}, timeout, true);
}

std::string LoopbackSshd::log_tail() const {
    return tail_file(dir_ + "/sshd.log");
}

void LoopbackSshd::teardown() noexcept {
    sshd_.stop(SIGTERM, kStopGrace);
    if (dir_.empty())
        return;
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

}  // namespace pgwarden::test
