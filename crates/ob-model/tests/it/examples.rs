//! Every JSON example of the OBIE v3.1.10 documentation decodes into the type the spec names for
//! its operation. Deviations of the documentation from the spec are reported by `validate()`, not
//! by decoding; the full list of them is pinned in a snapshot (`known_deviations`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::support::{check_json, examples_dir, operations, path_matches};

/// Which module an OBIE documentation page belongs to.
fn module_of(source: &str) -> &'static str {
    if source.contains("/aisp/") {
        "accounts"
    } else if source.contains("/vrp") || source.contains("vrp-") {
        "vrp"
    } else if source.contains("/cbpii/") {
        "funds"
    } else if source.contains("/event-notifications/") {
        if source.contains("event-notification-api") || source.contains("__event-notifi") {
            "event_notifications"
        } else {
            "events"
        }
    } else if source.contains("/pisp/")
        || source.contains("payment")
        || source.contains("standing-order")
    {
        "payments"
    } else {
        "accounts"
    }
}

/// Response types of AIS resource pages, which show responses without their request.
fn aisp_response_types(file: &str) -> Option<&'static [&'static str]> {
    let table: &[(&str, &[&str])] = &[
        ("aisp__Accounts", &["OBReadAccount6"]),
        ("aisp__Balances", &["OBReadBalance1"]),
        ("aisp__Beneficiaries", &["OBReadBeneficiary5"]),
        ("aisp__Offers", &["OBReadOffer1"]),
        ("aisp__Parties", &["OBReadParty2", "OBReadParty3"]),
        ("aisp__Statements", &["OBReadStatement2"]),
        ("aisp__Transactions", &["OBReadTransaction6"]),
        ("aisp__account-access-consents", &["OBReadConsentResponse1"]),
        ("product-data-model", &["OBReadProduct2"]),
        ("aisp__direct-debits", &["OBReadDirectDebit2"]),
        ("aisp__scheduled-payments", &["OBReadScheduledPayment3"]),
        ("aisp__standing-orders", &["OBReadStandingOrder6"]),
    ];
    table
        .iter()
        .find(|(k, _)| file.contains(k))
        .map(|(_, v)| *v)
}

/// Documentation examples whose JSON breaks the spec's types (not just its constraints), so they
/// cannot decode: the error must name this path. Found by this test; the files stay unedited.
const TYPE_ERRORS: &[(&str, &str)] = &[
    // `InstructedAmount.Amount` nested as an object holding Amount and Currency.
    (
        "references__usage-examples__international-payment-usage-examples__01.json",
        "$.Data.Initiation.InstructedAmount.Amount",
    ),
    (
        "references__usage-examples__international-payment-usage-examples__02.json",
        "$.Data.Initiation.InstructedAmount.Amount",
    ),
    (
        "references__usage-examples__international-payment-usage-examples__03.json",
        "$.Data.Initiation.InstructedAmount.Amount",
    ),
    (
        "references__usage-examples__international-payment-usage-examples__04.json",
        "$.Data.Initiation.InstructedAmount.Amount",
    ),
    // `VRPType` written as one string where the spec has an array of codes.
    // (every VRP usage example does this).
    (
        "references__usage-examples__vrp-usage-examples__01.json",
        "$.Data.ControlParameters.VRPType",
    ),
    (
        "references__usage-examples__vrp-usage-examples__02.json",
        "$.Data.ControlParameters.VRPType",
    ),
    (
        "references__usage-examples__vrp-usage-examples__03.json",
        "$.Data.ControlParameters.VRPType",
    ),
    (
        "references__usage-examples__vrp-usage-examples__06.json",
        "$.Data.ControlParameters.VRPType",
    ),
    (
        "references__usage-examples__vrp-usage-examples__07.json",
        "$.Data.ControlParameters.VRPType",
    ),
    (
        "references__usage-examples__vrp-usage-examples__08.json",
        "$.Data.ControlParameters.VRPType",
    ),
    (
        "resources-and-data-models__pisp__international-scheduled-payment-consents__01.json",
        "$.Data.Initiation.InstructedAmount.Amount",
    ),
    (
        "resources-and-data-models__pisp__international-scheduled-payment-consents__02.json",
        "$.Data.Initiation.InstructedAmount.Amount",
    ),
    // `Relationships` as an array / `Address` as an object, against the spec.
    (
        "resources-and-data-models__aisp__Parties__02.json",
        "$.Data.Party[0].Relationships",
    ),
    (
        "resources-and-data-models__aisp__Parties__03.json",
        "$.Data.Party.Address",
    ),
    // Product examples: single objects where arrays are due, and strings for code arrays.
    (
        "resources-and-data-models__aisp__bca-product-data-model__02.json",
        "$.Data.Product[0].BCA.OtherFeesCharges",
    ),
    (
        "resources-and-data-models__aisp__bca-product-data-model__03.json",
        "$.Data.Product[0].BCA.ProductDetails.Segment",
    ),
    (
        "resources-and-data-models__aisp__bca-product-data-model__05.json",
        "$.Data.Product[0].BCA.CreditInterest.TierBandSet",
    ),
    (
        "resources-and-data-models__aisp__bca-product-data-model__06.json",
        "$.Data.Product[0].PCA.OtherFeesCharges",
    ),
    (
        "resources-and-data-models__aisp__pca-product-data-model__02.json",
        "$.Data.Product[0].PCA.OtherFeesCharges.FeeChargeDetail",
    ),
    (
        "resources-and-data-models__aisp__pca-product-data-model__04.json",
        "$.Data.Product[0].PCA.ProductDetails.Segment",
    ),
    (
        "resources-and-data-models__aisp__pca-product-data-model__05.json",
        "$.Data.Product[0].PCA.CreditInterest.TierBandSet",
    ),
    (
        "resources-and-data-models__aisp__pca-product-data-model__06.json",
        "$.Data.Product[0].PCA.CreditInterest.TierBandSet",
    ),
];

