// PEM files for the probe's TLS unit tests, made once with the openssl CLI: a self-signed
// certificate valid for a century (no clock in a unit test can make it expire), good for a
// server and a client (serverAuth, clientAuth), and its key.
#pragma once

namespace pgwarden::test::pem {

constexpr const char* kCert = R"(-----BEGIN CERTIFICATE-----
MIIBqjCCAVCgAwIBAgIUEOfyYn7D1C3sDNXtW2u2KlDT0FgwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwScGd3YXJkZW4gdW5pdCB0ZXN0MCAXDTI2MTIwMTIxMzA1NloY
DzIxMjYxMTA3MjEzMDU2WjAdMRswGQYDVQQDDBJwZ3dhcmRlbiB1bml0IHRlc3Qw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT2mDp4wnSjUSl7xaB8QLyKvxztk9hr
AA8dBBDb2FAPepJYBLXOB5lI65y5M59whrXbtH3DI78R3ap+jPA6/Zq5o2wwajAJ
BgNVHRMEAjAAMA4GA1UdDwEB/wQEAwICpDAdBgNVHSUEFjAUBggrBgEFBQcDAQYI
KwYBBQUHAwIwDwYDVR0RBAgwBocEfwAAATAdBgNVHQ4EFgQUDEXFWPItqn+R+oeS
M4MoGtxfm6cwCgYIKoZIzj0EAwIDSAAwRQIgJVhjePs0THu2a7dC6PR0fRFcHipv
KM+xI3vnVNtpQPMCIQDaXHCPpM3trRnLDycRFg8xOKxC5UivOQ7UuagqAE9cLw==
-----END CERTIFICATE-----
)";

constexpr const char* kKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgTbQ1icKxEAVorjW/
6gnnQ71fO3tUz36SQZmkNeKtpk6hRANCAAT2mDp4wnSjUSl7xaB8QLyKvxztk9hr
AA8dBBDb2FAPepJYBLXOB5lI65y5M59whrXbtH3DI78R3ap+jPA6/Zq5
-----END PRIVATE KEY-----
)";

// kKey encrypted with the passphrase "unit-secret".
constexpr const char* kEncryptedKey = R"(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgh2OFZN5FWhAICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEEQuD9RlmP5Q0W3Il9DRvaIEgZAS
tXC2JxJJ1LyCOdykbBLSEHXR6EfIOxDln+RqhRVkRP625QrbWPE+qFR7Ltg8CyVP
0TGZPoIu29XSHgraVzkWmYX7xbqWpeKrCk+H4+MYqWe/sxYka308bjh9pndpCL4H
UocFc45hveSmVCdoTtpFtrk+8fG513UdHwJ+SBFTxNEujfA6Ks6VQ2LUXe0+WD0=
-----END ENCRYPTED PRIVATE KEY-----
)";

// A key of no certificate here.
constexpr const char* kOtherKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8fza8KeiNnVOTjix
cliFT18hNOGyXZ4xFA6zaLsNnuihRANCAAROpC145HZmRRQpEIeY4j4cg7MoSl5W
1p4h4xkHHdauGE+Ee5ktIfWl9k85D9zGYMzbuxmMnUXo9ZOQcAx4s9s2
-----END PRIVATE KEY-----
)";

// Certificates of kKey outside their validity period whatever the clock says: expired
// (notAfter 2021-01-02 03:04:05 UTC) and not yet valid (notBefore 2120-01-02 03:04:05 UTC).
constexpr const char* kExpiredCert = R"(-----BEGIN CERTIFICATE-----
MIIBZjCCAQygAwIBAgICUAEwCgYIKoZIzj0EAwIwJTEjMCEGA1UEAwwacGd3YXJk
ZW4gdW5pdCB0ZXN0IGV4cGlyZWQwHhcNMjAwMTAxMDAwMDAwWhcNMjEwMTAyMDMw
NDA1WjAlMSMwIQYDVQQDDBpwZ3dhcmRlbiB1bml0IHRlc3QgZXhwaXJlZDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABPaYOnjCdKNRKXvFoHxAvIq/HO2T2GsADx0E
ENvYUA96klgEtc4HmUjrnLkzn3CGtdu0fcMjvxHdqn6M8Dr9mrmjLDAqMAkGA1Ud
EwQCMAAwHQYDVR0lBBYwFAYIKwYBBQUHAwEGCCsGAQUFBwMCMAoGCCqGSM49BAMC
A0gAMEUCIHYy5oqw6J+oL/tYjoCvJSI+EEtd1PPCJp8SGpMFFYJyAiEA+NCIWdNr
Pqsie7siuR5DsxoMnK2a+vRJkaBZZs7nnYE=
-----END CERTIFICATE-----
)";

constexpr const char* kFutureCert = R"(-----BEGIN CERTIFICATE-----
MIIBZzCCAQ6gAwIBAgICUAIwCgYIKoZIzj0EAwIwJDEiMCAGA1UEAwwZcGd3YXJk
ZW4gdW5pdCB0ZXN0IGZ1dHVyZTAiGA8yMTIwMDEwMjAzMDQwNVoYDzIxMjEwMTAx
MDAwMDAwWjAkMSIwIAYDVQQDDBlwZ3dhcmRlbiB1bml0IHRlc3QgZnV0dXJlMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9pg6eMJ0o1Epe8WgfEC8ir8c7ZPYawAP
HQQQ29hQD3qSWAS1zgeZSOucuTOfcIa127R9wyO/Ed2qfozwOv2auaMsMCowCQYD
VR0TBAIwADAdBgNVHSUEFjAUBggrBgEFBQcDAQYIKwYBBQUHAwIwCgYIKoZIzj0E
AwIDRwAwRAIgOx7eXDzTA7qaHKdTD4pP3XA/fH0tzq9yykMGUqYp9TgCIGRhkZL6
cXv+nKM5e9CnZbmPYjKrfEs5P6xv8+peBjMR
-----END CERTIFICATE-----
)";

}  // namespace pgwarden::test::pem
