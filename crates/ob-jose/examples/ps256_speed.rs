//! PS256 signing and verification rates on one core, for `bench/jose.sh`, which runs it beside
//! `openssl speed rsa2048` in the same run.
//!
//!   cargo run --release -p ob-jose --example ps256_speed -- [--seconds N]
//!
//! Signs and verifies with a 2048-bit key, each for N seconds (default 3): a 64-byte signing
//! input (comparable with `openssl speed`, which signs a digest-sized input), and the signing
//! input of an `x-jws-signature` over a 1 KiB body. Prints one JSON line:
//! `{"sign_per_s": ..., "verify_per_s": ..., "sign_1k_per_s": ..., "verify_1k_per_s": ...}`.

use std::time::{Duration, Instant};

use ob_jose::{Signer, SigningKey};

fn rate(seconds: u64, mut op: impl FnMut()) -> f64 {
    // Warm up, then count whole operations for the given time.
    for _ in 0..10 {
        op();
    }
    let budget = Duration::from_secs(seconds);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        op();
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let seconds = match args.iter().position(|a| a == "--seconds") {
        Some(i) => args
            .get(i + 1)
            .ok_or("--seconds needs a number")?
            .parse::<u64>()?,
        None => 3,
    };
    let key = SigningKey::generate("bench", 2048)?;
    let public = key.verifying_key();
    let measure = |message: &[u8]| -> Result<(f64, f64), Box<dyn std::error::Error>> {
        let sig = key.sign_ps256(message)?;
        let sign = rate(seconds, || {
            std::hint::black_box(key.sign_ps256(message).expect("sign"));
        });
        let verify = rate(seconds, || {
            public
                .check(message, std::hint::black_box(&sig))
                .expect("verify");
        });
        Ok((sign, verify))
    };
    let short = [b'x'; 64];
    let (sign, verify) = measure(&short)?;
    let body = format!("eyJhbGciOiJQUzI1NiJ9.{}", "x".repeat(1024));
    let (sign_1k, verify_1k) = measure(body.as_bytes())?;
    println!(
        "{{\"sign_per_s\": {sign:.1}, \"verify_per_s\": {verify:.1}, \"sign_1k_per_s\": {sign_1k:.1}, \"verify_1k_per_s\": {verify_1k:.1}}}"
    );
    Ok(())
}
