#include "engine/core/yaml_util.hpp"

#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

namespace kbdiag {

const char* node_kind(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map: return "mapping";
        case YAML::NodeType::Sequence: return "sequence";
        case YAML::NodeType::Scalar: return "scalar";
        default: return "null";
    }
}

static std::optional<Record> loose_record(const YAML::Node& node, std::string& error) {
    Record r;
    for (const auto& kv : node) {
        if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
            error = "record fields must be scalars";
            return std::nullopt;
        }
        r[kv.first.Scalar()] = kv.second.Scalar();
    }
    return r;
}

std::optional<FactValue> loose_value(const YAML::Node& node, std::string& error) {
    if (node.IsScalar()) return FactValue{node.Scalar()};
    if (node.IsSequence()) {
        if (node.size() == 0) return FactValue{std::vector<std::string>{}};
        if (node[0].IsMap()) {
            std::vector<Record> records;
            for (const auto& item : node) {
                if (!item.IsMap()) {
                    error = "a list of records mixes mappings and other values";
                    return std::nullopt;
                }
                auto r = loose_record(item, error);
                if (!r) return std::nullopt;
                records.push_back(std::move(*r));
            }
            return FactValue{std::move(records)};
        }
        std::vector<std::string> list;
        for (const auto& item : node) {
            if (!item.IsScalar()) {
                error = "a list value must hold scalars or mappings";
                return std::nullopt;
            }
            list.push_back(item.Scalar());
        }
        return FactValue{std::move(list)};
    }
    error = std::string("expected a value, got a ") + node_kind(node);
    return std::nullopt;
}

namespace {

constexpr std::size_t max_problems = 50;

// Walks a document as the readers will, alias targets included each time they are reached, within a budget of
// nodes plus scalar bytes; reports duplicate mapping keys on the way.
class YamlChecker {
public:
    YamlChecker(std::size_t budget, CheckedYaml& out) : budget_(budget), out_(out) {}

    // False when the budget ran out (then a problem says where).
    bool visit(const YAML::Node& node, const YAML::Node& parent) {
        const std::size_t cost = 1 + (node.IsScalar() ? node.Scalar().size() : 0);
        if (cost > budget_) return exhausted(parent);
        budget_ -= cost;
        if (node.IsSequence()) {
            for (const auto& item : node)
                if (!visit(item, node)) return false;
        } else if (node.IsMap()) {
            std::map<std::string, int> first_line;   // scalar key -> its 1-based line
            for (const auto& kv : node) {
                if (kv.first.IsScalar()) check_duplicate(kv.first, first_line);
                if (!visit(kv.first, node) || !visit(kv.second, node)) return false;
            }
        }
        return true;
    }

private:
    bool exhausted(const YAML::Node& where) {
        const auto mark = where.Mark();
        out_.problems.push_back({"aliases expand this file far beyond its size (an alias bomb?); not read",
                                 mark.line, mark.column});
        out_.usable = false;
        return false;
    }

    void check_duplicate(const YAML::Node& key, std::map<std::string, int>& first_line) {
        const auto mark = key.Mark();
        auto [it, fresh] = first_line.emplace(key.Scalar(), mark.line + 1);
        if (fresh || out_.problems.size() >= max_problems) return;
        // Reported once per place: an aliased mapping is walked again each time it is reached.
        if (!reported_.emplace(mark.line, mark.column).second) return;
        out_.problems.push_back({fmt::format("duplicate key '{}' (first at line {}); YAML keys must be unique",
                                             key.Scalar(), it->second),
                                 mark.line, mark.column});
    }

    std::size_t budget_;
    CheckedYaml& out_;
    std::set<std::pair<int, int>> reported_;
};

// Where the documents of a text start, from yaml-cpp's events alone (no nodes built). yaml-cpp 0.7 never consumes a
// ',' where a document should start ("[a], b", "- a\n, b", "'x', y"): YAML::LoadAll then appends empty documents
// at that place forever (a hang and a heap that grows to the OOM killer), and YAML::Load silently drops the rest.
// Found by fuzz_condition. This pass stops at the first document that starts where the previous one did.
class DocumentStarts : public YAML::EventHandler {
public:
    std::vector<YAML::Mark> starts;
    void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

// The mark of a document that yaml-cpp cannot get past, if the text has one (throws YAML::Exception on a syntax
// error before it, like YAML::LoadAll would).
std::optional<YAML::Mark> stuck_document(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts handler;
    while (parser.HandleNextDocument(handler)) {
        const auto n = handler.starts.size();
        if (n >= 2 && handler.starts[n - 1].pos == handler.starts[n - 2].pos) return handler.starts[n - 1];
    }
    return std::nullopt;
}

// YAML 1.2 (like JSON) reads a lone CR as a line break, but yaml-cpp 0.7 takes it for an ordinary character:
// `"key":\r "value"` became the plain scalar `\r "value"`, quotes included (found by fuzz_snapshot_json against
// the JSON fast path). Old Mac line endings are turned into LF before parsing; CRLF is left alone (yaml-cpp reads
// it right), so line and column numbers stay those of the text.
bool has_lone_cr(const std::string& text) {
    for (std::size_t at = text.find('\r'); at != std::string::npos; at = text.find('\r', at + 1))
        if (at + 1 == text.size() || text[at + 1] != '\n') return true;
    return false;
}

std::string lone_cr_as_lf(std::string text) {
    for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) text[i] = '\n';
    return text;
}

}  // namespace

CheckedYaml load_checked_yaml(const std::string& text) {
    if (has_lone_cr(text)) return load_checked_yaml(lone_cr_as_lf(text));
    CheckedYaml out;
    // A comma or a stray closing bracket can get a document stuck (a `}` after lone CRs did, found by
    // fuzz_condition), after almost anything, so every text with one pays the event pass: about two thirds of a
    // parse more.
    const auto stuck = text.find_first_of(",}]") != std::string::npos ? stuck_document(text) : std::nullopt;
    if (stuck)
        out.problems.push_back({"unexpected ',' after the end of the document", stuck->line, stuck->column});
    // YAML::Load stops after the first document: it cannot hang.
    std::vector<YAML::Node> documents = stuck ? std::vector<YAML::Node>{YAML::Load(text)} : YAML::LoadAll(text);
    if (documents.empty()) return out;   // an empty text: a null root
    out.root = documents.front();
    // Without aliases a document has at most about one node per byte and as many scalar bytes as it has bytes.
    YamlChecker checker(4 * text.size() + 65536, out);
    if (!checker.visit(out.root, out.root)) {
        out.root = YAML::Node();
        return out;
    }
    for (std::size_t i = 1; i < documents.size(); ++i) {
        if (documents[i].IsNull()) continue;   // a stray "---" at the end holds nothing
        const auto mark = documents[i].Mark();
        out.problems.push_back({"a second YAML document in one file; only one is read", mark.line, mark.column});
        break;
    }
    return out;
}

}  // namespace kbdiag
