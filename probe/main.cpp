// pgwarden-probe: the HTTP role check HAProxy asks on every node (replaces socat + pg_ms.sh).
#include "fd_limit.hpp"
#include "http_server.hpp"
#include "metrics.hpp"
#include "options.hpp"
#include "role_checker.hpp"

#include "log/log.hpp"
#include "model/exit_codes.hpp"
#include "text/conninfo.hpp"

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/program_options/errors.hpp>

#include <csignal>
#include <cstdio>
#include <memory>

namespace asio = boost::asio;
using namespace pgwarden;

namespace {

// Nothing could be bound: not one of repmgr's codes (the probe has no repmgr counterpart), and
// scripts already read 2 as "the port is taken".
constexpr int kExitStartFailure = 2;
constexpr std::chrono::seconds kShutdownGrace{2};

void print(std::FILE* out, const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), out);
}

// An error for stderr: a configuration error quotes the offending line, which may hold a
// conninfo with its password.
void print_error(const std::string& text) {
    print(stderr, text::mask_password(text));
}

// "*" means every address: dual-stack IPv6 when the host has it, IPv4 otherwise.
std::vector<asio::ip::tcp::endpoint> listen_endpoints(const std::string& listen,
                                                      unsigned short port) {
    if (listen == "*") {
        return {{asio::ip::address_v6::any(), port}, {asio::ip::address_v4::any(), port}};
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(listen, ec);
    if (ec) {
        throw std::runtime_error(
            fmt::format("--listen \"{}\" is not an IP address (or * for all)", listen));
    }
    return {{address, port}};
}

int run(const probe::ProbeSettings& settings) {
    log::set_level(settings.log_level);
    if (auto error = log::open_file(settings.log_file)) {
        print_error(fmt::format("pgwarden-probe: {}\n", *error));
        return model::kErrBadConfig;
    }
    for (const auto& warning : settings.warnings)
        log::warning("{}", warning);
    auto limits = settings.limits;
    const auto fds = probe::fit_fd_limit(limits.admission.max_connections);
    if (!fds.warning.empty())
        log::warning("{}", fds.warning);
    limits.admission.max_connections = fds.max_connections;
    log::debug("file descriptor limit {} for at most {} HTTP connections", fds.soft,
               fds.max_connections);

    asio::io_context io(1);
    probe::Metrics metrics;
    probe::AcceptChecker accept(io, settings.accept, metrics);
    probe::LeaseReader lease(settings.lease);
    probe::RoleChecker checker(io, settings.checker, metrics, accept, lease);
    accept.start();

    std::unique_ptr<probe::HttpServer> server;
    std::string bind_errors;
    for (const auto& endpoint : listen_endpoints(settings.listen, settings.port)) {
        try {
            auto candidate =
                std::make_unique<probe::HttpServer>(io, endpoint, limits, checker, metrics);
            candidate->start();
            server = std::move(candidate);
            break;
        } catch (const std::exception& e) {
            bind_errors += fmt::format("{}; ", e.what());
        }
    }
    if (!server) {
        log::error("{}", bind_errors.substr(0, bind_errors.size() - 2));
        return kExitStartFailure;
    }
    const auto local = server->local_endpoint();
    log::notice("pgwarden-probe {} listening on {}:{}, checking \"{}\"", PGWARDEN_VERSION,
                local.address().to_string(), local.port(),
                text::mask_password(settings.checker.conninfo));

    asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    asio::signal_set reopen_signal(io, SIGHUP);
    asio::steady_timer grace(io);
    stop_signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
        if (ec)
            return;
        log::notice("received signal {}, shutting down", signal_number);
        server->stop();
        checker.stop();
        accept.stop();
        reopen_signal.cancel();
        // Answers in flight get a moment to be written; then everything stops.
        grace.expires_after(kShutdownGrace);
        grace.async_wait([&io](const boost::system::error_code&) { io.stop(); });
    });
    std::function<void()> wait_hup = [&] {
        reopen_signal.async_wait([&](const boost::system::error_code& ec, int) {
            if (ec)
                return;
            // logrotate moved the file: let go of it and open the new one.
            if (auto error = log::open_file(settings.log_file))
                log::error("{}", *error);
            log::info("log file reopened on SIGHUP");
            wait_hup();
        });
    };
    wait_hup();

    io.run();
    log::notice("pgwarden-probe stopped");
    return model::kSuccess;
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        const auto parsed = probe::parse_command_line(argc, argv);
        if (!parsed.settings) {
            print(stdout, parsed.output);
            return model::kSuccess;
        }
        return run(*parsed.settings);
    } catch (const boost::program_options::error& e) {
        print_error(fmt::format("pgwarden-probe: {}\nTry \"pgwarden-probe --help\".\n", e.what()));
        return model::kErrBadConfig;
    } catch (const std::exception& e) {
        print_error(fmt::format("pgwarden-probe: {}\n", e.what()));
        return model::kErrBadConfig;
    }
}
