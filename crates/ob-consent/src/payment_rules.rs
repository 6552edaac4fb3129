//! What Monzo accepts in payment, VRP and funds-confirmation requests, beyond what the OBIE
//! schemas say; the daily outbound limits; and the check that a payment order matches its
//! consent.
//!
//! From Monzo's Payment Initiation Services, VRP and CBPII documentation:
//! - domestic, scheduled and standing-order payments: GBP only; accounts identified by
//!   `UK.OBIE.SortCodeAccountNumber` only (not IBAN); local instrument `UK.OBIE.FPS` ("you
//!   should provide UK.OBIE.FPS as the LocalInstrument": required here, so that a request
//!   accepted here is not refused by the bank); times in RFC 3339 (with a time zone);
//! - standing orders: Monzo's frequency subset ([`crate::frequency`]); `RecurringPaymentDateTime`
//!   and `RecurringPaymentAmount` are refused; `NumberOfPayments` or `FinalPaymentDateTime`,
//!   not both;
//! - international payments (v3.1.11): `InstructedAmount` in GBP; `RateType` `Indicative`;
//!   `Risk.BeneficiaryAccountType` one of Personal, JointPersonal, PersonalSavingsAccount,
//!   Business, BusinessSavingsAccount; `CreditorAccount.Name` and `DestinationCountryCode`
//!   required; and the currency and rails table ([`RAILS`]);
//! - VRP: GBP, `UK.OBIE.SortCodeAccountNumber`, FPS, and the control-parameter rules in
//!   [`crate::vrp::ControlParameters::from_request`];
//! - confirmation of funds: `DebtorAccount` by `UK.OBIE.SortCodeAccountNumber` (UK);
//! - default daily outbound limits: personal and joint £10,000, sole trader £25,000, limited
//!   company £50,000;
//! - "We require that the SupplementaryData content is provided in the same order between the
//!   consent creation request and the payment request" ([`check_order_matches`]).
//!
//! Each check returns the first rule broken, as a [`ConsentError`] with the field's path.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use monzo_model::funds::{OBFundsConfirmation1, OBFundsConfirmationConsent1};
use monzo_model::payments::{
    OBExternalLocalInstrument1Code as Instrument, OBWriteDomestic2DataInitiation,
    OBWriteDomestic2DataInitiationCreditorAccount, OBWriteDomestic2DataInitiationDebtorAccount,
    OBWriteDomestic2DataInitiationInstructedAmount, OBWriteDomesticScheduled2DataInitiation,
    OBWriteDomesticStandingOrder3DataInitiation,
};
use monzo_model::payments_v3_1_11::{
    OBExternalExtendedAccountType1Code as BeneficiaryAccountType,
    OBWriteInternational3DataInitiation,
    OBWriteInternational3DataInitiationExchangeRateInformationRateType as RateType,
    OBWriteInternational3Risk,
};
use monzo_model::vrp::{OBDomesticVRPConsentRequest, OBDomesticVRPInstruction};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use crate::frequency::{Frequency, MonzoSchedule};
use crate::vrp::ControlParameters;
use crate::{ConsentError, Instant, Unsupported};

const SCAN: &str = "UK.OBIE.SortCodeAccountNumber";

fn present(text: &str) -> bool {
    !text.trim().is_empty()
}

/// Refuses a currency other than GBP (`UK.OBIE.Unsupported.Currency`).
pub(crate) fn check_gbp(path: &'static str, currency: &str) -> Result<(), ConsentError> {
    if currency == "GBP" {
        Ok(())
    } else {
        Err(ConsentError::Unsupported {
            kind: Unsupported::Currency,
            path,
            expected: "GBP".into(),
            found: currency.into(),
        })
    }
}

/// Refuses an amount of zero or less (`UK.OBIE.Field.Invalid`).
pub(crate) fn check_positive(path: &'static str, amount: Decimal) -> Result<(), ConsentError> {
    if amount > Decimal::ZERO {
        Ok(())
    } else {
        Err(ConsentError::FieldInvalid {
            path,
            expected: "an amount above zero".into(),
            found: amount.to_string(),
        })
    }
}

