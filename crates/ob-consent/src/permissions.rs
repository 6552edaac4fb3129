//! Account-access permissions: OBIE's validation rules, Monzo's supported set, and redaction of
//! what a Basic permission may not see (accounts, pots, transactions, standing orders, scheduled
//! payments).
//!
//! OBIE v3.1.10 (account-access-consents): the list must not be empty; it must include
//! `ReadAccountsBasic` or `ReadAccountsDetail`; `ReadTransactionsBasic`/`Detail` need at least
//! one of `ReadTransactionsCredits`/`Debits` and the other way round; an unsupported permission is
//! rejected. Detail implies Basic, and asking for both is not an error.

use std::collections::BTreeSet;

use monzo_model::accounts::{
    OBAccount6, OBPot1, OBReadConsent1DataPermissions as Permission, OBScheduledPayment3,
    OBStandingOrder6, OBTransaction6,
};

use crate::ConsentError;

/// The permissions Monzo's AIS API serves (from Monzo's documentation: accounts, balances,
/// transactions, parties, direct debits, scheduled payments, standing orders; not beneficiaries,
/// offers, products, statements or PAN).
pub const MONZO_SUPPORTED: &[Permission] = &[
    Permission::ReadAccountsBasic,
    Permission::ReadAccountsDetail,
    Permission::ReadBalances,
    Permission::ReadTransactionsBasic,
    Permission::ReadTransactionsDetail,
    Permission::ReadTransactionsCredits,
    Permission::ReadTransactionsDebits,
    Permission::ReadParty,
    Permission::ReadPartyPSU,
    Permission::ReadDirectDebits,
    Permission::ReadScheduledPaymentsBasic,
    Permission::ReadScheduledPaymentsDetail,
    Permission::ReadStandingOrdersBasic,
    Permission::ReadStandingOrdersDetail,
];

/// A validated set of account-access permissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permissions(BTreeSet<Permission>);

impl Permissions {
    /// Validates a requested list against OBIE's rules and Monzo's supported set.
    pub fn validate(requested: &[Permission]) -> Result<Self, ConsentError> {
        if requested.is_empty() {
            return Err(ConsentError::InvalidPermissions {
                reason: "the permission list is empty".into(),
            });
        }
        let mut set = BTreeSet::new();
        for p in requested {
            if !MONZO_SUPPORTED.contains(p) {
                return Err(ConsentError::UnsupportedPermission {
                    permission: p.as_str().to_owned(),
                });
            }
            set.insert(p.clone());
        }
        let has = |p: &Permission| set.contains(p);
        if !has(&Permission::ReadAccountsBasic) && !has(&Permission::ReadAccountsDetail) {
            return Err(ConsentError::InvalidPermissions {
                reason: "ReadAccountsBasic or ReadAccountsDetail is required".into(),
            });
        }
        let tx =
            has(&Permission::ReadTransactionsBasic) || has(&Permission::ReadTransactionsDetail);
        let direction =
            has(&Permission::ReadTransactionsCredits) || has(&Permission::ReadTransactionsDebits);
        if tx && !direction {
            return Err(ConsentError::InvalidPermissions {
                reason: "ReadTransactionsBasic/Detail needs ReadTransactionsCredits or ReadTransactionsDebits".into(),
            });
        }
        if direction && !tx {
            return Err(ConsentError::InvalidPermissions {
                reason: "ReadTransactionsCredits/Debits needs ReadTransactionsBasic or ReadTransactionsDetail".into(),
            });
        }
        Ok(Permissions(set))
    }

    /// The permissions as requested (each once, in OBIE's order).
    pub fn iter(&self) -> impl Iterator<Item = &Permission> {
        self.0.iter()
    }

    /// Whether the set grants `p`. A Detail permission grants its Basic one too.
    pub fn grants(&self, p: &Permission) -> bool {
        let implied = match p {
            Permission::ReadAccountsBasic => Some(Permission::ReadAccountsDetail),
            Permission::ReadTransactionsBasic => Some(Permission::ReadTransactionsDetail),
            Permission::ReadScheduledPaymentsBasic => Some(Permission::ReadScheduledPaymentsDetail),
            Permission::ReadStandingOrdersBasic => Some(Permission::ReadStandingOrdersDetail),
            _ => None,
        };
        self.0.contains(p) || implied.is_some_and(|d| self.0.contains(&d))
    }

    /// Removes from an account what `ReadAccountsBasic` may not see (`Account`, `Servicer`).
    pub fn redact_account(&self, account: &mut OBAccount6) {
        if !self.grants(&Permission::ReadAccountsDetail) {
            account.account = None;
            account.servicer = None;
        }
    }

    /// Removes from a pot what `ReadAccountsBasic` may not see (Monzo: `Name`, `ImageUrl`).
    pub fn redact_pot(&self, pot: &mut OBPot1) {
        if !self.grants(&Permission::ReadAccountsDetail) {
            pot.name = None;
            pot.image_url = None;
        }
    }

    /// Removes from a transaction what `ReadTransactionsBasic` may not see
    /// (`TransactionInformation`, `Balance`, `MerchantDetails`, creditor and debtor agent and
    /// account).
    pub fn redact_transaction(&self, tx: &mut OBTransaction6) {
        if !self.grants(&Permission::ReadTransactionsDetail) {
            tx.transaction_information = None;
            tx.balance = None;
            tx.merchant_details = None;
            tx.creditor_agent = None;
            tx.creditor_account = None;
            tx.debtor_agent = None;
            tx.debtor_account = None;
        }
    }

    /// Removes from a pot transaction (the proposed extension) what `ReadTransactionsBasic`
    /// may not see: the same members as [`redact_transaction`](Self::redact_transaction).
    pub fn redact_pot_transaction(&self, tx: &mut monzo_model::accounts::OBPotTransaction1) {
        if !self.grants(&Permission::ReadTransactionsDetail) {
            tx.transaction_information = None;
            tx.balance = None;
            tx.merchant_details = None;
            tx.creditor_account = None;
            tx.debtor_account = None;
        }
    }

    /// Removes from a standing order what `ReadStandingOrdersBasic` may not see
    /// (`CreditorAgent`, `CreditorAccount`).
    pub fn redact_standing_order(&self, order: &mut OBStandingOrder6) {
        if !self.grants(&Permission::ReadStandingOrdersDetail) {
            order.creditor_agent = None;
            order.creditor_account = None;
        }
    }

    /// Removes from a scheduled payment what `ReadScheduledPaymentsBasic` may not see
    /// (`CreditorAgent`, `CreditorAccount`).
    pub fn redact_scheduled_payment(&self, payment: &mut OBScheduledPayment3) {
        if !self.grants(&Permission::ReadScheduledPaymentsDetail) {
            payment.creditor_agent = None;
            payment.creditor_account = None;
        }
    }

    /// Whether a transaction of this direction may be shown (`ReadTransactionsCredits` /
    /// `ReadTransactionsDebits`).
    pub fn shows_direction(&self, credit: bool) -> bool {
        if credit {
            self.grants(&Permission::ReadTransactionsCredits)
        } else {
            self.grants(&Permission::ReadTransactionsDebits)
        }
    }
}
