//! The seeded world: Monzo's sandbox users, with realistic, deterministic data.
//!
//! The four users and their account ids are the ones Monzo's documentation gives:
//!
//! | user | id | account | history |
//! |---|---|---|---|
//! | heavy | `user_0000A4C4ZChWNMEvew2U77` | `acc_0000A4C4ZSskDOixqNPfpR` | three years, thousands of transactions, five pots |
//! | medium | `user_0000A4C4nqORb7K9YYW3r0` | `acc_0000A4C4o66FCYJoERQhHN` | one year, two pots |
//! | light | `user_0000A4C4wkPFE7x9at8Ujp` | `acc_0000A4C4wz4Ail0f3sONTV` | three months, a few transactions, no pot |
//! | EU (Ireland) | `user_0000Av3bpksv3AAmdybBCr` | `acc_0000Av3bry7sn2XsI3eZ3C` | six months, in euro |
//!
//! Beside their personal accounts (this emulator's, not Monzo's documented ones): the heavy user
//! has Flex (`acc_0000A4C4ZfLeXhAnNaH001`) and a joint account (`acc_0000A4C4ZJo1ntHannah01`,
//! "Joint Account"), the medium user a sole trader's business account
//! (`acc_0000A4C4oS0leTrader001`, "Sole Trader") and the light user a private limited
//! company's (`acc_0000A4C4wL1m1tedCo0001`, "Private Limited Company"); each type pays under
//! Monzo's daily limit for it ([`Account::limit_type`]).
//!
//! Everything is generated from a fixed seed and a fixed end date ([`SEED_END`]), so two runs
//! give the same world byte for byte. The last card payments are still pending at the end,
//! settling two days on ([`CARD_SETTLEMENT`]); the heavy and medium users end on a fuel pump's
//! £99.00 pre-authorisation that settles for less. Each account's balance is the sum of its transactions,
//! and each pot's balance the sum of its movements, always.

// Amounts are written in pence with the pence apart (`3_450_00` is £3,450.00).
#![allow(clippy::inconsistent_digit_grouping)]

use std::borrow::Cow;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;

/// The last moment of seeded history (the world is the same whenever it is generated).
pub fn seed_end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 31, 23, 59, 59)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The version of the seeded world and of the rules its log is replayed under. A state
/// directory records the version it was made with and is replayed only into the same world
/// (ids and balances of the seed change between versions, and so does what a request gets).
/// Version 2 added the pots' round-ups, virtual-card payments and direct debits; version 3
/// refuses what Monzo refuses (strict requests, the FAPI request object, deleted consents)
/// and logs fingerprints of tokens and codes instead of the secrets; version 4 runs a sandbox
/// clock (scheduled payments and standing orders execute as it passes their dates) and starts
/// the seeded rent standing order on the first 1st of a month in the history.
pub const WORLD_VERSION: &str = "4";

/// [`seed_end`] as a constant for documentation: 2026-10-31T23:59:59Z.
pub const SEED_END: &str = "2026-10-31T23:59:59Z";

/// SplitMix64: a small, fast, well-mixed generator; enough for test data, never for secrets.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded from text (FNV-1a of the bytes).
    pub fn from_text(text: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An amount in pence between `lo` and `hi` pounds.
    pub fn pounds(&mut self, lo: u64, hi: u64) -> Decimal {
        let pence = lo * 100 + self.below((hi - lo) * 100 + 1);
        Decimal::new(pence as i64, 2)
    }
}

/// Which of Monzo's sandbox users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Persona {
    /// Years of history, many pots.
    Heavy,
    /// A year of history.
    Medium,
    /// A few transactions.
    Light,
    /// Monzo Ireland: euro, IBAN only, pots as accounts.
    Eu,
}

/// What the bank calls the account's type (it sets the daily payment limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountKind {
    /// A personal current account.
    Personal,
    /// A joint account.
    Joint,
    /// A business account of a sole trader (`Description` "Sole Trader").
    BusinessSoleTrader,
    /// A business account of a private limited company (`Description` "Private Limited
    /// Company").
    BusinessLimitedCompany,
    /// Monzo Flex: buy now, pay later in monthly instalments (a credit product: its balance is
    /// what the customer owes).
    Flex(FlexTerms),
}

/// What a Flex account owes beyond its balance, for its two balances (Monzo: `InterimAvailable`
/// is what is owed today to pay off, `Information` the Flex balance plus all future interest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlexTerms {
    /// The instalments due today.
    pub due_today: Decimal,
    /// The interest still to come on the instalments.
    pub future_interest: Decimal,
}

/// A transaction status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TxStatus {
    /// Settled.
    Booked,
    /// Authorised, not settled.
    Pending,
    /// Refused by the bank (a scheduled payment or standing order it could not make): listed
    /// in the history, as Monzo lists rejected transactions since v3.1.8, but moving no money.
    Rejected,
}

/// A counterparty account (UK sort code and account number, or IBAN).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterparty {
    /// Their name.
    pub name: String,
    /// `UK.OBIE.SortCodeAccountNumber` or `UK.OBIE.IBAN`.
    pub scheme: &'static str,
    /// The identification.
    pub identification: String,
}

/// A card merchant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merchant {
    /// Name.
    pub name: Cow<'static, str>,
    /// Merchant category code.
    pub mcc: Cow<'static, str>,
}

/// A transaction of the main account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// `tx_...`
    pub id: String,
    /// When it was made (Monzo orders by creation time).
    pub at: DateTime<Utc>,
    /// Its amount, positive.
    pub amount: Decimal,
    /// Money in.
    pub credit: bool,
    /// Booked or pending.
    pub status: TxStatus,
    /// Monzo's `ProprietaryBankTransactionCode.Code`.
    pub code: &'static str,
    /// `TransactionInformation` (the app's description).
    pub description: String,
    /// `SupplementaryData.RawTransactionDescription`.
    pub raw_description: String,
    /// The other side of a transfer.
    pub counterparty: Option<Counterparty>,
    /// The merchant of a card payment.
    pub merchant: Option<Merchant>,
    /// The pot a pot transfer moved money to or from.
    pub pot_id: Option<String>,
    /// The account's balance after it.
    pub balance_after: Decimal,
    /// For a pending card payment: when it settles, and for how much (Monzo: "Transaction
    /// amounts can change after the transaction is first created").
    pub settlement: Option<Settlement>,
}