/// Checks a UK account: scheme `UK.OBIE.SortCodeAccountNumber` and an identification of 14
/// digits (6-digit sort code, 8-digit account number).
pub fn check_sort_code_account(
    scheme_path: &'static str,
    scheme: &str,
    identification_path: &'static str,
    identification: &str,
) -> Result<(), ConsentError> {
    if scheme != SCAN {
        return Err(ConsentError::Unsupported {
            kind: Unsupported::Scheme,
            path: scheme_path,
            expected: SCAN.into(),
            found: scheme.into(),
        });
    }
    if identification.len() != 14 || !identification.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ConsentError::FieldInvalid {
            path: identification_path,
            expected: "a 6-digit sort code followed by an 8-digit account number".into(),
            found: format!("{identification:?}"),
        });
    }
    Ok(())
}

fn check_fps(
    path: &'static str,
    instrument: Option<&Instrument>,
    required: bool,
) -> Result<(), ConsentError> {
    match instrument {
        Some(Instrument::FPS) => Ok(()),
        None if !required => Ok(()),
        None => Err(ConsentError::FieldMissing { path }),
        Some(other) => Err(ConsentError::Unsupported {
            kind: Unsupported::LocalInstrument,
            path,
            expected: "UK.OBIE.FPS".into(),
            found: other.as_str().into(),
        }),
    }
}

fn check_rfc3339(path: &'static str, t: &ob_model::DateTime) -> Result<(), ConsentError> {
    if t.has_time_zone() && !t.is_date_only() {
        Ok(())
    } else {
        Err(ConsentError::FieldInvalid {
            path,
            expected:
                "an RFC 3339 date-time with a time zone, such as \"2025-03-01T09:00:00+00:00\""
                    .into(),
            found: t.to_string(),
        })
    }
}

fn check_creditor(
    prefix: &'static [&'static str; 2],
    creditor: &OBWriteDomestic2DataInitiationCreditorAccount,
) -> Result<(), ConsentError> {
    check_sort_code_account(
        prefix[0],
        creditor.scheme_name.as_str(),
        prefix[1],
        &creditor.identification,
    )
}

fn check_debtor(
    prefix: &'static [&'static str; 2],
    debtor: Option<&OBWriteDomestic2DataInitiationDebtorAccount>,
) -> Result<(), ConsentError> {
    match debtor {
        Some(d) => check_sort_code_account(
            prefix[0],
            d.scheme_name.as_str(),
            prefix[1],
            &d.identification,
        ),
        None => Ok(()),
    }
}

const CREDITOR: &[&str; 2] = &[
    "Data.Initiation.CreditorAccount.SchemeName",
    "Data.Initiation.CreditorAccount.Identification",
];
const DEBTOR: &[&str; 2] = &[
    "Data.Initiation.DebtorAccount.SchemeName",
    "Data.Initiation.DebtorAccount.Identification",
];

/// A domestic payment (consent or order): GBP, sort code and account number, FPS.
pub fn check_domestic(initiation: &OBWriteDomestic2DataInitiation) -> Result<(), ConsentError> {
    check_uk_transfer(
        &initiation.instructed_amount,
        initiation.local_instrument.as_ref(),
        &initiation.creditor_account,
        initiation.debtor_account.as_deref(),
    )
}

/// What domestic and scheduled payments share: a GBP amount above zero, Faster Payments, and
/// sort code and account number accounts.
fn check_uk_transfer(
    amount: &OBWriteDomestic2DataInitiationInstructedAmount,
    instrument: Option<&Instrument>,
    creditor: &OBWriteDomestic2DataInitiationCreditorAccount,
    debtor: Option<&OBWriteDomestic2DataInitiationDebtorAccount>,
) -> Result<(), ConsentError> {
    check_gbp(
        "Data.Initiation.InstructedAmount.Currency",
        &amount.currency,
    )?;
    check_positive(
        "Data.Initiation.InstructedAmount.Amount",
        amount.amount.value(),
    )?;
    check_fps("Data.Initiation.LocalInstrument", instrument, true)?;
    check_creditor(CREDITOR, creditor)?;
    check_debtor(DEBTOR, debtor)
}

