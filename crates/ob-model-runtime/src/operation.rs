//! Operation tables: what each endpoint of an API takes and returns, from the spec.
//!
//! Generated per API (`accounts::OPERATIONS`, ...) and used by clients and servers to build and
//! route requests: method, path template, headers, whether a request needs an idempotency key or
//! a detached JWS signature.

/// An HTTP method used by the OBIE APIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `PATCH`
    Patch,
}

impl Method {
    /// The method as written on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
        }
    }
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    /// A path template variable.
    Path,
    /// A query string parameter.
    Query,
    /// An HTTP header.
    Header,
}

/// A parameter of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    /// The name on the wire (`x-fapi-interaction-id`, `fromBookingDateTime`).
    pub name: &'static str,
    /// Where it goes.
    pub location: ParamLocation,
    /// Whether the spec requires it.
    pub required: bool,
}

/// A response an operation documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The model type of the body (its spec name), if it has a JSON body.
    pub body: Option<&'static str>,
    /// Whether the response carries an `x-jws-signature` header.
    pub signed: bool,
}

/// One operation of an API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The spec's `operationId`.
    pub id: &'static str,
    /// The spec's summary.
    pub summary: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template relative to the API's base URL, such as `/accounts/{AccountId}`.
    pub path: &'static str,
    /// The model type of the JSON request body (its spec name), if any.
    pub request_body: Option<&'static str>,
    /// The request content types the spec accepts.
    pub request_content_types: &'static [&'static str],
    /// Parameters: path variables, query and headers.
    pub params: &'static [Param],
    /// Documented responses.
    pub responses: &'static [Response],
    /// OAuth 2 scopes, if the operation names any.
    pub scopes: &'static [&'static str],
    /// Whether the request takes an `x-idempotency-key`.
    pub idempotent: bool,
    /// Whether the request carries an `x-jws-signature`.
    pub signed: bool,
    /// Whether this operation is a Monzo extension rather than part of the OBIE spec.
    pub extension: bool,
}

impl Operation {
    /// Headers the spec requires on the request.
    pub fn required_headers(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.params
            .iter()
            .filter(|p| p.location == ParamLocation::Header && p.required)
            .map(|p| p.name)
    }

    /// The response documented for `status`.
    pub fn response(&self, status: u16) -> Option<&Response> {
        self.responses.iter().find(|r| r.status == status)
    }
}

/// A typed operation: the request and success-response body types of one endpoint.
///
/// Generated as a unit struct per operation (`accounts::ops::GetAccounts`).
pub trait Endpoint {
    /// The JSON request body (`()` when the operation has none).
    type Request;
    /// The body of the first documented 2xx response (`()` when it has none).
    type Response;
    /// The operation's table entry.
    const OPERATION: &'static Operation;
}
