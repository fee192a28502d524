#pragma once
// ordered_parallel_map: read -> work on N threads -> write, with the writes in read order and a bounded number of
// items in flight. `kbdiag batch` streams fleets of snapshots through it: memory stays flat in the number of inputs
// (at most `window` items are read but not yet written), and the output does not depend on the number of threads.
//
//   read()        returns the next input, or nullopt at the end. Called by one thread at a time, in order.
//   work(in)      on up to `jobs` threads, concurrently: must be thread-safe. Turn per-item failures into
//                 results; an exception stops the whole map (it is rethrown to the caller).
//   write(out)    once per input, in read order, by one thread at a time (any of the map's threads, the caller's
//                 included; each write happens-before the next).
//
// Why no reader or writer thread: every thread reads its own next item, works on it, leaves the result in the
// ring and, when that result is the next one to write and nobody is writing, writes it and whatever follows it
// that is ready. An item never changes hands between threads unless a slow item holds back the ones after it, so
// the threads rarely wait for each other: with a reader and a writer thread, every item cost three wake-ups, 10-16%
// of a batch run's CPU (perf, issue 9). The ring of `window` slots bounds memory: a thread reads only while fewer
// than `window` items are read but not written, so item `seq` always owns slot seq % window.
// An exception from any of the three stops everything: the threads are joined, then the first one is rethrown.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace kbdiag {

template <class In, class Out, class Read, class Work, class Write>
void ordered_parallel_map(Read&& read, Work&& work, Write&& write, std::size_t jobs, std::size_t window = 0) {
    jobs = std::max<std::size_t>(jobs, 1);
    if (window == 0) window = 4 * jobs;
    window = std::max(window, jobs);

    std::mutex read_mutex;                       // one read() at a time; held while waiting for room
    std::mutex m;                                // everything below
    std::condition_variable room;                // a thread about to read: the window has room, or stop
    std::vector<std::optional<Out>> slots(window);
    std::size_t read_count = 0;                  // items read so far (the next item's sequence number)
    std::size_t written = 0;                     // items written so far
    bool input_done = false;                     // guarded by read_mutex
    bool writing = false;                        // a thread is writing (it writes every ready item in order)
    bool stop = false;                           // an exception somewhere: everyone leaves
    std::exception_ptr failure;

    auto fail = [&](std::exception_ptr e) {
        std::lock_guard<std::mutex> lock(m);
        if (!failure) failure = e;
        stop = true;
        room.notify_all();
    };
    // The next item and its sequence number, or nullopt at the end of the input (or on stop).
    auto next = [&]() -> std::optional<std::pair<std::size_t, In>> {
        std::lock_guard<std::mutex> read_lock(read_mutex);
        if (input_done) return std::nullopt;
        {
            std::unique_lock<std::mutex> lock(m);
            room.wait(lock, [&] { return stop || read_count - written < window; });
            if (stop) return std::nullopt;
        }
        std::optional<In> item = read();   // outside `m`: reading may block on a pipe while others write
        if (!item) {
            input_done = true;
            return std::nullopt;
        }
        std::lock_guard<std::mutex> lock(m);
        return std::make_pair(read_count++, std::move(*item));
    };
    // Leaves `out` in its slot; writes it and the ready items after it when it is the head and nobody writes.
    auto deliver = [&](std::size_t seq, Out out) {
        std::unique_lock<std::mutex> lock(m);
        slots[seq % window] = std::move(out);
        if (writing || seq != written) return;   // the writing thread, or the head's own thread, will write it
        writing = true;
        while (!stop && slots[written % window]) {
            Out head = std::move(*slots[written % window]);
            slots[written % window].reset();
            lock.unlock();
            try {
                write(std::move(head));   // outside the lock: the others keep working while this writes
            } catch (...) {
                lock.lock();
                writing = false;
                throw;
            }
            lock.lock();
            ++written;
            room.notify_all();   // cheap when nobody waits: the window is rarely full
        }
        writing = false;
    };
    auto run = [&] {
        try {
            while (auto task = next()) deliver(task->first, work(std::move(task->second)));
        } catch (...) {
            fail(std::current_exception());
        }
    };

    std::vector<std::thread> helpers;
    helpers.reserve(jobs - 1);
    for (std::size_t i = 1; i < jobs; ++i) helpers.emplace_back(run);
    run();   // the calling thread is one of the `jobs`
    for (auto& t : helpers) t.join();
    if (failure) std::rethrow_exception(failure);
}

}  // namespace kbdiag
