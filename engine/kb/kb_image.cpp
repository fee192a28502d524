#include "engine/kb/kb_image.hpp"

#include <cstring>
#include <iterator>
#include <map>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace kbdiag {

namespace {

// Bump when the encoding changes. The layout fingerprint below also changes when a model struct grows a member
// (its size changes), so a development build with a new field does not misread an older image.
// 2: KnowledgeBase::patches, and yaml_sources also lists the shared Lua modules (rules/lib/*.lua) of each folder.
// 4: KnowledgeBase::in_report_facts (the linker's index of the facts marked in_report).
constexpr std::uint32_t image_format = 4;
constexpr char image_magic[8] = {'K', 'B', 'D', 'I', 'A', 'G', 'K', 'B'};
constexpr int max_condition_depth = 256;

constexpr std::uint32_t layout_fingerprint() {
    const std::size_t sizes[] = {sizeof(SourceLocation), sizeof(Reference), sizeof(FactDef), sizeof(CauseLink),
                                 sizeof(Escalation), sizeof(Problem), sizeof(FixLink), sizeof(Cause), sizeof(FixStep),
                                 sizeof(Fix), sizeof(EvidenceSpec), sizeof(ScriptRef), sizeof(RuleDecl),
                                 sizeof(WindowsRelease), sizeof(Vendor), sizeof(ScenarioExpect), sizeof(Scenario),
                                 sizeof(Operand), sizeof(Condition), sizeof(FactValue), sizeof(KbOverride),
                                 sizeof(KbPatchRecord), sizeof(KnowledgeBase), sizeof(Diagnostic),
                                 sizeof(KbSourceFile)};
    std::uint32_t h = 2166136261u;   // FNV-1a over the sizes
    for (auto s : sizes) h = (h ^ static_cast<std::uint32_t>(s)) * 16777619u;
    return h;
}

struct DecodeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// --- the field lists: one function per struct, used for writing and reading alike ----------------------------

template <class A> void fields(A& a, SourceLocation& x) { a(x.file, x.line, x.column); }
template <class A> void fields(A& a, Reference& x) { a(x.id, x.title, x.url, x.where); }
template <class A> void fields(A& a, FactDef& x) {
    a(x.id, x.type, x.values, x.fields, x.meaning, x.context, x.in_report, x.provided_by, x.question,
      x.ask_cost_minutes, x.secret_free, x.platform, x.references, x.where);
}
template <class A> void fields(A& a, CauseLink& x) { a(x.cause, x.prior, x.where); }
template <class A> void fields(A& a, Escalation& x) { a(x.title, x.text, x.cost_minutes); }
template <class A> void fields(A& a, Problem& x) {
    a(x.id, x.title, x.message, x.codes, x.platform, x.causes, x.other_prior, x.other_title, x.escalation,
      x.article_notes, x.references, x.where);
}
template <class A> void fields(A& a, FixLink& x) { a(x.fix, x.success, x.where); }
template <class A> void fields(A& a, Cause& x) {
    a(x.id, x.title, x.explanation, x.applies_to, x.applies_to_text, x.not_applicable_lr, x.fixes, x.article_differs,
      x.references, x.where);
}
template <class A> void fields(A& a, FixStep& x) { a(x.text, x.when, x.when_text, x.where); }
template <class A> void fields(A& a, Fix& x) {
    a(x.id, x.title, x.cost_minutes, x.risk, x.platform, x.steps, x.verify, x.references, x.where);
}
template <class A> void fields(A& a, EvidenceSpec& x) { a(x.cause, x.lr, x.lr_false); }
template <class A> void fields(A& a, ScriptRef& x) { a(x.file, x.resolved, x.function); }
template <class A> void fields(A& a, RuleDecl& x) {
    a(x.id, x.title, x.when, x.evidence, x.derive, x.script, x.required, x.reads, x.causes, x.derives, x.group,
      x.definitive, x.where);
}
template <class A> void fields(A& a, WindowsRelease& x) {
    a(x.build, x.name, x.family, x.version, x.defaults, x.guest_blocked_editions, x.signing_required_editions, x.notes,
      x.references, x.where);
}
template <class A> void fields(A& a, Vendor& x) {
    a(x.id, x.name, x.ui_paths, x.confirmed, x.notes, x.references, x.where);
}
template <class A> void fields(A& a, ScenarioExpect& x) {
    a(x.top, x.not_top, x.order, x.min_probability, x.fixes, x.first_fix, x.step_contains, x.step_not_contains);
}
template <class A> void fields(A& a, Scenario& x) {
    a(x.id, x.description, x.error, x.facts, x.fact_where, x.expect, x.where);
}
template <class A> void fields(A& a, Operand& x) { a(x.literal, x.fact, x.set); }
template <class A> void fields(A& a, Condition& x) {
    const auto depth = a.enter();
    a(x.kind, x.children, x.fact, x.op, x.operand, x.where);
    a.leave(depth);
}
template <class A> void fields(A& a, FactValue& x) { a(x.v); }
template <class A> void fields(A& a, KbOverride& x) { a(x.kind, x.id, x.folder, x.where, x.replaced); }
template <class A> void fields(A& a, KbPatchRecord& x) { a(x.folder, x.kind, x.id, x.change, x.where); }
template <class A> void fields(A& a, KnowledgeBase& x) {
    a(x.facts, x.problems, x.causes, x.fixes, x.references, x.rules, x.windows_releases, x.vendors, x.scenarios,
      x.folders, x.script_files, x.overrides, x.patches, x.rules_by_cause, x.rules_by_fact, x.rules_deriving,
      x.code_index, x.in_report_facts);
}
template <class A> void fields(A& a, Diagnostic& x) { a(x.code, x.severity, x.message, x.where, x.snippet); }
template <class A> void fields(A& a, KbSourceFile& x) { a(x.path, x.size, x.hash); }
template <class A> void fields(A& a, KbImage& x) {
    a(x.folders, x.scenarios, x.yaml_sources, x.script_sources, x.kb, x.diagnostics);
}

// The largest value of each enum the image holds: a byte above it is a corrupt image.
template <class E> constexpr std::uint8_t enum_max();
template <> constexpr std::uint8_t enum_max<FactType>() { return static_cast<std::uint8_t>(FactType::records); }
template <> constexpr std::uint8_t enum_max<Platform>() { return static_cast<std::uint8_t>(Platform::any); }
template <> constexpr std::uint8_t enum_max<Risk>() { return static_cast<std::uint8_t>(Risk::high); }
template <> constexpr std::uint8_t enum_max<CompareOp>() { return static_cast<std::uint8_t>(CompareOp::exists); }
template <> constexpr std::uint8_t enum_max<Condition::Kind>() {
    return static_cast<std::uint8_t>(Condition::Kind::compare);
}
template <> constexpr std::uint8_t enum_max<Severity>() { return static_cast<std::uint8_t>(Severity::note); }

template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};
template <class T> struct is_map : std::false_type {};
template <class K, class V> struct is_map<std::map<K, V>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_variant : std::false_type {};
template <class... T> struct is_variant<std::variant<T...>> : std::true_type {};

