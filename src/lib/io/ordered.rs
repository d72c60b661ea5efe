//! Parallel map over bounded batches that keeps input order.
//!
//! A reader thread fills batches of at most `MAX_BATCH_ITEMS` items or `MAX_BATCH_BYTES` bytes and hands them
//! over a channel that holds two; rayon maps each batch (an indexed collect keeps order) and the caller's sink
//! consumes the results in input order. Memory is bounded by a few batches, whatever the input size.

use std::sync::mpsc::sync_channel;

use rayon::prelude::*;

pub const MAX_BATCH_ITEMS: usize = 2048;
pub const MAX_BATCH_BYTES: usize = 8 << 20;

/// The number of worker threads to use when the user did not say.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Maps every item with `map` on `threads` threads and feeds the results to `sink` in input order.
/// `weigh` tells an item's size in bytes, for batching. Stops at the first error `sink` returns.
pub fn map_ordered<I, R, T, W, M, S>(
    items: I,
    threads: usize,
    weigh: W,
    map: M,
    mut sink: S,
) -> anyhow::Result<()>
where
    I: Iterator<Item = R> + Send,
    R: Send,
    T: Send,
    W: Fn(&R) -> usize + Send,
    M: Fn(R) -> T + Sync,
    S: FnMut(T) -> anyhow::Result<()>,
{
    if threads <= 1 {
        for item in items {
            sink(map(item))?;
        }
        return Ok(());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("cc-worker-{i}"))
        .build()?;
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Vec<R>>(2);
        scope.spawn(move || {
            let mut items = items.peekable();
            while items.peek().is_some() {
                let mut batch = Vec::new();
                let mut bytes = 0;
                while batch.len() < MAX_BATCH_ITEMS && bytes < MAX_BATCH_BYTES {
                    let Some(item) = items.next() else { break };
                    bytes += weigh(&item);
                    batch.push(item);
                }
                if tx.send(batch).is_err() {
                    // The consumer stopped (closed pipe, fatal error): read no further.
                    return;
                }
            }
        });
        for batch in rx {
            let results: Vec<T> = pool.install(|| batch.into_par_iter().map(&map).collect());
            for t in results {
                sink(t)?;
            }
        }
        Ok(())
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
    mut sink: S,
) -> anyhow::Result<()>
where
    T: Send,
    W: Fn(usize) -> T + Sync,
    S: FnMut(T) -> anyhow::Result<()>,
{
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{mpsc, Condvar, Mutex};

    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // The index `sink` waits for; workers sleep while they are `ahead` items past it.
    let written = (Mutex::new(0usize), Condvar::new());
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, T)>();
        for _ in 0..threads.max(1) {
            let tx = tx.clone();
            let (next, stop, written, work) = (&next, &stop, &written, &work);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return;
                }
                let mut w = written.0.lock().expect("lock");
                while i >= *w + ahead && !stop.load(Ordering::Relaxed) {
                    w = written.1.wait(w).expect("lock");
                }
                drop(w);
                if stop.load(Ordering::Relaxed) || tx.send((i, work(i))).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut want = 0usize;
        let result = (|| {
            for (i, t) in &rx {
                pending.insert(i, t);
                while let Some(t) = pending.remove(&want) {
                    sink(t)?;
                    want += 1;
                    *written.0.lock().expect("lock") = want;
                    written.1.notify_all();
                }
            }
            Ok(())
        })();
        // On an error (a closed pipe), release and stop the workers.
        stop.store(true, Ordering::Relaxed);
        written.1.notify_all();
        drop(rx);
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let n = 3 * MAX_BATCH_ITEMS + 17;
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
