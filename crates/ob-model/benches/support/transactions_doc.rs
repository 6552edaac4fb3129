//! A deterministic `OBReadTransaction6` document of any size for benchmarks: optional fields,
//! date-time forms, amount scales and description lengths vary from one transaction to the next,
//! and every transaction follows the spec (so strict peers such as pydantic accept it).

use std::fmt::Write as _;

/// A small deterministic generator (xorshift64*), so the document is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const MERCHANTS: &[&str] = &[
    "Tesco Stores 3297",
    "Pret A Manger",
    "TfL Travel Charge",
    "Amazon.co.uk*2K4LM",
    "Mr. Payroll Services",
    "Deliveroo",
    "Octopus Energy",
    "Netflix.com",
    "Sainsbury's S/mkt",
    "Uber *Trip",
    "Savings From Holiday Pot",
    "Interest for October 2024",
    "Thames Water",
    "Costa Coffee",
    "British Gas",
];
const CODES: &[&str] = &[
    "mastercard",
    "faster_payments",
    "bacs",
    "uk_retail_pot",
    "account_interest",
    "p2p_payment",
    "topup",
    "3dsecure",
];

fn date_time(rng: &mut Rng, base: i64) -> String {
    let t = base + rng.below(86_400) as i64;
    let dt = chrono::DateTime::from_timestamp(t, 0).unwrap().naive_utc();
    let day = dt.format("%Y-%m-%dT%H:%M:%S");
    match rng.below(5) {
        0 => format!("{day}Z"),
        1 => format!("{day}.{:03}Z", rng.below(1000)),
        2 => format!("{day}+00:00"),
        3 => format!("{day}.{:06}+01:00", rng.below(1_000_000)),
        _ => format!("{day}.{:03}Z", rng.below(1000)),
    }
}

fn amount(rng: &mut Rng) -> String {
    let cap = if rng.chance(90) { 200 } else { 20_000 };
    let whole = rng.below(cap);
    match rng.below(6) {
        0 => format!("{whole}"),
        1 => format!("{whole}.{}", rng.below(10)),
        2 => format!("{whole}.{:02}", rng.below(100)),
        3 | 4 => format!("{whole}.{:04}", rng.below(100) * 100),
        _ => format!("{whole}.{:05}", rng.below(100_000)),
    }
}

/// The document with `count` transactions.
pub fn document(count: usize) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut s = String::with_capacity(count * 700 + 256);
    s.push_str(r#"{"Data":{"Transaction":["#);
    let start = 1_577_836_800i64; // 2020-01-01
    for i in 0..count {
        if i > 0 {
            s.push(',');
        }
        let credit = rng.chance(30);
        let merchant = MERCHANTS[rng.below(MERCHANTS.len() as u64) as usize];
        let base = start + (i as i64) * 900;
        write!(
            s,
            r#"{{"AccountId":"acc_0000A4C4ZSskDOixqNPfpR","TransactionId":"tx_0000{:016X}","#,
            rng.next()
        )
        .unwrap();
        if rng.chance(20) {
            write!(
                s,
                r#""TransactionReference":"FP{:010}","#,
                rng.below(10_000_000_000)
            )
            .unwrap();
        }
        write!(
            s,
            r#""CreditDebitIndicator":"{}","Status":"{}","BookingDateTime":"{}","#,
            if credit { "Credit" } else { "Debit" },
            if rng.chance(90) { "Booked" } else { "Pending" },
            date_time(&mut rng, base)
        )
        .unwrap();
        if rng.chance(40) {
            write!(
                s,
                r#""ValueDateTime":"{}","#,
                date_time(&mut rng, base + 86_400)
            )
            .unwrap();
        }
        let long = if rng.chance(5) {
            " - card payment with a long merchant narrative".repeat(6)
        } else {
            String::new()
        };
        write!(s, r#""TransactionInformation":"{merchant}{long}","#).unwrap();
        write!(
            s,
            r#""Amount":{{"Amount":"{}","Currency":"GBP"}},"#,
            amount(&mut rng)
        )
        .unwrap();
        if rng.chance(10) {
            write!(
                s,
                r#""ChargeAmount":{{"Amount":"{}","Currency":"GBP"}},"#,
                amount(&mut rng)
            )
            .unwrap();
        }
        let code = CODES[rng.below(CODES.len() as u64) as usize];
        write!(
            s,
            r#""ProprietaryBankTransactionCode":{{"Code":"{code}","Issuer":"Monzo"}}"#
        )
        .unwrap();
        if rng.chance(25) {
            write!(
                s,
                r#","Balance":{{"CreditDebitIndicator":"Credit","Type":"InterimBooked","Amount":{{"Amount":"{}","Currency":"GBP"}}}}"#,
                amount(&mut rng)
            )
            .unwrap();
        }
        if code == "mastercard" && rng.chance(70) {
            write!(s, r#","MerchantDetails":{{"MerchantName":"{merchant}","MerchantCategoryCode":"5411"}}"#).unwrap();
            write!(
                s,
                r#","CardInstrument":{{"CardSchemeName":"MasterCard","AuthorisationType":"ConsumerDevice","Name":"Camila McSimpburg","Identification":"{:04}"}}"#,
                rng.below(10_000)
            )
            .unwrap();
        } else if rng.chance(60) {
            let party = if credit {
                "DebtorAccount"
            } else {
                "CreditorAccount"
            };
            write!(
                s,
                r#","{party}":{{"SchemeName":"UK.OBIE.SortCodeAccountNumber","Identification":"{:06}{:08}","Name":"{merchant}"}}"#,
                rng.below(1_000_000),
                rng.below(100_000_000)
            )
            .unwrap();
        }
        if rng.chance(80) {
            write!(
                s,
                r#","SupplementaryData":{{"Declined":{},"RawTransactionDescription":"{}"}}"#,
                rng.chance(3),
                merchant.to_uppercase()
            )
            .unwrap();
        }
        s.push('}');
    }
    s.push_str(r#"]},"Links":{"Self":"https://openbanking.monzo.com/open-banking/v3.1/aisp/accounts/acc_0000A4C4ZSskDOixqNPfpR/transactions"},"Meta":{"TotalPages":1}}"#);
    s
}