/// How a pending transaction settles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// When it settles (card payments: two days after the payment).
    pub at: DateTime<Utc>,
    /// The amount it settles for.
    pub amount: Decimal,
}

/// How long a card payment stays pending.
pub const CARD_SETTLEMENT: Duration = Duration::days(2);

/// What moved money in or out of a pot (the proposed extension's `Source`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PotSource {
    /// The customer (or a rule) moved money in from the main account.
    TransferIn,
    /// The customer moved money out to the main account.
    TransferOut,
    /// A card payment with the virtual card linked to the pot. The bank moves the amount from
    /// the pot to the main account, which pays the merchant.
    CardPayment {
        /// The merchant's name.
        merchant: String,
        /// Its merchant category code.
        mcc: String,
    },
    /// A direct debit the bank paid from the pot: the main account pays it, and the bank moves
    /// the amount from the pot to the main account at once.
    DirectDebit {
        /// The originator's name.
        name: String,
        /// The mandate's reference.
        reference: String,
    },
    /// Interest on a savings pot (no main-account transaction).
    Interest,
    /// The day's round-ups of card payments, from the main account.
    RoundUp,
}

impl PotSource {
    /// The extension's `Source` value.
    pub fn name(&self) -> &'static str {
        match self {
            PotSource::TransferIn => "TransferIn",
            PotSource::TransferOut => "TransferOut",
            PotSource::CardPayment { .. } => "CardPayment",
            PotSource::DirectDebit { .. } => "DirectDebit",
            PotSource::Interest => "Interest",
            PotSource::RoundUp => "RoundUp",
        }
    }

    /// Whether money comes into the pot.
    pub fn is_credit(&self) -> bool {
        matches!(
            self,
            PotSource::TransferIn | PotSource::Interest | PotSource::RoundUp
        )
    }

    /// Parses a `Source` value (the sandbox's simulation endpoint takes the simple ones).
    pub fn parse_simple(name: &str) -> Option<Self> {
        Some(match name {
            "TransferIn" => PotSource::TransferIn,
            "TransferOut" => PotSource::TransferOut,
            "Interest" => PotSource::Interest,
            "RoundUp" => PotSource::RoundUp,
            _ => return None,
        })
    }
}

/// A movement of money in or out of a pot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PotMovement {
    /// Its id (`potx_...`), the pot transaction's `TransactionId`.
    pub id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Signed amount: positive into the pot.
    pub amount: Decimal,
    /// The main-account transaction that moved it, if any (interest has none).
    pub transaction_id: Option<String>,
    /// What moved it.
    pub source: PotSource,
    /// Free-form key/value pairs the customer's tools attached (the sandbox control's
    /// `Metadata`), in the order given.
    pub metadata: Vec<(String, String)>,
}

/// A pot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pot {
    /// `pot_...`
    pub id: String,
    /// Its name.
    pub name: String,
    /// `default`, `flexible_savings`, `fixed_savings` or `instant_access`.
    pub kind: &'static str,
    /// The cover style.
    pub style: &'static str,
    /// The savings goal, if any.
    pub goal: Option<Decimal>,
    /// When it was made.
    pub created: DateTime<Utc>,
    /// Locked until, if locked.
    pub locked_until: Option<DateTime<Utc>>,
    /// Its movements, oldest first; the balance is their sum.
    pub movements: Vec<PotMovement>,
    /// When it was closed (the sandbox control): no longer listed.
    pub closed: Option<DateTime<Utc>>,
}

impl Pot {
    /// The balance: the sum of the movements.
    pub fn balance(&self) -> Decimal {
        self.movements.iter().map(|m| m.amount).sum()
    }

    /// Whether money cannot be taken out at `at` (a pot locked until a later date).
    pub fn is_locked(&self, at: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| at < until)
    }

    /// Adds a movement (`amount` signed, positive into the pot), keeping booking order, and
    /// returns its id.
    pub fn add(
        &mut self,
        at: DateTime<Utc>,
        amount: Decimal,
        transaction_id: Option<String>,
        source: PotSource,
    ) -> String {
        let tail = self.id.trim_start_matches("pot_");
        let id = format!("potx_{tail}_{:05}", self.movements.len());
        let index = self.movements.partition_point(|m| m.at <= at);
        self.movements.insert(
            index,
            PotMovement {
                id: id.clone(),
                at,
                amount,
                transaction_id,
                source,
                metadata: Vec::new(),
            },
        );
        id
    }
}

/// A standing order on the account. Monzo repeats it from its first payment (the day in the
/// frequency code is ignored) until `number_of_payments` or `final_payment`, if either is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandingOrder {
    /// Its id.
    pub id: String,
    /// OBIE frequency code (one Monzo supports).
    pub frequency: String,
    /// Reference.
    pub reference: String,
    /// First payment.
    pub first_payment: DateTime<Utc>,
    /// `NumberOfPayments`, counting the first.
    pub number_of_payments: Option<u32>,
    /// `FinalPaymentDateTime`.
    pub final_payment: Option<DateTime<Utc>>,
    /// How many payments have fallen due so far (made or rejected).
    pub paid: u32,
    /// Last payment made, if any.
    pub last_payment: Option<DateTime<Utc>>,
    /// Next payment; `None` once the order has ended (it is then `Inactive`).
    pub next_payment: Option<DateTime<Utc>>,
    /// Amount.
    pub amount: Decimal,
    /// Payee.
    pub creditor: Counterparty,
    /// The rejection every payment meets (the sandbox's `DesiredRejectionReason`), if any.
    pub forced_rejection: Option<ob_consent::rejection::RejectionReason>,
}

