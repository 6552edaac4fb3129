//! Callbacks: the fragment, state, and Monzo's denial for insufficient funds.

use ob_oidc::callback::parse_callback;
use ob_oidc::OidcError;

fn malformed(reason: &str) -> OidcError {
    OidcError::MalformedCallback {
        reason: reason.into(),
    }
}

#[test]
fn success() {
    let c = parse_callback(
        "https://tpp.example/callback#code=abc&id_token=h.p.s&state=st-1",
        "st-1",
    )
    .unwrap();
    assert_eq!(
        (c.code.expose(), c.id_token.as_str(), c.state.as_str()),
        ("abc", "h.p.s", "st-1")
    );
    assert!(!format!("{c:?}").contains("abc"), "Debug hides the code");
    let enc = parse_callback(
        "https://tpp.example/callback#code=a%2Bb&id_token=t&state=st-1",
        "st-1",
    )
    .unwrap();
    assert_eq!(enc.code.expose(), "a+b");
    // Just the fragment, as a browser app may pass it.
    assert_eq!(
        parse_callback("code=x&id_token=t&state=st-1", "st-1")
            .unwrap()
            .code
            .expose(),
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
    // Errors may come in the query.
    assert_eq!(
        parse_callback(
            "https://tpp.example/callback?error=server_error&state=st-1",
            "st-1"
        )
        .unwrap_err(),
        OidcError::AuthorizationDenied {
            error: "server_error".into(),
            description: None
        }
    );
    assert_eq!(
        parse_callback(
            "https://tpp.example/callback#code=abc&id_token=t&state=other",
            "st-1"
        )
        .unwrap_err(),
        OidcError::StateMismatch {
            expected: "st-1".into(),
            found: Some("other".into())
        }
    );
    // An error without our state is a state problem first: it may not be ours.
    assert_eq!(
        parse_callback("https://tpp.example/callback#error=access_denied", "st-1").unwrap_err(),
        OidcError::StateMismatch {
            expected: "st-1".into(),
            found: None
        }
    );
    let cases = [
        (
            "https://tpp.example/callback",
            "no parameters in the fragment or the query",
        ),
        (
            "https://tpp.example/callback#state=st-1",
            "no code and no error",
        ),
        (
            "https://tpp.example/callback#code=abc&state=st-1",
            "no id_token: the hybrid flow returns one with the code",
        ),
        (
            "https://tpp.example/callback?code=abc&id_token=t&state=st-1",
            "a result in the query: expected the fragment (response_type code id_token)",
        ),
        (
            "https://tpp.example/callback#code=a&code=b&id_token=t&state=st-1",
            "code appears more than once",
        ),
        (
            "https://tpp.example/callback#code=%zz&state=st-1",
            "parameters are not form-encoded",
        ),
    ];
    for (url, reason) in cases {
        assert_eq!(
            parse_callback(url, "st-1").unwrap_err(),
            malformed(reason),
            "{url}"
        );
    }
}