// --- writing: little-endian integers, doubles by their bits, strings and containers with a length ----------

class Writer {
public:
    std::string out;

    template <class... T>
    void operator()(T&... values) { (put(values), ...); }
    int enter() { return 0; }
    void leave(int) {}

    void u64(std::uint64_t v) {
        char b[8];
        for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
        out.append(b, 8);
    }

private:
    template <class T>
    void put(T& v) {
        if constexpr (std::is_same_v<T, bool>) out.push_back(v ? 1 : 0);
        else if constexpr (std::is_enum_v<T>) out.push_back(static_cast<char>(static_cast<std::uint8_t>(v)));
        else if constexpr (std::is_integral_v<T>) u64(static_cast<std::uint64_t>(v));
        else if constexpr (std::is_same_v<T, double>) {
            std::uint64_t bits;
            std::memcpy(&bits, &v, sizeof bits);
            u64(bits);
        } else if constexpr (std::is_same_v<T, std::string>) {
            u64(v.size());
            out.append(v);
        } else if constexpr (is_vector<T>::value) {
            u64(v.size());
            for (auto& item : v) put(item);
        } else if constexpr (is_map<T>::value) {
            u64(v.size());
            for (auto& [key, value] : v) {
                auto k = key;
                put(k);
                put(value);
            }
        } else if constexpr (is_optional<T>::value) {
            out.push_back(v ? 1 : 0);
            if (v) put(*v);
        } else if constexpr (is_variant<T>::value) {
            out.push_back(static_cast<char>(v.index()));
            std::visit([this](auto& alt) { put(alt); }, v);
        } else {
            fields(*this, v);
        }
    }
};

