// The loader fuzz targets (tests/fuzz/loader_fuzz_targets.hpp) run here on the test snapshots, every line prefix
// of them, knowledge files and conditions: what libFuzzer starts from must pass, and a target that traps on a
// good input would be worthless. The fuzzing itself is `cmake --workflow --preset fuzz` (clang, libFuzzer,
// ASan+UBSan), run by tools/scripts/test.sh.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/fuzz/loader_fuzz_targets.hpp"

namespace {

namespace f = kbdiag::fuzz_loaders;
using Target = int (*)(const std::uint8_t*, std::size_t);

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in, path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

int run(Target target, const std::string& text) {
    return target(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

void run_every_line_prefix(Target target, const std::string& text) {
    for (std::size_t at = 0; at != std::string::npos; at = text.find('\n', at + 1))
        CHECK(run(target, text.substr(0, at)) == 0);
    CHECK(run(target, text) == 0);
}

const std::filesystem::path test_data = KBDIAG_TEST_DATA;

}  // namespace

TEST_CASE("loader fuzz targets: the snapshot targets run on the test snapshots and every line prefix of them") {
    const std::string yaml = slurp(test_data / "report_formats/snapshot.yaml");
    REQUIRE(yaml.find("kbdiag-snapshot/1") != std::string::npos);
    run_every_line_prefix(&f::snapshot, yaml);
    run_every_line_prefix(&f::snapshot_json, yaml);
    run_every_line_prefix(&f::snapshot_yaml, yaml);
    for (const char* name : {"triage.json", "signing.json"}) {
        const std::string json = slurp(test_data / "../capi/data" / name);
        CAPTURE(name);
        run_every_line_prefix(&f::snapshot, json);
        run_every_line_prefix(&f::snapshot_json, json);
        run_every_line_prefix(&f::snapshot_yaml, json);
    }
}

TEST_CASE("loader fuzz targets: the JSON target tells a surrogate pair escape from other text") {
    CHECK(f::has_surrogate_escape(R"({"a": "\ud83d\ude00"})"));
    CHECK(f::has_surrogate_escape(R"({"a": "\uDBFF\uDFFF"})"));
    CHECK_FALSE(f::has_surrogate_escape(R"({"a": "\u00e9 \u7fff d83d"})"));
}

// Found by fuzz_snapshot_json in CI: the fast path read a lone CR as JSON whitespace, yaml-cpp as text.
TEST_CASE("loader fuzz targets: the JSON target agrees with the general reader on a lone CR") {
    const std::string text = "{\"schema\":\r \"kbdiag-snapshot/1\", \"facts\": {\"windows.build\":\r"
                             " {\"value\": 26100, \"source\": \"windows.os\"}}}";
    run_every_line_prefix(&f::snapshot_json, text);
    run_every_line_prefix(&f::snapshot, text);
}

TEST_CASE("loader fuzz targets: the knowledge target links shipped and test knowledge files") {
    for (const auto& file : {std::filesystem::path(KBDIAG_SOURCE_KB) / "causes/network.yaml",
                             test_data / "cli/kb_mini/rules.yaml", test_data / "cli/kb_mini/facts.yaml",
                             test_data / "cli/overlay_broken_yaml/broken.yaml"}) {
        CAPTURE(file.string());
        CHECK(run(&f::knowledge_file, slurp(file)) == 0);
    }
    CHECK(run(&f::knowledge_file, "") == 0);
    CHECK(run(&f::knowledge_file, "rules: [{id: r, when: {fact: windows.build, gte: x}}]") == 0);
}

TEST_CASE("loader fuzz targets: the knowledge target survives every prefix of patch files") {
    for (const auto& file :
         {test_data / "cli/overlay_patch/patch.yaml", test_data / "cli/lint_planted/kb019_patch_applied/patch.yaml",
          test_data / "../schemas/valid/patch.yaml"}) {
        CAPTURE(file.string());
        run_every_line_prefix(&f::knowledge_file, slurp(file));
    }
    for (const char* text : {"patch: [{problem: x, add: {causes: [{cause: y}]}}]", "patch: [{cause: {a: 1}, set: []}]",
                             "patch: [{fix: f, add: {steps: [{text: {a: b}}]}, remove: {references: [[1]]}}]",
                             "patch: {a: 1}", "patch: [[], 3, {set: {title: x}}]", "patch: [{problem: p, problem: q}]"})
        CHECK(run(&f::knowledge_file, text) == 0);
}

TEST_CASE("loader fuzz targets: the condition target reads, describes and evaluates conditions") {
    for (const char* text :
         {"{fact: windows.build, gte: 26100}", "{all: [{fact: windows.edition, in: [Enterprise, Education]}, "
                                               "{not: {fact: lsa.lm_compatibility_level, exists: false}}]}",
          "{any: [{fact: credman.targets, contains: nas01}, {fact: windows.build, lt: {fact: windows.build}}]}",
          "{fact: windows.build}", "[1, 2]", "{all: 3}", "{not: {not: {not: {}}}}", "{fact: a, gte: [1]}", ": :"})
        CHECK(run(&f::condition, text) == 0);
}
