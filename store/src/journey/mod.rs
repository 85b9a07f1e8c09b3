//! The journey at the centre: attributes, referrals and triage, follow-up
//! periods, conversations, goals, courses and assessments — and the
//! participant's own progress.
