//! The model's own pattern engine against regex-lite: every pattern in the generated code of
//! both model crates, and a set of constructs beyond them, on generated texts and on texts made
//! to nearly match.

use ob_model::validate::Pattern;
use proptest::prelude::*;

/// Every pattern the generated code of ob-model and monzo-model holds (read from the source:
/// `Pattern::new("...")`, its Rust string literal decoded).
fn generated_patterns() -> Vec<String> {
    static ALL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    ALL.get_or_init(read_generated_patterns).clone()
}

fn read_generated_patterns() -> Vec<String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut out = std::collections::BTreeSet::new();
    for krate in ["ob-model", "monzo-model"] {
        let dir = format!("{root}/{krate}/src/generated");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for piece in text.split("Pattern::new(").skip(1) {
                let piece = piece.trim_start();
                let Some(body) = piece.strip_prefix('"') else {
                    continue;
                };
                let mut literal = String::new();
                let mut chars = body.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => literal.push(chars.next().unwrap()),
                        c => literal.push(c),
                    }
                }
                out.insert(literal);
            }
        }
    }
    out.into_iter().collect()
}

/// Constructs the engine supports beyond the specs' own patterns.
const MORE: &[&str] = &[
    "a*b+c?",
    "^(?:ab|cd){2,}$",
    "[^0-9]+",
    r"\W\S\D",
    r"^\s*$",
    "x.y",
    "^$",
    "a|",
    "(a|b|)c",
    "[a-]",
    "[-a]",
    r"[\d\-.]{2}",
    "^[A-Z]{3}$",
    r"^\S(?:.*\S)?$",
];

fn engines_agree(source: &str, text: &str) -> Result<(), TestCaseError> {
    let ours = Pattern::new(Box::leak(source.to_owned().into_boxed_str()));
    let reference = regex_lite::Regex::new(source).unwrap();
    prop_assert_eq!(
        ours.is_match(text),
        reference.is_match(text),
        "pattern {:?} on {:?}",
        source,
        text
    );
    Ok(())
}

#[test]
fn every_generated_pattern_is_taken_and_matches_its_examples() {
    let patterns = generated_patterns();
    assert!(patterns.len() >= 10, "{patterns:?}");
    // Texts each pattern is about: a valid one and a near miss for each.
    let texts = [
        "",
        "GBP",
        "gbp",
        "GB",
        "G",
        "GBPX",
        "12345678901234",
        "1234567890123",
        "1.5",
        "10.00",
        "-3.14159",
        "-",
        ".5",
        "1.",
        "EvryDay",
        "EvryWorkgDay",
        "IntrvlDay:02",
        "IntrvlDay:31",
        "IntrvlDay:32",
        "IntrvlWkDay:01:07",
        "WkInMnthDay:05:07",
        "IntrvlMnthDay:12:-01",
        "IntrvlMnthDay:24:31",
        "QtrDay:ENGLISH",
        "QtrDay:WELSH",
        "NotKnown",
        "+44-20 7946 0958",
        "+44-(0)20-7946",
        "abcd",
        "ab_1",
        "abcde",
        "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "3fa85f64-5717-5562-b3fc-2c963f66afa6",
        "a1B2c3",
        "é",
        " x",
        "x ",
        "0123456789abcdef",
    ];
    for p in &patterns {
        for t in texts {
            engines_agree(p, t).unwrap();
        }
    }
    for p in MORE {
        for t in [
            "", "ab", "abab", "cdab", "abc", "a", "b", "c", "x-y", "xy", "x\ny", " ", "\t", "1-2",
            "AB", "ABC",
        ] {
            engines_agree(p, t).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    /// On texts made of the characters the patterns are about.
    #[test]
    fn the_engines_agree_on_generated_texts(
        which in any::<prop::sample::Index>(),
        text in "[0-9a-fA-Z:+()\\-. _é\\n]{0,40}",
    ) {
        let mut all = generated_patterns();
        all.extend(MORE.iter().map(|s| (*s).to_owned()));
        let p = which.get(&all);
        engines_agree(p, &text)?;
    }
}

#[test]
fn what_the_engine_cannot_take_matches_nothing() {
    // Look-ahead and back-references are outside the subset: the generator refuses such a
    // pattern, and at run time it matches nothing.
    for source in ["^(?!\\s)x$", "(a)\\1", "a{2,1}", "[z-a]", "(", "a)"] {
        let p = Pattern::new(source);
        assert!(
            !p.is_match("x") && !p.is_match("a") && !p.is_match(""),
            "{source}"
        );
    }
}

#[test]
fn matching_is_linear_in_the_text() {
    // A text far longer than any field, against a pattern that must try every position.
    let p = Pattern::new("[0-9]{1,15}x");
    let text = "1".repeat(200_000);
    assert!(!p.is_match(&text));
    let p = Pattern::new("^(-?\\d{1,14}){1}(\\.\\d{1,4}){0,1}$");
    assert!(!p.is_match(&"9".repeat(200_000)));
}
