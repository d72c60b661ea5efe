//! Parallel maps that keep input order.
//!
//! Workers take items one at a time from the shared source (reading is the serial part), map them, and
//! hand the results to the caller's thread, which feeds them to the sink in input order as soon as each is
//! next: no batch boundary where workers wait for the slowest item or for the sink. Memory is bounded:
//! no worker takes an item more than a few per thread past the one the sink waits for, nor while the items taken
//! and not yet sunk weigh more than `MAX_IN_FLIGHT_BYTES` (unless it is that very item).

use std::collections::BTreeMap;
use std::sync::{mpsc, Condvar, Mutex};

/// Items in flight per worker thread.
const AHEAD_PER_THREAD: usize = 8;
/// Bytes of items taken and not yet sunk, beyond which workers wait for the sink.
pub const MAX_IN_FLIGHT_BYTES: usize = 64 << 20;

/// The number of worker threads to use when the user did not say.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The source and the counters workers wait on, under one lock.
struct Source<I> {
    items: I,
    /// The index of the next item to take.
    next: usize,
    /// The index the sink waits for.
    written: usize,
    /// Weight of the items taken and not yet sunk.
    bytes: usize,
    /// The sink failed or the source ran dry: take nothing more.
    stop: bool,
}

/// Maps every item with `map` on `threads` threads and feeds the results to `sink` in input order.
/// `weigh` tells an item's size in bytes, for the memory bound. Stops at the first error `sink` returns.
pub fn map_ordered<I, R, T, W, M, S>(
    items: I,
    threads: usize,
    weigh: W,
    map: M,
    sink: S,
) -> anyhow::Result<()>
where
    I: Iterator<Item = R> + Send,
    R: Send,
    T: Send,
    W: Fn(&R) -> usize + Sync,
    M: Fn(R) -> T + Sync,
    S: FnMut(T) -> anyhow::Result<()>,
{
    ordered(items, threads, AHEAD_PER_THREAD * threads, weigh, map, sink)
}

/// [`map_ordered`] with no worker more than `ahead` items past the one `sink` waits for.
fn ordered<I, R, T, W, M, S>(
    items: I,
    threads: usize,
    ahead: usize,
    weigh: W,
    map: M,
    mut sink: S,
) -> anyhow::Result<()>
where
    I: Iterator<Item = R> + Send,
    R: Send,
    T: Send,
    W: Fn(&R) -> usize + Sync,
    M: Fn(R) -> T + Sync,
    S: FnMut(T) -> anyhow::Result<()>,
{
    if threads <= 1 {
        for item in items {
            sink(map(item))?;
        }
        return Ok(());
    }
    let ahead = ahead.max(1);
    let source = Mutex::new(Source {
        items,
        next: 0,
        written: 0,
        bytes: 0,
        stop: false,
    });
    let room = Condvar::new();
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, usize, T)>();
        for i in 0..threads {
            let tx = tx.clone();
            let (source, room, weigh, map) = (&source, &room, &weigh, &map);
            std::thread::Builder::new()
                .name(format!("cc-worker-{i}"))
                .spawn_scoped(scope, move || loop {
                    let (at, weight, item) = {
                        let mut s = source.lock().expect("source lock");
                        while !s.stop
                            && (s.next >= s.written + ahead
                                || (s.bytes >= MAX_IN_FLIGHT_BYTES && s.next > s.written))
                        {
                            s = room.wait(s).expect("source lock");
                        }
                        if s.stop {
                            return;
                        }
                        let Some(item) = s.items.next() else {
                            s.stop = true;
                            room.notify_all();
                            return;
                        };
                        let (at, weight) = (s.next, weigh(&item));
                        s.next += 1;
                        s.bytes += weight;
                        (at, weight, item)
                    };
                    if tx.send((at, weight, map(item))).is_err() {
                        return;
                    }
                })
                .expect("spawning a worker thread");
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut want = 0usize;
        let result = (|| {
            for (at, weight, t) in &rx {
                pending.insert(at, (weight, t));
                while let Some((weight, t)) = pending.remove(&want) {
                    sink(t)?;
                    want += 1;
                    let mut s = source.lock().expect("source lock");
                    s.written = want;
                    s.bytes -= weight;
                    drop(s);
                    room.notify_all();
                }
            }
            Ok(())
        })();
        // On an error (a closed pipe), release and stop the workers.
        source.lock().expect("source lock").stop = true;
        room.notify_all();
        drop(rx);
        result
    })
}

/// Runs `work(0..n)` on `threads` threads and hands the results to `sink` in index order, as soon as each is
/// next. No worker runs more than `ahead` items past the one `sink` waits for, so memory stays bounded; unlike
/// fixed batches, one large item holds up nobody but its own slot. Stops at the first error of `sink`.
pub fn in_order<T, W, S>(
    n: usize,
    threads: usize,
    ahead: usize,
    work: W,
    sink: S,
) -> anyhow::Result<()>
where
    T: Send,
    W: Fn(usize) -> T + Sync,
    S: FnMut(T) -> anyhow::Result<()>,
{
    ordered(0..n, threads, ahead, |_| 0, work, sink)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn results_arrive_in_order_whatever_the_work_takes() {
        let mut got = Vec::new();
        in_order(
            200,
            4,
            3,
            |i| {
                std::thread::sleep(std::time::Duration::from_micros(
                    ((i * 7919) % 13) as u64 * 50,
                ));
                i
            },
            |i| {
                got.push(i);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(got, (0..200).collect::<Vec<_>>());
    }

    #[test]
    fn a_sink_error_stops_the_run() {
        let mut seen = 0;
        let r = in_order(
            1000,
            3,
            2,
            |i| i,
            |i| {
                seen += 1;
                if i == 10 {
                    anyhow::bail!("closed");
                }
                Ok(())
            },
        );
        assert!(r.is_err());
        assert_eq!(seen, 11);
    }

    #[test]
    fn order_is_kept_across_many_batches_and_threads() {
        let n = 3 * AHEAD_PER_THREAD * 4 + 17;
        for threads in [1, 2, 4] {
            let mut out = Vec::new();
            map_ordered(
                0..n,
                threads,
                |_| 1,
                |i| i * 2,
                |x| {
                    out.push(x);
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(out, (0..n).map(|i| i * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    fn heavy_items_wait_for_the_sink() {
        // Each item alone is over the byte budget: one at a time may be taken and not yet sunk.
        let taken = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let mut order = Vec::new();
        map_ordered(
            0..50usize,
            3,
            |_| {
                let now = taken.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                MAX_IN_FLIGHT_BYTES
            },
            |i| i,
            |i| {
                order.push(i);
                taken.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(order, (0..50).collect::<Vec<_>>());
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_failing_sink_stops_the_run() {
        let mut seen = 0;
        let r = map_ordered(
            0..1_000_000u64,
            2,
            |_| 1,
            |i| i,
            |_| {
                seen += 1;
                if seen == 10 {
                    anyhow::bail!("closed")
                }
                Ok(())
            },
        );
        assert!(r.is_err());
        assert_eq!(seen, 10);
    }
}