impl StandingOrder {
    /// When it pays, by Monzo's rules; `None` for a frequency Monzo does not run (the
    /// emulator accepts only Monzo's, so only a hand-made order has one).
    pub fn plan(&self) -> Option<ob_consent::frequency::StandingOrderPlan> {
        let schedule = ob_consent::frequency::Frequency::parse_for_monzo(&self.frequency).ok()?;
        Some(ob_consent::frequency::StandingOrderPlan {
            schedule,
            first: self.first_payment,
            number_of_payments: self.number_of_payments,
            final_payment: self.final_payment,
        })
    }
}

/// A direct-debit mandate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectDebit {
    /// Its id.
    pub id: String,
    /// Originator's name.
    pub name: String,
    /// Mandate reference.
    pub reference: String,
    /// Last collection.
    pub previous_payment: Option<DateTime<Utc>>,
    /// Last amount.
    pub previous_amount: Option<Decimal>,
}

/// A scheduled one-off payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduledPayment {
    /// Its id.
    pub id: String,
    /// When it will be made.
    pub at: DateTime<Utc>,
    /// Amount.
    pub amount: Decimal,
    /// Reference.
    pub reference: String,
    /// Payee.
    pub creditor: Counterparty,
    /// The rejection it meets when it falls due (the sandbox's `DesiredRejectionReason`), if
    /// any.
    pub forced_rejection: Option<ob_consent::rejection::RejectionReason>,
}

/// An account with its history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// `acc_...`
    pub id: String,
    /// Personal, joint or Flex.
    pub kind: AccountKind,
    /// `GBP` or `EUR`.
    pub currency: &'static str,
    /// Sort code and account number (UK only).
    pub sort_code_account: Option<String>,
    /// IBAN (none for Flex).
    pub iban: Option<String>,
    /// When it was opened.
    pub opened: NaiveDate,
    /// `Personal Account`, ...
    pub description: &'static str,
    /// Transactions, oldest first.
    pub transactions: Vec<Transaction>,
    /// Pots.
    pub pots: Vec<Pot>,
    /// Standing orders.
    pub standing_orders: Vec<StandingOrder>,
    /// Direct debits.
    pub direct_debits: Vec<DirectDebit>,
    /// Scheduled payments.
    pub scheduled_payments: Vec<ScheduledPayment>,
    /// When it was closed (the sandbox control): still listed, with another `Status`.
    pub closed: Option<DateTime<Utc>>,
}

impl Account {
    /// Whether payments can be made from it: an open GBP current account (not Flex).
    pub fn can_pay(&self) -> bool {
        self.currency == "GBP"
            && !matches!(self.kind, AccountKind::Flex(_))
            && self.closed.is_none()
    }

    /// The account type Monzo's payment limits go by.
    pub fn limit_type(&self) -> ob_consent::payment_rules::AccountType {
        use ob_consent::payment_rules::AccountType;
        match self.kind {
            AccountKind::Joint => AccountType::Joint,
            AccountKind::BusinessSoleTrader => AccountType::BusinessSoleTrader,
            AccountKind::BusinessLimitedCompany => AccountType::BusinessLimitedCompany,
            AccountKind::Personal | AccountKind::Flex(_) => AccountType::Personal,
        }
    }

    /// Whether it is a business account.
    pub fn is_business(&self) -> bool {
        matches!(
            self.kind,
            AccountKind::BusinessSoleTrader | AccountKind::BusinessLimitedCompany
        )
    }

    /// Adds a transaction, keeping the history in booking order (after any booked at the same
    /// time).
    pub fn record(&mut self, t: Transaction) {
        let at = self.transactions.partition_point(|x| x.at <= t.at);
        self.transactions.insert(at, t);
    }

    /// The transactions booked from `from` to `to` (both inclusive, either open), oldest
    /// first. A binary search: the history is kept in booking order.
    pub fn booked_between(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> &[Transaction] {
        let start = from.map_or(0, |f| self.transactions.partition_point(|t| t.at < f));
        let end = to.map_or(self.transactions.len(), |t| {
            self.transactions.partition_point(|x| x.at <= t)
        });
        self.transactions
            .get(start..end.max(start))
            .unwrap_or_default()
    }

    /// The balance: the sum of the transactions (a rejected one moves nothing).
    pub fn balance(&self) -> Decimal {
        self.transactions
            .iter()
            .filter(|t| t.status != TxStatus::Rejected)
            .map(|t| if t.credit { t.amount } else { -t.amount })
            .sum()
    }

    /// The balance plus every pot's.
    pub fn balance_with_pots(&self) -> Decimal {
        self.balance() + self.pots.iter().map(Pot::balance).sum::<Decimal>()
    }
}

/// A sandbox user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// `user_...`
    pub id: String,
    /// Which persona.
    pub persona: Persona,
    /// Preferred name (what Monzo returns as `Name`).
    pub name: String,
    /// Legal name.
    pub legal_name: String,
    /// Accounts.
    pub accounts: Vec<Account>,
}

/// The sandbox's users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct World {
    /// Users, in the order of the table above.
    pub users: Vec<User>,
}

impl World {
    /// The user with this id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The account with this id, with its user.
    pub fn account(&self, id: &str) -> Option<(&User, &Account)> {
        self.users
            .iter()
            .find_map(|u| u.accounts.iter().find(|a| a.id == id).map(|a| (u, a)))
    }

    /// The account with this id, to change.
    pub fn account_mut(&mut self, id: &str) -> Option<&mut Account> {
        self.users
            .iter_mut()
            .flat_map(|u| u.accounts.iter_mut())
            .find(|a| a.id == id)
    }
}

const MERCHANTS: &[Merchant] = &[
    Merchant {
        name: Cow::Borrowed("Tesco"),
        mcc: Cow::Borrowed("5411"),
    },
    Merchant {
        name: Cow::Borrowed("Sainsbury's"),
        mcc: Cow::Borrowed("5411"),
    },
    Merchant {
        name: Cow::Borrowed("Pret A Manger"),
        mcc: Cow::Borrowed("5814"),
    },
    Merchant {
        name: Cow::Borrowed("Transport for London"),
        mcc: Cow::Borrowed("4111"),
    },
    Merchant {
        name: Cow::Borrowed("Amazon"),
        mcc: Cow::Borrowed("5999"),
    },
    Merchant {
        name: Cow::Borrowed("Deliveroo"),
        mcc: Cow::Borrowed("5812"),
    },
    Merchant {
        name: Cow::Borrowed("Boots"),
        mcc: Cow::Borrowed("5912"),
    },
    Merchant {
        name: Cow::Borrowed("Spotify"),
        mcc: Cow::Borrowed("5815"),
    },
    Merchant {
        name: Cow::Borrowed("Greggs"),
        mcc: Cow::Borrowed("5814"),
    },
    Merchant {
        name: Cow::Borrowed("Uber"),
        mcc: Cow::Borrowed("4121"),
    },
];

