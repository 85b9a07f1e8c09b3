//! HTTP operations. Handlers stay thin: parse → call domain/store → map to a
//! response. Each operation has an `operation_id`, a tag and a summary: the
//! generated spec (`openapi/openapi.json`) is the contract.

pub mod auth;
pub mod centres;
pub mod diary;
pub mod exports;
pub mod journey;
pub mod me;
pub mod participants;
pub mod passkey;
pub mod progress;
pub mod quit_attempts;
pub mod reminders;
pub mod reports;
pub mod sharing;
pub mod system;
pub mod views;
pub mod worklist;

use poem_openapi::Tags;

#[derive(Tags)]
pub enum ApiTags {
    /// Liveness and readiness probes.
    System,
    /// Passkey registration (with a one-time invite) and sign-in.
    Auth,
    /// The signed-in account.
    Me,
    /// Centre administration: invites for staff and participants.
    Centres,
    /// The participant's diaries, quit attempts, offline sync and change feed.
    Diary,
    /// Consent to share with a centre, the epikrise objection, and the access log.
    Sharing,
    /// The journey at the centre: attributes, referrals and triage, follow-up
    /// periods, health conversations, goals, courses and assessments.
    Journey,
    /// Results: the participant's progress, a period's outcome indicators, and
    /// the definitions they are computed with.
    Outcomes,
    /// Anonymised reports and exports for the municipality and evaluators.
    Reports,
}

pub type Api = (
    system::SystemApi,
    auth::AuthApi,
    me::MeApi,
    diary::DiaryApi,
    quit_attempts::QuitAttemptsApi,
    sharing::SharingApi,
    centres::CentresApi,
    participants::ParticipantsApi,
    journey::JourneyApi,
    worklist::WorklistApi,
    progress::ProgressApi,
    reports::ReportsApi,
    exports::ExportsApi,
    exports::ResearchApi,
    reminders::RemindersApi,
);

pub fn api() -> Api {
    (
        system::SystemApi,
        auth::AuthApi,
        me::MeApi,
        diary::DiaryApi,
        quit_attempts::QuitAttemptsApi,
        sharing::SharingApi,
        centres::CentresApi,
        participants::ParticipantsApi,
        journey::api(),
        worklist::WorklistApi,
        progress::ProgressApi,
        reports::ReportsApi,
        exports::ExportsApi,
        exports::ResearchApi,
        reminders::RemindersApi,
    )
}
