// Blocking HTTP/1.x over a plain socket with one deadline per exchange, for tests only.
#include "http_client.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>

namespace pgwarden::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// After a complete response, how long we watch for the server closing the connection, so
// connection_closed also reports a close that follows the last byte.
constexpr milliseconds kCloseGrace{200};

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// A socket owned for one exchange.
struct Socket {
    int fd = -1;
    ~Socket() {
        if (fd >= 0)
            close(fd);
    }
};

// Connects before `deadline`; returns an error message, or "" on success.
std::string connect_socket(Socket& sock, const std::string& host, int port,
                           Clock::time_point deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    auto service = std::to_string(port);
    if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
        return fmt::format("cannot resolve {}: {}", host, gai_strerror(rc));
    std::string error = fmt::format("no address for {}", host);
    for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
        Socket candidate;
        candidate.fd =
            socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (candidate.fd < 0)
            continue;
        int rc = connect(candidate.fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            pollfd p{candidate.fd, POLLOUT, 0};
            rc = poll(&p, 1, remaining_ms(deadline));
            if (rc == 0) {
                error = fmt::format("connect to {}:{} timed out", host, port);
                continue;
            }
            int so_error = 0;
            socklen_t len = sizeof so_error;
            getsockopt(candidate.fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
            errno = so_error;
            rc = so_error == 0 ? 0 : -1;
        }
        if (rc == 0) {
            std::swap(sock.fd, candidate.fd);
            freeaddrinfo(found);
            return "";
        }
        error = fmt::format("connect to {}:{}: {}", host, port, std::strerror(errno));
    }
    freeaddrinfo(found);
    return error;
}

// Sends everything it can; a server may legitimately answer and close before reading it all
// (413/431), so a failed send is not an error by itself: the response decides.
void send_all(int fd, std::string_view bytes, Clock::time_point deadline) {
    while (!bytes.empty()) {
        ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            pollfd p{fd, POLLOUT, 0};
            if (poll(&p, 1, remaining_ms(deadline)) <= 0)
                return;
        } else {
            return;
        }
    }
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string find_header(const std::string& headers, const std::string& name) {
    const std::string wanted = lower(name);
    std::size_t pos = headers.find("\r\n");  // skip the status line
    while (pos != std::string::npos && pos + 2 < headers.size()) {
        std::size_t start = pos + 2;
        std::size_t end = headers.find("\r\n", start);
        std::string_view line(headers.data() + start,
                              (end == std::string::npos ? headers.size() : end) - start);
        auto colon = line.find(':');
        if (colon != std::string_view::npos && lower(line.substr(0, colon)) == wanted) {
            auto value = line.substr(colon + 1);
            auto first = value.find_first_not_of(" \t");
            auto last = value.find_last_not_of(" \t");
            return first == std::string_view::npos
                       ? std::string()
                       : std::string(value.substr(first, last - first + 1));
        }
        pos = end;
    }
    return "";
}

// The decoded body once the last chunk (and trailer) has arrived.
std::optional<std::string> dechunk(std::string_view data) {
    std::string body;
    std::size_t pos = 0;
    for (;;) {
        auto line_end = data.find("\r\n", pos);
        if (line_end == std::string_view::npos)
            return std::nullopt;
        std::string size_text(data.substr(pos, line_end - pos));
        size_text = size_text.substr(0, size_text.find(';'));
        std::size_t size = 0;
        try {
            size = std::stoul(size_text, nullptr, 16);
        } catch (...) {
            return std::nullopt;  // malformed: read until close
        }
        pos = line_end + 2;
        if (size == 0) {
            if (data.substr(pos, 2) == "\r\n")
                return body;
            if (data.find("\r\n\r\n", pos) != std::string_view::npos)
                return body;
            return std::nullopt;
        }
        if (data.size() < pos + size + 2)
            return std::nullopt;
        body.append(data.substr(pos, size));
        pos += size + 2;
    }
}

