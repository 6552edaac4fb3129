//! The yardstick of `decode_throughput`: the same document and measurement, decoded by a
//! hand-written serde model (derived `Deserialize`, typed amounts and date-times, no unknown
//! fields kept), with the system allocator; one line of JSON.
//!
//! ```text
//! cargo run --release -p ob-model --example decode_throughput_serde -- \
//!     [--count 100000] [--repeat 5] [--read PATH]
//! ```

#[path = "../benches/support/transactions_doc.rs"]
mod transactions_doc;

#[path = "../benches/support/throughput.rs"]
#[allow(dead_code)]
mod throughput;

#[path = "../benches/support/serde_model.rs"]
#[allow(dead_code)]
mod serde_model;

#[global_allocator]
static ALLOC: throughput::Counting<std::alloc::System> = throughput::Counting(std::alloc::System);

fn decode(doc: &[u8]) -> Result<(usize, Box<dyn std::any::Any>), String> {
    let model: serde_model::ReadTransaction =
        serde_json::from_slice(doc).map_err(|e| e.to_string())?;
    Ok((model.data.transaction.len(), Box::new(model)))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    throughput::run_decoder("system", "hand-written serde model", decode)
}
