//! Who may use Friskliv and how they get in: roles, invite codes, and the
//! lifetimes of invites and sessions.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

use crate::validation::{FieldError, bounded_text};

/// The role of an account. Staff roles always belong to exactly one centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountRole {
    Participant,
    /// A parent or guardian who consents for a participant under 16.
    Guardian,
    Veileder,
    CentreAdmin,
    Evaluator,
}

impl AccountRole {
    pub const ALL: [AccountRole; 5] = [
        AccountRole::Participant,
        AccountRole::Guardian,
        AccountRole::Veileder,
        AccountRole::CentreAdmin,
        AccountRole::Evaluator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountRole::Participant => "participant",
            AccountRole::Guardian => "guardian",
            AccountRole::Veileder => "veileder",
            AccountRole::CentreAdmin => "centre_admin",
            AccountRole::Evaluator => "evaluator",
        }
    }

    pub fn is_staff(self) -> bool {
        !matches!(self, AccountRole::Participant | AccountRole::Guardian)
    }

    /// Whether an account with this role may issue an invite for `invited`
    /// at its own centre. Participants are enrolled by the people who follow
    /// them up; staff are appointed by the centre's admins.
    pub fn may_invite(self, invited: AccountRole) -> bool {
        match self {
            AccountRole::CentreAdmin => true,
            AccountRole::Veileder => {
                matches!(invited, AccountRole::Participant | AccountRole::Guardian)
            }
            AccountRole::Evaluator | AccountRole::Participant | AccountRole::Guardian => false,
        }
    }

    /// Whether this role may issue a recovery invite (a new passkey for an
    /// existing account) for an account with role `target` at its centre.
    /// Only a centre admin may: a recovery hands an account to whoever holds
    /// the code, so it takes the centre's most trusted role.
    pub fn may_recover(self, _target: AccountRole) -> bool {
        self == AccountRole::CentreAdmin
    }
}

impl fmt::Display for AccountRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccountRole {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AccountRole::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| {
                FieldError::new(
                    "role",
                    "one_of",
                    "must be one of participant, guardian, veileder, centre_admin, evaluator",
                )
            })
    }
}

/// How long an unused invite stays valid: long enough for a participant to
/// install the app after the first conversation, short for staff access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InviteLifetime;

impl InviteLifetime {
    pub const STAFF_HOURS: i64 = 72;
    pub const PARTICIPANT_DAYS: i64 = 14;

    pub fn for_role(role: AccountRole) -> Duration {
        if role.is_staff() {
            Duration::hours(Self::STAFF_HOURS)
        } else {
            Duration::days(Self::PARTICIPANT_DAYS)
        }
    }
}

/// Session lifetimes: participants stay signed in on their own phone
/// (sliding, but never past an absolute maximum from sign-in), staff
/// sessions end after a working day (absolute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// How long a session lasts from sign-in, or from its last extension.
    pub lifetime: Duration,
    pub sliding: bool,
    /// However it is used, a session ends this long after it was created.
    pub max_age: Duration,
}

/// What using a session at some instant does to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionUse {
    /// Past its expiry or its absolute maximum: sign in again.
    Expired,
    /// Valid; its expiry stays as it is.
    Keep,
    /// Valid; push its expiry out to this instant.
    ExtendTo(DateTime<Utc>),
}

impl SessionPolicy {
    pub const PARTICIPANT_DAYS: i64 = 30;
    /// A participant's session ends 180 days after sign-in however often it
    /// is used: a lost phone that is never signed out stops working.
    pub const PARTICIPANT_MAX_DAYS: i64 = 180;
    pub const STAFF_HOURS: i64 = 12;
    /// A sliding session is extended at most this often, so that reads do not
    /// all turn into writes.
    pub const SLIDE_GRANULARITY_MINUTES: i64 = 60;

    pub fn for_role(role: AccountRole) -> Self {
        if role.is_staff() {
            SessionPolicy {
                lifetime: Duration::hours(Self::STAFF_HOURS),
                sliding: false,
                max_age: Duration::hours(Self::STAFF_HOURS),
            }
        } else {
            SessionPolicy {
                lifetime: Duration::days(Self::PARTICIPANT_DAYS),
                sliding: true,
                max_age: Duration::days(Self::PARTICIPANT_MAX_DAYS),
            }
        }
    }

    /// The expiry of a session created at `created_at`.
    pub fn first_expiry(&self, created_at: DateTime<Utc>) -> DateTime<Utc> {
        created_at + self.lifetime.min(self.max_age)
    }

