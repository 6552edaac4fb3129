//! `cargo bench -p ob-model`: decode throughput of a 100,000-transaction `OBReadTransaction6`.
//!
//! divan reports time per decode; throughput in bytes is shown with the document size.
//! For the side-by-side comparison with pydantic and the peak-memory figure, run
//! `bench/compare.sh` (see BENCHMARKS.md).

#[path = "support/transactions_doc.rs"]
mod transactions_doc;

use divan::counter::BytesCount;
use ob_model::accounts::OBReadTransaction6;

fn main() {
    divan::main();
}

#[divan::bench(args = [1_000, 100_000], sample_count = 10)]
fn decode_transactions(bencher: divan::Bencher, count: usize) {
    let doc = transactions_doc::document(count);
    bencher.counter(BytesCount::new(doc.len())).bench(|| {
        ob_model::decode::from_slice::<OBReadTransaction6>(divan::black_box(doc.as_bytes()))
            .unwrap()
    });
}

#[divan::bench(args = [100_000], sample_count = 10)]
fn encode_transactions(bencher: divan::Bencher, count: usize) {
    let doc = transactions_doc::document(count);
    let model: OBReadTransaction6 = serde_json::from_slice(doc.as_bytes()).unwrap();
    bencher
        .counter(BytesCount::new(doc.len()))
        .bench(|| serde_json::to_vec(divan::black_box(&model)).unwrap());
}

#[divan::bench(args = [100_000], sample_count = 10)]
fn validate_transactions(bencher: divan::Bencher, count: usize) {
    use ob_model::Validate;
    let doc = transactions_doc::document(count);
    let model: OBReadTransaction6 = serde_json::from_slice(doc.as_bytes()).unwrap();
    bencher
        .counter(BytesCount::new(doc.len()))
        .bench(|| divan::black_box(&model).validate().is_ok());
}
