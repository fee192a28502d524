#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

std::vector<CauseLink> read_cause_links(NodeReader& r) {
    std::vector<CauseLink> links;
    YAML::Node list = r.child("causes");
    if (!list || !expect_sequence(list, r.file(), r.diagnostics(), r.what() + ": 'causes'")) {
        if (!list) r.error(codes::kb_missing_key, fmt::format("{} has no 'causes'", r.what()), r.where());
        return links;
    }
    for (const auto& item : list) {
        NodeReader link(item, r.file(), r.diagnostics(), r.what() + " cause link");
        if (!expect_map(item, r.file(), r.diagnostics(), r.what() + ": a cause link")) continue;
        link.check_keys({"cause", "prior"});
        CauseLink c;
        c.where = link.where();
        c.cause = link.string_or("cause", "");
        auto prior = link.number("prior", true);
        if (c.cause.empty()) link.error(codes::kb_missing_key, r.what() + ": a cause link has no 'cause'", c.where);
        if (prior) c.prior = *prior;
        if (link.ok()) links.push_back(std::move(c));
    }
    return links;
}

static Escalation read_escalation(NodeReader& r) {
    Escalation e;
    YAML::Node n = r.child("escalation");
    if (!n) return e;
    if (!expect_map(n, r.file(), r.diagnostics(), r.what() + ": 'escalation'")) return e;
    NodeReader er(n, r.file(), r.diagnostics(), r.what() + " escalation");
    er.check_keys({"title", "text", "cost_minutes"});
    e.title = er.string_or("title", e.title);
    e.text = er.string_or("text", "");
    e.cost_minutes = er.number_or("cost_minutes", e.cost_minutes, 0.1, 100000.0);
    return e;
}

std::optional<Problem> read_problem(NodeReader& r) {
    r.check_keys({"id", "title", "message", "codes", "platform", "causes", "other", "other_title", "escalation",
                  "article_notes", "references"});
    Problem p;
    p.where = r.where();
    auto id = r.string("id", true);
    if (id) {
        p.id = *id;
        r.set_name(*id);
    }
    p.title = r.string_or("title", "");
    p.message = r.string_or("message", "");
    p.codes = r.strings("codes", true);
    p.platform = read_platform(r);
    p.causes = read_cause_links(r);
    p.other_prior = r.number_or("other", -1.0, 0.0, 1.0);   // -1: take what the causes leave
    p.other_title = r.string_or("other_title", p.other_title);
    p.escalation = read_escalation(r);
    p.article_notes = r.string_or("article_notes", "");
    p.references = r.strings("references");
    if (!r.ok()) return std::nullopt;
    return p;
}

}  // namespace kbdiag
