//! The console's pages: HTML rendered on the server with maud (escaped by default), one
//! stylesheet inline, no script. Every form carries its page's token; every secret is shown
//! as its short fingerprint.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use ob_consent::rejection::RejectionReason;
use ob_jose::Instant;
use rust_decimal::Decimal;

use super::{chart, Console, View, PATH};
use crate::core::{Redactor, Region};
use crate::seed::{Persona, TxStatus};

/// The stylesheet: system fonts, strong contrast (text #1a1a1a on white, links #0a4f8a), a
/// visible focus ring, tables that scroll on narrow screens.
const CSS: &str = r#"
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff;margin:0}
header{background:#14233c;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:baseline}
header strong{font-size:1.05rem}
header nav a{color:#fff;margin-right:.9rem;text-decoration:none;padding:.15rem .3rem;border-radius:3px}
header nav a[aria-current=page]{background:#fff;color:#14233c}
header .clock{margin-left:auto;font-variant-numeric:tabular-nums}
main{padding:1rem;max-width:1400px}
h1{font-size:1.4rem;margin:.2rem 0 1rem}
h2{font-size:1.15rem;margin:1.6rem 0 .6rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
h3{font-size:1rem;margin:1.2rem 0 .4rem}
a{color:#0a4f8a}
:focus-visible{outline:3px solid #d97800;outline-offset:2px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:.3rem 0 1rem;min-width:50%}
th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font:13px/1.3 ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
pre{font:12px/1.35 ui-monospace,SFMono-Regular,Menlo,monospace;background:#f4f4f4;border:1px solid #ccc;padding:.5rem;max-height:24rem;overflow:auto;white-space:pre-wrap;word-break:break-all}
form.inline{display:inline-flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:.15rem 0}
label{font-weight:600}
input,select,button{font:inherit;padding:.2rem .4rem}
button{background:#14233c;color:#fff;border:1px solid #14233c;border-radius:3px;cursor:pointer}
button.secondary{background:#fff;color:#14233c}
button.danger{background:#a11d1d;border-color:#a11d1d}
.notice{border:2px solid #0a4f8a;background:#eaf2fb;padding:.5rem .8rem;margin-bottom:1rem}
.status-ok{color:#0b6b2f;font-weight:600}
.status-bad{color:#a11d1d;font-weight:600}
.status-wait{color:#7a4a00;font-weight:600}
.muted{color:#555}
.chart{width:100%;max-width:640px;height:auto;border:1px solid #ddd;background:#fcfcfc}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}
.card{border:1px solid #bbb;padding:.5rem .8rem;min-width:9rem}
.card b{display:block;font-size:1.4rem}
ol.history{margin:0;padding-left:1.2rem}
"#;

/// The pages, in the navigation's order: path after [`PATH`], title.
const NAV: [(&str, &str); 6] = [
    ("", "Overview"),
    ("consents", "Registrations and consents"),
    ("payments", "Payments"),
    ("pots", "Pots"),
    ("events", "Events"),
    ("requests", "Requests"),
];

fn page_path(page: &str) -> String {
    format!("{PATH}{page}")
}

fn time(t: Instant) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn money(amount: Decimal, currency: &str) -> String {
    let sign = if amount.is_sign_negative() { "−" } else { "" };
    let symbol = match currency {
        "GBP" => "£",
        "EUR" => "€",
        _ => "",
    };
    format!("{sign}{symbol}{}", amount.abs().round_dp(2))
}

/// The page around `body`: header with navigation and the sandbox clock, and the notice a
/// control left, if any.
fn layout(page: &str, view: &View<'_>, notice: Option<&str>, body: Markup) -> String {
    let title = NAV
        .iter()
        .find(|(p, _)| *p == page)
        .map_or("Console", |(_, t)| t);
    let now = view.sandbox.clock().now(view.wall);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Monzo Open Banking sandbox console" }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    strong { "Monzo sandbox console" }
                    nav aria-label="Console pages" {
                        @for (p, t) in NAV {
                            @if p == page {
                                a href=(page_path(p)) aria-current="page" { (t) }
                            } @else {
                                a href=(page_path(p)) { (t) }
                            }
                        }
                    }
                    span.clock { "Sandbox time " time datetime=(now.to_rfc3339()) { (time(now)) } }
                }
                main {
                    h1 { (title) }
                    @if let Some(n) = notice {
                        p.notice role="status" { (n) }
                    }
                    (body)
                }
            }
        }
    }
    .into_string()
}

/// The hidden fields every form of `page` carries: the page (where to come back) and its
/// token.
fn form_fields(console: &Console, page: &str) -> Markup {
    let path = page_path(page);
    html! {
        input type="hidden" name="page" value=(path);
        input type="hidden" name="csrf" value=(console.form_token(&path));
    }
}

fn control_url(control: &str) -> String {
    format!("{PATH}controls/{control}")
}

/// `/`: the clock, the users with their accounts, counts.
pub(super) fn overview(console: &Console, view: &View<'_>, notice: Option<&str>) -> String {
    let s = view.sandbox;
    let now = s.clock().now(view.wall);
    let consents = s.consent_views(now);
    let waiting: usize = s.waiting_events().iter().map(|(_, v)| v.len()).sum();
    let pushing = view
        .notifications
        .newest_first()
        .filter(|n| !n.finished)
        .count();
    let offset = s.clock().offset();
    let body = html! {
        section aria-labelledby="clock-h" {
            h2 #clock-h { "Clock" }
            p {
                "Sandbox time is " strong { (time(now)) } ", "
                @if offset.is_zero() { "real time." } @else { (offset.num_seconds()) " s ahead of real time." }
                " Every rule of the bank (expiry, cut-offs, scheduled payments, settlements) follows it."
            }
            form.inline method="post" action=(control_url("clock")) {
                (form_fields(console, ""))
                label for="advance" { "Advance the clock by" }
                select #advance name="advance" {
                    option value="PT1H" { "1 hour" }
                    option value="P1D" { "1 day" }
                    option value="P7D" { "7 days" }
                    option value="P31D" { "31 days" }
                }
                label for="custom" { "or by (ISO 8601 duration)" }
                input #custom name="custom" placeholder="PT90M" size="10";
                button type="submit" { "Advance" }
            }
        }
        section aria-labelledby="counts-h" {
            h2 #counts-h { "At a glance" }
            div.cards {
                div.card { b { (s.client_views().len()) } "registered clients" }
                div.card { b { (consents.len()) } "consents" }
                div.card { b { (consents.iter().filter(|c| c.awaiting_decision).count()) } "awaiting the customer" }
                div.card { b { (s.payment_views().len()) } "payments" }
                div.card { b { (waiting) } "events waiting to be polled" }
                div.card { b { (pushing) } "notifications being pushed" }
            }
        }
        section aria-labelledby="users-h" {
            h2 #users-h { "Sandbox users and their accounts" }
            @for u in &s.world().users {
                h3 { (u.name) " " span.muted { "(" code { (u.id) } ", " (persona(u.persona)) ")" } }
                div.scroll { table {
                    thead { tr { th scope="col" { "Account" } th scope="col" { "Type" } th scope="col" { "Identification" } th scope="col" { "Balance" } th scope="col" { "Pots" } th scope="col" { "Status" } th scope="col" { "Control" } } }
                    tbody {
                        @for a in &u.accounts {
                            tr {
                                td { code { (a.id) } }
                                td { (a.description) }
                                td { code { (a.sort_code_account.as_deref().or(a.iban.as_deref()).unwrap_or("—")) } }
                                td.num { (money(a.balance(), a.currency)) }
                                td.num { (a.pots.iter().filter(|p| p.closed.is_none()).count()) }
                                td {
                                    @if let Some(at) = a.closed { span.status-bad { "Closed " (time(at)) } } @else { span.status-ok { "Open" } }
                                }
                                td {
                                    @if a.closed.is_none() {
                                        form.inline method="post" action=(control_url(&format!("accounts/{}/close", a.id))) {
                                            (form_fields(console, ""))
                                            button.danger type="submit" aria-label=(format!("Close account {}", a.id)) { "Close" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
        }
    };
    layout("", view, notice, body)
}

fn persona(p: Persona) -> &'static str {
    match p {
        Persona::Heavy => "years of history",
        Persona::Medium => "a year of history",
        Persona::Light => "a few transactions",
        Persona::Eu => "Monzo Ireland (EU interface)",
    }
}

fn status_class(status: &str, expired: bool) -> &'static str {
    if expired {
        return "status-bad";
    }
    match status {
        "Authorised"
        | "Consumed"
        | "AcceptedSettlementCompleted"
        | "AcceptedCreditSettlementCompleted"
        | "InitiationCompleted"
        | "Booked" => "status-ok",
        "AwaitingAuthorisation"
        | "Pending"
        | "InitiationPending"
        | "AcceptedSettlementInProcess"
        | "InitiationCompletedPending" => "status-wait",
        _ => "status-bad",
    }
}

/// `/consents`: registrations and consents, with the customer's decision and revocation.
pub(super) fn consents(console: &Console, view: &View<'_>, notice: Option<&str>) -> String {
    let s = view.sandbox;
    let now = s.clock().now(view.wall);
    let redactor = s.redactor();
    let users_of = |region: Region| -> Vec<(String, String)> {
        s.world()
            .users
            .iter()
            .filter(|u| (u.persona == Persona::Eu) == (region == Region::Eu))
            .map(|u| (u.id.clone(), u.name.clone()))
            .collect()
    };
    let clients = s.client_views();
    let region_of = |client: &str| {
        clients
            .iter()
            .find(|c| c.client_id == client)
            .map_or(Region::Uk, |c| c.region)
    };
    let body = html! {
        section aria-labelledby="reg-h" {
            h2 #reg-h { "Registered clients" }
            @if clients.is_empty() {
                p.muted { "No client has registered yet (POST /open-banking/register)." }
            } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "Client id" } th scope="col" { "Software id" } th scope="col" { "Organisation" } th scope="col" { "Redirect URIs" } th scope="col" { "Roles" } th scope="col" { "Certificate subject" } th scope="col" { "Interface" } } }
                    tbody {
                        @for c in &clients {
                            tr {
                                td { code { (c.client_id) } }
                                td { code { (c.software_id) } }
                                td { code { (c.org_id) } }
                                td { @for u in &c.redirect_uris { code { (redactor.text(u)) } br; } }
                                td { (c.roles.join(", ")) }
                                td { code { (c.subject_dn) } }
                                td { (if c.region == Region::Eu { "EU" } else { "UK" }) }
                            }
                        }
                    }
                } }
            }
        }
        section aria-labelledby="consents-h" {
            h2 #consents-h { "Consents" }
            @let all = s.consent_views(now);
            @if all.is_empty() {
                p.muted { "No consent yet." }
            } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "Consent" } th scope="col" { "Kind" } th scope="col" { "Client" } th scope="col" { "Status" } th scope="col" { "Created" } th scope="col" { "Authorised" } th scope="col" { "Next deadline" } th scope="col" { "History" } th scope="col" { "Controls" } } }
                    tbody {
                        @for c in &all {
                            tr id=(format!("consent-{}", c.id)) {
                                td { code { (c.id) } }
                                td { (c.kind.label()) }
                                td { code { (c.client_id) } }
                                td {
                                    span class=(status_class(c.status, c.expired)) { (c.status) }
                                    @if c.expired { " " span.status-bad { "(expired)" } }
                                }
                                td { (time(c.created)) }
                                td { @if let Some(t) = c.authorised { (time(t)) } @else { "—" } }
                                td { @if let Some((what, at)) = c.deadline { (what) " " (time(at)) } @else { "—" } }
                                td { ol.history { @for (at, st) in &c.history { li { (st) " " span.muted { (time(*at)) } } } } }
                                td {
                                    @if c.awaiting_decision {
                                        form.inline method="post" action=(control_url(&format!("consents/{}/decision", c.id))) {
                                            (form_fields(console, "consents"))
                                            @let select_id = format!("user-{}", c.id);
                                            label for=(select_id) { "As" }
                                            select id=(select_id) name="user_id" {
                                                @for (id, name) in users_of(region_of(&c.client_id)) {
                                                    option value=(id) { (name) " (" (id) ")" }
                                                }
                                            }
                                            button type="submit" name="decision" value="approve" { "Approve" }
                                            button.secondary type="submit" name="decision" value="reject" { "Reject" }
                                        }
                                        p.muted { "Deciding sends this browser back to the TPP, as the approval page does." }
                                    } @else if c.status == "AwaitingAuthorisation" && !c.expired {
                                        span.muted { "Waiting for the TPP to send the customer to the authorization endpoint." }
                                    }
                                    @if c.revocable {
                                        form.inline method="post" action=(control_url(&format!("consents/{}/revoke", c.id))) {
                                            (form_fields(console, "consents"))
                                            button.danger type="submit" { "Revoke in the app" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
        }
    };
    layout("consents", view, notice, body)
}

/// `/payments`: orders and VRPs, scheduled payments and standing orders, the forced
/// rejection.
pub(super) fn payments(console: &Console, view: &View<'_>, notice: Option<&str>) -> String {
    let s = view.sandbox;
    let all = s.payment_views();
    let body = html! {
        section aria-labelledby="reject-h" {
            h2 #reject-h { "Force a rejection" }
            p {
                "The next payment the bank makes (an order, a VRP, a scheduled payment or standing order falling due) is rejected with the reason chosen, whatever its account holds. "
                @if let Some(r) = s.next_rejection() { strong { "Waiting: “" (r) "”." } } @else { "None is waiting." }
            }
            form.inline method="post" action=(control_url("next-rejection")) {
                (form_fields(console, "payments"))
                label for="reason" { "Reason" }
                select #reason name="reason" {
                    @for r in RejectionReason::ALL { option value=(r.text()) { (r.text()) } }
                }
                button type="submit" { "Reject the next payment" }
            }
        }
        section aria-labelledby="orders-h" {
            h2 #orders-h { "Payment orders and VRPs" }
            @if all.is_empty() {
                p.muted { "No payment yet." }
            } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "Payment" } th scope="col" { "Kind" } th scope="col" { "Client" } th scope="col" { "Consent" } th scope="col" { "From account" } th scope="col" { "Amount" } th scope="col" { "Status" } th scope="col" { "Rejection" } th scope="col" { "Created" } th scope="col" { "Transactions booked" } } }
                    tbody {
                        @for p in &all {
                            tr id=(format!("payment-{}", p.id)) {
                                td { code { (p.id) } }
                                td { (p.kind) }
                                td { code { (p.client_id) } }
                                td { code { (p.consent_id) } }
                                td { code { (p.account_id) } }
                                td.num { (p.amount) }
                                td { span class=(status_class(&p.status, false)) { (p.status) } }
                                td { @if let Some(r) = &p.rejection { span.status-bad { (r) } } @else { "—" } }
                                td { (time(p.created)) }
                                td {
                                    @if p.transactions.is_empty() { "—" }
                                    @for (id, st) in &p.transactions { code { (id) } " " span class=(status_class(st, false)) { (st) } br; }
                                }
                            }
                        }
                    }
                } }
            }
        }
        section aria-labelledby="listed-h" {
            h2 #listed-h { "Scheduled payments and standing orders on accounts" }
            div.scroll { table {
                thead { tr { th scope="col" { "Id" } th scope="col" { "Account" } th scope="col" { "What" } th scope="col" { "Amount" } th scope="col" { "Next payment" } th scope="col" { "Reference" } } }
                tbody {
                    @for u in &s.world().users { @for a in &u.accounts {
                        @for p in &a.scheduled_payments {
                            tr { td { code { (p.id) } } td { code { (a.id) } } td { "scheduled payment" } td.num { (money(p.amount, a.currency)) } td { (time(p.at)) } td { (p.reference) } }
                        }
                        @for o in &a.standing_orders {
                            tr { td { code { (o.id) } } td { code { (a.id) } } td { "standing order, " (o.frequency) } td.num { (money(o.amount, a.currency)) } td { @if let Some(t) = o.next_payment { (time(t)) } @else { "ended" } } td { (o.reference) } }
                        }
                    } }
                }
            } }
        }
    };
    layout("payments", view, notice, body)
}

/// `/pots`: each pot's chart, verdict, controls and transactions.
pub(super) fn pots(console: &Console, view: &View<'_>, notice: Option<&str>) -> String {
    let s = view.sandbox;
    let now = s.clock().now(view.wall);
    let body = html! {
        p {
            "Each chart is the pot's balance over time. The verdicts come from "
            code { "pot-ledger" } ": the pot's transactions (the proposed "
            code { "GET /pots/{PotId}/transactions" } ") reconciled to the balance "
            code { "GET /pots" } " states, and what the main account's transfers alone explain (what a TPP can reconcile at Monzo today)."
        }
        @for u in &s.world().users { @for a in &u.accounts { @for p in &a.pots {
            @let section_id = format!("pot-{}", p.id);
            section aria-labelledby=(format!("{section_id}-h")) id=(section_id) {
                h2 id=(format!("{section_id}-h")) { (p.name) " " span.muted { "(" code { (p.id) } ", " (u.name) ", " code { (a.id) } ")" } }
                p {
                    "Balance " strong { (money(p.balance(), a.currency)) } ". "
                    @if let Some(at) = p.closed { span.status-bad { "Closed " (time(at)) "." } } @else { span.status-ok { "Open." } }
                    @if let Some(until) = p.locked_until { " Locked until " (time(until)) "." }
                }
                @let moves: Vec<(Instant, Decimal)> = p.movements.iter().map(|m| (m.at, m.amount)).collect();
                (PreEscaped(chart::balance_chart(&format!("Balance of the pot {}", p.name), p.created, &moves, now)))
                (verdicts(s, a, p, now))
                @if p.closed.is_none() && a.currency == "GBP" {
                    form.inline method="post" action=(control_url(&format!("pots/{}/transactions", p.id))) {
                        (form_fields(console, "pots"))
                        @let src = format!("source-{}", p.id);
                        @let amt = format!("amount-{}", p.id);
                        @let who = format!("merchant-{}", p.id);
                        label for=(src) { "Simulate" }
                        select id=(src) name="source" {
                            @for (v, t) in [("TransferIn", "a transfer in"), ("TransferOut", "a transfer out"), ("CardPayment", "a card payment"), ("DirectDebit", "a direct debit"), ("Interest", "interest"), ("RoundUp", "a round-up")] {
                                option value=(v) { (t) }
                            }
                        }
                        label for=(amt) { "of £" }
                        input id=(amt) name="amount" inputmode="decimal" required size="8" placeholder="12.34";
                        label for=(who) { "merchant or payee (card payments, direct debits)" }
                        input id=(who) name="merchant" size="14";
                        button type="submit" { "Book it" }
                    }
                    form.inline method="post" action=(control_url(&format!("pots/{}/close", p.id))) {
                        (form_fields(console, "pots"))
                        button.danger type="submit" aria-label=(format!("Close the pot {}", p.name)) { "Close the pot" }
                    }
                }
                details {
                    summary { "Transactions (" (p.movements.len()) ")" }
                    div.scroll { table {
                        thead { tr { th scope="col" { "Id" } th scope="col" { "Booked" } th scope="col" { "Source" } th scope="col" { "Amount" } th scope="col" { "Main-account transaction" } } }
                        tbody {
                            @for m in p.movements.iter().rev().take(200) {
                                tr { td { code { (m.id) } } td { (time(m.at)) } td { (m.source.name()) } td.num { (money(m.amount, a.currency)) } td { @if let Some(t) = &m.transaction_id { code { (t) } } @else { "—" } } }
                            }
                        }
                    } }
                }
            }
        } } }
    };
    layout("pots", view, notice, body)
}

/// The two reconciliation verdicts of a pot.
fn verdicts(
    s: &crate::core::Sandbox,
    a: &crate::seed::Account,
    p: &crate::seed::Pot,
    now: Instant,
) -> Markup {
    // Full: the pot's own transactions against the balance the API states now.
    let full = s.pot_ledger(&p.id).map(|(_, rows)| {
        let mut unreadable = 0;
        let entries: Vec<pot_ledger::Entry> = rows
            .iter()
            .filter_map(|t| match pot_ledger::Entry::from_pot_transaction(t) {
                Ok(e) => Some(e),
                Err(_) => {
                    unreadable += 1;
                    None
                }
            })
            .collect();
        let statement =
            pot_ledger::Statement::new(p.id.clone(), Decimal::ZERO).closing(now, p.balance());
        (pot_ledger::reconcile(entries, [statement]), unreadable)
    });
    // Today's data: the main account's pot transfers, the pot empty at creation and its
    // balance now.
    let transfers = a
        .transactions
        .iter()
        .filter(|t| t.pot_id.as_deref() == Some(p.id.as_str()) && t.status == TxStatus::Booked)
        .filter(|t| t.code == "uk_retail_pot" || t.code == "uk_business_pot")
        .map(|t| {
            let into_pot = if t.credit { -t.amount } else { t.amount };
            pot_ledger::partial::Transfer::new(t.id.clone(), p.id.clone(), t.at, into_pot)
        });
    let snapshots = [
        pot_ledger::partial::creation_snapshot(p.id.clone(), p.created),
        pot_ledger::partial::PotSnapshot::new(p.id.clone(), now, p.balance()),
    ];
    let inferred = pot_ledger::partial::infer(transfers, snapshots);
    let unattributed = inferred
        .pots
        .first()
        .map_or(Decimal::ZERO, |x| x.unattributed);
    html! {
        ul {
            @match &full {
                Some((r, unreadable)) => {
                    li {
                        @if r.is_reconciled() && *unreadable == 0 {
                            span.status-ok { "Reconciled" } ": "
                        } @else {
                            span.status-bad { "Does not reconcile" } ": "
                        }
                        @if let Some(pr) = r.pots.first() {
                            (pr.lines.len()) " transactions, in " (money(pr.money_in, a.currency)) ", out " (money(pr.money_out.abs(), a.currency)) ", closing " (money(pr.closing, a.currency))
                            @if !pr.breaks.is_empty() { "; " (pr.breaks.len()) " break(s), the first off by " (money(pr.breaks[0].difference, a.currency)) }
                            "."
                        } @else {
                            "no transactions, balance " (money(p.balance(), a.currency)) "."
                        }
                        @if *unreadable > 0 { " " (unreadable) " transaction(s) could not be read." }
                    }
                }
                None => { li { "No transactions." } }
            }
            li {
                "From the main account's transfers alone: "
                @if unattributed.is_zero() {
                    span.status-ok { "fully explained" } "."
                } @else {
                    strong { (money(unattributed, a.currency)) } " of unattributed pot activity (card payments, direct debits or interest that no transfer shows)."
                }
            }
        }
    }
}

/// `/events`: subscriptions, waiting events, pushed notifications.
pub(super) fn events(_console: &Console, view: &View<'_>) -> String {
    let s = view.sandbox;
    let subs = s.subscription_views();
    let waiting = s.waiting_events();
    let body = html! {
        section aria-labelledby="subs-h" {
            h2 #subs-h { "Event subscriptions" }
            @if subs.is_empty() { p.muted { "No subscription (POST /open-banking/v3.1/event-subscriptions)." } } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "Subscription" } th scope="col" { "Client" } th scope="col" { "Callback URL" } th scope="col" { "Version" } th scope="col" { "Event types" } } }
                    tbody { @for x in &subs {
                        tr { td { code { (x.id) } } td { code { (x.client_id) } } td { @if let Some(u) = &x.callback_url { code { (u) } } @else { "— (polls)" } } td { (x.version) } td { @if let Some(t) = &x.event_types { (t.join(", ")) } @else { "all" } } }
                    } }
                } }
            }
        }
        section aria-labelledby="waiting-h" {
            h2 #waiting-h { "Events waiting to be polled" }
            @if waiting.is_empty() { p.muted { "None." } } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "Client" } th scope="col" { "Waiting" } th scope="col" { "jti" } } }
                    tbody { @for (client, jtis) in &waiting {
                        tr { td { code { (client) } } td.num { (jtis.len()) } td { @for j in jtis.iter().take(20) { code { (j) } br; } @if jtis.len() > 20 { "…" } } }
                    } }
                } }
            }
        }
        section aria-labelledby="pushed-h" {
            h2 #pushed-h { "Pushed notifications" }
            @let pushed: Vec<_> = view.notifications.newest_first().collect();
            @if pushed.is_empty() { p.muted { "None pushed yet." } } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "jti" } th scope="col" { "Client" } th scope="col" { "To" } th scope="col" { "Outcome" } th scope="col" { "Attempts" } } }
                    tbody { @for n in &pushed {
                        tr {
                            td { code { (n.jti) } }
                            td { code { (n.client_id) } }
                            td { code { (n.url) } }
                            td {
                                @if n.delivered() { span.status-ok { "Delivered" } }
                                @else if n.finished { span.status-bad { "Given up" } }
                                @else { span.status-wait { "Retrying" } }
                            }
                            td { ol.history { @for at in &n.attempts {
                                li { (time(at.at)) ": " @match &at.outcome { Ok(st) => { "HTTP " (st) }, Err(e) => { (e) } } }
                            } } }
                        }
                    } }
                } }
            }
        }
    };
    layout("events", view, None, body)
}

