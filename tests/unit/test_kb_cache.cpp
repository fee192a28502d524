// The knowledge cache: the binary image round trip (YAML -> image -> model equal to the YAML's, member by member),
// refusal of corrupt, truncated and foreign images, and the cached load seeing every change of its sources.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "engine/core/atomic_file.hpp"
#include "engine/kb/kb_cache.hpp"
#include "engine/kb/kb_image.hpp"
#include "kb_fixture.hpp"

using namespace kbdiag;
using kbdiag::test::TempDir;
namespace fs = std::filesystem;

namespace {

LoadResult load(std::vector<std::string> folders, bool scenarios = true) {
    LoadOptions o;
    o.folders = std::move(folders);
    o.scenarios = scenarios;
    return load_knowledge_base(o);
}

KbImage image_of(const LoadResult& r, std::vector<std::string> folders) {
    KbImage image;
    image.folders = std::move(folders);
    image.yaml_sources = {{"a.yaml", 12, 0x1234}, {"b.yaml", 0, 0}};
    image.script_sources = {{"rules/x.lua", 99, ~0ull}};
    image.kb = *r.kb;
    image.diagnostics = r.diagnostics.items();
    return image;
}

// A scenario holding every kind of value an image must carry (records with each scalar kind, lists, no value).
Scenario every_value_kind() {
    Scenario s;
    s.id = "every_value_kind";
    s.facts["b"] = FactValue(true);
    s.facts["i"] = FactValue(std::int64_t{-1073700864});
    std::string text = "text with a NUL";
    text += '\0';
    text += " inside, and ünïcode";
    s.facts["s"] = FactValue(text);
    s.facts["l"] = FactValue(std::vector<std::string>{"a", "", "c"});
    s.facts["r"] = FactValue(std::vector<Record>{
        {{"flag", Scalar{false}}, {"n", Scalar{std::int64_t{-5}}}, {"t", Scalar{std::string("x")}}}, {}});
    s.fact_where["b"] = SourceLocation{"f.yaml", 3, 7};
    s.expect.min_probability = 0.125;
    return s;
}

std::string encode(const KbImage& image) { return encode_kb_image(image, "1.2.3"); }

std::optional<KbImage> decode(const std::string& bytes, std::string* why_out = nullptr) {
    std::string why;
    auto image = decode_kb_image(bytes, "1.2.3", why);
    if (why_out) *why_out = why;
    return image;
}

std::string slurp(const std::string& path) {
    std::string text, error;
    REQUIRE(read_file(path, text, error));
    return text;
}

}  // namespace

TEST_CASE("kb image: the shipped knowledge base round-trips to an equal model") {
    for (bool scenarios : {true, false}) {
        CAPTURE(scenarios);
        auto r = load({KBDIAG_SOURCE_KB}, scenarios);
        REQUIRE(r.kb);
        REQUIRE_FALSE(r.diagnostics.has_errors());
        KbImage image = image_of(r, {KBDIAG_SOURCE_KB});
        image.scenarios = scenarios;
        image.kb.scenarios.push_back(every_value_kind());
        auto back = decode(encode(image));
        REQUIRE(back);
        CHECK(back->kb.rules.size() == r.kb->rules.size());
        CHECK(back->kb == image.kb);
        CHECK(*back == image);
        // The equality is deep: one column of one rule's condition, or one record field, tells them apart.
        auto moved = *back;
        for (auto& rule : moved.kb.rules)
            if (rule.when) {
                rule.when->where.column += 1;
                break;
            }
        CHECK_FALSE(moved.kb == image.kb);
        auto other_value = *back;
        std::get<std::vector<Record>>(other_value.kb.scenarios.back().facts["r"].v)[0]["n"] = Scalar{std::int64_t{5}};
        CHECK_FALSE(other_value == image);
    }
}

TEST_CASE("kb image: overlays, overrides and load notes round-trip") {
    const std::string data = KBDIAG_TEST_DATA;
    auto r = load({data + "/cli/kb_mini", data + "/cli/overlay_title"});
    REQUIRE(r.kb);
    REQUIRE_FALSE(r.kb->overrides.empty());
    REQUIRE_FALSE(r.diagnostics.empty());   // the override note (KB013)
    KbImage image = image_of(r, {data + "/cli/kb_mini", data + "/cli/overlay_title"});
    auto back = decode(encode(image));
    REQUIRE(back);
    CHECK(*back == image);
    CHECK(back->diagnostics == r.diagnostics.items());
}

