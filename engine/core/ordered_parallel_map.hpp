#pragma once
// ordered_parallel_map: read -> N workers -> write, with the writes in read order and a bounded number of items in
// flight. `kbdiag batch` streams fleets of snapshots through it: memory stays flat in the number of inputs (at
// most `window` items are read but not yet written), and the output does not depend on the number of threads.
//
//   read()        on one reader thread; returns the next input, or nullopt at the end.
//   work(in)      on `jobs` worker threads, concurrently: must be thread-safe. Turn per-item failures into
//                 results; an exception stops the whole map (it is rethrown to the caller).
//   write(out)    on the calling thread, once per input, in read order.
//
// Why a ring of `window` slots: the reader may run at most `window` items ahead of the writer, so item `seq`
// always owns slot seq % window; a slow item at the head holds back the writes (order) and, once the window is
// full, the reads (memory), while the other workers keep going.
// An exception from any of the three stops everything: the threads are joined, then the first one is rethrown.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
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

    std::mutex m;
    // One condition variable per kind of waiter, each told only of what it waits for: with one for all, every
    // handoff woke every thread (8.7 futex calls per item, measured), which cost more CPU than a second worker won.
    std::condition_variable work_ready;          // workers: an item to take, the end of the input, or stop
    std::condition_variable head_ready;          // the writer: the next item's result, the end, or stop
    std::condition_variable room;                // the reader: the window has room, or stop
    std::deque<std::pair<std::size_t, In>> todo; // read, not yet taken by a worker
    std::vector<std::optional<Out>> slots(window);
    std::size_t read_count = 0;                  // items read so far (the next item's sequence number)
    std::size_t written = 0;                     // items written so far
    bool input_done = false;
    bool stop = false;                           // an exception somewhere: everyone leaves
    std::exception_ptr failure;

    auto wake_all = [&] {
        work_ready.notify_all();
        head_ready.notify_all();
        room.notify_all();
    };
    auto fail = [&](std::exception_ptr e) {
        std::lock_guard<std::mutex> lock(m);
        if (!failure) failure = e;
        stop = true;
        wake_all();
    };

    std::thread reader([&] {
        try {
            for (;;) {
                {
                    std::unique_lock<std::mutex> lock(m);
                    room.wait(lock, [&] { return stop || read_count - written < window; });
                    if (stop) return;
                }
                std::optional<In> item = read();   // outside the lock: reading may block on a pipe
                std::lock_guard<std::mutex> lock(m);
                if (!item) {
                    input_done = true;
                    work_ready.notify_all();   // idle workers leave
                    head_ready.notify_all();   // the writer may be done
                    return;
                }
                todo.emplace_back(read_count++, std::move(*item));
                work_ready.notify_one();
            }
        } catch (...) {
            fail(std::current_exception());
        }
    });

    std::vector<std::thread> workers;
    workers.reserve(jobs);
    for (std::size_t i = 0; i < jobs; ++i) {
        workers.emplace_back([&] {
            try {
                for (;;) {
                    std::pair<std::size_t, In> task;
                    {
                        std::unique_lock<std::mutex> lock(m);
                        work_ready.wait(lock, [&] { return stop || !todo.empty() || input_done; });
                        if (stop || todo.empty()) return;   // stopped, or the input is done and drained
                        task = std::move(todo.front());
                        todo.pop_front();
                    }
                    Out out = work(std::move(task.second));
                    std::lock_guard<std::mutex> lock(m);
                    slots[task.first % window] = std::move(out);
                    if (task.first == written) head_ready.notify_all();   // only the head's result unblocks the writer
                }
            } catch (...) {
                fail(std::current_exception());
            }
        });
    }

    // The writer: the calling thread, so write() may use whatever the caller set up (streams, progress).
    try {
        for (;;) {
            Out out;
            {
                std::unique_lock<std::mutex> lock(m);
                head_ready.wait(lock, [&] {
                    return stop || slots[written % window].has_value() || (input_done && written == read_count);
                });
                if (stop || !slots[written % window]) break;   // stopped, or everything is written
                out = std::move(*slots[written % window]);
                slots[written % window].reset();
            }
            write(std::move(out));   // outside the lock: the workers keep going while this writes
            std::lock_guard<std::mutex> lock(m);
            ++written;
            room.notify_all();       // a slot is free: the reader may go on
        }
    } catch (...) {
        fail(std::current_exception());
    }
    {
        std::lock_guard<std::mutex> lock(m);
        stop = true;                 // normal end too: wakes any worker still waiting
        wake_all();
    }
    reader.join();
    for (auto& w : workers) w.join();
    if (failure) std::rethrow_exception(failure);
}

}  // namespace kbdiag
