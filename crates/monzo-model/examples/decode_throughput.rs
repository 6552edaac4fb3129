//! Decode throughput and peak memory of the benchmark's `OBReadTransaction6` document decoded
//! as Monzo's profile of it (`monzo_model::accounts::OBReadTransaction6`: typed transaction
//! `SupplementaryData`, Monzo's transaction codes), with the system allocator, as one line of
//! JSON: the same document and measurement as ob-model's `decode_throughput`.
//!
//! ```text
//! cargo run --release -p monzo-model --example decode_throughput -- \
//!     [--count 100000] [--repeat 5] [--read PATH]
//! ```

#[path = "../../ob-model/benches/support/transactions_doc.rs"]
mod transactions_doc;

#[path = "../../ob-model/benches/support/throughput.rs"]
#[allow(dead_code)]
mod throughput;

#[global_allocator]
static ALLOC: throughput::Counting<std::alloc::System> = throughput::Counting(std::alloc::System);

fn decode(doc: &[u8]) -> Result<(usize, Box<dyn std::any::Any>), String> {
    let model: monzo_model::accounts::OBReadTransaction6 =
        ob_model::decode::from_slice(doc).map_err(|e| e.to_string())?;
    let n = model.data.transaction.as_ref().map_or(0, Vec::len);
    Ok((n, Box::new(model)))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    throughput::run_decoder("system", "monzo-model", decode)
}
