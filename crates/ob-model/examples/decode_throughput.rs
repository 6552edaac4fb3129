//! Decode throughput and peak memory of a large `OBReadTransaction6` with the system allocator,
//! as one line of JSON.
//!
//! ```text
//! cargo run --release -p ob-model --example decode_throughput -- \
//!     [--count 100000] [--repeat 5] [--write PATH] [--read PATH]
//! ```
//! `--write` saves the generated document (for the pydantic peer in `bench/compare.sh`);
//! `--read` decodes a file instead of generating one. `decode_throughput_mimalloc` is the same
//! measurement with mimalloc.

#[path = "../benches/support/transactions_doc.rs"]
mod transactions_doc;

#[path = "../benches/support/throughput.rs"]
mod throughput;

#[global_allocator]
static ALLOC: throughput::Counting<std::alloc::System> = throughput::Counting(std::alloc::System);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    throughput::run("system")
}
