// One libFuzzer binary per target of probe_fuzz_targets.hpp: KBDIAG_FUZZ_TARGET names the function
// (tests/fuzz/CMakeLists.txt builds fuzz_<target> with -DKBDIAG_FUZZ_TARGET=<target>).
#include "tests/fuzz/probe_fuzz_targets.hpp"

#ifndef KBDIAG_FUZZ_TARGET
#error "define KBDIAG_FUZZ_TARGET to one of the functions of probe_fuzz_targets.hpp"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return kbdiag::fuzz::KBDIAG_FUZZ_TARGET(data, size);
}