/// A domestic scheduled payment (consent or order): as [`check_domestic`], and
/// `RequestedExecutionDateTime` in RFC 3339 on a day that has not passed at `now` (UK time).
pub fn check_scheduled(
    initiation: &OBWriteDomesticScheduled2DataInitiation,
    now: Instant,
) -> Result<(), ConsentError> {
    const WHEN: &str = "Data.Initiation.RequestedExecutionDateTime";
    check_uk_transfer(
        &initiation.instructed_amount,
        initiation.local_instrument.as_ref(),
        &initiation.creditor_account,
        initiation.debtor_account.as_deref(),
    )?;
    check_rfc3339(WHEN, &initiation.requested_execution_date_time)?;
    let day = uk_date(initiation.requested_execution_date_time.utc());
    if day < uk_date(now) {
        return Err(ConsentError::FieldInvalid {
            path: WHEN,
            expected: format!("today ({}) or a later day", uk_date(now)),
            found: initiation.requested_execution_date_time.to_string(),
        });
    }
    Ok(())
}

/// A domestic standing order (consent or order): GBP amounts, sort code and account number,
/// Monzo's frequencies, no `RecurringPayment*`, `NumberOfPayments` or `FinalPaymentDateTime`
/// but not both, and RFC 3339 times. Returns the schedule Monzo will follow.
pub fn check_standing_order(
    initiation: &OBWriteDomesticStandingOrder3DataInitiation,
) -> Result<MonzoSchedule, ConsentError> {
    let schedule = Frequency::parse_for_monzo(&initiation.frequency)?;
    if initiation.recurring_payment_date_time.is_some() {
        return Err(ConsentError::FieldUnexpected {
            path: "Data.Initiation.RecurringPaymentDateTime",
            reason: "Monzo repeats payments from FirstPaymentDateTime and refuses this field",
        });
    }
    if initiation.recurring_payment_amount.is_some() {
        return Err(ConsentError::FieldUnexpected {
            path: "Data.Initiation.RecurringPaymentAmount",
            reason: "Monzo repeats FirstPaymentAmount and refuses this field",
        });
    }
    if initiation.number_of_payments.is_some() && initiation.final_payment_date_time.is_some() {
        return Err(ConsentError::FieldUnexpected {
            path: "Data.Initiation.FinalPaymentDateTime",
            reason: "give NumberOfPayments or FinalPaymentDateTime, not both",
        });
    }
    if let Some(n) = &initiation.number_of_payments {
        if !n.parse::<u32>().is_ok_and(|n| n > 0) {
            return Err(ConsentError::FieldInvalid {
                path: "Data.Initiation.NumberOfPayments",
                expected: "a whole number of payments above zero".into(),
                found: format!("{n:?}"),
            });
        }
    }
    check_gbp(
        "Data.Initiation.FirstPaymentAmount.Currency",
        &initiation.first_payment_amount.currency,
    )?;
    check_positive(
        "Data.Initiation.FirstPaymentAmount.Amount",
        initiation.first_payment_amount.amount.value(),
    )?;
    if let Some(last) = &initiation.final_payment_amount {
        check_gbp(
            "Data.Initiation.FinalPaymentAmount.Currency",
            &last.currency,
        )?;
        check_positive(
            "Data.Initiation.FinalPaymentAmount.Amount",
            last.amount.value(),
        )?;
    }
    check_rfc3339(
        "Data.Initiation.FirstPaymentDateTime",
        &initiation.first_payment_date_time,
    )?;
    if let Some(last) = &initiation.final_payment_date_time {
        check_rfc3339("Data.Initiation.FinalPaymentDateTime", last)?;
        if last.utc() < initiation.first_payment_date_time.utc() {
            return Err(ConsentError::FieldInvalid {
                path: "Data.Initiation.FinalPaymentDateTime",
                expected: format!(
                    "a time at or after FirstPaymentDateTime {}",
                    initiation.first_payment_date_time
                ),
                found: last.to_string(),
            });
        }
    }
    check_creditor(CREDITOR, &initiation.creditor_account)?;
    check_debtor(DEBTOR, initiation.debtor_account.as_deref())?;
    Ok(schedule)
}