const EU_MERCHANTS: &[Merchant] = &[
    Merchant {
        name: Cow::Borrowed("Tesco Ireland"),
        mcc: Cow::Borrowed("5411"),
    },
    Merchant {
        name: Cow::Borrowed("Dunnes Stores"),
        mcc: Cow::Borrowed("5411"),
    },
    Merchant {
        name: Cow::Borrowed("Leap Card"),
        mcc: Cow::Borrowed("4111"),
    },
    Merchant {
        name: Cow::Borrowed("Insomnia Coffee"),
        mcc: Cow::Borrowed("5814"),
    },
];

const FRIENDS: &[&str] = &[
    "Sam Taylor",
    "Priya Shah",
    "Alex Morgan",
    "Chris Evans",
    "Jo Okafor",
];

/// Where the heavy user's Holiday-pot virtual card is used.
const TRAVEL_MERCHANTS: &[Merchant] = &[
    Merchant {
        name: Cow::Borrowed("easyJet"),
        mcc: Cow::Borrowed("4511"),
    },
    Merchant {
        name: Cow::Borrowed("Airbnb"),
        mcc: Cow::Borrowed("7011"),
    },
    Merchant {
        name: Cow::Borrowed("Trainline"),
        mcc: Cow::Borrowed("4112"),
    },
];

/// The pots in [`POT_NAMES`] that activity is tied to.
const SAVINGS_POT: usize = 0;
const HOLIDAY_POT: usize = 1;
const BILLS_POT: usize = 2;

const POT_NAMES: &[(&str, &str, &str)] = &[
    ("Savings", "instant_access", "beach_ball"),
    ("Holiday", "default", "plane"),
    ("Bills", "default", "piggy_bank"),
    ("Rainy day", "flexible_savings", "umbrella"),
    ("House deposit", "fixed_savings", "house"),
];

/// One day's planned transaction, applied in time order at the end of the day.
struct Planned {
    at: DateTime<Utc>,
    amount: Decimal,
    credit: bool,
    code: &'static str,
    description: String,
    counterparty: Option<Counterparty>,
    merchant: Option<Merchant>,
    pot: Option<(usize, PotSource)>,
}

/// Builds one account's history day by day.
struct History<'a> {
    rng: &'a mut Rng,
    account_id: String,
    currency: &'static str,
    tx: Vec<Transaction>,
    pots: Vec<Pot>,
    balance: Decimal,
    next_tx: u64,
    day: Vec<Planned>,
}

impl History<'_> {
    /// Plans a transaction for the current day.
    #[allow(clippy::too_many_arguments)]
    fn plan(
        &mut self,
        at: DateTime<Utc>,
        amount: Decimal,
        credit: bool,
        code: &'static str,
        description: String,
        counterparty: Option<Counterparty>,
        merchant: Option<Merchant>,
        pot: Option<(usize, PotSource)>,
    ) {
        self.day.push(Planned {
            at,
            amount,
            credit,
            code,
            description,
            counterparty,
            merchant,
            pot,
        });
    }

    /// Applies the day's transactions in time order.
    fn flush(&mut self) {
        let mut day = std::mem::take(&mut self.day);
        day.sort_by_key(|p| p.at);
        for p in day {
            self.push(
                p.at,
                p.amount,
                p.credit,
                p.code,
                p.description,
                p.counterparty,
                p.merchant,
                p.pot,
            );
        }
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next_tx += 1;
        format!("{prefix}_{}{:010}", short(&self.account_id), self.next_tx)
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        at: DateTime<Utc>,
        amount: Decimal,
        credit: bool,
        code: &'static str,
        description: String,
        counterparty: Option<Counterparty>,
        merchant: Option<Merchant>,
        pot: Option<(usize, PotSource)>,
    ) {
        self.balance += if credit { amount } else { -amount };
        let id = self.id("tx");
        let pot_id = pot.map(|(i, source)| {
            // Money leaving the account goes into the pot, and the other way round.
            let signed = if credit { -amount } else { amount };
            self.pots[i].add(at, signed, Some(id.clone()), source);
            self.pots[i].id.clone()
        });
        self.tx.push(Transaction {
            raw_description: description.to_uppercase(),
            id,
            at,
            amount,
            credit,
            status: TxStatus::Booked,
            code,
            description,
            counterparty,
            merchant,
            pot_id,
            balance_after: self.balance,
            settlement: None,
        });
    }
}

fn short(id: &str) -> &str {
    let tail = id.rsplit('_').next().unwrap_or(id);
    &tail[tail.len().saturating_sub(6)..]
}

fn at_time(day: NaiveDate, secs: u64) -> DateTime<Utc> {
    let base = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    base + Duration::seconds(secs as i64)
}

/// How much history and activity a persona has.
struct Shape {
    days: i64,
    card_spends_per_day: u64,
    pots: usize,
    salary: Decimal,
    /// Whether card payments are rounded up into the Savings pot.
    round_ups: bool,
}

