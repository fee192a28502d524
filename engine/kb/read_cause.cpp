#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

std::vector<FixLink> read_fix_links(NodeReader& r) {
    std::vector<FixLink> links;
    YAML::Node list = r.child("fixes");
    if (!list || list.IsNull()) return links;
    if (!expect_sequence(list, r.file(), r.diagnostics(), r.what() + ": 'fixes'")) return links;
    for (const auto& item : list) {
        FixLink l;
        l.where = location_of(item, r.file());
        if (item.IsScalar()) {   // shorthand: just the fix id
            l.fix = item.Scalar();
            links.push_back(std::move(l));
            continue;
        }
        if (!expect_map(item, r.file(), r.diagnostics(), r.what() + ": a fix link")) continue;
        NodeReader lr(item, r.file(), r.diagnostics(), r.what() + " fix link");
        lr.check_keys({"fix", "success"});
        auto fix = lr.string("fix", true);
        if (fix) l.fix = *fix;
        l.success = lr.number_or("success", l.success, 0.0, 1.0);
        if (lr.ok()) links.push_back(std::move(l));
    }
    return links;
}

std::optional<Cause> read_cause(NodeReader& r) {
    r.check_keys({"id", "title", "explanation", "applies_to", "applies_to_text", "not_applicable_lr", "fixes",
                  "article_differs", "references"});
    Cause c;
    c.where = r.where();
    auto id = r.string("id", true);
    if (id) {
        c.id = *id;
        r.set_name(*id);
    }
    c.title = r.string_or("title", "");
    if (c.title.empty()) r.error(codes::kb_missing_key, fmt::format("{} has no 'title'", r.what()), c.where);
    c.explanation = r.string_or("explanation", "");
    if (r.has("applies_to")) {
        c.applies_to = read_condition(r.child("applies_to"), r.file(), r.diagnostics());
        if (!c.applies_to) r.fail();
    }
    c.applies_to_text = r.string_or("applies_to_text", "");
    c.not_applicable_lr = r.number_or("not_applicable_lr", c.not_applicable_lr, 1e-9, 1.0);
    c.fixes = read_fix_links(r);
    c.article_differs = r.string_or("article_differs", "");
    c.references = r.strings("references");
    if (!r.ok()) return std::nullopt;
    return c;
}

}  // namespace kbdiag