    /// Whether a session created at `created_at` and expiring at `expires_at`
    /// is still valid at `now`, and whether its expiry slides forward: to a
    /// full lifetime from `now`, at most once per granularity, and never past
    /// `created_at + max_age`.
    pub fn on_use(
        &self,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> SessionUse {
        let hard_end = created_at + self.max_age;
        if now >= expires_at || now >= hard_end {
            return SessionUse::Expired;
        }
        if !self.sliding {
            return SessionUse::Keep;
        }
        let target = (now + self.lifetime).min(hard_end);
        if target - expires_at >= Duration::minutes(Self::SLIDE_GRANULARITY_MINUTES) {
            SessionUse::ExtendTo(target)
        } else {
            SessionUse::Keep
        }
    }
}

/// A one-time invite code: 16 Crockford base32 symbols (80 bits), shown in
/// groups of four. Easy to read aloud or type on a phone; far too many to guess
/// under the auth rate limit. Only its hash is ever stored.
#[derive(Clone, PartialEq, Eq)]
pub struct InviteCode(String);

impl InviteCode {
    pub const SYMBOLS: usize = 16;
    pub const RANDOM_BYTES: usize = 10;
    const ALPHABET: &'static [u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// Encodes 80 random bits supplied by the caller (the domain has no RNG).
    pub fn from_random_bytes(bytes: [u8; Self::RANDOM_BYTES]) -> Self {
        let mut acc: u128 = 0;
        for byte in bytes {
            acc = (acc << 8) | u128::from(byte);
        }
        let code = (0..Self::SYMBOLS)
            .rev()
            .map(|i| Self::ALPHABET[((acc >> (i * 5)) & 0x1f) as usize] as char)
            .collect();
        InviteCode(code)
    }

    /// Parses what a person typed: case, spaces and dashes are forgiven, and
    /// the look-alikes O/I/L are read as 0/1/1 (Crockford's rule).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let mut code = String::with_capacity(Self::SYMBOLS);
        for c in raw.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            };
            if !c.is_ascii() || !Self::ALPHABET.contains(&(c as u8)) {
                return Err(FieldError::new(
                    "invite_code",
                    "format",
                    "must be the 16-character code from the invite (letters and digits)",
                ));
            }
            code.push(c);
        }
        if code.len() != Self::SYMBOLS {
            return Err(FieldError::new(
                "invite_code",
                "format",
                format!(
                    "must have {} letters and digits, had {}",
                    Self::SYMBOLS,
                    code.len()
                ),
            ));
        }
        Ok(InviteCode(code))
    }

    /// The canonical form that is hashed for storage and lookup.
    pub fn canonical(&self) -> &str {
        &self.0
    }

    /// The form shown to people: `ABCD-EFGH-JKMN-PQRS`.
    pub fn display_grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|chunk| std::str::from_utf8(chunk).expect("ASCII"))
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl fmt::Debug for InviteCode {
    // Codes are secrets: never let one reach a log through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InviteCode(<redacted>)")
    }
}

/// A Norwegian municipality number (kommunenummer): four digits, e.g. 0301
/// for Oslo. The first two digits are the county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MunicipalityNumber(String);