/// The method and path a documentation heading names (`GET /domestic-payment-consents/{ConsentId}/funds-confirmation Response`),
/// and whether it says the example is a response.
fn heading_operation(heading: &str) -> (Option<(String, String)>, bool) {
    let is_response = heading
        .split_whitespace()
        .last()
        .is_some_and(|w| w.eq_ignore_ascii_case("response"));
    let mut words = heading.split_whitespace();
    let named = match (words.next(), words.next()) {
        (Some(m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE")), Some(p))
            if p.starts_with('/') =>
        {
            Some((m.to_owned(), p.to_owned()))
        }
        _ => None,
    };
    (named, is_response)
}

/// The response body types of `method path` answering `status` (any 2xx when `None`), from the
/// module that has the operation, the page's own first.
fn response_types(
    module: &'static str,
    method: &str,
    path: &str,
    status: Option<u16>,
) -> Option<(&'static str, Vec<String>)> {
    [
        module,
        "accounts",
        "payments",
        "vrp",
        "funds",
        "events",
        "event_notifications",
    ]
    .into_iter()
    .find_map(|m| {
        let op = operations(m)
            .iter()
            .find(|o| o.method.as_str() == method && path_matches(o.path, path))?;
        let bodies: Vec<String> = op
            .responses
            .iter()
            .filter(|r| match status {
                Some(s) => r.status == s,
                None => (200..300).contains(&r.status),
            })
            .filter_map(|r| r.body.map(str::to_owned))
            .collect();
        Some((m, bodies))
    })
}

/// Operations documented with examples whose spec is not pinned.
const NOT_PINNED: &[&str] = &["/callback-urls"];

struct Case {
    file: String,
    module: &'static str,
    candidates: Vec<String>,
}

/// Works out, for every request and response example, the types the spec allows for it.
fn cases() -> (Vec<Case>, usize) {
    let dir = examples_dir().join("obie-v3.1.10");
    let index: Vec<Value> =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let mut cases = Vec::new();
    let mut fragments = 0;
    let mut last_request: Option<(&'static str, String, String)> = None;
    for e in &index {
        let file = e["file"].as_str().unwrap().to_owned();
        let source = e["source"].as_str().unwrap();
        let module = module_of(&format!("{source} {file}"));
        let (named, says_response) = heading_operation(e["heading"].as_str().unwrap_or_default());
        // A response whose heading names its operation is typed by that operation; so is an
        // example the index lists as a request while its heading says it is the response
        // (the Events API page's "POST Events Response").
        let status = e["status"].as_u64().map(|s| s as u16);
        let as_response = match (e["kind"].as_str().unwrap(), &named) {
            ("response", Some((method, path))) => Some((method.clone(), path.clone(), status)),
            ("request", _) if says_response => Some((
                e["method"].as_str().unwrap().to_owned(),
                e["path"].as_str().unwrap().to_owned(),
                None,
            )),
            _ => None,
        };
        if let Some((method, path, status)) = as_response {
            if let Some((m, candidates)) = response_types(module, &method, &path, status) {
                if !candidates.is_empty() {
                    cases.push(Case {
                        file,
                        module: m,
                        candidates,
                    });
                    continue;
                }
            }
        }
        match e["kind"].as_str().unwrap() {
            "fragment" => fragments += 1,
            "request" => {
                let method = e["method"].as_str().unwrap().to_owned();
                let path = e["path"].as_str().unwrap().to_owned();
                // The Callback URL API (v3.1.10) is not among the pinned specs: Monzo does not
                // offer event notifications, and the Events API replaces it.
                if NOT_PINNED.iter().any(|p| path.starts_with(p)) {
                    last_request = None;
                    cases.push(Case {
                        file,
                        module,
                        candidates: Vec::new(),
                    });
                    continue;
                }
                // The page's own module first, then any module that has the operation.
                let (module, op) = [
                    module,
                    "accounts",
                    "payments",
                    "vrp",
                    "funds",
                    "events",
                    "event_notifications",
                ]
                .into_iter()
                .find_map(|m| {
                    operations(m)
                        .iter()
                        .find(|o| o.method.as_str() == method && path_matches(o.path, &path))
                        .map(|o| (m, o))
                })
                .unwrap_or_else(|| panic!("{file}: no {method} {path} in any module"));
                let candidates = op
                    .request_body
                    .map(|b| vec![b.to_owned()])
                    .unwrap_or_default();
                last_request = Some((module, method, path));
                cases.push(Case {
                    file,
                    module,
                    candidates,
                });
            }
            "response" => {
                let status = e["status"].as_u64().unwrap() as u16;
                let mut candidates = Vec::new();
                if status >= 400 {
                    candidates.push("OBErrorResponse1".to_owned());
                } else if let Some(types) = aisp_response_types(&file) {
                    candidates.extend(types.iter().map(|t| t.to_string()));
                } else if let Some((m, method, path)) = &last_request {
                    // The request's own response, or a GET of the created resource.
                    for op in operations(m) {
                        let same = op.method.as_str() == method && path_matches(op.path, path);
                        let get = op.method.as_str() == "GET"
                            && (path_matches(op.path, &format!("{path}/x"))
                                || path_matches(op.path, path));
                        if same || get {
                            if let Some(b) = op.response(status).and_then(|r| r.body) {
                                candidates.push(b.to_owned());
                            }
                        }
                    }
                }
                let module = last_request
                    .as_ref()
                    .map(|(m, _, _)| *m)
                    .filter(|_| !file.contains("aisp__"))
                    .unwrap_or(module);
                cases.push(Case {
                    file,
                    module,
                    candidates,
                });
            }
            other => panic!("{file}: unknown kind {other}"),
        }
    }
    (cases, fragments)
}

#[test]
fn every_obie_example_decodes_into_its_spec_type() {
    let dir = examples_dir().join("obie-v3.1.10");
    let (cases, fragments) = cases();
    assert_eq!(cases.len() + fragments, 163, "the index lists 163 examples");
    let mut report = String::new();
    let mut failures = Vec::new();
    for case in &cases {
        let body = std::fs::read(dir.join(&case.file)).unwrap();
        if case.candidates.is_empty() {
            // A request without a JSON body in the spec (file upload): nothing to decode.
            writeln!(
                report,
                "{}: no JSON body type in the pinned specs",
                case.file
            )
            .unwrap();
            continue;
        }
        // The first candidate that decodes; its violations are the documentation's deviations.
        let mut decoded = None;
        let mut errors = Vec::new();
        for ty in &case.candidates {
            match check_json(case.module, ty, &body)
                .unwrap_or_else(|| panic!("{ty} not in {}", case.module))
            {
                Ok(c)
                    if decoded.as_ref().is_none_or(
                        |(_, d): &(String, ob_model::decode::Checked)| {
                            c.violations.len() < d.violations.len()
                        },
                    ) =>
                {
                    decoded = Some((ty.clone(), c))
                }
                Ok(_) => {}
                Err(e) => errors.push(format!("{ty}: {e}")),
            }
        }
        let known = TYPE_ERRORS.iter().find(|(f, _)| *f == case.file);
        match decoded {
            None if known.is_some_and(|(_, path)| {
                errors.iter().any(|e| e.contains(&format!(": {path}: ")))
            }) =>
            {
                writeln!(
                    report,
                    "{}: does not decode (documentation breaks the spec's types)",
                    case.file
                )
                .unwrap();
                for e in &errors {
                    writeln!(report, "  {e}").unwrap();
                }
            }
            None => failures.push(format!("{}: {}", case.file, errors.join("; "))),
            Some(_) if known.is_some() => {
                failures.push(format!("{}: listed in TYPE_ERRORS but decodes", case.file))
            }
            Some((ty, checked)) => {
                // Lossless: re-encoding gives the same JSON value.
                let original: Value = serde_json::from_slice(&body).unwrap();
                let again: Value = serde_json::from_slice(&checked.encoded).unwrap();
                assert_eq!(
                    original, again,
                    "{}: re-encoding as {ty} changed the document",
                    case.file
                );
                writeln!(report, "{} as {}::{ty}", case.file, case.module).unwrap();
                for v in &checked.violations {
                    writeln!(report, "  {v}").unwrap();
                }
                // Codes outside open code lists: notes, not deviations.
                for v in &checked.notes {
                    writeln!(report, "  note: {v}").unwrap();
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "examples that do not decode:\n{}",
        failures.join("\n")
    );
    insta::assert_snapshot!("known_deviations", report);
}

#[test]
fn decoded_counts_by_module() {
    let (cases, _) = cases();
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &cases {
        *by.entry(c.module).or_default() += 1;
    }
    insta::assert_debug_snapshot!(by);
}