/// One row of Monzo's table of international currencies and rails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rail {
    /// `CurrencyOfTransfer`.
    pub currency: &'static str,
    /// `LocalInstrument`, or `None` where the table says it is not required (then it must be
    /// left out: the row is chosen by the scheme).
    pub local_instrument: Option<&'static str>,
    /// `CreditorAccount.SchemeName`.
    pub scheme: &'static str,
    /// What `CreditorAccount.Identification` holds.
    pub identification: &'static str,
    /// What `CreditorAccount.SecondaryIdentification` holds, when required.
    pub secondary_identification: Option<&'static str>,
    /// `CreditorAgent.SchemeName`, and what `CreditorAgent.Identification` holds, when required.
    pub agent: Option<(&'static str, &'static str)>,
    /// Whether `Creditor.PostalAddress` is required.
    pub postal_address: bool,
    /// Whether `Risk.BeneficiaryAccountType` must be `Business` or `BusinessSavingsAccount`.
    pub business_only: bool,
}

/// Monzo's international payment currencies and rails ("International Payment currencies and
/// rails support"), row by row, as far as the published table gives them.
///
/// Monzo's documentation source also names [`CURRENCIES_WITHOUT_RAIL_DETAILS`], with custom
/// schemes (`UK.MONZO.BKash`, `UK.MONZO.Interac`, `UK.MONZO.GhanaMobile`) whose required
/// fields are not published; those are checked by the general rules only.
pub const RAILS: &[Rail] = &[
    Rail {
        currency: "AUD",
        local_instrument: None,
        scheme: "UK.OBIE.BBAN",
        identification: "account number",
        secondary_identification: None,
        agent: Some(("UK.OBIE.NCC.AU", "BSB code")),
        postal_address: false,
        business_only: false,
    },
    Rail {
        currency: "AUD",
        local_instrument: None,
        scheme: "UK.MONZO.BPAY",
        identification: "biller pay code",
        secondary_identification: Some("customer reference number"),
        agent: None,
        postal_address: false,
        business_only: true,
    },
    Rail {
        currency: "INR",
        local_instrument: None,
        scheme: "UK.OBIE.BBAN",
        identification: "account number",
        secondary_identification: None,
        agent: Some(("UK.OBIE.NCC.IN", "IFSC code")),
        postal_address: false,
        business_only: false,
    },
    Rail {
        currency: "INR",
        local_instrument: None,
        scheme: "UK.MONZO.UPI",
        identification: "UPI id (customername@bank)",
        secondary_identification: None,
        agent: None,
        postal_address: false,
        business_only: false,
    },
    Rail {
        currency: "EUR",
        local_instrument: Some("UK.OBIE.SEPACreditTransfer"),
        scheme: "UK.OBIE.IBAN",
        identification: "IBAN",
        secondary_identification: None,
        agent: None,
        postal_address: false,
        business_only: false,
    },
    Rail {
        currency: "EUR",
        local_instrument: Some("UK.OBIE.SWIFT"),
        scheme: "UK.OBIE.IBAN",
        identification: "IBAN",
        secondary_identification: None,
        agent: Some(("UK.OBIE.BICFI", "BIC")),
        postal_address: false,
        business_only: false,
    },
    Rail {
        currency: "RON",
        local_instrument: None,
        scheme: "UK.OBIE.IBAN",
        identification: "IBAN",
        secondary_identification: None,
        agent: Some(("UK.OBIE.BICFI", "BIC")),
        postal_address: true,
        business_only: false,
    },
    Rail {
        currency: "USD",
        local_instrument: Some("UK.MONZO.ABA"),
        scheme: "UK.OBIE.BBAN",
        identification: "account number",
        secondary_identification: None,
        agent: Some(("UK.OBIE.NCC.US", "ABA routing number")),
        postal_address: true,
        business_only: false,
    },
    Rail {
        currency: "USD",
        local_instrument: Some("UK.MONZO.FEDWIRE"),
        scheme: "UK.OBIE.BBAN",
        identification: "account number",
        secondary_identification: None,
        agent: Some(("UK.OBIE.NCC.US", "Fedwire routing number")),
        postal_address: true,
        business_only: false,
    },
    Rail {
        currency: "USD",
        local_instrument: Some("UK.OBIE.SWIFT"),
        scheme: "UK.OBIE.BBAN",
        identification: "account number",
        secondary_identification: None,
        agent: Some(("UK.OBIE.BICFI", "BIC")),
        postal_address: true,
        business_only: false,
    },
];

