//! A hand-written serde model of the benchmark's `OBReadTransaction6` document: what a developer
//! writes without a generator (derived `Deserialize`, `String` texts, closed enums for the code
//! lists the document uses, `rust_decimal` amounts and `chrono` date-times parsed from their
//! strings). It keeps no unknown fields, field order or text forms: the yardstick the generated
//! model's decode speed is held to.

use serde::{Deserialize, Deserializer};

fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<rust_decimal::Decimal, D::Error> {
    let s = <&str>::deserialize(d)?;
    rust_decimal::Decimal::from_str_exact(s).map_err(serde::de::Error::custom)
}

fn date_time<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<chrono::DateTime<chrono::FixedOffset>, D::Error> {
    let s = <&str>::deserialize(d)?;
    chrono::DateTime::parse_from_rfc3339(s).map_err(serde::de::Error::custom)
}

fn opt_date_time<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<chrono::DateTime<chrono::FixedOffset>>, D::Error> {
    date_time(d).map(Some)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReadTransaction {
    pub data: Data,
    pub links: Links,
    pub meta: Meta,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Data {
    pub transaction: Vec<Transaction>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Links {
    #[serde(rename = "Self")]
    pub self_: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Meta {
    pub total_pages: Option<i32>,
}

#[derive(Deserialize)]
pub enum CreditDebit {
    Credit,
    Debit,
}

#[derive(Deserialize)]
pub enum Status {
    Booked,
    Pending,
    Rejected,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Money {
    #[serde(deserialize_with = "decimal")]
    pub amount: rust_decimal::Decimal,
    pub currency: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Code {
    pub code: String,
    pub issuer: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Balance {
    pub credit_debit_indicator: CreditDebit,
    #[serde(rename = "Type")]
    pub type_: String,
    pub amount: Money,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Merchant {
    pub merchant_name: Option<String>,
    pub merchant_category_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Card {
    pub card_scheme_name: String,
    pub authorisation_type: Option<String>,
    pub name: Option<String>,
    pub identification: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Party {
    pub scheme_name: String,
    pub identification: String,
    pub name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Supplementary {
    pub declined: Option<bool>,
    pub raw_transaction_description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Transaction {
    pub account_id: String,
    pub transaction_id: Option<String>,
    pub transaction_reference: Option<String>,
    pub credit_debit_indicator: CreditDebit,
    pub status: Status,
    #[serde(deserialize_with = "date_time")]
    pub booking_date_time: chrono::DateTime<chrono::FixedOffset>,
    #[serde(default, deserialize_with = "opt_date_time")]
    pub value_date_time: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub transaction_information: Option<String>,
    pub amount: Money,
    pub charge_amount: Option<Money>,
    pub proprietary_bank_transaction_code: Option<Code>,
    pub balance: Option<Balance>,
    pub merchant_details: Option<Merchant>,
    pub card_instrument: Option<Card>,
    pub debtor_account: Option<Party>,
    pub creditor_account: Option<Party>,
    pub supplementary_data: Option<Supplementary>,
}
