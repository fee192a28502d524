// kbdiag kb facts: the fact catalog - name, type, which collectors provide it, the question to ask.
#include <fmt/format.h>

#include "engine/report/report.hpp"
#include "tools/kbdiag/commands.hpp"

namespace kbdiag::cli {

namespace {

struct FactsArgs {
    std::string format = "text";
};

std::string type_text(const FactDef& f) {
    std::string t = to_string(f.type);
    if (f.type == FactType::enumeration && !f.values.empty()) t += fmt::format(" [{}]", fmt::join(f.values, ", "));
    if (f.type == FactType::records && !f.fields.empty()) {
        std::vector<std::string> fields;
        for (const auto& [name, type] : f.fields) fields.push_back(name + ": " + to_string(type));
        t += fmt::format(" {{{}}}", fmt::join(fields, ", "));
    }
    return t;
}

int run_facts(const GlobalOptions& g, const FactsArgs& a) {
    Diagnostics carried;
    auto kb = load_kb_or_throw(g, carried);
    if (a.format == "json") {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& [id, f] : kb->facts) {
            nlohmann::json fields = nlohmann::json::object();
            for (const auto& [name, type] : f.fields) fields[name] = to_string(type);
            arr.push_back(nlohmann::json{{"name", id},
                                         {"type", to_string(f.type)},
                                         {"values", f.values},
                                         {"fields", fields},
                                         {"meaning", f.meaning},
                                         {"context", f.context},
                                         {"in_report", f.in_report},
                                         {"provided_by", f.provided_by},
                                         {"question", f.question},
                                         {"ask_cost_minutes", round_to(f.ask_cost_minutes, 4)},
                                         {"location", f.where.to_string()}});
        }
        write_output("", dump_json(nlohmann::json{{"schema", "kbdiag-facts/1"}, {"facts", arr}}));
        return exit_ok;
    }
    std::string out;
    for (const auto& [id, f] : kb->facts) {
        out += wrap(id, 80, "", "  ");
        out += wrap(type_text(f), 80, "    type:        ", "                 ");
        out += wrap(f.provided_by.empty() ? std::string("(no collector: ask)")
                                          : fmt::format("{}", fmt::join(f.provided_by, ", ")),
                    80, "    provided by: ", "                 ");
        if (!f.question.empty()) out += wrap(f.question, 80, "    question:    ", "                 ");
        if (!f.meaning.empty()) out += wrap(f.meaning, 80, "    meaning:     ", "                 ");
        if (!f.context.empty()) out += wrap(f.context, 80, "    context:     ", "                 ");
        if (f.in_report) out += "    in report:   yes (ALSO CHECKED)\n";
    }
    out += fmt::format("{} facts\n", kb->facts.size());
    write_output("", out);
    return exit_ok;
}

}  // namespace

void setup_kb_facts(CLI::App& kb, const GlobalOptions& g, RunFn& run) {
    static FactsArgs a;
    CLI::App* sub = kb.add_subcommand("facts", "List the fact catalog: name, type, provided by, question");
    sub->add_option("--format", a.format, "Output format: text or json")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json"}));
    sub->footer(exit_codes_help);
    sub->callback([&g, &run]() { run = [&g]() { return run_facts(g, a); }; });
}

}  // namespace kbdiag::cli
