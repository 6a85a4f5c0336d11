//! A stable sort whose algorithm is in the phone's WASM once.
//!
//! `slice::sort_by` and its kin are generic: each element type and each
//! comparison closure gets its own copy of driftsort (quicksort, merges,
//! small sorts), 3–5 KB of code apiece, about 27 KB of the village head's
//! first download. Here the merge sort works on indices behind a `dyn`
//! comparison, so only a few lines are made per call site. Same results as
//! `sort_by` (stable: equal elements keep their order), O(n log n).

use std::cmp::Ordering;

/// Sorts `v` stably by `cmp`, like [`slice::sort_by`].
pub fn sort_by<T>(v: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = {
        let items: &[T] = v;
        stable_order(items.len(), &mut |a, b| cmp(&items[a], &items[b]))
    };
    let mut slots: Vec<Option<T>> = std::mem::take(v).into_iter().map(Some).collect();
    v.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// Sorts `v` stably by `key`, like [`slice::sort_by_key`].
pub fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)))
}

/// Sorts `v` stably, like [`slice::sort`].
pub fn sort<T: Ord>(v: &mut Vec<T>) {
    sort_by(v, T::cmp)
}

/// The stable sorted order of `0..n` under `cmp`: a bottom-up merge sort of
/// indices (not generic, so linked once).
fn stable_order(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut a: Vec<usize> = (0..n).collect();
    let mut b = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                // The left run's element first unless the right's is
                // strictly less: what keeps equal elements in order.
                if cmp(a[j], a[i]) == Ordering::Less {
                    b[k] = a[j];
                    j += 1;
                } else {
                    b[k] = a[i];
                    i += 1;
                }
                k += 1;
            }
            let rest = mid - i;
            b[k..k + rest].copy_from_slice(&a[i..mid]);
            b[k + rest..end].copy_from_slice(&a[j..end]);
            start = end;
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), so every run checks the same cases.
    fn numbers(seed: u64, n: usize, range: u64) -> Vec<u64> {
        let mut x = seed.max(1);
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % range
            })
            .collect()
    }

    #[test]
    // `sort_by` is checked against the standard library's `sort_by` itself.
    #[allow(clippy::unnecessary_sort_by)]
    fn sorts_as_the_standard_library_does_and_keeps_equal_elements_in_order() {
        for n in [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 100, 257, 1000] {
            for (seed, range) in [(1, 3), (7, 10), (42, 1000), (99, u64::MAX)] {
                // (key, original position): the position tells stability.
                let v: Vec<(u64, usize)> = numbers(seed + n as u64, n, range).into_iter().zip(0..).collect();
                let mut want = v.clone();
                want.sort_by_key(|e| e.0);
                let mut got = v.clone();
                sort_by_key(&mut got, |e| e.0);
                assert_eq!(got, want, "n={n} range={range}");
                let mut got = v.clone();
                sort_by(&mut got, |a, b| b.0.cmp(&a.0));
                let mut want = v.clone();
                want.sort_by(|a, b| b.0.cmp(&a.0));
                assert_eq!(got, want, "reversed, n={n} range={range}");
                let mut got = v.clone();
                sort(&mut got);
                let mut want = v;
                want.sort();
                assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn sorts_owned_values_without_losing_any() {
        let mut v: Vec<String> = ["st.r.b", "st.o.2", "st.r.a", "st.o.10", "st.r.a"].map(String::from).to_vec();
        sort(&mut v);
        assert_eq!(v, ["st.o.10", "st.o.2", "st.r.a", "st.r.a", "st.r.b"]);
    }
}
