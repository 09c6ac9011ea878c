#include "options.hpp"

#include "config/conninfo_file.hpp"
#include "config/pgwarden_ini.hpp"
#include "config/repmgr_config.hpp"
#include "lease/lease_file.hpp"

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include <filesystem>
#include <sstream>

namespace pgwarden::probe {

namespace po = boost::program_options;

namespace {

constexpr const char* kDefaultIni = "/etc/pgwarden/pgwarden.ini";
// Each connection is a file descriptor; past this the fd limit of any usual host is reached.
constexpr long long kMaxConnections = 1'000'000;

po::options_description describe_options() {
    po::options_description desc("Options");
    // clang-format off
    desc.add_options()
        ("help,?", "show this help and exit")
        ("version,V", "show the version and exit")
        ("config-file,f", po::value<std::string>(),
         "repmgr.conf to read conninfo from (default: repmgr's search order)")
        ("conninfo", po::value<std::string>(), "libpq conninfo of the local node (overrides the config's)")
        ("conninfo-file", po::value<std::string>(),
         "read --conninfo from this file: a password in it stays out of ps")
        ("listen", po::value<std::string>()->default_value("*"), "address to listen on; * for all")
        ("port", po::value<long long>()->default_value(5445), "TCP port to listen on")
        ("ini", po::value<std::string>(), "pgwarden settings file (default " "/etc/pgwarden/pgwarden.ini" ", [probe] section)")
        ("query-timeout", po::value<long long>()->default_value(2000),
         "ms to connect and query PostgreSQL before answering 503")
        ("max-receiver-silence", po::value<long long>()->default_value(0),
         "ms since a standby's last message from its primary beyond which its lag is unknown "
         "(?lag= answers 503); 0: 3/4 of its wal_receiver_timeout")
        ("accept-check-interval", po::value<long long>()->default_value(1000),
         "ms between fresh connections that check PostgreSQL still accepts new ones (at least 1000)")
        ("read-timeout", po::value<long long>()->default_value(5000),
         "ms a client may take to send a request, or stay idle between keep-alive requests")
        ("max-connections", po::value<long long>()->default_value(512),
         "concurrent HTTP connections; past it the longest-idle keep-alive connection is closed "
         "for a new one, or the new one is closed unanswered (never a 503)")
        ("max-connections-per-source", po::value<long long>()->default_value(64),
         "concurrent HTTP connections from one client address (an IPv6 client: its /64); more "
         "are closed unanswered")
        ("allow", po::value<std::string>()->default_value(""),
         "address blocks that may connect, e.g. \"10.0.0.0/8,2001:db8::/32\"; empty: all")
        ("max-requests-per-connection", po::value<long long>()->default_value(100),
         "answers on one keep-alive connection; the last says Connection: close")
        ("max-connection-age", po::value<long long>()->default_value(60000),
         "ms one keep-alive connection may be used; the next answer says Connection: close")
        ("log-level,L", po::value<std::string>()->default_value("INFO"),
         "DEBUG, INFO, NOTICE, WARNING, ERROR, ALERT, CRIT or EMERG")
        ("log-file", po::value<std::string>(), "append the log here instead of stderr")
        ("fencing", po::value<std::string>()->default_value("auto"),
         "auto: obey pgwardend's lease once it writes one; on: always (503 without a valid "
         "lease); off: pg_is_in_recovery() alone")
        ("lease-directory", po::value<std::string>()->default_value(lease::kDefaultLeaseDirectory),
         "where pgwardend writes its lease (pgwarden.ini [daemon] lease-directory)")
        ("node-id", po::value<long long>(), "this node's node_id (default: repmgr.conf's)")
        ("certfile", po::value<std::string>(),
         "serve HTTPS with this PEM certificate (chain); TLS is off without it")
        ("keyfile", po::value<std::string>(), "PEM private key of --certfile (default: in certfile)")
        ("keyfile-password", po::value<std::string>(),
         "passphrase of an encrypted keyfile; ps shows it: prefer --keyfile-password-file")
        ("keyfile-password-file", po::value<std::string>(),
         "read the keyfile's passphrase from this file's first line")
        ("cafile", po::value<std::string>(), "PEM CA certificates that sign client certificates")
        ("verify-client", po::value<std::string>(),
         "none (default), optional (a client certificate sent must verify) or required (a client "
         "without a valid certificate gets no answer)")
        ("ciphers", po::value<std::string>(),
         "OpenSSL cipher list for TLS 1.2 (TLS 1.3 keeps OpenSSL's); default OpenSSL's");
    // clang-format on
    return desc;
}

// Numbers are read signed and checked here: Boost would silently wrap "-5" into a huge unsigned.
long long bounded(const po::variables_map& vm, const char* name, long long min, long long max) {
    const long long value = vm[name].as<long long>();
    if (value < min || value > max) {
        throw std::runtime_error(
            fmt::format("--{} must be between {} and {}, not {}", name, min, max, value));
    }
    return value;
}

std::optional<std::string> optional_string(const po::variables_map& vm, const char* name) {
    if (vm.count(name) == 0U)
        return std::nullopt;
    return vm[name].as<std::string>();
}

TlsOptions tls_options(const po::variables_map& vm) {
    TlsOptions tls;
    tls.certfile = optional_string(vm, "certfile");
    tls.keyfile = optional_string(vm, "keyfile");
    tls.keyfile_password = optional_string(vm, "keyfile-password");
    tls.keyfile_password_file = optional_string(vm, "keyfile-password-file");
    tls.cafile = optional_string(vm, "cafile");
    tls.ciphers = optional_string(vm, "ciphers");
    tls.verify_client = optional_string(vm, "verify-client");
    return tls;
}

std::string usage(const po::options_description& desc) {
    std::ostringstream text;
    text << "pgwarden-probe: answers HAProxy's HTTP checks with this node's PostgreSQL role.\n\n"
         << "Usage: pgwarden-probe [-f repmgr.conf] [--conninfo STR | --conninfo-file FILE]\n"
         << "                      [--listen ADDR] [--port N]\n"
         << "                      [--certfile PEM [--keyfile PEM] [--cafile PEM\n"
         << "                       --verify-client optional|required]]\n\n"
         << "Endpoints: / /primary /master /leader /read-write (200 on the primary),\n"
         << "  /replica[?lag=16MB], /read-only, /health, /readiness[?lag=&mode=write],\n"
         << "  /sync /synchronous, /async /asynchronous [?lag=], /liveness, /metrics.\n"
         << "SIGHUP reopens the log file and reads the TLS files again.\n\n"
         << desc;
    return text.str();
}

}  // namespace

ParsedCommandLine parse_command_line(int argc, const char* const argv[]) {
    const auto desc = describe_options();
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);