impl MunicipalityNumber {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        if raw.len() != 4 || !raw.bytes().all(|b| b.is_ascii_digit()) || raw.starts_with("00") {
            return Err(FieldError::new(
                "municipality",
                "format",
                "must be a four-digit municipality number such as 0301 (Oslo)",
            ));
        }
        Ok(MunicipalityNumber(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn county(&self) -> &str {
        &self.0[..2]
    }
}

/// A county number (fylkesnummer): the first two digits of every
/// municipality number in the county, e.g. 03 for Oslo, 46 for Vestland.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CountyNumber(String);

impl CountyNumber {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        if raw.len() != 2 || !raw.bytes().all(|b| b.is_ascii_digit()) || raw == "00" {
            return Err(FieldError::new(
                "county",
                "format",
                "must be a two-digit county number such as 03 (Oslo) or 46 (Vestland)",
            ));
        }
        Ok(CountyNumber(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an evaluator may be granted beyond a centre: every centre of a
/// municipality, or of a county (DOMAIN.md §1: municipality and county
/// evaluate their centres).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvaluationArea {
    Municipality(MunicipalityNumber),
    County(CountyNumber),
}

impl EvaluationArea {
    pub fn kind(&self) -> &'static str {
        match self {
            EvaluationArea::Municipality(_) => "municipality",
            EvaluationArea::County(_) => "county",
        }
    }

    pub fn code(&self) -> &str {
        match self {
            EvaluationArea::Municipality(m) => m.as_str(),
            EvaluationArea::County(c) => c.as_str(),
        }
    }

    /// Parses a stored or requested (kind, code) pair.
    pub fn parse(kind: &str, code: &str) -> Result<Self, FieldError> {
        match kind {
            "municipality" => MunicipalityNumber::parse(code).map(EvaluationArea::Municipality),
            "county" => CountyNumber::parse(code).map(EvaluationArea::County),
            _ => Err(FieldError::new(
                "kind",
                "one_of",
                "must be municipality or county",
            )),
        }
    }

    /// Whether a centre in `municipality` lies inside this area.
    pub fn contains(&self, municipality: &MunicipalityNumber) -> bool {
        match self {
            EvaluationArea::Municipality(m) => m == municipality,
            EvaluationArea::County(c) => municipality.county() == c.as_str(),
        }
    }

    /// Whether all of `other` lies inside this area (a county holds its
    /// municipalities; a municipality holds no county).
    pub fn covers(&self, other: &EvaluationArea) -> bool {
        match other {
            EvaluationArea::Municipality(m) => self.contains(m),
            EvaluationArea::County(_) => self == other,
        }
    }
}

macro_rules! bounded_label {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, FieldError> {
                bounded_text($field, raw, 1, Self::MAX_CHARS).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }
    };
}

bounded_label!(
    /// The name of a centre as its municipality writes it.
    CentreName,
    "name",
    120
);
bounded_label!(
    /// What an account is called in the product: a participant may use an
    /// alias; the centre knows who they are from its own records.
    DisplayName,
    "display_name",
    80
);
bounded_label!(
    /// A person's label for one of their passkeys ("Pixel 8", "iPad").
    PasskeyName,
    "passkey_name",
    60
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_is_refused() {
        for role in AccountRole::ALL {
            assert_eq!(role.as_str().parse::<AccountRole>().unwrap(), role);
        }
        let err = "admin".parse::<AccountRole>().unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("role", "one_of"));
    }

    #[test]
    fn who_may_invite_whom() {
        use AccountRole::*;
        assert!(CentreAdmin.may_invite(Veileder));
        assert!(CentreAdmin.may_invite(Participant));
        assert!(Veileder.may_invite(Participant));
        assert!(!Veileder.may_invite(Veileder));
        assert!(!Veileder.may_invite(CentreAdmin));
        assert!(!Evaluator.may_invite(Participant));
        assert!(!Participant.may_invite(Participant));
        assert!(Veileder.may_invite(Guardian));
        assert!(!Guardian.may_invite(Participant));
        assert!(!Guardian.is_staff());
        assert!(!Veileder.may_recover(Participant));
        assert!(!Veileder.may_recover(Evaluator));
        assert!(CentreAdmin.may_recover(Participant));
        assert!(CentreAdmin.may_recover(Veileder));
    }

    #[test]
    fn invite_code_encodes_all_80_bits_and_parses_what_people_type() {
        let code = InviteCode::from_random_bytes([0xff; 10]);
        assert_eq!(code.canonical(), "ZZZZZZZZZZZZZZZZ");
        let code = InviteCode::from_random_bytes([0; 10]);
        assert_eq!(code.canonical(), "0000000000000000");
        let code = InviteCode::from_random_bytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        let typed = code.display_grouped().to_lowercase().replace('-', " ");
        assert_eq!(InviteCode::parse(&typed).unwrap(), code);
        assert_eq!(code.display_grouped().len(), 19);
        assert_eq!(
            InviteCode::parse("oooo-iiii-llll-0000")
                .unwrap()
                .canonical(),
            "0000111111110000"
        );
    }

    #[test]
    fn invite_code_rejects_wrong_length_and_symbols() {
        assert_eq!(InviteCode::parse("ABC").unwrap_err().rule, "format");
        assert_eq!(
            InviteCode::parse("ABCD-EFGH-JKMN-PQRU").unwrap_err().rule,
            "format"
        );
        assert_eq!(
            InviteCode::parse("ABCD-EFGH-JKMN-PQRSZ").unwrap_err().rule,
            "format"
        );
        assert!(
            !format!("{:?}", InviteCode::parse("ABCD-EFGH-JKMN-PQRS").unwrap()).contains("ABCD")
        );
    }

    #[test]
    fn municipality_numbers() {
        assert_eq!(MunicipalityNumber::parse("0301").unwrap().county(), "03");
        assert_eq!(
            MunicipalityNumber::parse(" 4601 ").unwrap().as_str(),
            "4601"
        );
        for bad in ["301", "03011", "03a1", "0001", ""] {
            assert_eq!(
                MunicipalityNumber::parse(bad).unwrap_err().field,
                "municipality"
            );
        }
    }

    #[test]
    fn evaluation_areas_hold_their_municipalities() {
        let oslo = MunicipalityNumber::parse("0301").unwrap();
        let bergen = MunicipalityNumber::parse("4601").unwrap();
        let vestland = EvaluationArea::parse("county", "46").unwrap();
        let bergen_area = EvaluationArea::parse("municipality", "4601").unwrap();
        assert!(vestland.contains(&bergen));
        assert!(!vestland.contains(&oslo));
        assert!(bergen_area.contains(&bergen));
        assert!(vestland.covers(&bergen_area));
        assert!(!bergen_area.covers(&vestland));
        assert!(
            !EvaluationArea::parse("county", "03")
                .unwrap()
                .covers(&vestland)
        );
        assert_eq!(
            EvaluationArea::parse("county", "4").unwrap_err().field,
            "county"
        );
        assert_eq!(
            EvaluationArea::parse("county", "00").unwrap_err().rule,
            "format"
        );
        assert_eq!(
            EvaluationArea::parse("region", "46").unwrap_err().field,
            "kind"
        );
    }

    #[test]
    fn labels_are_trimmed_bounded_and_single_line() {
        assert_eq!(DisplayName::parse("  Kari  ").unwrap().as_str(), "Kari");
        assert_eq!(DisplayName::parse("   ").unwrap_err().rule, "length");
        assert_eq!(
            DisplayName::parse(&"x".repeat(81)).unwrap_err().rule,
            "length"
        );
        assert!(DisplayName::parse(&"ø".repeat(80)).is_ok());
        assert_eq!(
            CentreName::parse("Frisk\nliv").unwrap_err().rule,
            "no_control_characters"
        );
    }

    #[test]
    fn lifetimes_follow_the_role() {
        assert_eq!(
            InviteLifetime::for_role(AccountRole::Veileder),
            Duration::hours(72)
        );
        assert_eq!(
            InviteLifetime::for_role(AccountRole::Participant),
            Duration::days(14)
        );
        let staff = SessionPolicy::for_role(AccountRole::Evaluator);
        assert_eq!(staff.lifetime, Duration::hours(12));
    }

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
    }

