//! Decode throughput and peak memory of a large `OBReadTransaction6` with mimalloc instead of the system allocator,
//! as one line of JSON.
//!
//! ```text
//! cargo run --release -p ob-model --example decode_throughput_mimalloc -- \
//!     [--count 100000] [--repeat 5] [--write PATH] [--read PATH]
//! ```
//! `--write` saves the generated document (for the pydantic peer in `bench/compare.sh`);
//! `--read` decodes a file instead of generating one.

#[path = "../benches/support/transactions_doc.rs"]
mod transactions_doc;

#[path = "../benches/support/throughput.rs"]
mod throughput;

#[global_allocator]
static ALLOC: throughput::Counting<mimalloc::MiMalloc> = throughput::Counting(mimalloc::MiMalloc);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    throughput::run("mimalloc")
}
