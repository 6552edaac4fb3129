//! The generator's golden output (`golden_fixture.rs`, from `xtask/tests/golden/fixture.json`)
//! compiles as part of this test binary, and behaves: inline names, merged shapes, allOf,
//! open enums, profile narrowing, operation flags.

use ob_model::{decode, Endpoint, Problem, Validate};

use crate::golden_fixture::*;

#[test]
fn decodes_validates_and_round_trips() {
    let body = r#"{"Data":{"Widget":[{"WidgetId":"w1","Kind":"UK.OBIE.Hexagon","Colour":"Blue",
        "Price":{"Amount":"1.50","Currency":"GBP"},"Discount":{"Amount":"0.5","Currency":"GBP"},
        "CreatedDateTime":"2024-01-01T00:00:00Z","Labels":["a","bbbbbbbbbbbb"],"Weight":-1,
        "http://example.com/claim":"c","SupplementaryData":{"z":1,"a":2}}]},"Sealed":{"By":"me"}}"#
        .replace(char::is_whitespace, "");
    let doc: OBWriteWidget1 = decode::from_str(&body).unwrap();
    let w = &doc.data.widget[0];
    assert_eq!(w.kind, OBWidgetKind1Code::Hexagon);
    // Discount has the same shape as Price, so it is the same type.
    let _same: &OBWidget1Price = w.discount.as_deref().unwrap();
    assert_eq!(w.http_example_com_claim.as_deref(), Some("c"));
    assert_eq!(doc.sealed.as_ref().unwrap().by, "me");
    assert_eq!(serde_json::to_string(&doc).unwrap(), body);
    let v = doc.validate().unwrap_err();
    let found: Vec<(&str, &Problem)> = v.0.iter().map(|v| (v.path.as_str(), &v.problem)).collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0].0, "$.Data.Widget[0].Colour");
    assert!(matches!(found[0].1, Problem::Rule { .. }));
    assert_eq!(
        found[1],
        (
            "$.Data.Widget[0].Labels[1]",
            &Problem::TooLong { max: 10, found: 12 }
        )
    );
    assert_eq!(found[2].0, "$.Data.Widget[0].Weight");
}

#[test]
fn operations_carry_their_flags() {
    let op = ops::CreateWidgets::OPERATION;
    assert!(op.idempotent && op.signed);
    assert_eq!(op.request_body, Some("OBWriteWidget1"));
    assert!(op.response(201).unwrap().signed);
    assert_eq!(ops::GetWidgets::OPERATION.scopes, ["accounts"]);
    assert_eq!(
        OBErrorResponse1ErrorsErrorCode::from_code("UK.MONZO.Generic"),
        OBErrorResponse1ErrorsErrorCode::MonzoGeneric
    );
}
