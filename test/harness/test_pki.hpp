// A throwaway PKI for TLS tests, made with the openssl CLI in a test's directory: a CA and the
// server and client certificates it signs (EC P-256 keys, valid for two days).
#pragma once

#include <string>

namespace pgwarden::test {

struct IssuedCert {
    std::string cert;  // PEM certificate
    std::string key;   // PEM private key, unencrypted
    std::string pem;   // certificate then key in one file: HAProxy's `crt`
};

class TestPki {
  public:
    // Makes <dir>/<name>-ca.crt and its key; `name` keeps two CAs in one directory apart.
    TestPki(std::string dir, std::string name);

    const std::string& ca_cert() const { return ca_cert_; }

    // A certificate for the probe's listener: subjectAltName IP:127.0.0.1, serverAuth.
    IssuedCert issue_server(const std::string& file_stem, const std::string& common_name,
                            long serial) const;
    // A certificate for a client (HAProxy, curl): clientAuth.
    IssuedCert issue_client(const std::string& file_stem, const std::string& common_name,
                            long serial) const;

    // Dates for issue_server_dated, as `openssl ca` takes them: "YYYYMMDDHHMMSSZ".
    struct Dates {
        std::string not_before;
        std::string not_after;
    };
    // A server certificate valid only between `dates`: an expired one, or one not yet valid.
    IssuedCert issue_server_dated(const std::string& file_stem, const std::string& common_name,
                                  long serial, const Dates& dates) const;

  private:
    IssuedCert issue(const std::string& file_stem, const std::string& common_name, long serial,
                     const char* extensions, const Dates* dates = nullptr) const;
    // Signs `request` as `openssl ca` does, the one CLI that sets both dates.
    void sign_dated(const std::string& file_stem, const std::string& request, long serial,
                    const char* extensions, const Dates& dates, const std::string& cert) const;

    std::string dir_;
    std::string config_;
    std::string ca_cert_;
    std::string ca_key_;
};

}  // namespace pgwarden::test
