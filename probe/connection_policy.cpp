// The probe's connection admission and keep-alive rules; no I/O, every case a unit test in
// test/unit/probe_connection_policy_test.cpp.
#include "connection_policy.hpp"

#include <algorithm>
#include <charconv>

namespace pgwarden::probe {

namespace {

std::array<unsigned char, 16> key_of(const boost::asio::ip::address& address) {
    if (address.is_v4())
        return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4())
            .to_bytes();
    return address.to_v6().to_bytes();
}

// What --max-connections-per-source counts by: an IPv4 address, or an IPv6 address's /64. One
// IPv6 host holds a whole /64 (SLAAC, privacy addresses), so one address each would let a single
// machine take every slot.
std::array<unsigned char, 16> source_key(const boost::asio::ip::address& address) {
    return key_of(counted_source(address));
}

bool in_block(const Cidr& block, const std::array<unsigned char, 16>& key) {
    unsigned bits = block.prefix;
    for (std::size_t i = 0; i < key.size() && bits > 0; ++i) {
        const unsigned take = std::min(bits, 8U);
        const auto mask = static_cast<unsigned char>(0xFFU << (8 - take));
        if ((key[i] & mask) != block.network[i])
            return false;
        bits -= take;
    }
    return true;
}

void clear_host_bits(Cidr& block) {
    unsigned bits = block.prefix;
    for (auto& byte : block.network) {
        const unsigned keep = std::min(bits, 8U);
        byte = static_cast<unsigned char>(byte & (keep == 0 ? 0U : 0xFFU << (8 - keep)));
        bits -= keep;
    }
}

}  // namespace

std::optional<Cidr> parse_cidr(std::string_view text) {
    const auto slash = text.find('/');
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(std::string(text.substr(0, slash)), ec);
    if (ec)
        return std::nullopt;
    // A scope ("fe80::1%eth0") names an interface, not a block of sources.
    if (address.is_v6() && address.to_v6().scope_id() != 0)
        return std::nullopt;
    Cidr block;
    block.network = key_of(address);
    const unsigned offset = address.is_v4() ? 96 : 0;
    const unsigned width = address.is_v4() ? 32 : 128;
    unsigned prefix = width;
    if (slash != std::string_view::npos) {
        const auto digits = text.substr(slash + 1);
        const auto [end, parse_ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (digits.empty() || parse_ec != std::errc{} || end != digits.data() + digits.size() ||
            prefix > width)
            return std::nullopt;
    }
    block.prefix = offset + prefix;
    clear_host_bits(block);
    return block;
}

AllowList parse_allow_list(std::string_view text) {
    AllowList list;
    constexpr std::string_view kSeparators = ", \t";
    while (!text.empty()) {
        const auto start = text.find_first_not_of(kSeparators);
        if (start == std::string_view::npos)
            break;
        text.remove_prefix(start);
        const auto word = text.substr(0, text.find_first_of(kSeparators));
        text.remove_prefix(word.size());
        auto block = parse_cidr(word);
        if (!block) {
            list.blocks.clear();
            list.error = "\"" + std::string(word) +
                         "\" is not an address or address/prefix (e.g. 10.0.0.0/8, 2001:db8::/32)";
            return list;
        }
        list.blocks.push_back(*block);
    }
    return list;
}

bool allows(const std::vector<Cidr>& blocks, const boost::asio::ip::address& source) {
    if (blocks.empty())
        return true;
    const auto key = key_of(source);
    return std::any_of(blocks.begin(), blocks.end(),
                       [&](const Cidr& block) { return in_block(block, key); });
}

boost::asio::ip::address counted_source(const boost::asio::ip::address& address) {
    if (!address.is_v6() || address.to_v6().is_v4_mapped())
        return address;
    auto bytes = address.to_v6().to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return boost::asio::ip::address_v6(bytes);
}

std::string counted_source_text(const boost::asio::ip::address& address) {
    const bool ipv6 = address.is_v6() && !address.to_v6().is_v4_mapped();
    return ipv6 ? counted_source(address).to_string() + "/64" : address.to_string();
}

std::string_view refusal_name(Refusal refusal) {
    switch (refusal) {
        case Refusal::not_allowed:
            return "not_allowed";
        case Refusal::source_full:
            return "source_full";
        case Refusal::server_full:
            break;
    }
    return "server_full";
}

Admission AdmissionTable::admit(const boost::asio::ip::address& source) {
    if (!allows(limits_.allow, source))
        return Refusal::not_allowed;
    const auto key = source_key(source);
    const auto from_source = per_source_.find(key);
    if (from_source != per_source_.end() &&
        from_source->second >= limits_.max_connections_per_source)
        return Refusal::source_full;

    Admitted admitted;
    if (connections_.size() >= limits_.max_connections) {
        if (idle_.empty())
            return Refusal::server_full;
        admitted.evict = idle_.begin()->second;
        forget(connections_.find(*admitted.evict));
    }
    admitted.id = next_id_++;
    connections_.emplace(admitted.id, Entry{key, std::nullopt});
    ++per_source_[key];
    return admitted;
}

void AdmissionTable::idle(ConnectionId id, PolicyClock::time_point now) {
    const auto it = connections_.find(id);
    if (it == connections_.end())
        return;
    if (it->second.idle_since)
        idle_.erase({*it->second.idle_since, id});
    it->second.idle_since = now;
    idle_.insert({now, id});
}

void AdmissionTable::busy(ConnectionId id) {
    const auto it = connections_.find(id);
    if (it == connections_.end() || !it->second.idle_since)
        return;
    idle_.erase({*it->second.idle_since, id});
    it->second.idle_since.reset();
}

void AdmissionTable::closed(ConnectionId id) {
    const auto it = connections_.find(id);
    if (it != connections_.end())
        forget(it);
}

std::size_t AdmissionTable::open_from(const boost::asio::ip::address& source) const {
    const auto it = per_source_.find(source_key(source));
    return it == per_source_.end() ? 0 : it->second;
}

void AdmissionTable::forget(std::map<ConnectionId, Entry>::iterator it) {
    if (it->second.idle_since)
        idle_.erase({*it->second.idle_since, it->first});
    const auto source = per_source_.find(it->second.source);
    if (--source->second == 0)
        per_source_.erase(source);
    connections_.erase(it);
}

bool may_keep_alive(const KeepAliveLimits& limits, std::size_t answered,
                    PolicyClock::time_point opened, PolicyClock::time_point now) {
    return answered < limits.max_requests && now - opened < limits.max_age;
}

std::chrono::milliseconds idle_wait(const KeepAliveLimits& limits,
                                    std::chrono::milliseconds read_timeout,
                                    PolicyClock::time_point opened, PolicyClock::time_point now) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(opened + limits.max_age - now);
    return std::clamp(left, std::chrono::milliseconds(0), read_timeout);
}

}  // namespace pgwarden::probe
