// One libFuzzer binary per target: KBDIAG_FUZZ_TARGET names the function, of probe_fuzz_targets.hpp or, with
// KBDIAG_FUZZ_LOADERS, of loader_fuzz_targets.hpp (tests/fuzz/CMakeLists.txt builds fuzz_<target> with
// -DKBDIAG_FUZZ_TARGET=<target>).
#ifdef KBDIAG_FUZZ_LOADERS
#include "tests/fuzz/loader_fuzz_targets.hpp"
#define KBDIAG_FUZZ_NAMESPACE kbdiag::fuzz_loaders
#else
#include "tests/fuzz/probe_fuzz_targets.hpp"
#define KBDIAG_FUZZ_NAMESPACE kbdiag::fuzz
#endif

#ifndef KBDIAG_FUZZ_TARGET
#error "define KBDIAG_FUZZ_TARGET to one of the functions of probe_fuzz_targets.hpp or loader_fuzz_targets.hpp"
#endif

#ifdef KBDIAG_FUZZ_LOADERS
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    kbdiag::fuzz_loaders::prepare();
    return 0;
}
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return KBDIAG_FUZZ_NAMESPACE::KBDIAG_FUZZ_TARGET(data, size);
}