/// Currencies Monzo supports for international payments whose rail parameters are not
/// published: accepted with the general rules only (see [`check_international`]).
pub const CURRENCIES_WITHOUT_RAIL_DETAILS: &[&str] = &[
    "ARS", "BDT", "CAD", "CHF", "COP", "GHS", "HUF", "ILS", "JPY", "NGN", "NZD", "QAR", "SAR",
    "VND",
];

/// The `BeneficiaryAccountType` values Monzo accepts.
pub const BENEFICIARY_ACCOUNT_TYPES: &[&str] = &[
    "Personal",
    "JointPersonal",
    "PersonalSavingsAccount",
    "Business",
    "BusinessSavingsAccount",
];

fn list(items: impl Iterator<Item = String>) -> String {
    let mut v: Vec<String> = items.collect();
    v.dedup();
    v.join(", ")
}

/// An international payment (consent or order, v3.1.11): Monzo's general rules, then the row of
/// [`RAILS`] the currency, local instrument and scheme select, whose required fields must be
/// present. Returns that row, or `None` for a currency of
/// [`CURRENCIES_WITHOUT_RAIL_DETAILS`] (general rules only).
///
/// Where the table requires `Creditor.PostalAddress`, Monzo's published list of required
/// address fields is empty; this check requires the address to give at least `Country` and
/// `TownName`.
pub fn check_international(
    initiation: &OBWriteInternational3DataInitiation,
    risk: &OBWriteInternational3Risk,
) -> Result<Option<&'static Rail>, ConsentError> {
    check_gbp(
        "Data.Initiation.InstructedAmount.Currency",
        &initiation.instructed_amount.currency,
    )?;
    check_positive(
        "Data.Initiation.InstructedAmount.Amount",
        initiation.instructed_amount.amount.value(),
    )?;
    if let Some(rate) = &initiation.exchange_rate_information {
        if rate.rate_type != RateType::Indicative {
            return Err(ConsentError::FieldInvalid {
                path: "Data.Initiation.ExchangeRateInformation.RateType",
                expected: "Indicative".into(),
                found: rate.rate_type.as_str().into(),
            });
        }
    }
    // Monzo requires what OBIE leaves optional here (Monzo's profile narrows OBIE's type).
    if !initiation
        .destination_country_code
        .as_deref()
        .is_some_and(present)
    {
        return Err(ConsentError::FieldMissing {
            path: "Data.Initiation.DestinationCountryCode",
        });
    }
    if !present(&initiation.creditor_account.name) {
        return Err(ConsentError::FieldMissing {
            path: "Data.Initiation.CreditorAccount.Name",
        });
    }
    let Some(beneficiary_account_type) = &risk.beneficiary_account_type else {
        return Err(ConsentError::FieldMissing {
            path: "Risk.BeneficiaryAccountType",
        });
    };
    let account_type = beneficiary_account_type.as_str();
    if !present(account_type) {
        return Err(ConsentError::FieldMissing {
            path: "Risk.BeneficiaryAccountType",
        });
    }
    if !BENEFICIARY_ACCOUNT_TYPES.contains(&account_type) {
        return Err(ConsentError::FieldInvalid {
            path: "Risk.BeneficiaryAccountType",
            expected: BENEFICIARY_ACCOUNT_TYPES.join(", "),
            found: account_type.into(),
        });
    }

    let currency = initiation.currency_of_transfer.as_str();
    if CURRENCIES_WITHOUT_RAIL_DETAILS.contains(&currency) {
        return Ok(None);
    }
    let rows: Vec<&'static Rail> = RAILS.iter().filter(|r| r.currency == currency).collect();
    if rows.is_empty() {
        let mut all: Vec<&str> = RAILS
            .iter()
            .map(|r| r.currency)
            .chain(CURRENCIES_WITHOUT_RAIL_DETAILS.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        return Err(ConsentError::Unsupported {
            kind: Unsupported::Currency,
            path: "Data.Initiation.CurrencyOfTransfer",
            expected: all.join(", "),
            found: currency.into(),
        });
    }
    let instrument = initiation.local_instrument.as_ref().map(|i| i.as_str());
    let rows: Vec<&'static Rail> = rows
        .into_iter()
        .filter(|r| r.local_instrument == instrument)
        .collect();
    if rows.is_empty() {
        let expected = list(
            RAILS
                .iter()
                .filter(|r| r.currency == currency)
                .map(|r| r.local_instrument.unwrap_or("none").to_owned()),
        );
        return Err(ConsentError::Unsupported {
            kind: Unsupported::LocalInstrument,
            path: "Data.Initiation.LocalInstrument",
            expected: format!("{expected} for {currency}"),
            found: instrument.unwrap_or("none").into(),
        });
    }
    let scheme = initiation.creditor_account.scheme_name.as_str();
    let Some(row) = rows.iter().copied().find(|r| r.scheme == scheme) else {
        return Err(ConsentError::Unsupported {
            kind: Unsupported::Scheme,
            path: "Data.Initiation.CreditorAccount.SchemeName",
            expected: format!(
                "{} for {currency}",
                list(rows.iter().map(|r| r.scheme.to_owned()))
            ),
            found: scheme.into(),
        });
    };
    if !present(&initiation.creditor_account.identification) {
        return Err(ConsentError::FieldMissing {
            path: "Data.Initiation.CreditorAccount.Identification",
        });
    }
    if row.secondary_identification.is_some()
        && !initiation
            .creditor_account
            .secondary_identification
            .as_deref()
            .is_some_and(present)
    {
        return Err(ConsentError::FieldMissing {
            path: "Data.Initiation.CreditorAccount.SecondaryIdentification",
        });
    }
    if let Some((agent_scheme, _)) = row.agent {
        let agent = initiation.creditor_agent.as_deref();
        let given = agent
            .and_then(|a| a.scheme_name.as_ref())
            .map(|s| s.as_str());
        match given {
            None => {
                return Err(ConsentError::FieldMissing {
                    path: "Data.Initiation.CreditorAgent.SchemeName",
                })
            }
            Some(s) if s != agent_scheme => {
                return Err(ConsentError::Unsupported {
                    kind: Unsupported::Scheme,
                    path: "Data.Initiation.CreditorAgent.SchemeName",
                    expected: agent_scheme.into(),
                    found: s.into(),
                })
            }
            Some(_) => {}
        }
        if !agent
            .and_then(|a| a.identification.as_deref())
            .is_some_and(present)
        {
            return Err(ConsentError::FieldMissing {
                path: "Data.Initiation.CreditorAgent.Identification",
            });
        }
    }
    if row.postal_address {
        let address = initiation
            .creditor
            .as_deref()
            .and_then(|c| c.postal_address.as_deref());
        let Some(address) = address else {
            return Err(ConsentError::FieldMissing {
                path: "Data.Initiation.Creditor.PostalAddress",
            });
        };
        if !address.country.as_deref().is_some_and(present) {
            return Err(ConsentError::FieldMissing {
                path: "Data.Initiation.Creditor.PostalAddress.Country",
            });
        }
        if !address.town_name.as_deref().is_some_and(present) {
            return Err(ConsentError::FieldMissing {
                path: "Data.Initiation.Creditor.PostalAddress.TownName",
            });
        }
    }
    if row.business_only
        && !matches!(
            beneficiary_account_type,
            BeneficiaryAccountType::Business | BeneficiaryAccountType::BusinessSavingsAccount
        )
    {
        return Err(ConsentError::FieldInvalid {
            path: "Risk.BeneficiaryAccountType",
            expected: format!("Business or BusinessSavingsAccount for {}", row.scheme),
            found: account_type.into(),
        });
    }
    Ok(Some(row))
}

