#pragma once
// Bounds-checked little-endian byte access for the probe's parsers and builders. A Reader never reads
// outside its span: every read first checks the remaining length and returns nullopt when it is short.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kbdiag::probe {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

// A sub-span [offset, offset + length) of `s`, or nullopt when it does not fit (overflow-safe).
inline std::optional<ByteSpan> slice(ByteSpan s, std::size_t offset, std::size_t length) {
    if (offset > s.size() || length > s.size() - offset) return std::nullopt;
    return s.subspan(offset, length);
}

inline std::optional<std::uint8_t> u8_at(ByteSpan s, std::size_t off) {
    if (off >= s.size()) return std::nullopt;
    return s[off];
}
inline std::optional<std::uint16_t> u16_at(ByteSpan s, std::size_t off) {
    auto b = slice(s, off, 2);
    if (!b) return std::nullopt;
    return static_cast<std::uint16_t>((*b)[0] | ((*b)[1] << 8));
}
inline std::optional<std::uint32_t> u32_at(ByteSpan s, std::size_t off) {
    auto b = slice(s, off, 4);
    if (!b) return std::nullopt;
    return static_cast<std::uint32_t>((*b)[0]) | (static_cast<std::uint32_t>((*b)[1]) << 8) |
           (static_cast<std::uint32_t>((*b)[2]) << 16) | (static_cast<std::uint32_t>((*b)[3]) << 24);
}
inline std::optional<std::uint64_t> u64_at(ByteSpan s, std::size_t off) {
    if (!slice(s, off, 8)) return std::nullopt;
    auto lo = u32_at(s, off);
    auto hi = u32_at(s, off + 4);
    if (!lo || !hi) return std::nullopt;
    return static_cast<std::uint64_t>(*lo) | (static_cast<std::uint64_t>(*hi) << 32);
}

// Appends little-endian values.
class Writer {
public:
    void u8(std::uint8_t v) { out_.push_back(v); }
    void u16(std::uint16_t v) {
        u8(static_cast<std::uint8_t>(v & 0xff));
        u8(static_cast<std::uint8_t>(v >> 8));
    }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v & 0xffff));
        u16(static_cast<std::uint16_t>(v >> 16));
    }
    void u64(std::uint64_t v) {
        u32(static_cast<std::uint32_t>(v & 0xffffffffu));
        u32(static_cast<std::uint32_t>(v >> 32));
    }
    void bytes(ByteSpan b) { out_.insert(out_.end(), b.begin(), b.end()); }
    void text(const std::string& s) { out_.insert(out_.end(), s.begin(), s.end()); }
    void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }
    void align(std::size_t base, std::size_t a) {
        while ((out_.size() - base) % a) out_.push_back(0);
    }
    void put_u16_at(std::size_t off, std::uint16_t v) {
        out_.at(off) = static_cast<std::uint8_t>(v & 0xff);
        out_.at(off + 1) = static_cast<std::uint8_t>(v >> 8);
    }
    void put_u32_at(std::size_t off, std::uint32_t v) {
        put_u16_at(off, static_cast<std::uint16_t>(v & 0xffff));
        put_u16_at(off + 2, static_cast<std::uint16_t>(v >> 16));
    }
    std::size_t size() const { return out_.size(); }
    Bytes& data() { return out_; }
    Bytes take() { return std::move(out_); }

private:
    Bytes out_;
};

}  // namespace kbdiag::probe
