// "Did you mean ...?" (engine/core/suggest): the distance, the threshold, the order and the phrasing.
#include <doctest/doctest.h>

#include <map>

#include "engine/core/suggest.hpp"

using namespace kbdiag::suggest;

TEST_CASE("suggest: edit distance counts a swap of neighbours as one edit") {
    CHECK(edit_distance("", "") == 0);
    CHECK(edit_distance("infer", "infer") == 0);
    CHECK(edit_distance("infr", "infer") == 1);         // deletion
    CHECK(edit_distance("eror", "error") == 1);
    CHECK(edit_distance("buidl", "build") == 1);        // swap (plain Levenshtein says 2)
    CHECK(edit_distance("lnit", "lint") == 1);
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("abc", "") == 3);
    CHECK(edit_distance("ca", "abc") == 3);             // optimal string alignment: no edit of a swapped pair
}

TEST_CASE("suggest: close means one typo per three characters, at least one; or containing the other") {
    CHECK(is_close("infr", "infer"));
    CHECK(is_close("INFER", "infer"));                  // case does not count
    CHECK(is_close("tst", "test"));
    CHECK(is_close("windows.buidl", "windows.build"));
    CHECK(is_close("build", "windows.build"));          // the query is part of the name
    CHECK_FALSE(is_close("xyz", "infer"));
    CHECK(is_close("kv", "kb"));                        // one typo in two characters...
    CHECK_FALSE(is_close("xy", "kb"));                  // ...but not two
    CHECK_FALSE(is_close("ab", "xxabxx"));              // containing counts from three characters on
    CHECK_FALSE(is_close("", "infer"));
    CHECK_FALSE(is_close("collect", "consult"));        // 4 edits in 7 characters
}

TEST_CASE("suggest: closest ranks by distance, then by name, without duplicates, up to the limit") {
    const std::vector<std::string> commands{"collect", "infer", "consult", "batch", "kb"};
    CHECK(closest("infr", commands) == std::vector<std::string>{"infer"});
    CHECK(closest("colect", commands) == std::vector<std::string>{"collect"});
    CHECK(closest("nothing-like-it", commands).empty());
    CHECK(closest("lnt", {"list", "lint", "lint", "mint"}) == std::vector<std::string>{"lint"});   // "list" is 2 away
    const std::vector<std::string> names{"tost", "test", "last", "test", "toast"};
    CHECK(closest("tast", names, 2) == std::vector<std::string>{"last", "test"});   // all 1 away: by name
    CHECK(closest("tast", names, 10) == std::vector<std::string>{"last", "test", "toast", "tost"});
}

TEST_CASE("suggest: the phrasing appended to messages") {
    CHECK(did_you_mean("--eror", {"--error", "--fact", "--format"}) == " (did you mean '--error'?)");
    CHECK(did_you_mean("ab", {"abc", "abd", "abe"}, 3) == " (did you mean 'abc', 'abd' or 'abe'?)");
    CHECK(did_you_mean("zzzzzz", {"--error"}).empty());
    CHECK(did_you_mean("windows.buidl", {"windows.ubr", "windows.build"}, 3) == " (did you mean 'windows.build'?)");
    const std::map<std::string, int> facts{{"windows.build", 1}, {"windows.edition", 2}};
    CHECK(did_you_mean_key("windows.buidl", facts) == " (did you mean 'windows.build'?)");
    CHECK(not_in_catalog_hint("windows.buidl", facts) == "; did you mean 'windows.build'?");
    CHECK(not_in_catalog_hint("server.vendor", facts).empty());
}
