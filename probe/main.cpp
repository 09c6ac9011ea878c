// pgwarden-probe: the HTTP role check HAProxy asks on every node (replaces socat + pg_ms.sh).
#include "fd_limit.hpp"
#include "http_server.hpp"
#include "metrics.hpp"
#include "options.hpp"
#include "role_checker.hpp"
#include "tls_context.hpp"

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

// The TLS context of the settings' files, its warnings logged; null with the error when the files
// cannot be used.
probe::LoadedTls load_tls(const probe::TlsSettings& tls) {
    auto loaded = probe::load_tls_context(tls);
    for (const auto& warning : loaded.warnings)
        log::warning("{}", warning);
    return loaded;
}

// On SIGHUP: new connections get the files as they are now; if they cannot be used, the
// listener keeps the certificate it has rather than stopping to answer HAProxy.
void reload_tls(const probe::TlsSettings& tls, probe::HttpServer& server,
                std::shared_ptr<probe::TlsContext>& served) {
    if (!tls.enabled())
        return;
    auto loaded = load_tls(tls);
    if (loaded.context) {
        served = loaded.context;
        server.use_tls(std::move(loaded.context));
        log::info("TLS certificate, key and CA files reloaded on SIGHUP");
    } else {
        log::error("TLS files not reloaded on SIGHUP, still serving the previous ones: {}",
                   loaded.error);
    }
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
    std::shared_ptr<probe::TlsContext> tls;  // null: plain HTTP
    if (settings.tls.enabled()) {
        auto loaded = load_tls(settings.tls);
        if (!loaded.context) {
            log::error("{}", loaded.error);
            return model::kErrBadConfig;
        }
        tls = std::move(loaded.context);
    }

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
            candidate->use_tls(tls);
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
    const auto scheme = settings.tls.enabled()
                            ? fmt::format("HTTPS, verify-client {}",
                                          probe::verify_client_name(settings.tls.verify_client))
                            : std::string("HTTP");
    log::notice("pgwarden-probe {} listening on {}:{} ({}), checking \"{}\"", PGWARDEN_VERSION,
                local.address().to_string(), local.port(), scheme,
                text::mask_password(settings.checker.conninfo));

    asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    asio::signal_set reopen_signal(io, SIGHUP);
    asio::steady_timer grace(io);
    asio::steady_timer validity_timer(io);
    stop_signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
        if (ec)
            return;
        log::notice("received signal {}, shutting down", signal_number);
        server->stop();
        checker.stop();
        accept.stop();
        reopen_signal.cancel();
        validity_timer.cancel();
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
            reload_tls(settings.tls, *server, tls);
            wait_hup();
        });
    };
    wait_hup();
    // A certificate that was fine at start-up expires while it is served: say so in time.
    std::function<void()> recheck_validity = [&] {
        validity_timer.expires_after(probe::kValidityRecheck);
        validity_timer.async_wait([&](const boost::system::error_code& ec) {
            if (ec)
                return;
            if (auto warning = probe::certificate_warning(*tls, settings.tls.certfile))
                log::warning("{}", *warning);
            recheck_validity();
        });
    };
    if (tls)
        recheck_validity();

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
