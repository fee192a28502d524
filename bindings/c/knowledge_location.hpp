#pragma once
// Where libkbdiag finds the shipped knowledge base when the caller does not say.
#include <string>

namespace kbdiag::capi {

// `explicit_folder` when given; else $KBDIAG_KNOWLEDGE; else share/kbdiag/knowledge of the prefix this library
// is installed in (found from the library's own path, so an installed tree may move); else the source tree the
// library was built from (development builds). Empty when none of them is a folder.
std::string find_builtin_kb(const char* explicit_folder);

}  // namespace kbdiag::capi