// --- reading: every read checks the bytes left; anything odd throws DecodeError --------------------------------

class Reader {
public:
    explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

    template <class... T>
    void operator()(T&... values) { (get(values), ...); }
    int enter() {
        if (++depth_ > max_condition_depth) throw DecodeError("conditions nested too deep");
        return depth_;
    }
    void leave(int) { --depth_; }
    bool at_end() const { return p_ == end_; }

    std::uint64_t u64() {
        need(8);
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p_[i])) << (8 * i);
        p_ += 8;
        return v;
    }
    std::uint8_t byte() {
        need(1);
        return static_cast<std::uint8_t>(*p_++);
    }
    std::string_view bytes(std::uint64_t n) {
        need(n);
        std::string_view s(p_, static_cast<std::size_t>(n));
        p_ += n;
        return s;
    }
    std::string_view rest() const { return std::string_view(p_, static_cast<std::size_t>(end_ - p_)); }

private:
    const char* p_;
    const char* end_;
    int depth_ = 0;

    void need(std::uint64_t n) const {
        if (n > static_cast<std::uint64_t>(end_ - p_)) throw DecodeError("truncated");
    }
    // A count of items, each at least one byte: a count above the bytes left is corrupt (and no huge allocation).
    std::size_t count() {
        const std::uint64_t n = u64();
        need(n);
        return static_cast<std::size_t>(n);
    }

    template <class V, std::size_t I = 0>
    void get_alternative(V& v, std::size_t index) {
        if constexpr (I < std::variant_size_v<V>) {
            if (index == I) {
                std::variant_alternative_t<I, V> alt{};
                get(alt);
                v = std::move(alt);
            } else {
                get_alternative<V, I + 1>(v, index);
            }
        } else {
            throw DecodeError("bad variant index");
        }
    }

    template <class T>
    void get(T& v) {
        if constexpr (std::is_same_v<T, bool>) {
            const auto b = byte();
            if (b > 1) throw DecodeError("bad boolean");
            v = b == 1;
        } else if constexpr (std::is_enum_v<T>) {
            const auto b = byte();
            if (b > enum_max<T>()) throw DecodeError("bad enum value");
            v = static_cast<T>(b);
        } else if constexpr (std::is_integral_v<T>) {
            const std::uint64_t raw = u64();
            v = static_cast<T>(raw);
            if (static_cast<std::uint64_t>(v) != raw) throw DecodeError("integer out of range");
        } else if constexpr (std::is_same_v<T, double>) {
            const std::uint64_t bits = u64();
            std::memcpy(&v, &bits, sizeof v);
        } else if constexpr (std::is_same_v<T, std::string>) {
            v.assign(bytes(u64()));
        } else if constexpr (is_vector<T>::value) {
            const std::size_t n = count();
            v.clear();
            v.resize(n);
            for (auto& item : v) get(item);
        } else if constexpr (is_map<T>::value) {
            const std::size_t n = count();
            v.clear();
            for (std::size_t i = 0; i < n; ++i) {
                typename T::key_type key{};
                get(key);
                if (!v.empty() && !(std::prev(v.end())->first < key)) throw DecodeError("map keys out of order");
                get(v.emplace_hint(v.end(), std::move(key), typename T::mapped_type{})->second);
            }
        } else if constexpr (is_optional<T>::value) {
            const auto present = byte();
            if (present > 1) throw DecodeError("bad optional");
            v.reset();
            if (present) get(v.emplace());
        } else if constexpr (is_variant<T>::value) {
            get_alternative(v, byte());
        } else {
            fields(*this, v);
        }
    }
};

