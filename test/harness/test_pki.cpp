#include "test_pki.hpp"

#include "run_command.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>
#include <utility>

namespace pgwarden::test {

using namespace std::chrono_literals;

namespace {

// Our own openssl.cnf: the system's adds CA extensions to every `req -x509` and may differ
// between hosts; this one says exactly what each kind of certificate carries.
constexpr const char* kOpensslConfig = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
)";

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush())
        throw std::runtime_error(fmt::format("could not write \"{}\"", path));
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::vector<std::string> kNewKey = {"-newkey", "ec", "-pkeyopt",
                                          "ec_paramgen_curve:prime256v1", "-nodes"};

}  // namespace

TestPki::TestPki(std::string dir, std::string name)
    : dir_(std::move(dir)),
      config_(fmt::format("{}/{}-openssl.cnf", dir_, name)),
      ca_cert_(fmt::format("{}/{}-ca.crt", dir_, name)),
      ca_key_(fmt::format("{}/{}-ca.key", dir_, name)) {
    write_file(config_, kOpensslConfig);
    std::vector<std::string> argv = {"openssl", "req", "-x509", "-new"};
    argv.insert(argv.end(), kNewKey.begin(), kNewKey.end());
    argv.insert(argv.end(), {"-keyout", ca_key_, "-out", ca_cert_, "-subj",
                             fmt::format("/CN=pgwarden test CA {}", name), "-days", "2", "-config",
                             config_, "-extensions", "ca_ext"});
    run_checked(argv, 30s);
}

IssuedCert TestPki::issue_server(const std::string& file_stem, const std::string& common_name,
                                 long serial) const {
    return issue(file_stem, common_name, serial, "server_ext");
}

IssuedCert TestPki::issue_client(const std::string& file_stem, const std::string& common_name,
                                 long serial) const {
    return issue(file_stem, common_name, serial, "client_ext");
}

IssuedCert TestPki::issue_server_dated(const std::string& file_stem, const std::string& common_name,
                                       long serial, const Dates& dates) const {
    return issue(file_stem, common_name, serial, "server_ext", &dates);
}

IssuedCert TestPki::issue(const std::string& file_stem, const std::string& common_name, long serial,
                          const char* extensions, const Dates* dates) const {
    const auto base = fmt::format("{}/{}", dir_, file_stem);
    IssuedCert issued{base + ".crt", base + ".key", base + ".pem"};
    const auto request = base + ".csr";
    std::vector<std::string> argv = {"openssl", "req", "-new"};
    argv.insert(argv.end(), kNewKey.begin(), kNewKey.end());
    argv.insert(argv.end(), {"-keyout", issued.key, "-out", request, "-subj", "/CN=" + common_name,
                             "-config", config_});
    run_checked(argv, 30s);
    if (dates) {
        sign_dated(file_stem, request, serial, extensions, *dates, issued.cert);
    } else {
        run_checked({"openssl", "x509", "-req", "-in", request, "-CA", ca_cert_, "-CAkey", ca_key_,
                     "-set_serial", std::to_string(serial), "-days", "2", "-extfile", config_,
                     "-extensions", extensions, "-out", issued.cert},
                    30s);
    }
    write_file(issued.pem, read_all(issued.cert) + read_all(issued.key));
    return issued;
}

void TestPki::sign_dated(const std::string& file_stem, const std::string& request, long serial,
                         const char* extensions, const Dates& dates,
                         const std::string& cert) const {
    // `openssl ca` keeps a database and a serial file: this certificate's own, so issuing
    // twice never meets an earlier one.
    const auto base = fmt::format("{}/{}", dir_, file_stem);
    const auto config = base + "-ca.cnf";
    write_file(base + "-index.txt", "");
    write_file(base + ".srl", fmt::format("{:04X}\n", serial));
    write_file(config, fmt::format(R"([ca]
default_ca = dated
[dated]
database = {0}-index.txt
serial = {0}.srl
new_certs_dir = {1}
default_md = sha256
policy = any_name
unique_subject = no
[any_name]
commonName = supplied
)",
                                   base, dir_));
    run_checked({"openssl",  "ca",     "-batch",      "-notext",        "-config",  config,
                 "-cert",    ca_cert_, "-keyfile",    ca_key_,          "-in",      request,
                 "-out",     cert,     "-startdate",  dates.not_before, "-enddate", dates.not_after,
                 "-extfile", config_,  "-extensions", extensions},
                30s);
}

}  // namespace pgwarden::test