/// A domestic VRP consent request: the control parameters
/// ([`ControlParameters::from_request`]) and the accounts of `Initiation`, if given (sort code
/// and account number).
pub fn check_vrp_consent(
    request: &OBDomesticVRPConsentRequest,
) -> Result<ControlParameters, ConsentError> {
    let control = ControlParameters::from_request(&request.data.control_parameters)?;
    let initiation = &request.data.initiation;
    if let Some(d) = &initiation.debtor_account {
        check_sort_code_account(
            DEBTOR[0],
            d.scheme_name.as_str(),
            DEBTOR[1],
            &d.identification,
        )?;
    }
    if let Some(c) = &initiation.creditor_account {
        check_sort_code_account(
            CREDITOR[0],
            c.scheme_name.as_str(),
            CREDITOR[1],
            &c.identification,
        )?;
    }
    Ok(control)
}

/// A VRP's `Instruction`: GBP, FPS, and a sort code and account number creditor. (The control
/// parameters are checked by [`crate::vrp::Authorised::check_payment`].)
pub fn check_vrp_instruction(instruction: &OBDomesticVRPInstruction) -> Result<(), ConsentError> {
    check_gbp(
        "Data.Instruction.InstructedAmount.Currency",
        &instruction.instructed_amount.currency,
    )?;
    check_fps(
        "Data.Instruction.LocalInstrument",
        instruction.local_instrument.as_ref(),
        false,
    )?;
    check_sort_code_account(
        "Data.Instruction.CreditorAccount.SchemeName",
        instruction.creditor_account.scheme_name.as_str(),
        "Data.Instruction.CreditorAccount.Identification",
        &instruction.creditor_account.identification,
    )
}