std::string hex64(std::uint64_t v) { return fmt::format("{:016x}", v); }

}  // namespace

std::uint64_t hash_bytes(std::string_view bytes) {
    constexpr std::uint64_t k1 = 0x9E3779B97F4A7C15ull, k2 = 0xC2B2AE3D27D4EB4Full;
    auto rotl = [](std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); };
    auto step = [&](std::uint64_t h, std::uint64_t word) { return rotl(h ^ (word * k2), 29) * k1; };
    std::uint64_t h = k1 ^ (static_cast<std::uint64_t>(bytes.size()) * k2);
    std::size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) {
        std::uint64_t word;
        std::memcpy(&word, bytes.data() + i, 8);   // host byte order: an image is only read on the machine it was made
        h = step(h, word);
    }
    if (i < bytes.size()) {
        std::uint64_t word = 0;
        std::memcpy(&word, bytes.data() + i, bytes.size() - i);
        h = step(h, word);
    }
    h ^= h >> 33;   // final mix (MurmurHash3's fmix64): every input bit reaches every output bit
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

std::string encode_kb_image(const KbImage& image, std::string_view version) {
    Writer payload;
    fields(payload, const_cast<KbImage&>(image));   // the writer only reads
    Writer header;
    header.out.append(image_magic, sizeof image_magic);
    header.u64(image_format);
    header.u64(layout_fingerprint());
    header.u64(version.size());
    header.out.append(version);
    header.u64(payload.out.size());
    header.u64(hash_bytes(payload.out));
    return header.out + payload.out;
}

std::optional<KbImage> decode_kb_image(std::string_view bytes, std::string_view version, std::string& why) {
    try {
        Reader header(bytes);
        if (bytes.size() < sizeof image_magic ||
            header.bytes(sizeof image_magic) != std::string_view(image_magic, sizeof image_magic))
            throw DecodeError("not a kbdiag knowledge image");
        if (header.u64() != image_format) throw DecodeError("another image format");
        if (header.u64() != layout_fingerprint()) throw DecodeError("another model layout");
        const std::uint64_t version_size = header.u64();
        if (version_size != version.size() || header.bytes(version.size()) != version)
            throw DecodeError("made by another kbdiag version");
        const std::uint64_t length = header.u64();
        const std::uint64_t hash = header.u64();
        const std::string_view payload = header.rest();
        if (payload.size() != length)
            throw DecodeError(
                fmt::format("length mismatch ({} payload bytes, the header says {})", payload.size(), length));
        if (hash_bytes(payload) != hash)
            throw DecodeError(fmt::format("checksum mismatch ({} != {})", hex64(hash_bytes(payload)), hex64(hash)));
        Reader body(payload);
        KbImage image;
        fields(body, image);
        if (!body.at_end()) throw DecodeError("trailing bytes after the payload");
        return image;
    } catch (const DecodeError& e) {
        why = e.what();
    } catch (const std::exception& e) {   // e.g. bad_alloc from a corrupt length that passed the checks
        why = fmt::format("unreadable: {}", e.what());
    }
    return std::nullopt;
}

}  // namespace kbdiag