TEST_CASE("kb image: corrupt, truncated, foreign and trailing images are refused") {
    auto r = load({std::string(KBDIAG_TEST_DATA) + "/cli/kb_mini"});
    REQUIRE(r.kb);
    const std::string good = encode(image_of(r, {"x"}));
    REQUIRE(decode(good));
    std::string why;

    SUBCASE("every truncation") {
        for (std::size_t n = 0; n < good.size(); n += (n < 200 ? 1 : 97)) {
            CAPTURE(n);
            CHECK_FALSE(decode(good.substr(0, n), &why));
            CHECK_FALSE(why.empty());
        }
        CHECK_FALSE(decode(good.substr(0, good.size() - 1)));
    }
    SUBCASE("a flipped bit anywhere in the payload") {
        for (std::size_t at = 60; at < good.size(); at += 131) {   // past the 53-byte header
            std::string bad = good;
            bad[at] = static_cast<char>(bad[at] ^ 0x10);
            CAPTURE(at);
            CHECK_FALSE(decode(bad, &why));
        }
        std::string bad = good;
        bad.back() = static_cast<char>(bad.back() ^ 1);
        CHECK_FALSE(decode(bad, &why));
        CHECK(why.find("checksum") != std::string::npos);
    }
    SUBCASE("another magic, another version, an extra byte") {
        std::string bad = good;
        bad[0] = 'X';
        CHECK_FALSE(decode(bad, &why));
        CHECK(why.find("not a kbdiag") != std::string::npos);
        CHECK_FALSE(decode_kb_image(good, "1.2.4", why));
        CHECK(why.find("version") != std::string::npos);
        CHECK_FALSE(decode(good + '\0', &why));
        CHECK(why.find("length") != std::string::npos);
    }
}

TEST_CASE("kb image: the content hash sees one changed byte and its position") {
    CHECK(hash_bytes("prior: 0.4\n") != hash_bytes("prior: 0.6\n"));
    CHECK(hash_bytes("ab") != hash_bytes("ba"));
    CHECK(hash_bytes("") != hash_bytes(std::string(1, '\0')));
    CHECK(hash_bytes("12345678x") == hash_bytes("12345678x"));
}

namespace {

// A copy of the mini knowledge base and a cache folder, both temporary.
struct CacheFixture {
    TempDir tmp;
    std::string kb = tmp.file("kb");
    KbCacheOptions cache;
    LoadOptions options;

    CacheFixture() {
        fs::copy(std::string(KBDIAG_TEST_DATA) + "/cli/kb_mini", kb, fs::copy_options::recursive);
        cache.dir = tmp.file("cache");
        cache.version = "test";
        options.folders = {kb};
    }
    LoadResult run(KbCacheTrace& trace) {
        trace = {};
        return load_knowledge_base_cached(options, cache, &trace);
    }
    void replace_in(const std::string& file, const std::string& from, const std::string& to) {
        std::string text = slurp(file);
        auto at = text.find(from);
        REQUIRE(at != std::string::npos);
        text.replace(at, from.size(), to);
        std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    }
};

}  // namespace