fn account(
    persona: Persona,
    account_id: &str,
    sort_code_account: Option<&str>,
    iban: &str,
) -> Account {
    let shape = match persona {
        Persona::Heavy => Shape {
            days: 3 * 365,
            card_spends_per_day: 5,
            pots: 5,
            salary: Decimal::new(4_800_00, 2),
            round_ups: true,
        },
        Persona::Medium => Shape {
            days: 365,
            card_spends_per_day: 2,
            pots: 2,
            salary: Decimal::new(2_600_00, 2),
            round_ups: true,
        },
        Persona::Light => Shape {
            days: 90,
            card_spends_per_day: 0,
            pots: 0,
            salary: Decimal::new(1_200_00, 2),
            round_ups: false,
        },
        Persona::Eu => Shape {
            days: 180,
            card_spends_per_day: 1,
            pots: 1,
            salary: Decimal::new(2_900_00, 2),
            round_ups: false,
        },
    };
    let currency = if persona == Persona::Eu { "EUR" } else { "GBP" };
    let end = seed_end().date_naive();
    let opened = end - Duration::days(shape.days);
    let mut rng = Rng::from_text(account_id);
    let pots: Vec<Pot> = POT_NAMES
        .iter()
        .take(shape.pots)
        .enumerate()
        .map(|(i, (name, kind, style))| Pot {
            id: format!("pot_{}{:04}", short(account_id), i + 1),
            name: (*name).to_owned(),
            kind,
            style,
            goal: (i % 2 == 0).then(|| Decimal::new(((i as i64) + 1) * 1_000_00, 2)),
            created: at_time(opened + Duration::days(i as i64 * 7), 9 * 3600),
            locked_until: (*kind == "fixed_savings").then(|| at_time(end + Duration::days(180), 0)),
            movements: Vec::new(),
            closed: None,
        })
        .collect();
    let mut h = History {
        rng: &mut rng,
        account_id: account_id.to_owned(),
        currency,
        tx: Vec::new(),
        pots,
        balance: Decimal::ZERO,
        next_tx: 0,
        day: Vec::new(),
    };
    let merchants = if persona == Persona::Eu {
        EU_MERCHANTS
    } else {
        MERCHANTS
    };
    let employer = Counterparty {
        name: "Acme Payroll Ltd".into(),
        scheme: if currency == "EUR" {
            "UK.OBIE.IBAN"
        } else {
            "UK.OBIE.SortCodeAccountNumber"
        },
        identification: if currency == "EUR" {
            "IE29AIBK93115212345678".into()
        } else {
            "40051512345678".into()
        },
    };
    let landlord = Counterparty {
        name: "City Lettings".into(),
        scheme: employer.scheme,
        identification: if currency == "EUR" {
            "IE64IRCE92050112345678".into()
        } else {
            "20000055512345".into()
        },
    };
    let mut day = opened;
    while day <= end {
        // Salary on the 25th; rent on the 1st; bills mid-month.
        if day.day() == 25 || day == opened {
            let amount = shape.salary;
            h.plan(
                at_time(day, 6 * 3600),
                amount,
                true,
                "bacs",
                "Acme Payroll".into(),
                Some(employer.clone()),
                None,
                None,
            );
        }
        if day.day() == 1 && persona != Persona::Light {
            let rent = if persona == Persona::Heavy {
                Decimal::new(1_250_00, 2)
            } else {
                Decimal::new(850_00, 2)
            };
            h.plan(
                at_time(day, 7 * 3600),
                rent,
                false,
                "faster_payments",
                "City Lettings".into(),
                Some(landlord.clone()),
                None,
                None,
            );
        }
        if day.day() == 15 && currency == "GBP" {
            let bill = h.rng.pounds(45, 120);
            // The heavy user pays the energy bill from the Bills pot when it covers it: the
            // bank moves the amount from the pot, then the main account pays the debit.
            let from_pot = (persona == Persona::Heavy)
                .then_some(BILLS_POT)
                .filter(|&i| h.pots[i].balance() >= bill * Decimal::from(2));
            if let Some(i) = from_pot {
                let name = h.pots[i].name.clone();
                h.plan(
                    at_time(day, 8 * 3600),
                    bill,
                    true,
                    "uk_retail_pot",
                    format!("Octopus Energy from {name} Pot"),
                    None,
                    None,
                    Some((
                        i,
                        PotSource::DirectDebit {
                            name: "Octopus Energy".into(),
                            reference: "OCTO-123456".into(),
                        },
                    )),
                );
            }
            h.plan(
                at_time(day, 8 * 3600),
                bill,
                false,
                "bacs",
                "Octopus Energy".into(),
                None,
                None,
                None,
            );
        }
        // Card spending through the day.
        let spends = if shape.card_spends_per_day == 0 {
            u64::from(h.rng.below(7) == 0)
        } else {
            h.rng.below(shape.card_spends_per_day * 2 + 1)
        };
        let mut round_ups = Decimal::ZERO;
        for _ in 0..spends {
            let m = h.rng.pick(merchants).clone();
            let amount = h.rng.pounds(1, 25);
            let secs = 9 * 3600 + h.rng.below(12 * 3600);
            round_ups += amount.ceil() - amount;
            h.plan(
                at_time(day, secs),
                amount,
                false,
                "mastercard",
                m.name.to_string(),
                None,
                Some(m),
                None,
            );
        }
        // Round-ups of the day's card payments go to the Savings pot late in the evening.
        if shape.round_ups && round_ups > Decimal::ZERO && !h.pots.is_empty() {
            let name = h.pots[SAVINGS_POT].name.clone();
            h.plan(
                at_time(day, 23 * 3600 + 30 * 60),
                round_ups,
                false,
                "uk_retail_pot",
                format!("Round ups to {name} Pot"),
                None,
                None,
                Some((SAVINGS_POT, PotSource::RoundUp)),
            );
        }
        // The heavy user's Holiday pot has a virtual card: now and then it pays for travel.
        // The bank moves the amount out of the pot, then the main account pays the merchant.
        if persona == Persona::Heavy && h.rng.below(12) == 0 {
            let i = HOLIDAY_POT;
            let m = h.rng.pick(TRAVEL_MERCHANTS).clone();
            let amount = h.rng.pounds(8, 60);
            if at_time(day, 0) >= h.pots[i].created
                && h.pots[i].balance() >= amount * Decimal::from(2)
            {
                let name = h.pots[i].name.clone();
                let at = at_time(day, 12 * 3600 + h.rng.below(6 * 3600));
                h.plan(
                    at,
                    amount,
                    true,
                    "uk_retail_pot",
                    format!("{} from {name} Pot", m.name),
                    None,
                    None,
                    Some((
                        i,
                        PotSource::CardPayment {
                            merchant: m.name.to_string(),
                            mcc: m.mcc.to_string(),
                        },
                    )),
                );
                h.plan(
                    at,
                    amount,
                    false,
                    "mastercard",
                    format!("{} From {name} Pot", m.name),
                    None,
                    Some(m),
                    None,
                );
            }
        }
        // A friend pays back now and then.
        if h.rng.below(20) == 0 && currency == "GBP" {
            let friend = *h.rng.pick(FRIENDS);
            let amount = h.rng.pounds(5, 40);
            let cp = Counterparty {
                name: friend.into(),
                scheme: "UK.OBIE.SortCodeAccountNumber",
                identification: "04000400000001".into(),
            };
            h.plan(
                at_time(day, 20 * 3600),
                amount,
                true,
                "p2p_payment",
                friend.to_owned(),
                Some(cp),
                None,
                None,
            );
        }
        // Pot transfers: into pots after payday, occasionally back out.
        if !h.pots.is_empty() {
            let n = h.pots.len() as u64;
            if day.day() == 26 {
                let i = h.rng.below(n) as usize;
                if at_time(day, 0) >= h.pots[i].created {
                    let amount = h.rng.pounds(50, 300);
                    let name = h.pots[i].name.clone();
                    h.plan(
                        at_time(day, 10 * 3600),
                        amount,
                        false,
                        "uk_retail_pot",
                        format!("Transfer to {name} Pot"),
                        None,
                        None,
                        Some((i, PotSource::TransferIn)),
                    );
                }
            }
            if h.rng.below(45) == 0 {
                let i = h.rng.below(n) as usize;
                let available = h.pots[i].balance();
                if !h.pots[i].is_locked(at_time(day, 18 * 3600))
                    && available > Decimal::new(20_00, 2)
                {
                    let amount = (available / Decimal::from(3)).round_dp(2);
                    let name = h.pots[i].name.clone();
                    h.plan(
                        at_time(day, 18 * 3600),
                        amount,
                        true,
                        "uk_retail_pot",
                        format!("Transfer from {name} Pot"),
                        None,
                        None,
                        Some((i, PotSource::TransferOut)),
                    );
                }
            }
            // Monthly interest on savings pots, paid into the pot itself.
            if day.day() == 1 {
                for pot in h.pots.iter_mut().filter(|p| p.kind != "default") {
                    let interest =
                        (pot.balance() * Decimal::new(35, 4) / Decimal::from(12)).round_dp(2);
                    if interest > Decimal::ZERO {
                        pot.add(at_time(day, 3 * 3600), interest, None, PotSource::Interest);
                    }
                }
            }
        }
        h.flush();
        day += Duration::days(1);
    }
    // The last few card payments are still pending; they settle two days on, for what they
    // were.
    let n = h.tx.len();
    for t in h.tx.iter_mut().skip(n.saturating_sub(3)) {
        if t.code == "mastercard" {
            t.status = TxStatus::Pending;
            t.settlement = Some(Settlement {
                at: t.at + CARD_SETTLEMENT,
                amount: t.amount,
            });
        }
    }
    // A fuel pump's pre-authorisation on the last evening: £99.00 pending, settling two days
    // on for what was drawn (the way UK pay-at-pump payments move).
    if currency == "GBP" && persona != Persona::Light {
        let pre_auth = Decimal::new(99_00, 2);
        let at = seed_end();
        h.balance -= pre_auth;
        let id = h.id("tx");
        h.tx.push(Transaction {
            id,
            at,
            amount: pre_auth,
            credit: false,
            status: TxStatus::Pending,
            code: "mastercard",
            description: "Shell".into(),
            raw_description: "SHELL PAY AT PUMP".into(),
            counterparty: None,
            merchant: Some(Merchant {
                name: Cow::Borrowed("Shell"),
                mcc: Cow::Borrowed("5542"),
            }),
            pot_id: None,
            balance_after: h.balance,
            settlement: Some(Settlement {
                at: at + CARD_SETTLEMENT,
                amount: if persona == Persona::Heavy {
                    Decimal::new(64_37, 2)
                } else {
                    Decimal::new(41_20, 2)
                },
            }),
        });
    }
    let standing_orders = if persona == Persona::Light {
        Vec::new()
    } else {
        // The rent the history pays on the 1st: the order's first payment is the first 1st
        // of a month in the history, and it repeats from there.
        let mut first = opened;
        while first.day() != 1 {
            first += Duration::days(1);
        }
        let mut order = StandingOrder {
            id: format!("so_{}0001", short(account_id)),
            frequency: "IntrvlMnthDay:01:01".into(),
            reference: "RENT".into(),
            first_payment: at_time(first, 7 * 3600),
            number_of_payments: None,
            final_payment: None,
            paid: 0,
            last_payment: None,
            next_payment: None,
            amount: if persona == Persona::Heavy {
                Decimal::new(1_250_00, 2)
            } else {
                Decimal::new(850_00, 2)
            },
            creditor: landlord.clone(),
            forced_rejection: None,
        };
        if let Some(plan) = order.plan() {
            order.paid = plan.payments_by(seed_end());
            order.last_payment = order.paid.checked_sub(1).and_then(|n| plan.payment(n));
            order.next_payment = plan.payment(order.paid);
        }
        vec![order]
    };
    let direct_debits = if currency == "GBP" && persona != Persona::Light {
        vec![
            DirectDebit {
                id: format!("dd_{}0001", short(account_id)),
                name: "Octopus Energy".into(),
                reference: "OCTO-123456".into(),
                previous_payment: Some(at_time(
                    NaiveDate::from_ymd_opt(end.year(), end.month(), 15).unwrap_or(end),
                    8 * 3600,
                )),
                previous_amount: h
                    .tx
                    .iter()
                    .rev()
                    .find(|t| t.description == "Octopus Energy")
                    .map(|t| t.amount),
            },
            DirectDebit {
                id: format!("dd_{}0002", short(account_id)),
                name: "Old Gym Ltd".into(),
                reference: "GYM-998877".into(),
                previous_payment: Some(at_time(opened + Duration::days(30), 8 * 3600)),
                previous_amount: Some(Decimal::new(29_99, 2)),
            },
        ]
    } else {
        Vec::new()
    };
    let scheduled_payments = if persona == Persona::Heavy {
        vec![ScheduledPayment {
            id: format!("sp_{}0001", short(account_id)),
            at: at_time(end + Duration::days(10), 6 * 3600),
            amount: Decimal::new(120_00, 2),
            reference: "BIRTHDAY".into(),
            creditor: Counterparty {
                name: "Sam Taylor".into(),
                scheme: "UK.OBIE.SortCodeAccountNumber",
                identification: "04000400000001".into(),
            },
            forced_rejection: None,
        }]
    } else {
        Vec::new()
    };
    let History {
        tx, pots, currency, ..
    } = h;
    Account {
        id: account_id.to_owned(),
        kind: AccountKind::Personal,
        currency,
        sort_code_account: sort_code_account.map(str::to_owned),
        iban: Some(iban.to_owned()),
        opened,
        description: "Personal Account",
        transactions: tx,
        pots,
        standing_orders,
        direct_debits,
        scheduled_payments,
        closed: None,
    }
}