// Fills headers/status/body from what arrived; true when the response is complete.
bool parse_response(const std::string& data, bool head_request, bool closed, HttpResult& r) {
    auto header_end = data.find("\r\n\r\n");
    if (header_end == std::string::npos)
        return false;
    r.headers = data.substr(0, header_end);
    if (r.headers.starts_with("HTTP/")) {
        auto space = r.headers.find(' ');
        if (space != std::string::npos) {
            try {
                r.status = std::stoi(r.headers.substr(space + 1, 3));
            } catch (...) {
                r.status = 0;
            }
        }
    }
    std::string_view rest(data);
    rest.remove_prefix(header_end + 4);
    if (head_request || r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200)) {
        r.body.clear();
        return true;
    }
    if (lower(find_header(r.headers, "transfer-encoding")).find("chunked") != std::string::npos) {
        auto body = dechunk(rest);
        r.body = body ? *body : std::string(rest);
        return body.has_value();
    }
    auto length = find_header(r.headers, "content-length");
    if (!length.empty()) {
        std::size_t n = 0;
        try {
            n = std::stoul(length);
        } catch (...) {
            r.body = std::string(rest);
            return closed;
        }
        r.body = std::string(rest.substr(0, n));
        return rest.size() >= n;
    }
    r.body = std::string(rest);
    return closed;  // no framing: the body ends when the server closes
}

// Reads into `data` until `done(data, closed)` or close or deadline; returns true on close.
template <typename Done>
bool read_until(int fd, std::string& data, Clock::time_point deadline, Done done) {
    char buf[16384];
    for (;;) {
        if (done(data))
            return false;
        pollfd p{fd, POLLIN, 0};
        int rc = poll(&p, 1, remaining_ms(deadline));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return false;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            data.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            return true;  // orderly close or reset: either way nothing more will come
        }
    }
}

}  // namespace

std::string HttpResult::header(const std::string& name) const {
    return find_header(headers, name);
}

HttpResult http_request(const std::string& host, int port, const std::string& raw_request,
                        milliseconds timeout) {
    HttpResult result;
    const auto deadline = Clock::now() + timeout;
    Socket sock;
    result.error = connect_socket(sock, host, port, deadline);
    if (!result.error.empty())
        return result;
    send_all(sock.fd, raw_request, deadline);

    const bool head = raw_request.starts_with("HEAD ");
    std::string data;
    bool complete = false;
    result.connection_closed = read_until(sock.fd, data, deadline, [&](const std::string& d) {
        return complete = parse_response(d, head, false, result);
    });
    if (result.connection_closed) {
        complete = parse_response(data, head, true, result);
    } else if (complete) {
        // Did the server close right after the response (HTTP/1.0, Connection: close)?
        std::string extra;
        auto grace = std::min(deadline, Clock::now() + kCloseGrace);
        result.connection_closed =
            read_until(sock.fd, extra, grace, [](const std::string& d) { return !d.empty(); });
    }
    result.timed_out = !complete && Clock::now() >= deadline;
    if (!complete && result.error.empty())
        result.error = data.empty() ? std::string(result.timed_out ? "no response before the "
                                                                     "deadline"
                                                                   : "closed without a response")
                                    : std::string("incomplete response");
    return result;
}

std::string http_exchange_raw(const std::string& host, int port, const std::string& raw_request,
                              milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    Socket sock;
    if (auto error = connect_socket(sock, host, port, deadline); !error.empty())
        return "";
    send_all(sock.fd, raw_request, deadline);
    std::string data;
    read_until(sock.fd, data, deadline, [](const std::string&) { return false; });
    return data;
}

int http_status(const std::string& host, int port, const std::string& path, milliseconds timeout) {
    auto result = http_request(host, port, fmt::format("GET {} HTTP/1.0\r\n\r\n", path), timeout);
    return result.status > 0 ? result.status : -1;
}

}  // namespace pgwarden::test