/// `/requests`: the request log, filtered.
pub(super) fn requests(
    console: &Console,
    view: &View<'_>,
    client: Option<&str>,
    interaction: Option<&str>,
) -> String {
    let s = view.sandbox;
    let redactor: Redactor<'_> = s.redactor();
    let clients = s.client_views();
    let shown: Vec<_> = console
        .journal
        .newest_first()
        .filter(|e| client.is_none_or(|c| e.client_id.as_deref() == Some(c)))
        .filter(|e| interaction.is_none_or(|i| e.interaction_id.contains(i)))
        .take(200)
        .collect();
    let body = html! {
        form.inline method="get" action=(page_path("requests")) role="search" {
            label for="client" { "Client" }
            select #client name="client" {
                option value="" { "any" }
                @for c in &clients {
                    option value=(c.client_id) selected[client == Some(c.client_id.as_str())] { (c.client_id) " (" (c.software_id) ")" }
                }
            }
            label for="interaction" { "Interaction id" }
            input #interaction name="interaction" value=(interaction.unwrap_or_default()) size="38";
            button type="submit" { "Filter" }
        }
        p.muted {
            "The latest " (super::journal::EXCHANGES_KEPT) " requests of this run are kept (" (console.journal.total()) " so far); "
            (shown.len()) " shown. Tokens, codes and keys appear as their fingerprints."
        }
        div.scroll { table {
            thead { tr { th scope="col" { "#" } th scope="col" { "Time" } th scope="col" { "Interaction id" } th scope="col" { "Client" } th scope="col" { "Request" } th scope="col" { "Status" } th scope="col" { "Duration" } th scope="col" { "Bodies" } } }
            tbody { @for e in &shown {
                tr {
                    td.num { (e.seq) }
                    td { (time(e.at)) }
                    td { code { (e.interaction_id) } }
                    td { @if let Some(c) = &e.client_id { code { (c) } } @else { "—" } @if e.from_console { br; span.muted { "(console)" } } }
                    @let (path, query) = e.path.split_once('?').unwrap_or((e.path.as_str(), ""));
                    td { code { (e.method) " " (redactor.text(path)) } @if !query.is_empty() { " " span.muted { "(query in the bodies)" } } }
                    td { span class=(if e.status < 400 { "status-ok" } else { "status-bad" }) { (e.status) } }
                    td.num { (format!("{:.1} ms", e.duration.as_secs_f64() * 1000.0)) }
                    td {
                        details {
                            summary { "Show" }
                            @if !query.is_empty() {
                                h3 { "Query" }
                                pre { (redactor.text(query)) }
                            }
                            h3 { "Request" }
                            pre { (if e.request_body.is_empty() { "(empty)".to_owned() } else { redactor.body(&e.request_body) }) }
                            h3 { "Response" }
                            pre { (if e.response_body.is_empty() { "(empty)".to_owned() } else { redactor.body(&e.response_body) }) }
                            @if e.truncated { p.muted { "Cut to " (super::journal::BODY_BYTES_KEPT) " bytes." } }
                        }
                    }
                }
            } }
        } }
    };
    layout("requests", view, None, body)
}