/// The heavy user's Flex account: four purchases moved to Flex in the autumn, each over three
/// months, and two monthly repayments; 12.50 is due on the last day of the seed, and the
/// purchase over six months carries 9.84 of interest still to come.
fn flex(opened: NaiveDate) -> Account {
    let at = |m: u32, d: u32, h: u32| {
        Utc.with_ymd_and_hms(2026, m, d, h, 0, 0)
            .single()
            .unwrap_or_else(seed_end)
    };
    let purchase = |id: &str, when, pence: i64, merchant: &'static str, mcc: &'static str| {
        (
            id.to_owned(),
            when,
            Decimal::new(pence, 2),
            false,
            merchant,
            Some(mcc),
        )
    };
    let repayment = |id: &str, when, pence: i64| {
        (
            id.to_owned(),
            when,
            Decimal::new(pence, 2),
            true,
            "Flex repayment",
            None,
        )
    };
    let moves = [
        purchase(
            "tx_0000FLEX0000000000001",
            at(8, 14, 15),
            240_00,
            "Currys",
            "5732",
        ),
        purchase(
            "tx_0000FLEX0000000000002",
            at(9, 2, 11),
            89_99,
            "John Lewis",
            "5311",
        ),
        repayment("tx_0000FLEX0000000000003", at(9, 30, 9), 110_00),
        purchase(
            "tx_0000FLEX0000000000004",
            at(10, 6, 19),
            450_00,
            "Apple",
            "5732",
        ),
        purchase(
            "tx_0000FLEX0000000000005",
            at(10, 21, 13),
            36_00,
            "Decathlon",
            "5941",
        ),
        repayment("tx_0000FLEX0000000000006", at(10, 30, 9), 110_00),
    ];
    let mut balance = Decimal::ZERO;
    let transactions = moves
        .into_iter()
        .map(|(id, when, amount, credit, name, mcc)| {
            balance += if credit { amount } else { -amount };
            Transaction {
                id,
                at: when,
                amount,
                credit,
                status: TxStatus::Booked,
                code: "monzo_flex",
                description: name.to_owned(),
                raw_description: name.to_uppercase(),
                counterparty: None,
                merchant: mcc.map(|mcc| Merchant {
                    name: Cow::Borrowed(name),
                    mcc: Cow::Borrowed(mcc),
                }),
                pot_id: None,
                balance_after: balance,
                settlement: None,
            }
        })
        .collect();
    Account {
        id: "acc_0000A4C4ZfLeXhAnNaH001".into(),
        kind: AccountKind::Flex(FlexTerms {
            due_today: Decimal::new(12_50, 2),
            future_interest: Decimal::new(9_84, 2),
        }),
        currency: "GBP",
        sort_code_account: None,
        iban: None,
        opened,
        description: "Monzo Flex",
        transactions,
        pots: Vec::new(),
        standing_orders: Vec::new(),
        direct_debits: Vec::new(),
        scheduled_payments: Vec::new(),
        closed: None,
    }
}

