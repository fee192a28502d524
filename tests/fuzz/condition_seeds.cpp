// Writes the condition reader's seeds: every `when` and `applies_to` of the YAML files given (the shipped
// knowledge and the test folders), one condition a file, as yaml-cpp emits it.
//   kbdiag_fuzz_condition_seeds OUTDIR FILE...
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <yaml-cpp/yaml.h>

namespace {

int written = 0;

void write_seed(const std::filesystem::path& dir, const YAML::Node& condition) {
    std::ofstream out(dir / ("seed" + std::to_string(++written)), std::ios::binary);
    out << YAML::Dump(condition) << '\n';
}

// Walks the whole document: conditions sit in rules, causes and fix steps at different depths.
void collect(const std::filesystem::path& dir, const YAML::Node& node, int depth) {
    if (depth > 64) return;
    if (node.IsSequence())
        for (const auto& item : node) collect(dir, item, depth + 1);
    if (!node.IsMap()) return;
    for (const auto& kv : node) {
        const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
        if (key == "when" || key == "applies_to") write_seed(dir, kv.second);
        else collect(dir, kv.second, depth + 1);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s OUTDIR FILE...\n", argv[0]);
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    for (int i = 2; i < argc; ++i) {
        try {
            collect(dir, YAML::LoadFile(argv[i]), 0);
        } catch (const YAML::Exception&) {
            // a planted broken file of the tests: it has no conditions to give
        }
    }
    std::printf("%s: %d seeds\n", dir.string().c_str(), written);
    return written > 0 ? 0 : 1;
}