/// A funds-confirmation consent request: `DebtorAccount` by sort code and account number.
/// (Monzo's EU entity uses IBAN; this checks the UK profile.)
pub fn check_funds_consent(request: &OBFundsConfirmationConsent1) -> Result<(), ConsentError> {
    let debtor = &request.data.debtor_account;
    check_sort_code_account(
        "Data.DebtorAccount.SchemeName",
        debtor.scheme_name.as_str(),
        "Data.DebtorAccount.Identification",
        &debtor.identification,
    )
}

/// A funds-confirmation request: an amount above zero, and in pence when it is in GBP (Monzo's
/// accounts hold pounds and pence; a GBP amount of more precision is refused everywhere).
pub fn check_funds_confirmation(request: &OBFundsConfirmation1) -> Result<(), ConsentError> {
    let amount = &request.data.instructed_amount;
    let value = amount.amount.value();
    check_positive("Data.InstructedAmount.Amount", value)?;
    if amount.currency.as_str() == "GBP" && value.scale() > 2 {
        return Err(ConsentError::FieldInvalid {
            path: "Data.InstructedAmount.Amount",
            expected: "a GBP amount in pence (at most two decimal places)".into(),
            found: amount.amount.to_string(),
        });
    }
    Ok(())
}

/// The kinds of account Monzo sets default daily outbound limits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountType {
    /// A personal account.
    Personal,
    /// A joint account.
    Joint,
    /// A business account of a sole trader.
    BusinessSoleTrader,
    /// A business account of a private limited company.
    BusinessLimitedCompany,
}

impl AccountType {
    /// Monzo's default daily outbound limit for the account type, in GBP (customers can raise
    /// theirs).
    pub fn default_daily_limit(self) -> Decimal {
        match self {
            AccountType::Personal | AccountType::Joint => Decimal::from(10_000),
            AccountType::BusinessSoleTrader => Decimal::from(25_000),
            AccountType::BusinessLimitedCompany => Decimal::from(50_000),
        }
    }
}

/// Whether a payment of `amount` fits under `limit` given `sent_today` (the account's outbound
/// payments so far on the same UK day, see [`uk_date`]). A payment refused here is rejected
/// with `RejectionReason` "Payment limits exceeded" ([`ConsentError::rejection_reason`]).
pub fn check_daily_limit(
    limit: Decimal,
    sent_today: Decimal,
    amount: Decimal,
) -> Result<(), ConsentError> {
    if sent_today
        .checked_add(amount)
        .is_none_or(|total| total > limit)
    {
        Err(ConsentError::DailyLimitExceeded {
            limit,
            sent_today,
            amount,
        })
    } else {
        Ok(())
    }
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    let mut day = next
        .unwrap_or(NaiveDate::MAX)
        .pred_opt()
        .unwrap_or(NaiveDate::MIN);
    while day.weekday() != Weekday::Sun {
        day = day.pred_opt().unwrap_or(NaiveDate::MIN);
    }
    day
}

