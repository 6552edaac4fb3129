//! The reconciliation rendered three ways: JSON (everything), CSV (the ledgers, a line per
//! transaction), and a readable report (each pot's totals and every break with its context).

use std::fmt::Write;

use rust_decimal::Decimal;

use crate::{Break, Checkpoint, Line, Reconciliation};

/// The whole reconciliation as pretty-printed JSON (amounts as strings, exact).
pub fn json(r: &Reconciliation) -> String {
    // Every field is a string, a number-free string amount, a time or a list of those: encoding
    // cannot fail.
    serde_json::to_string_pretty(r).unwrap_or_default()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Every pot's ledger as CSV: `pot_id,booked_at,transaction_id,source,description,amount,
/// running_balance,stated_balance`, pots in id order, oldest line first.
pub fn csv(r: &Reconciliation) -> String {
    let mut out = String::from(
        "pot_id,booked_at,transaction_id,source,description,amount,running_balance,stated_balance\n",
    );
    for pot in &r.pots {
        for (e, running_balance) in r.ledger(pot) {
            let row = [
                e.pot_id.clone(),
                e.booked_at.to_rfc3339(),
                e.id.clone(),
                e.source.as_str().to_owned(),
                e.description.clone(),
                e.amount.to_string(),
                running_balance.to_string(),
                e.stated_balance.map(|b| b.to_string()).unwrap_or_default(),
            ]
            .map(|f| csv_field(&f))
            .join(",");
            out.push_str(&row);
            out.push('\n');
        }
    }
    out
}

fn signed(d: Decimal) -> String {
    if d.is_sign_negative() {
        format!("-{:.2}", d.abs())
    } else {
        format!("+{d:.2}")
    }
}

fn line_text(out: &mut String, l: &Line) {
    let e = &l.entry;
    let _ = writeln!(
        out,
        "      {}  {:<22} {:>12}  balance {:>10.2}  {} {}",
        e.booked_at.format("%Y-%m-%d %H:%M:%S"),
        e.id,
        signed(e.amount),
        l.running_balance,
        e.source.as_str(),
        e.description
    );
}

fn break_text(out: &mut String, b: &Break) {
    let place = match &b.checkpoint {
        Checkpoint::Transaction { id, at } => {
            format!(
                "after transaction {id} ({})",
                at.format("%Y-%m-%d %H:%M:%S")
            )
        }
        Checkpoint::Snapshot { at } => {
            format!("at the balance stated {}", at.format("%Y-%m-%d %H:%M:%S"))
        }
        Checkpoint::Opening => "at the opening balance (two statements disagree)".to_owned(),
    };
    let _ = writeln!(
        out,
        "    BREAK {place}: the ledger says {:.2}, the stated balance is {:.2} ({} unexplained)",
        b.expected,
        b.stated,
        signed(b.difference)
    );
    if !b.since_last_agreement.is_empty() {
        let _ = writeln!(out, "      since the last balance that agreed:");
        for l in &b.since_last_agreement {
            line_text(out, l);
        }
    }
    if !b.after.is_empty() {
        let _ = writeln!(out, "      after:");
        for l in &b.after {
            line_text(out, l);
        }
    }
}

/// A readable report: per pot, opening, money in and out, closing, how many stated balances
/// were checked, and every break with the transactions around it.
pub fn text(r: &Reconciliation) -> String {
    let mut out = String::new();
    for p in &r.pots {
        let verdict = if p.breaks.is_empty() {
            "reconciled".to_owned()
        } else {
            format!("{} break(s)", p.breaks.len())
        };
        let _ = writeln!(
            out,
            "{}: {verdict}\n    opening {:.2}, in {}, out {}, closing {:.2}; {} transactions, {} stated balances checked",
            p.pot_id,
            p.opening,
            signed(p.money_in),
            signed(p.money_out),
            p.closing,
            p.lines.len(),
            p.checked
        );
        for b in &p.breaks {
            break_text(&mut out, b);
        }
    }
    let total: usize = r.pots.iter().map(|p| p.breaks.len()).sum();
    let _ = writeln!(
        out,
        "{} pot(s), {}",
        r.pots.len(),
        if total == 0 {
            "every balance reconciled to the penny".to_owned()
        } else {
            format!("{total} break(s)")
        }
    );
    out
}

/// Today's-data mode ([`crate::partial`]) rendered the same three ways.
pub mod partial {
    use std::fmt::Write;

    use super::{csv_field, signed};
    use crate::partial::{Inference, LineKind};

    /// The whole inference as pretty-printed JSON (amounts as strings, exact).
    pub fn json(r: &Inference) -> String {
        serde_json::to_string_pretty(r).unwrap_or_default()
    }

    /// Every pot's inferred ledger as CSV: `pot_id,at,kind,transaction_id,description,amount,
    /// running_balance,interval_from`, pots in id order, oldest line first. Unattributed lines
    /// have no transaction and name the start of their interval.
    pub fn csv(r: &Inference) -> String {
        let mut out = String::from(
            "pot_id,at,kind,transaction_id,description,amount,running_balance,interval_from\n",
        );
        for pot in &r.pots {
            for line in &pot.lines {
                let (kind, id, description, from) = match &line.kind {
                    LineKind::Transfer { .. } => {
                        // A line naming no transfer (possible only by editing) is skipped.
                        let Some(t) = r.transfer(line) else { continue };
                        (
                            "transfer",
                            t.id.clone(),
                            t.description.clone(),
                            String::new(),
                        )
                    }
                    LineKind::Unattributed { from } => (
                        "unattributed",
                        String::new(),
                        String::new(),
                        from.to_rfc3339(),
                    ),
                };
                let row = [
                    pot.pot_id.clone(),
                    line.at.to_rfc3339(),
                    kind.to_owned(),
                    id,
                    description,
                    line.amount.to_string(),
                    line.running_balance.to_string(),
                    from,
                ]
                .map(|f| csv_field(&f))
                .join(",");
                out.push_str(&row);
                out.push('\n');
            }
        }
        out
    }

    /// A readable report: per pot, each interval between snapshots with its transfers and what
    /// they leave unexplained, with the bounds; then what no snapshot checks.
    pub fn text(r: &Inference) -> String {
        let mut out = String::new();
        let when = |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S").to_string();
        for p in &r.pots {
            let verdict = if p.snapshots < 2 {
                format!(
                    "{} snapshot(s): at least two are needed to check anything",
                    p.snapshots
                )
            } else if p.is_explained() {
                "the transfers explain every snapshot".to_owned()
            } else {
                format!("{} unattributed in total", signed(p.unattributed))
            };
            let _ = writeln!(out, "{}: {verdict}", p.pot_id);
            for i in &p.intervals {
                let _ = write!(
                    out,
                    "    {} -> {}: {:.2} -> {:.2}; {} transfer(s) in {}, out {}",
                    when(&i.from),
                    when(&i.to),
                    i.opening,
                    i.closing,
                    i.transfers,
                    signed(i.transfers_in),
                    signed(i.transfers_out)
                );
                if i.unattributed.is_zero() {
                    let _ = writeln!(out, "; explained");
                    continue;
                }
                let _ = writeln!(
                    out,
                    "; UNATTRIBUTED {} (at least {:.2} moved unseen in this interval)",
                    signed(i.unattributed),
                    i.bounds.activity_at_least
                );
                if let Some(c) = &i.bounds.credit_before {
                    let _ = writeln!(
                        out,
                        "      at least {:.2} came in by {} (before transfer {} would overdraw the pot)",
                        c.at_least,
                        when(&c.at),
                        c.transfer_id
                    );
                }
            }
            if !p.unchecked.is_empty() {
                let _ = writeln!(
                    out,
                    "    {} transfer(s) outside the snapshots, unchecked",
                    p.unchecked.len()
                );
            }
        }
        let total: usize = r
            .pots
            .iter()
            .flat_map(|p| &p.intervals)
            .filter(|i| !i.unattributed.is_zero())
            .count();
        let _ = writeln!(
            out,
            "{} pot(s), {}",
            r.pots.len(),
            if total == 0 {
                "no unattributed activity".to_owned()
            } else {
                format!("{total} interval(s) with unattributed activity")
            }
        );
        out
    }
}