/// When a side account's flow happens.
#[derive(Clone, Copy)]
enum Every {
    /// On this day of each month.
    MonthDay(u32),
    /// On this day of each week.
    Weekday(chrono::Weekday),
}

/// A recurring movement of a side account.
#[derive(Clone, Copy)]
struct Flow {
    every: Every,
    hour: u64,
    pence: i64,
    credit: bool,
    name: &'static str,
    code: &'static str,
    mcc: Option<&'static str>,
}

/// A joint or business account beside a user's personal one: an opening deposit, then a few
/// flows each month or week until the end of the seed. No randomness, so the seed's other
/// accounts are untouched.
#[allow(clippy::too_many_arguments)]
fn side_account(
    id: &str,
    kind: AccountKind,
    description: &'static str,
    scan: &str,
    iban: &str,
    opened: NaiveDate,
    deposit: (&'static str, i64),
    flows: &[Flow],
) -> Account {
    let mut transactions = Vec::new();
    let mut balance = Decimal::ZERO;
    let mut n = 0u32;
    let mut push = |at, pence: i64, credit: bool, name: &str, code, mcc: Option<&'static str>| {
        n += 1;
        let amount = Decimal::new(pence, 2);
        balance += if credit { amount } else { -amount };
        transactions.push(Transaction {
            id: format!("tx_{}{n:010}", short(id)),
            at,
            amount,
            credit,
            status: TxStatus::Booked,
            code,
            description: name.to_owned(),
            raw_description: name.to_uppercase(),
            counterparty: None,
            merchant: mcc.map(|mcc| Merchant {
                name: Cow::Owned(name.to_owned()),
                mcc: Cow::Borrowed(mcc),
            }),
            pot_id: None,
            balance_after: balance,
            settlement: None,
        });
    };
    push(
        at_time(opened, 9 * 3600),
        deposit.1,
        true,
        deposit.0,
        "faster_payments",
        None,
    );
    let end = seed_end().date_naive();
    let mut day = opened + Duration::days(1);
    while day <= end {
        for f in flows {
            let due = match f.every {
                Every::MonthDay(d) => day.day() == d,
                Every::Weekday(w) => day.weekday() == w,
            };
            if due {
                push(
                    at_time(day, f.hour * 3600),
                    f.pence,
                    f.credit,
                    f.name,
                    f.code,
                    f.mcc,
                );
            }
        }
        day += Duration::days(1);
    }
    Account {
        id: id.to_owned(),
        kind,
        currency: "GBP",
        sort_code_account: Some(scan.to_owned()),
        iban: Some(iban.to_owned()),
        opened,
        description,
        transactions,
        pots: Vec::new(),
        standing_orders: Vec::new(),
        direct_debits: Vec::new(),
        scheduled_payments: Vec::new(),
        closed: None,
    }
}

