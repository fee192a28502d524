#pragma once
// The YAML that `kbdiag collect` writes, read without yaml-cpp's parser: block mappings and sequences by
// indentation, flow mappings and sequences on one line, plain, 'single' and "double" quoted scalars. yaml-cpp took
// 6 of `kbdiag infer`'s 52 M instructions to read a 1.5 KB snapshot (its scanner, plus the event pass that
// load_checked_yaml makes over any text with a comma); this takes a few hundred thousand.
//
// It builds the yaml-cpp node tree that YAML::Load would (same shapes, same scalar texts), or gives up: nullopt for
// anything outside that subset or any doubt (comments, tabs, anchors, aliases, tags, directives, several documents,
// block scalars, nulls, duplicate keys, multi-line scalars, unusual escapes). The caller then reads the text the
// general way, which also says where a broken text is broken: the nodes made here carry no line numbers.
#include <optional>
#include <string_view>

#include <yaml-cpp/yaml.h>

namespace kbdiag {

std::optional<YAML::Node> parse_plain_yaml(std::string_view text);

}  // namespace kbdiag