/// The date in the UK (Europe/London) at `at`: British Summer Time (UTC+1) runs from 01:00 UTC
/// on the last Sunday of March to 01:00 UTC on the last Sunday of October.
pub fn uk_date(at: Instant) -> NaiveDate {
    let year = at.year();
    let one = NaiveTime::from_hms_opt(1, 0, 0).unwrap_or(NaiveTime::MIN);
    let start = Utc.from_utc_datetime(&last_sunday(year, 3).and_time(one));
    let end = Utc.from_utc_datetime(&last_sunday(year, 10).and_time(one));
    let offset = if at >= start && at < end {
        Duration::hours(1)
    } else {
        Duration::zero()
    };
    (at + offset).date_naive()
}

/// Checks that a payment order carries the same `Initiation` and `Risk` as its consent.
///
/// Values must be equal (amounts and times as the same text); objects must have the same
/// fields, in any order, except inside `SupplementaryData`, whose fields must also come in the
/// same order, as Monzo requires. The error names the first difference.
pub fn check_order_matches<CI, CR, OI, OR>(
    consent_initiation: &CI,
    consent_risk: &CR,
    order_initiation: &OI,
    order_risk: &OR,
) -> Result<(), ConsentError>
where
    CI: Serialize + ?Sized,
    CR: Serialize + ?Sized,
    OI: Serialize + ?Sized,
    OR: Serialize + ?Sized,
{
    compare_encoded("Data.Initiation", consent_initiation, order_initiation)?;
    compare_encoded("Risk", consent_risk, order_risk)
}

fn compare_encoded<A: Serialize + ?Sized, B: Serialize + ?Sized>(
    root: &str,
    consent: &A,
    order: &B,
) -> Result<(), ConsentError> {
    let encode = |v: Result<Value, serde_json::Error>| {
        v.map_err(|e| ConsentError::ConsentMismatch {
            path: root.to_owned(),
            reason: format!("cannot be encoded: {e}"),
        })
    };
    let a = encode(serde_json::to_value(consent))?;
    let b = encode(serde_json::to_value(order))?;
    match first_difference(&a, &b, root.to_owned(), false) {
        Some((path, reason)) => Err(ConsentError::ConsentMismatch { path, reason }),
        None => Ok(()),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

fn first_difference(
    consent: &Value,
    order: &Value,
    path: String,
    ordered: bool,
) -> Option<(String, String)> {
    match (consent, order) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys() {
                if !b.contains_key(key) {
                    return Some((
                        format!("{path}.{key}"),
                        "in the consent, missing from the order".into(),
                    ));
                }
            }
            for key in b.keys() {
                if !a.contains_key(key) {
                    return Some((
                        format!("{path}.{key}"),
                        "in the order, not in the consent".into(),
                    ));
                }
            }
            if ordered && !a.keys().eq(b.keys()) {
                return Some((
                    path,
                    format!(
                        "fields in a different order: the consent has {}, the order has {}",
                        a.keys().cloned().collect::<Vec<_>>().join(", "),
                        b.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            for (key, av) in a {
                let bv = &b[key];
                let child_ordered = ordered || key == "SupplementaryData";
                if let Some(d) = first_difference(av, bv, format!("{path}.{key}"), child_ordered) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Some((
                    path,
                    format!("{} items in the consent, {} in the order", a.len(), b.len()),
                ));
            }
            a.iter()
                .zip(b)
                .enumerate()
                .find_map(|(i, (x, y))| first_difference(x, y, format!("{path}[{i}]"), ordered))
        }
        (a, b) if a == b => None,
        (a, b) => Some((
            path,
            format!("the consent has {}, the order has {}", short(a), short(b)),
        )),
    }
}
