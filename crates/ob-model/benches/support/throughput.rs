//! Shared body of the `decode_throughput*` examples: decode throughput and peak heap of a large
//! `OBReadTransaction6`, printed as one line of JSON. Each example picks the allocator.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ob_model::accounts::OBReadTransaction6;

use crate::transactions_doc;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Wraps an allocator and counts live and peak heap bytes.
pub struct Counting<A>(pub A);

unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { self.0.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { self.0.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// A decoder under measurement: the document's transaction count, and the decoded value (dropped
/// after the clock stops).
pub type Decoder = fn(&[u8]) -> Result<(usize, Box<dyn std::any::Any>), String>;

/// ob-model's decoder.
pub fn ob_model_decoder(doc: &[u8]) -> Result<(usize, Box<dyn std::any::Any>), String> {
    let model: OBReadTransaction6 = ob_model::decode::from_slice(doc).map_err(|e| e.to_string())?;
    let n = model.data.transaction.as_ref().map_or(0, Vec::len);
    Ok((n, Box::new(model)))
}

/// Runs the measurement of ob-model; `allocator` names the allocator in the output.
pub fn run(allocator: &str) -> Result<(), Box<dyn std::error::Error>> {
    run_decoder(allocator, "ob-model", ob_model_decoder)
}

/// Runs the measurement of `decoder`, named `name` in the output.
pub fn run_decoder(
    allocator: &str,
    name: &str,
    decoder: Decoder,
) -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count: usize = arg(&args, "--count").map_or(Ok(100_000), |v| v.parse())?;
    let repeat: usize = arg(&args, "--repeat").map_or(Ok(5), |v| v.parse())?;
    let doc: Vec<u8> = match arg(&args, "--read") {
        Some(path) => std::fs::read(path)?,
        None => transactions_doc::document(count).into_bytes(),
    };
    if let Some(path) = arg(&args, "--write") {
        if let Some(dir) = std::path::Path::new(&path).parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &doc)?;
    }
    let mut times = Vec::new();
    let mut transactions = 0;
    let mut peak_extra = 0;
    for _ in 0..repeat.max(1) {
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let start = Instant::now();
        let (n, model) = decoder(&doc)?;
        times.push(start.elapsed().as_secs_f64());
        peak_extra = PEAK.load(Ordering::Relaxed) - before;
        transactions = n;
        drop(model);
    }
    times.sort_by(f64::total_cmp);
    let best = times[0];
    let median = times[times.len() / 2];
    let mb = doc.len() as f64 / 1e6;
    println!(
        "{{\"impl\":\"{name}\",\"allocator\":\"{allocator}\",\"bytes\":{},\"transactions\":{},\"best_s\":{:.4},\"median_s\":{:.4},\"mb_per_s\":{:.1},\"peak_heap_mb\":{:.1},\"peak_heap_over_input\":{:.2}}}",
        doc.len(),
        transactions,
        best,
        median,
        mb / best,
        peak_extra as f64 / 1e6,
        peak_extra as f64 / doc.len() as f64,
    );
    Ok(())
}
