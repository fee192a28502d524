// ordered_parallel_map: writes in read order whatever the threads do, never more than `window` items in flight,
// and an exception from any stage reaches the caller (after every thread has stopped).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/ordered_parallel_map.hpp"

using namespace kbdiag;

namespace {

// Reads 0..n-1.
struct Counter {
    int n;
    int next = 0;
    std::optional<int> operator()() {
        if (next >= n) return std::nullopt;
        return next++;
    }
};

// Work whose duration varies by item, so later items often finish first.
int slow_square(int x) {
    std::this_thread::sleep_for(std::chrono::microseconds((x * 7919) % 13 * 150));
    return x * x;
}

}  // namespace

TEST_CASE("ordered_parallel_map: results come out in input order with several workers") {
    for (std::size_t jobs : {1u, 2u, 4u, 8u}) {
        std::vector<int> out;
        ordered_parallel_map<int, int>(Counter{200}, slow_square, [&](int v) { out.push_back(v); }, jobs);
        REQUIRE(out.size() == 200);
        for (int i = 0; i < 200; ++i) CHECK(out[static_cast<std::size_t>(i)] == i * i);
    }
}

TEST_CASE("ordered_parallel_map: empty input writes nothing") {
    int writes = 0;
    ordered_parallel_map<int, int>(Counter{0}, slow_square, [&](int) { ++writes; }, 4);
    CHECK(writes == 0);
}

TEST_CASE("ordered_parallel_map: at most `window` items are read ahead of the writer") {
    std::atomic<int> read{0};
    std::atomic<int> written{0};
    int max_ahead = 0;   // only the reader thread touches it
    const std::size_t window = 5;
    auto reader = [&, c = Counter{100}]() mutable {
        auto v = c();
        if (v) {
            const int ahead = ++read - written.load();
            max_ahead = std::max(max_ahead, ahead);
        }
        return v;
    };
    ordered_parallel_map<int, int>(reader, slow_square, [&](int) {
        std::this_thread::sleep_for(std::chrono::microseconds(300));   // a slow writer: the reader must wait
        ++written;
    }, 4, window);
    CHECK(written == 100);
    CHECK(max_ahead <= static_cast<int>(window) + 1);   // +1: `written` may lag the write by one
    CHECK(max_ahead >= 2);                              // and there was parallelism at all
}

TEST_CASE("ordered_parallel_map: an exception from work or write reaches the caller") {
    auto throwing_work = [](int x) {
        if (x == 37) throw std::runtime_error("item 37");
        return x;
    };
    auto run_work = [&] { ordered_parallel_map<int, int>(Counter{100}, throwing_work, [](int) {}, 4); };
    CHECK_THROWS_WITH(run_work(), "item 37");

    std::vector<int> out;
    auto throwing_write = [&](int v) {
        if (v == 10) throw std::runtime_error("disk full");
        out.push_back(v);
    };
    auto run_write = [&] { ordered_parallel_map<int, int>(Counter{1000}, [](int x) { return x; }, throwing_write, 3); };
    CHECK_THROWS_WITH(run_write(), "disk full");
    CHECK(out.size() == 10);   // everything before the failing write, in order
    for (int i = 0; i < 10; ++i) CHECK(out[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("ordered_parallel_map: an exception from read reaches the caller after what was read is dropped") {
    auto reader = [c = Counter{100}]() mutable {
        auto v = c();
        if (v && *v == 50) throw std::runtime_error("bad input stream");
        return v;
    };
    std::vector<int> out;
    auto run = [&] { ordered_parallel_map<int, int>(reader, slow_square, [&](int v) { out.push_back(v); }, 3); };
    CHECK_THROWS_WITH(run(), "bad input stream");
    CHECK(out.size() <= 50);
    for (std::size_t i = 0; i < out.size(); ++i) CHECK(out[i] == static_cast<int>(i * i));
}

TEST_CASE("ordered_parallel_map: one job runs everything on the calling thread, several never write at once") {
    const auto caller = std::this_thread::get_id();
    int elsewhere = 0;
    ordered_parallel_map<int, int>(
        [&, c = Counter{50}]() mutable {
            elsewhere += std::this_thread::get_id() != caller;
            return c();
        },
        [&](int x) {
            elsewhere += std::this_thread::get_id() != caller;
            return x;
        },
        [&](int) { elsewhere += std::this_thread::get_id() != caller; }, 1);
    CHECK(elsewhere == 0);

    std::atomic<int> writing{0};
    std::atomic<int> overlaps{0};
    std::vector<int> out;
    ordered_parallel_map<int, int>(Counter{300}, slow_square, [&](int v) {
        if (++writing > 1) ++overlaps;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        out.push_back(v);
        --writing;
    }, 4);
    CHECK(overlaps == 0);
    REQUIRE(out.size() == 300);
    for (int i = 0; i < 300; ++i) CHECK(out[static_cast<std::size_t>(i)] == i * i);
}
