// The fault suite's sampler: asks every node's probe "GET /primary" at the same instants, every
// 100 ms, and logs what each answered, so that the suite can count instants at which two nodes
// claimed to be the primary.
//
//   fault_sampler --out FILE --seconds N ADDRESS:PORT...
//
// One line per instant: "<ms since start> <code per target>", in the targets' order; a code is
// the HTTP status, or 000 when the probe did not answer before the next instant (down, refused,
// silent). All requests of an instant go out together and share its 100 ms.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kInterval = 100ms;
constexpr std::string_view kRequest = "GET /primary HTTP/1.0\r\n\r\n";

struct Target {
    sockaddr_in addr{};
};

struct Probe {
    int fd = -1;
    bool sent = false;
    std::string reply;
    int code = 0;  // 0: no answer yet
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "fault_sampler: %s\nusage: fault_sampler --out FILE --seconds N ADDRESS:PORT...\n",
                 why);
    std::exit(2);
}

Target parse_target(const std::string& text) {
    const auto colon = text.rfind(':');
    Target target;
    target.addr.sin_family = AF_INET;
    if (colon == std::string::npos ||
        inet_pton(AF_INET, text.substr(0, colon).c_str(), &target.addr.sin_addr) != 1)
        usage("a target is IPV4ADDRESS:PORT");
    target.addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(text.c_str() + colon + 1)));
    return target;
}

int status_of(const std::string& reply) {
    // "HTTP/1.x NNN ..."
    if (reply.size() < 12 || reply.compare(0, 5, "HTTP/") != 0)
        return 0;
    const auto space = reply.find(' ');
    return space == std::string::npos ? 0 : std::atoi(reply.c_str() + space + 1);
}

void start(Probe& probe, const Target& target) {
    probe = {};
    probe.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (probe.fd < 0)
        return;
    if (::connect(probe.fd, reinterpret_cast<const sockaddr*>(&target.addr), sizeof target.addr) !=
            0 &&
        errno != EINPROGRESS) {
        ::close(probe.fd);
        probe.fd = -1;
    }
}

// Advances one probe on readiness; closes it when it has its answer or failed.
void advance(Probe& probe, short revents) {
    if (probe.fd < 0 || revents == 0)
        return;
    if (!probe.sent && (revents & POLLOUT)) {
        int error = 0;
        socklen_t len = sizeof error;
        ::getsockopt(probe.fd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0 || ::send(probe.fd, kRequest.data(), kRequest.size(), MSG_NOSIGNAL) < 0) {
            ::close(probe.fd);
            probe.fd = -1;
            return;
        }
        probe.sent = true;
        return;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        char buffer[512];
        const auto n = ::read(probe.fd, buffer, sizeof buffer);
        if (n > 0)
            probe.reply.append(buffer, static_cast<std::size_t>(n));
        if (n <= 0 || probe.reply.find("\r\n") != std::string::npos) {
            probe.code = status_of(probe.reply);
            ::close(probe.fd);
            probe.fd = -1;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string out_path;
    int seconds = 0;
    std::vector<Target> targets;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--out" && i + 1 < argc)
            out_path = argv[++i];
        else if (arg == "--seconds" && i + 1 < argc)
            seconds = std::atoi(argv[++i]);
        else
            targets.push_back(parse_target(argv[i]));
    }
    if (out_path.empty() || seconds <= 0 || targets.empty())
        usage("--out, --seconds (> 0) and at least one target are required");
    std::FILE* out = std::fopen(out_path.c_str(), "w");
    if (!out) {
        std::fprintf(stderr, "fault_sampler: cannot write %s: %s\n", out_path.c_str(),
                     std::strerror(errno));
        return 1;
    }
    const auto begin = Clock::now();
    std::vector<Probe> probes(targets.size());
    for (auto instant = begin; instant < begin + std::chrono::seconds(seconds);
         instant += kInterval) {
        std::this_thread::sleep_until(instant);
        for (std::size_t i = 0; i < targets.size(); ++i)
            start(probes[i], targets[i]);
        const auto next = instant + kInterval;
        while (Clock::now() < next) {
            std::vector<pollfd> fds;
            std::vector<std::size_t> owner;
            for (std::size_t i = 0; i < probes.size(); ++i) {
                if (probes[i].fd >= 0) {
                    fds.push_back(
                        {probes[i].fd, static_cast<short>(probes[i].sent ? POLLIN : POLLOUT), 0});
                    owner.push_back(i);
                }
            }
            if (fds.empty())
                break;
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
            if (::poll(fds.data(), fds.size(), static_cast<int>(std::max(left.count(), 0L))) <= 0)
                continue;
            for (std::size_t k = 0; k < fds.size(); ++k)
                advance(probes[owner[k]], fds[k].revents);
        }
        std::fprintf(
            out, "%lld",
            static_cast<long long>(
                std::chrono::duration_cast<std::chrono::milliseconds>(instant - begin).count()));
        for (auto& probe : probes) {
            if (probe.fd >= 0) {  // unanswered within the instant
                ::close(probe.fd);
                probe.fd = -1;
            }
            std::fprintf(out, " %03d", probe.code);
        }
        std::fputc('\n', out);
        std::fflush(out);
    }
    std::fclose(out);
    return 0;
}
