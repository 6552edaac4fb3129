//! Callbacks: fragment and query, state, and Monzo's denial for insufficient funds.

use ob_oidc::callback::parse_callback;
use ob_oidc::OidcError;

#[test]
fn success() {
    let c = parse_callback(
        "https://tpp.example/callback#code=abc&id_token=h.p.s&state=st-1",
        "st-1",
    )
    .unwrap();
    assert_eq!(
        (c.code.as_str(), c.id_token.as_deref(), c.state.as_str()),
        ("abc", Some("h.p.s"), "st-1")
    );
    assert!(!format!("{c:?}").contains("abc"), "Debug hides the code");
    let q = parse_callback("https://tpp.example/callback?code=a%2Bb&state=st-1", "st-1").unwrap();
    assert_eq!(q.code, "a+b");
    assert_eq!(q.id_token, None);
    // Just the fragment, as a browser app may pass it.
    assert_eq!(
        parse_callback("code=x&state=st-1", "st-1").unwrap().code,
        "x"
    );
}

#[test]
fn refusals() {
    let denied = parse_callback(
        "https://tpp.example/callback#error=access_denied&error_description=Insufficient+funds+in+selected+account+to+make+requested+payment.&state=st-1",
        "st-1",
    )
    .unwrap_err();
    assert_eq!(
        denied,
        OidcError::AuthorizationDenied {
            error: "access_denied".into(),
            description: Some(
                "Insufficient funds in selected account to make requested payment.".into()
            )
        }
    );
    assert!(denied.needs_reauthorization());
    assert_eq!(
        parse_callback("https://tpp.example/callback#code=abc&state=other", "st-1").unwrap_err(),
        OidcError::StateMismatch {
            expected: "st-1".into(),
            found: Some("other".into())
        }
    );
    // An error without our state is a state problem first: it may not be ours.
    assert!(matches!(
        parse_callback("https://tpp.example/callback#error=access_denied", "st-1"),
        Err(OidcError::StateMismatch { found: None, .. })
    ));
    assert!(matches!(
        parse_callback("https://tpp.example/callback", "st-1"),
        Err(OidcError::MalformedCallback { .. })
    ));
    assert!(matches!(
        parse_callback("https://tpp.example/callback#state=st-1", "st-1"),
        Err(OidcError::MalformedCallback { .. })
    ));
    assert!(matches!(
        parse_callback(
            "https://tpp.example/callback#code=a&code=b&state=st-1",
            "st-1"
        ),
        Err(OidcError::MalformedCallback { .. })
    ));
    assert!(matches!(
        parse_callback("https://tpp.example/callback#code=%zz&state=st-1", "st-1"),
        Err(OidcError::MalformedCallback { .. })
    ));
}
