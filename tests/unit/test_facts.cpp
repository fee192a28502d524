#include <doctest/doctest.h>

#include "engine/facts/fact_store.hpp"
#include "engine/facts/fact_value.hpp"

using namespace kbdiag;

TEST_CASE("FactStore tells known, absent, failed and unknown apart") {
    FactStore s;
    s.set("windows.build", FactValue{22631}, "windows.os");
    s.set_absent("lsa.lm_compatibility_level", "windows.lsa", "value not set");
    s.set_failed("credman.entries", "windows.credman", "access denied");
    CHECK(s.is_known("windows.build"));
    CHECK(s.value("windows.build")->as_int() == 22631);
    REQUIRE(s.find("lsa.lm_compatibility_level"));
    CHECK(s.find("lsa.lm_compatibility_level")->state == FactState::absent);
    CHECK_FALSE(s.is_known("lsa.lm_compatibility_level"));
    CHECK(s.value("lsa.lm_compatibility_level") == nullptr);
    CHECK(s.find("credman.entries")->state == FactState::failed);
    CHECK(s.find("nobody.said") == nullptr);
}

TEST_CASE("FactStore merge replaces by name and keeps sorted order") {
    FactStore a, b;
    a.set("z.last", FactValue{1}, "x");
    a.set("a.first", FactValue{1}, "x");
    b.set("a.first", FactValue{2}, "manual");
    a.merge(b);
    CHECK(a.value("a.first")->as_int() == 2);
    CHECK(a.find("a.first")->source == "manual");
    CHECK(a.entries().begin()->first == "a.first");
}

TEST_CASE("parse_fact_text per type") {
    CHECK(parse_fact_text("yes", FactType::boolean).value->as_bool());
    CHECK_FALSE(parse_fact_text("Off", FactType::boolean).value->as_bool());
    CHECK_FALSE(parse_fact_text("maybe", FactType::boolean).value);
    CHECK(parse_fact_text("0x963", FactType::integer).value->as_int() == 2403);
    CHECK(parse_fact_text("-5", FactType::integer).value->as_int() == -5);
    CHECK_FALSE(parse_fact_text("12abc", FactType::integer).value);
    CHECK_FALSE(parse_fact_text("99999999999999999999", FactType::integer).value);
    auto e = parse_fact_text("SYNOLOGY", FactType::enumeration, {"synology", "qnap"});
    REQUIRE(e.value);
    CHECK(e.value->as_string() == "synology");   // canonical spelling from the catalog
    CHECK(parse_fact_text("netapp", FactType::enumeration, {"synology", "qnap"}).error.find("synology") !=
          std::string::npos);
    auto l = parse_fact_text("a, b ,c", FactType::string_list).value->as_list();
    CHECK(l == std::vector<std::string>{"a", "b", "c"});
    CHECK(parse_fact_text("@86400", FactType::timestamp).value->as_int() == 86400);
    CHECK_FALSE(parse_fact_text("x", FactType::records).value);
}

TEST_CASE("ISO 8601 timestamps round-trip and honour offsets") {
    CHECK(parse_iso8601("1970-01-01T00:00:00Z") == 0);
    CHECK(parse_iso8601("1970-01-02") == 86400);
    CHECK(parse_iso8601("2026-11-24T10:00:00Z") == 1795514400);
    CHECK(parse_iso8601("2026-11-24T12:00:00+02:00") == 1795514400);
    CHECK(parse_iso8601("2026-11-24T10:00:00.123Z") == 1795514400);
    CHECK_FALSE(parse_iso8601("2026-13-01"));
    CHECK_FALSE(parse_iso8601("2026-11-24T25:00"));
    CHECK_FALSE(parse_iso8601("yesterday"));
    CHECK(format_iso8601(1795514400) == "2026-11-24T10:00:00Z");
    CHECK(format_iso8601(-1) == "1969-12-31T23:59:59Z");
    for (std::int64_t t : {0LL, 951782400LL, 4102444799LL}) CHECK(parse_iso8601(format_iso8601(t)) == t);
}

TEST_CASE("coerce turns loose YAML values into catalog types") {
    CHECK(coerce(FactValue{"22631"}, FactType::integer).value->as_int() == 22631);
    CHECK(coerce(FactValue{"true"}, FactType::boolean).value->as_bool());
    CHECK(coerce(FactValue{"2026-01-10T09:00:00Z"}, FactType::timestamp).value->as_int() == 1768035600);
    CHECK(coerce(FactValue{"one"}, FactType::string_list).value->as_list().size() == 1);
    CHECK_FALSE(coerce(FactValue{"x"}, FactType::integer).value);
    std::vector<Record> loose{
        {{"target", std::string("Domain:target=nas01")}, {"last_written", std::string("2026-01-10T09:00:00Z")}}};
    std::map<std::string, FactType> fields{{"target", FactType::string}, {"last_written", FactType::timestamp}};
    auto typed = coerce(FactValue{loose}, FactType::records, {}, fields);
    REQUIRE(typed.value);
    CHECK(std::get<std::int64_t>(typed.value->as_records()[0].at("last_written")) == 1768035600);
    std::vector<Record> bad{{{"secret", std::string("x")}}};
    CHECK(coerce(FactValue{bad}, FactType::records, {}, fields).error.find("secret") != std::string::npos);
}

TEST_CASE("to_display renders every kind") {
    CHECK(to_display(FactValue{true}, FactType::boolean) == "true");
    CHECK(to_display(FactValue{0}, FactType::timestamp) == "1970-01-01T00:00:00Z");
    CHECK(to_display(FactValue{std::vector<std::string>{"a", "b"}}, FactType::string_list) == "[a, b]");
}
