// target: the share the user is trying to reach, from `kbdiag collect --target \\server\share`.
#include <cctype>

#include <fmt/format.h>

#include "engine/core/text.hpp"
#include "engine/collect/builtin.hpp"

namespace kbdiag {

namespace {

using text::trim;
using text::split_path;

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    return true;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// %XX decoding for smb:// URLs. False on a broken escape.
bool percent_decode(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size()) return false;
        int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return true;
}

bool valid_server(const std::string& s) {
    if (s.empty() || s.size() > 255) return false;
    if (s.front() == '[') {   // [IPv6]
        if (s.back() != ']' || s.size() < 4) return false;
        for (std::size_t i = 1; i + 1 < s.size(); ++i) {
            char c = s[i];
            if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.' || c == '%')) return false;
        }
        return true;
    }
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (!(std::isalnum(u) || c == '-' || c == '.' || c == '_' || u >= 0x80)) return false;
    }
    return s.front() != '.' && s.front() != '-';
}

// Windows forbids these in share and path names; control characters are garbage anywhere.
bool valid_component(const std::string& s) {
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return false;
        if (std::string_view("<>:\"|?*").find(c) != std::string_view::npos) return false;
    }
    return s != "." && s != "..";
}

// smb://[domain;user[:password]@]server[:port]/share/path -> "server/share/path" (user info dropped).
bool strip_url(std::string_view text, std::string& rest, std::string& error) {
    std::string_view body = text.substr(6);   // after "smb://"
    auto slash = body.find('/');
    std::string_view authority = body.substr(0, slash);
    std::string_view tail = slash == std::string_view::npos ? std::string_view{} : body.substr(slash);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
    if (!authority.empty() && authority.front() != '[') {
        if (auto colon = authority.find(':'); colon != std::string_view::npos) {
            std::string_view port = authority.substr(colon + 1);
            if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
                error = "the port in the URL is not a number";
                return false;
            }
            authority = authority.substr(0, colon);
        }
    } else if (auto close = authority.find(']'); close != std::string_view::npos) {
        authority = authority.substr(0, close + 1);   // [v6]:port -> [v6]
    }
    if (!percent_decode(std::string(authority) + std::string(tail), rest)) {
        error = "the URL has a broken %-escape";
        return false;
    }
    return true;
}

bool fail_with(std::string& error, std::string message) {
    error = std::move(message);
    return false;
}

bool split_target(std::string_view text, std::vector<std::string>& parts, std::string& error) {
    std::string rest;
    if (starts_with_ci(text, "smb://")) {
        if (!strip_url(text, rest, error)) return false;
    } else if (starts_with_ci(text, "\\\\") || starts_with_ci(text, "//")) {
        rest = std::string(text.substr(2));
        if (!rest.empty() && (rest.front() == '/' || rest.front() == '\\'))
            return fail_with(error, "more than two slashes before the server name");
    } else {
        return fail_with(error, "expected \\\\server\\share, //server/share or smb://server/share");
    }
    parts = split_path(rest);
    if (parts.empty()) return fail_with(error, "no server name");
    return true;
}

}  // namespace

namespace {

std::optional<ShareTarget> parse_target_text(const std::string& text, std::string& error) {
    std::vector<std::string> parts;
    if (!split_target(text, parts, error)) return std::nullopt;
    if (!valid_server(parts[0])) {
        error = fmt::format("'{}' is not a valid server name or address", parts[0]);
        return std::nullopt;
    }
    for (std::size_t i = 1; i < parts.size(); ++i) {
        if (!valid_component(parts[i])) {
            error = fmt::format("'{}' is not a valid share or folder name", parts[i]);
            return std::nullopt;
        }
    }
    ShareTarget t;
    t.server = parts[0];
    if (parts.size() > 1) t.share = parts[1];
    t.path = "\\\\" + t.server;
    for (std::size_t i = 1; i < parts.size(); ++i) t.path += "\\" + parts[i];
    return t;
}

}  // namespace

std::optional<ShareTarget> parse_share_target(std::string_view text_in, std::string& error) {
    std::string text = trim(text_in);
    auto t = parse_target_text(text, error);
    // A URL with user information may carry a password: never echo any part of it.
    if (!t && text.find('@') != std::string::npos)
        error = "not a valid smb:// URL (not shown: it has user information, which may hold a password)";
    return t;
}

namespace {

class TargetCollector final : public Collector {
public:
    std::string id() const override { return "target"; }
    std::string description() const override { return "the share named with --target"; }
    std::vector<std::string> provides() const override { return {"target.server", "target.share", "target.path"}; }
    std::vector<Platform> platforms() const override { return {Platform::any}; }

    CollectorOutcome collect(const CollectOptions& options, FactSink& sink) override {
        if (trim(options.target).empty()) return {CollectorStatus::skipped, "no --target given"};
        std::string error;
        auto t = parse_share_target(options.target, error);
        if (!t) {
            bool secret = options.target.find('@') != std::string::npos;
            return {CollectorStatus::failed, secret ? fmt::format("--target: {}", error)
                                                    : fmt::format("--target '{}': {}", options.target, error)};
        }
        sink.set("target.server", t->server);
        if (t->share.empty())
            sink.set_absent("target.share", "the target names no share");
        else
            sink.set("target.share", t->share);
        sink.set("target.path", t->path);
        return {CollectorStatus::ok, {}};
    }
};

}  // namespace

std::shared_ptr<Collector> make_target_collector() { return std::make_shared<TargetCollector>(); }

}  // namespace kbdiag