TEST_CASE("kb cache: a second load comes from the image and equals the YAML load") {
    CacheFixture f;
    KbCacheTrace t;
    auto first = f.run(t);
    REQUIRE(first.kb);
    CHECK_FALSE(t.hit);
    CHECK(t.detail.find("image written") != std::string::npos);
    CHECK(fs::is_regular_file(t.file));
    CHECK(fs::path(t.file).parent_path() == fs::path(f.cache.dir));

    auto second = f.run(t);
    CHECK(t.hit);
    REQUIRE(second.kb);
    CHECK(*second.kb == *first.kb);
    CHECK(second.diagnostics.items() == first.diagnostics.items());

    SUBCASE("a trace reused for a miss does not keep the earlier hit") {
        f.replace_in(f.kb + "/problem.yaml", "prior: 0.5", "prior: 0.6");
        f.replace_in(f.kb + "/problem.yaml", "prior: 0.3", "prior: 0.2");
        REQUIRE(t.hit);
        load_knowledge_base_cached(f.options, f.cache, &t);   // not through run(), which resets the trace itself
        CHECK_FALSE(t.hit);
        CHECK(t.detail.find("problem.yaml changed") != std::string::npos);
    }
    SUBCASE("an edit that keeps the size is seen") {
        f.replace_in(f.kb + "/problem.yaml", "prior: 0.5", "prior: 0.6");
        f.replace_in(f.kb + "/problem.yaml", "prior: 0.3", "prior: 0.2");
        auto third = f.run(t);
        CHECK_FALSE(t.hit);
        CHECK(t.detail.find("problem.yaml changed") != std::string::npos);
        REQUIRE(third.kb);
        CHECK(third.kb->problem("mini_problem")->causes[0].prior == doctest::Approx(0.6));
        f.run(t);
        CHECK(t.hit);
    }
    SUBCASE("a new file, and a removed one, are seen") {
        fs::create_directories(f.kb + "/sub");
        std::ofstream(f.kb + "/sub/extra.yml") << "references:\n  - {id: EXTRA1, title: An extra reference}\n";
        auto third = f.run(t);
        CHECK_FALSE(t.hit);
        REQUIRE(third.kb);
        CHECK(third.kb->references.count("EXTRA1") == 1);
        fs::remove(f.kb + "/sub/extra.yml");
        auto fourth = f.run(t);
        CHECK_FALSE(t.hit);
        REQUIRE(fourth.kb);
        CHECK(fourth.kb->references.count("EXTRA1") == 0);
    }
    SUBCASE("a changed or removed Lua script is seen") {
        f.replace_in(f.kb + "/rules/mini.lua", "saved_credentials", "saved_credentials");   // rewritten, same text
        f.run(t);
        CHECK(t.hit);
        std::ofstream(f.kb + "/rules/mini.lua", std::ios::app) << "-- a comment\n";
        f.run(t);
        CHECK_FALSE(t.hit);
        CHECK(t.detail.find("mini.lua changed") != std::string::npos);
        fs::remove(f.kb + "/rules/mini.lua");
        auto gone = f.run(t);
        CHECK_FALSE(t.hit);
        CHECK(gone.diagnostics.has_errors());   // as without a cache: the linker reports the missing script
    }
    SUBCASE("a corrupt image is ignored and rewritten") {
        std::string bytes = slurp(t.file);
        bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x55);
        std::ofstream(t.file, std::ios::binary | std::ios::trunc) << bytes;
        auto third = f.run(t);
        CHECK_FALSE(t.hit);
        CHECK(t.detail.find("image refused") != std::string::npos);
        REQUIRE(third.kb);
        CHECK(*third.kb == *first.kb);
        f.run(t);
        CHECK(t.hit);
    }
    SUBCASE("another folder list, or the diagnosis-only load, has its own image") {
        f.options.scenarios = false;
        auto diag = f.run(t);
        CHECK_FALSE(t.hit);
        REQUIRE(diag.kb);
        CHECK(diag.kb->scenarios.empty());
        f.options.folders.push_back(std::string(KBDIAG_TEST_DATA) + "/cli/overlay_title");
        f.run(t);
        CHECK_FALSE(t.hit);
        f.run(t);
        CHECK(t.hit);
    }
}

TEST_CASE("kb cache: errors, strict loads and an unusable cache folder store nothing") {
    CacheFixture f;
    KbCacheTrace t;
    SUBCASE("a load with errors") {
        std::ofstream(f.kb + "/broken.yaml") << "causes: [\n";
        auto r = f.run(t);
        CHECK(r.diagnostics.has_errors());
        CHECK_FALSE(fs::exists(t.file));
        f.run(t);
        CHECK_FALSE(t.hit);
    }
    SUBCASE("strict") {
        f.options.strict = true;
        auto r = f.run(t);
        CHECK(r.kb);
        CHECK(t.file.empty());
        CHECK_FALSE(fs::exists(f.cache.dir));
    }
    SUBCASE("the cache folder cannot be created") {
        f.tmp.write("a-file", "not a folder");
        f.cache.dir = f.tmp.file("a-file") + "/kbdiag";
        auto r = f.run(t);
        REQUIRE(r.kb);
        CHECK_FALSE(r.diagnostics.has_errors());
        CHECK(t.detail.find("not stored") != std::string::npos);
        auto again = f.run(t);
        REQUIRE(again.kb);
        CHECK(*again.kb == *r.kb);
    }
}

TEST_CASE("kb cache: the folder follows XDG_CACHE_HOME (absolute only), else HOME") {
    struct Env {
        std::string name;
        std::optional<std::string> old;
        Env(std::string n, const char* value) : name(std::move(n)) {
            if (const char* v = std::getenv(name.c_str())) old = v;
            set(value);
        }
        ~Env() { set(old ? old->c_str() : nullptr); }
        void set(const char* v) const {
#ifdef _WIN32
            _putenv_s(name.c_str(), v ? v : "");
#else
            if (v) ::setenv(name.c_str(), v, 1);
            else ::unsetenv(name.c_str());
#endif
        }
    };
#ifndef _WIN32
    {
        Env xdg("XDG_CACHE_HOME", "/xdg/cache");
        CHECK(default_kb_cache_dir() == "/xdg/cache/kbdiag");
    }
    Env relative("XDG_CACHE_HOME", "relative/cache");
    Env home("HOME", "/home/tech");
    CHECK(default_kb_cache_dir() == "/home/tech/.cache/kbdiag");
#endif
}