    ParsedCommandLine parsed;
    if (vm.count("help") != 0U) {
        parsed.output = usage(desc);
        return parsed;
    }
    if (vm.count("version") != 0U) {
        parsed.output = fmt::format("pgwarden-probe {}\n", PGWARDEN_VERSION);
        return parsed;
    }

    // Read before pgwarden.ini is merged in: only the command line shows in ps.
    const bool password_on_command_line = vm.count("keyfile-password") != 0U;
    const bool ini_given = vm.count("ini") != 0U;
    const std::string ini_path = ini_given ? vm["ini"].as<std::string>() : kDefaultIni;
    if (ini_given || std::filesystem::exists(ini_path)) {
        const auto sections = config::load_pgwarden_ini(ini_path);
        if (const auto probe = sections.find("probe"); probe != sections.end()) {
            config::merge_ini_section(desc, vm, probe->second);
        }
    }
    po::notify(vm);

    ProbeSettings settings;
    settings.listen = vm["listen"].as<std::string>();
    constexpr long long kHourMs = 3600 * 1000;
    settings.port = static_cast<unsigned short>(bounded(vm, "port", 1, 65535));
    settings.checker.query_timeout =
        std::chrono::milliseconds(bounded(vm, "query-timeout", 1, kHourMs));
    // Never more than one fresh connection a second: each costs the server a backend fork.
    settings.accept.timing.interval =
        std::chrono::milliseconds(bounded(vm, "accept-check-interval", 1000, kHourMs));
    settings.accept.timing.timeout = settings.checker.query_timeout;
    if (const auto silence = bounded(vm, "max-receiver-silence", 0, kHourMs); silence > 0)
        settings.checker.max_receiver_silence = std::chrono::milliseconds(silence);
    settings.limits.read_timeout =
        std::chrono::milliseconds(bounded(vm, "read-timeout", 1, kHourMs));
    auto& admission = settings.limits.admission;
    admission.max_connections =
        static_cast<std::size_t>(bounded(vm, "max-connections", 1, kMaxConnections));
    admission.max_connections_per_source =
        static_cast<std::size_t>(bounded(vm, "max-connections-per-source", 1, kMaxConnections));
    auto allow = parse_allow_list(vm["allow"].as<std::string>());
    if (!allow.error.empty())
        throw std::runtime_error(fmt::format("--allow: {}", allow.error));
    admission.allow = std::move(allow.blocks);
    settings.limits.keep_alive.max_requests =
        static_cast<std::size_t>(bounded(vm, "max-requests-per-connection", 1, 1'000'000));
    settings.limits.keep_alive.max_age =
        std::chrono::milliseconds(bounded(vm, "max-connection-age", 1, kHourMs));
    const auto level = log::parse_level(vm["log-level"].as<std::string>());
    if (!level) {
        throw std::runtime_error(
            fmt::format("invalid log level \"{}\": use DEBUG, INFO, NOTICE, WARNING, ERROR, ALERT, "
                        "CRIT or EMERG",
                        vm["log-level"].as<std::string>()));
    }
    settings.log_level = *level;
    if (vm.count("log-file") != 0U)
        settings.log_file = vm["log-file"].as<std::string>();

