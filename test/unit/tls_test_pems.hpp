// PEM files for the probe's TLS unit tests, made once with the openssl CLI: a self-signed
// certificate valid for a century (no clock in a unit test can make it expire) and its key.
#pragma once

namespace pgwarden::test::pem {

constexpr const char* kCert = R"(-----BEGIN CERTIFICATE-----
MIIBoDCCAUagAwIBAgIUdxVBu+btTUlQ1Adgaxy+TG3xLbkwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwScGd3YXJkZW4gdW5pdCB0ZXN0MCAXDTI2MTIwMTIxMTcyM1oY
DzIxMjYxMTA3MjExNzIzWjAdMRswGQYDVQQDDBJwZ3dhcmRlbiB1bml0IHRlc3Qw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARVBteyS1/cJYawCCZ8iCTT1yuZu3LG
A88nQc/flMTtJYZTZQtlmK8MvjFebHm4ii6rMUR3O044YhvZlhvdEuEAo2IwYDAJ
BgNVHRMEAjAAMA4GA1UdDwEB/wQEAwIFoDATBgNVHSUEDDAKBggrBgEFBQcDATAP
BgNVHREECDAGhwR/AAABMB0GA1UdDgQWBBTtT86tpQB9yCr8kwXl0IrqozLYJzAK
BggqhkjOPQQDAgNIADBFAiEA3AnU/0WipVTncpf8ChUi6Xmj8gbcl7mRwQdqfl7C
4N4CIBX0C5AORRzOKanLNCVM75N5dFox3P4X6fbgkKzqtGg4
-----END CERTIFICATE-----
)";

constexpr const char* kKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgryh2KPo4StGIJObQ
XADeAflVXY+wZfH8XgN5fnU3l0ShRANCAARVBteyS1/cJYawCCZ8iCTT1yuZu3LG
A88nQc/flMTtJYZTZQtlmK8MvjFebHm4ii6rMUR3O044YhvZlhvdEuEA
-----END PRIVATE KEY-----
)";

// kKey encrypted with the passphrase "unit-secret".
constexpr const char* kEncryptedKey = R"(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjK2e3tcVguJwICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEGm14X6CRcKrsWgvKBcLLy8EgZAF
ORgCmXY7aoJzATHSUNo9asTP67iz7rY9+/csdN5thsU3Jx9fwC4OZtpiCI8tIA9A
3a+06TP9XW44+4QIPBoYfVADT3R95P5jaOsRthOiZFfn6UYWoj/E1Z2WXz1DPEnE
IQa0u3sl6Av8B8di7liX93QpsMeFaGg3THadmXBiq7nH8gyWuWJbAH85Ppkt/qI=
-----END ENCRYPTED PRIVATE KEY-----
)";

// A key of no certificate here.
constexpr const char* kOtherKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8fza8KeiNnVOTjix
cliFT18hNOGyXZ4xFA6zaLsNnuihRANCAAROpC145HZmRRQpEIeY4j4cg7MoSl5W
1p4h4xkHHdauGE+Ee5ktIfWl9k85D9zGYMzbuxmMnUXo9ZOQcAx4s9s2
-----END PRIVATE KEY-----
)";

}  // namespace pgwarden::test::pem
