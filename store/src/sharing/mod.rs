//! Consent, the oral-consent two-person rule, the epikrise objection, the
//! access log, and the veileder's view of the centre's participants.