/// The accounts beside the personal ones: a joint account (the heavy user's), a sole
/// trader's business account (the medium user's) and a private limited company's (the light
/// user's), each with Monzo's description and its type's payment limit.
fn side_accounts() -> [(usize, Account); 3] {
    use chrono::Weekday;
    let flow = |every, hour, pence, credit, name, code, mcc| Flow {
        every,
        hour,
        pence,
        credit,
        name,
        code,
        mcc,
    };
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    [
        (
            0,
            side_account(
                "acc_0000A4C4ZJo1ntHannah01",
                AccountKind::Joint,
                "Joint Account",
                "04000456789012",
                "GB69MONZ04000456789012",
                date(2025, 11, 1),
                ("Hannah Whitfield", 500_00),
                &[
                    flow(
                        Every::MonthDay(1),
                        8,
                        800_00,
                        true,
                        "Hannah Whitfield",
                        "faster_payments",
                        None,
                    ),
                    flow(
                        Every::MonthDay(1),
                        9,
                        800_00,
                        true,
                        "Sam Taylor",
                        "faster_payments",
                        None,
                    ),
                    flow(
                        Every::MonthDay(15),
                        7,
                        160_00,
                        false,
                        "Council Tax",
                        "bacs",
                        None,
                    ),
                    flow(
                        Every::Weekday(Weekday::Sat),
                        11,
                        85_40,
                        false,
                        "Tesco",
                        "mastercard",
                        Some("5411"),
                    ),
                ],
            ),
        ),
        (
            1,
            side_account(
                "acc_0000A4C4oS0leTrader001",
                AccountKind::BusinessSoleTrader,
                "Sole Trader",
                "04000467890123",
                "GB72MONZ04000467890123",
                date(2026, 5, 1),
                ("Marcus Adebayo", 30_000_00),
                &[
                    flow(
                        Every::MonthDay(5),
                        10,
                        2_400_00,
                        true,
                        "Brightside Studio",
                        "faster_payments",
                        None,
                    ),
                    flow(
                        Every::MonthDay(12),
                        9,
                        59_99,
                        false,
                        "Adobe",
                        "mastercard",
                        Some("5734"),
                    ),
                    flow(
                        Every::MonthDay(20),
                        9,
                        450_00,
                        false,
                        "HMRC",
                        "faster_payments",
                        None,
                    ),
                ],
            ),
        ),
        (
            2,
            side_account(
                "acc_0000A4C4wL1m1tedCo0001",
                AccountKind::BusinessLimitedCompany,
                "Private Limited Company",
                "04000478901234",
                "GB31MONZ04000478901234",
                date(2026, 6, 1),
                ("Chen Design Ltd", 60_000_00),
                &[
                    flow(
                        Every::MonthDay(3),
                        10,
                        8_500_00,
                        true,
                        "Northwind Traders",
                        "faster_payments",
                        None,
                    ),
                    flow(
                        Every::MonthDay(10),
                        9,
                        120_00,
                        false,
                        "AWS",
                        "mastercard",
                        Some("7372"),
                    ),
                    flow(
                        Every::MonthDay(28),
                        9,
                        3_200_00,
                        false,
                        "Payroll",
                        "faster_payments",
                        None,
                    ),
                ],
            ),
        ),
    ]
}

/// Generates the world.
pub fn world() -> World {
    let user = |id: &str, persona, name: &str, legal: &str, acc: Account| User {
        id: id.to_owned(),
        persona,
        name: name.to_owned(),
        legal_name: legal.to_owned(),
        accounts: vec![acc],
    };
    let mut world = World {
        users: vec![
            user(
                "user_0000A4C4ZChWNMEvew2U77",
                Persona::Heavy,
                "Hannah",
                "Hannah Evelyn Whitfield",
                account(
                    Persona::Heavy,
                    "acc_0000A4C4ZSskDOixqNPfpR",
                    Some("04000412345678"),
                    "GB62MONZ04000412345678",
                ),
            ),
            user(
                "user_0000A4C4nqORb7K9YYW3r0",
                Persona::Medium,
                "Marcus",
                "Marcus Adebayo",
                account(
                    Persona::Medium,
                    "acc_0000A4C4o66FCYJoERQhHN",
                    Some("04000423456789"),
                    "GB16MONZ04000423456789",
                ),
            ),
            user(
                "user_0000A4C4wkPFE7x9at8Ujp",
                Persona::Light,
                "Lily",
                "Lily Chen",
                account(
                    Persona::Light,
                    "acc_0000A4C4wz4Ail0f3sONTV",
                    Some("04000434567890"),
                    "GB46MONZ04000434567890",
                ),
            ),
            user(
                "user_0000Av3bpksv3AAmdybBCr",
                Persona::Eu,
                "Aoife",
                "Aoife Byrne",
                account(
                    Persona::Eu,
                    "acc_0000Av3bry7sn2XsI3eZ3C",
                    None,
                    "IE89MONZ99030112345678",
                ),
            ),
        ],
    };
    // The heavy user also has Flex, after the current account.
    let flex_opened = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap_or_default();
    world.users[0].accounts.push(flex(flex_opened));
    for (user, account) in side_accounts() {
        world.users[user].accounts.push(account);
    }
    world
}