    // The conninfo comes from --conninfo / the INI; repmgr.conf is read when -f is given or when
    // nothing else names the database.
    const bool config_given = vm.count("config-file") != 0U;
    std::optional<int> repmgr_node_id;
    if (vm.count("conninfo") != 0U && vm.count("conninfo-file") != 0U)
        throw std::runtime_error("give --conninfo or --conninfo-file, not both");
    if (vm.count("conninfo") != 0U)
        settings.checker.conninfo = vm["conninfo"].as<std::string>();
    if (vm.count("conninfo-file") != 0U)
        settings.checker.conninfo =
            config::read_conninfo_file(vm["conninfo-file"].as<std::string>());
    if (config_given || settings.checker.conninfo.empty()) {
        const std::optional<std::string> explicit_path =
            config_given ? std::optional(vm["config-file"].as<std::string>()) : std::nullopt;
        const auto repmgr = config::load_repmgr_conf(config::locate_repmgr_conf(explicit_path));
        settings.warnings = repmgr.warnings;
        if (repmgr.node_id > 0)
            repmgr_node_id = repmgr.node_id;
        if (settings.checker.conninfo.empty())
            settings.checker.conninfo = repmgr.conninfo;
    }
    settings.accept.conninfo = settings.checker.conninfo;

    auto tls = resolve_tls_settings(tls_options(vm));
    settings.tls = std::move(tls.settings);
    settings.warnings.insert(settings.warnings.end(), tls.warnings.begin(), tls.warnings.end());
    if (password_on_command_line) {
        settings.warnings.push_back(
            "--keyfile-password on the command line is visible to every user in ps: put it in a "
            "file only pgwarden-probe's user can read and give --keyfile-password-file");
    }

    const auto fencing = failover::parse_fencing_mode(vm["fencing"].as<std::string>());
    if (!fencing)
        throw std::runtime_error(fmt::format("invalid --fencing \"{}\": use auto, on or off",
                                             vm["fencing"].as<std::string>()));
    settings.lease.mode = *fencing;
    settings.lease.directory = vm["lease-directory"].as<std::string>();
    if (vm.count("node-id") != 0U)
        settings.lease.node_id = static_cast<int>(bounded(vm, "node-id", 1, 2147483647));
    else if (repmgr_node_id)
        settings.lease.node_id = repmgr_node_id;
    if (!settings.lease.node_id && settings.lease.mode == failover::FencingMode::on)
        throw std::runtime_error(
            "--fencing on needs this node's node_id: give --node-id or a repmgr.conf (-f)");
    if (!settings.lease.node_id && settings.lease.mode == failover::FencingMode::auto_)
        settings.warnings.push_back(
            "this node's node_id is unknown (no --node-id, no repmgr.conf read): pgwardend's "
            "lease is not looked at");
    parsed.settings = std::move(settings);
    return parsed;
}

}  // namespace pgwarden::probe