    #[test]
    fn participant_sessions_slide_hourly_but_end_180_days_after_sign_in() {
        let policy = SessionPolicy::for_role(AccountRole::Participant);
        let created = at("2026-01-01T08:00:00Z");
        let expires = policy.first_expiry(created);
        assert_eq!(expires, at("2026-01-31T08:00:00Z"));
        // Used within the hour: no write.
        assert_eq!(
            policy.on_use(created, expires, created + Duration::minutes(59)),
            SessionUse::Keep
        );
        // Used an hour later: a full 30 days from now.
        let now = created + Duration::minutes(60);
        assert_eq!(
            policy.on_use(created, expires, now),
            SessionUse::ExtendTo(now + Duration::days(30))
        );
        // Near the maximum the slide stops at created + 180 days …
        let hard_end = at("2026-06-30T08:00:00Z");
        let late = hard_end - Duration::days(10);
        assert_eq!(
            policy.on_use(created, late + Duration::days(1), late),
            SessionUse::ExtendTo(hard_end)
        );
        assert_eq!(
            policy.on_use(created, hard_end, hard_end - Duration::minutes(1)),
            SessionUse::Keep
        );
        // … and the session is over there, whatever its stored expiry says.
        assert_eq!(
            policy.on_use(created, hard_end + Duration::days(20), hard_end),
            SessionUse::Expired
        );
        assert_eq!(
            policy.on_use(created, expires, expires),
            SessionUse::Expired
        );
    }

    #[test]
    fn staff_sessions_never_slide() {
        let policy = SessionPolicy::for_role(AccountRole::Veileder);
        let created = at("2026-01-01T08:00:00Z");
        let expires = policy.first_expiry(created);
        assert_eq!(expires, at("2026-01-01T20:00:00Z"));
        assert_eq!(
            policy.on_use(created, expires, created + Duration::hours(11)),
            SessionUse::Keep
        );
        assert_eq!(
            policy.on_use(created, expires, expires),
            SessionUse::Expired
        );
    }
}
