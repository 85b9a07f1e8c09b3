//! The participant's journey through a centre (DOMAIN.md §2): referral,
//! triage, follow-up periods, health conversations, goals, courses, onward
//! offers, and the few participant attributes the indicators need.

use chrono::{Duration, NaiveDate};

use crate::validation::{FieldError, bounded_text};

mod attributes;
mod conversations;
mod courses;
mod epikrise;
mod goals;
mod periods;
mod referrals;

pub use attributes::*;
pub use conversations::*;
pub use courses::*;
pub use epikrise::*;
pub use goals::*;
pub use periods::*;
pub use referrals::*;

/// A period lasts 12 weeks: planned end = start + 84 days.
pub const PERIOD_PLANNED_DAYS: i64 = 84;
/// The weeks of a period ([`PERIOD_PLANNED_DAYS`] / 7).
pub const PERIOD_WEEKS: u32 = 12;
/// Dates may be this far after "today" (a phone east of Norway).
const DATE_SLACK_DAYS: i64 = 1;
/// A start conversation may be booked this far ahead.
const BOOKED_START_DAYS: i64 = 30;
const MAX_REASONS: usize = 10;
const MAX_OFFERS: usize = 10;

fn check_date(
    field: &'static str,
    day: NaiveDate,
    today: NaiveDate,
    ahead_days: i64,
    errors: &mut Vec<FieldError>,
) {
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
    if day > today + Duration::days(ahead_days) {
        errors.push(FieldError::new(
            field,
            "not_future",
            if ahead_days > DATE_SLACK_DAYS {
                format!("must be at most {ahead_days} days from today")
            } else {
                "must not be in the future".to_owned()
            },
        ));
    } else if day < earliest {
        errors.push(FieldError::new(
            field,
            "range",
            "must be 2000-01-01 or later",
        ));
    }
}

fn text_field(
    field: &'static str,
    raw: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    bounded_text(field, raw, 1, max)
        .map_err(|e| errors.push(e))
        .ok()
}

fn dedup_sorted<T: Ord + Copy>(items: &[T]) -> Vec<T> {
    let mut out = items.to_vec();
    out.sort();
    out.dedup();
    out
}

fn done<T>(value: T, errors: Vec<FieldError>) -> Result<T, Vec<FieldError>> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn period_weeks_are_calendar_weeks_from_the_start() {
        let start = d("2026-03-02");
        assert_eq!(period_week(start, d("2026-03-01")), None);
        assert_eq!(period_week(start, start), Some(1));
        assert_eq!(period_week(start, d("2026-03-08")), Some(1));
        assert_eq!(period_week(start, d("2026-03-09")), Some(2));
        assert_eq!(period_week(start, start + Duration::days(83)), Some(12));
        assert_eq!(period_week(start, start + Duration::days(84)), Some(13));
    }

    #[test]
    fn planned_end_moves_with_pauses() {
        let start = d("2026-03-02");
        assert_eq!(planned_end(start, 0), d("2026-05-25"));
        assert_eq!(planned_end(start, 10), d("2026-06-04"));
        assert_eq!(planned_end(start, -5), planned_end(start, 0));
        assert_eq!(
            planned_end(start, 0),
            start + Duration::days(i64::from(PERIOD_WEEKS) * 7)
        );
    }

    #[test]
    fn period_weeks_are_not_capped() {
        let start = d("2026-03-02");
        assert_eq!(period_week(start, start + Duration::days(200)), Some(29));
        assert_eq!(period_week(start, start - Duration::days(300)), None);
    }

    #[test]
    fn transition_messages_read_as_sentences() {
        use PeriodAction as A;
        use PeriodStatus as S;
        let msg = |s, a| next_status(s, a).unwrap_err().message;
        assert_eq!(
            msg(S::Completed, A::Pause),
            "a completed period cannot be paused"
        );
        assert_eq!(
            msg(S::Active, A::Resume),
            "an active period cannot be resumed"
        );
        assert_eq!(
            msg(S::Paused, A::Pause),
            "a paused period cannot be paused again"
        );
        assert_eq!(
            msg(S::Discontinued, A::Complete),
            "a discontinued period cannot be completed"
        );
    }

    #[test]
    fn open_periods_are_active_or_paused() {
        let open: Vec<_> = PeriodStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .copied()
            .collect();
        assert_eq!(open, vec![PeriodStatus::Active, PeriodStatus::Paused]);
    }

    #[test]
    fn wire_names() {
        assert_eq!(
            serde_json::to_value(ReferrerType::SelfContact).unwrap(),
            "self"
        );
        assert_eq!("self".parse(), Ok(ReferrerType::SelfContact));
        assert_eq!(ReferrerType::Gp.as_str(), "gp");
        assert_eq!(ReferrerType::ALL.len(), 11);
        assert_eq!(CourseKind::ALL.len(), 14);
        assert_eq!(OnwardOffer::ALL.len(), 9);
        assert_eq!(
            serde_json::to_value(EducationLevel::HigherShort).unwrap(),
            "higher_short"
        );
        let attainment: GoalAttainmentInput =
            serde_json::from_str(r#"{"attainment":"partly"}"#).unwrap();
        assert_eq!(attainment.attainment, Attainment::Partly);
        // Optional fields may be left out, and are left out when empty.
        let end: PeriodEndInput = serde_json::from_str(r#"{"ended_on":"2026-11-01"}"#).unwrap();
        assert!(end.onward_offers.is_empty() && end.discontinue_reason.is_none());
        assert_eq!(
            serde_json::to_string(&ParticipantAttributesInput {
                sex: Some(Sex::Female),
                ..Default::default()
            })
            .unwrap(),
            r#"{"sex":"female"}"#
        );
    }

    #[test]
    fn every_transition_of_the_state_machine() {
        use PeriodAction as A;
        use PeriodStatus as S;
        let allowed = [
            (S::Active, A::Pause, S::Paused),
            (S::Paused, A::Resume, S::Active),
            (S::Active, A::Complete, S::Completed),
            (S::Paused, A::Complete, S::Completed),
            (S::Active, A::Discontinue, S::Discontinued),
            (S::Paused, A::Discontinue, S::Discontinued),
        ];
        for status in S::ALL {
            for action in A::ALL {
                let expected = allowed
                    .iter()
                    .find(|(s, a, _)| s == status && a == action)
                    .map(|(_, _, next)| *next);
                match (next_status(*status, *action), expected) {
                    (Ok(next), Some(want)) => assert_eq!(next, want),
                    (Err(e), None) => {
                        assert_eq!((e.field.as_str(), e.rule), ("status", "transition"));
                        // The message names both the status and the action.
                        assert!(e.message.contains(status.as_str()), "{}", e.message);
                        assert!(e.message.contains(action.as_str()), "{}", e.message);
                    }
                    (got, want) => panic!("{status} + {action}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn referrals_need_a_reason_and_a_past_date() {
        let today = d("2026-11-25");
        let ok = ReferralInput {
            referrer_type: ReferrerType::Gp,
            reasons: vec![
                ReferralReason::Tobacco,
                ReferralReason::Sleep,
                ReferralReason::Tobacco,
            ],
            referred_on: d("2026-11-20"),
            referrer: None,
        }
        .parse(today)
        .unwrap();
        assert_eq!(
            ok.reasons,
            vec![ReferralReason::Tobacco, ReferralReason::Sleep]
        );
        let errors = ReferralInput {
            referrer_type: ReferrerType::SelfContact,
            reasons: vec![],
            referred_on: d("2026-11-27"),
            referrer: None,
        }
        .parse(today)
        .unwrap_err();
        let rules: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            rules,
            vec![("reasons", "required"), ("referred_on", "not_future")]
        );
        let too_early = ReferralInput {
            referrer_type: ReferrerType::Gp,
            reasons: vec![ReferralReason::Copd],
            referred_on: d("1999-12-31"),
            referrer: None,
        };
        assert_eq!(too_early.clone().parse(today).unwrap_err()[0].rule, "range");
        assert!(
            ReferralInput {
                referred_on: d("2000-01-01"),
                ..too_early
            }
            .parse(today)
            .is_ok()
        );
        // Tomorrow is allowed (a phone east of Norway).
        assert!(
            ReferralInput {
                referrer_type: ReferrerType::Nav,
                reasons: vec![ReferralReason::Other],
                referred_on: d("2026-11-26"),
                referrer: None,
            }
            .parse(today)
            .is_ok()
        );
    }

    #[test]
    fn a_referrer_is_named_unless_the_participant_came_by_themselves() {
        let today = d("2026-11-25");
        let referral = |referrer_type, referrer: Option<ReferrerInput>| {
            ReferralInput {
                referrer_type,
                reasons: vec![ReferralReason::Cardiovascular],
                referred_on: today,
                referrer,
            }
            .parse(today)
        };
        let named = |name: &str, organisation: Option<&str>| {
            Some(ReferrerInput {
                name: name.into(),
                organisation: organisation.map(str::to_owned),
            })
        };
        let ok = referral(
            ReferrerType::SpecialistHealth,
            named(" Kari Lege ", Some("OUS, hjertemedisin")),
        )
        .unwrap();
        assert_eq!(
            ok.referrer,
            Some(Referrer {
                name: "Kari Lege".into(),
                organisation: Some("OUS, hjertemedisin".into())
            })
        );
        let e = referral(ReferrerType::SelfContact, named("Meg selv", None)).unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].rule), ("referrer", "consistent"));
        let e = referral(ReferrerType::Nav, named(" ", Some(&"x".repeat(201)))).unwrap_err();
        let rules: Vec<_> = e.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            rules,
            vec![
                ("referrer.name", "length"),
                ("referrer.organisation", "length")
            ]
        );
    }

    #[test]
    fn the_gp_has_a_name_and_perhaps_an_hpr_number() {
        let today = d("2026-11-25");
        let gp = |name: &str, hpr: Option<&str>| {
            ParticipantAttributesInput {
                gp: Some(GpInput {
                    name: name.into(),
                    hpr_number: hpr.map(str::to_owned),
                    practice: Some("Sentrum legekontor".into()),
                }),
                ..Default::default()
            }
            .parse(today)
        };
        let ok = gp("Ola Fastlege", Some(" 123456789 ")).unwrap();
        assert_eq!(
            ok.gp,
            Some(Gp {
                name: "Ola Fastlege".into(),
                hpr_number: Some("123456789".into()),
                practice: Some("Sentrum legekontor".into()),
            })
        );
        assert!(gp("Ola Fastlege", Some("1")).is_ok());
        assert!(
            gp("Ola Fastlege", None)
                .unwrap()
                .gp
                .unwrap()
                .hpr_number
                .is_none()
        );
        for bad in ["", "1234567890", "12a4", "-1"] {
            let e = gp("Ola Fastlege", Some(bad)).unwrap_err();
            assert_eq!(
                (e[0].field.as_str(), e[0].rule),
                ("gp.hpr_number", "format"),
                "{bad}"
            );
        }
        let e = gp("  ", None).unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].rule), ("gp.name", "length"));
    }

    #[test]
    fn triage_redirect_target_only_when_redirected() {
        let today = d("2026-11-25");
        let input = |outcome, to: Option<&str>| TriageInput {
            outcome,
            decided_on: today,
            redirected_to: to.map(str::to_owned),
        };
        assert!(
            input(TriageOutcome::Redirected, Some("Kommunal fysioterapi"))
                .parse(today)
                .is_ok()
        );
        let e = input(TriageOutcome::Enrolled, Some("x"))
            .parse(today)
            .unwrap_err();
        assert_eq!(
            (e[0].field.as_str(), e[0].rule),
            ("redirected_to", "consistent")
        );
        let e = input(TriageOutcome::Redirected, Some("  "))
            .parse(today)
            .unwrap_err();
        assert_eq!(e[0].rule, "length");
        let e = input(TriageOutcome::Redirected, Some(&"x".repeat(201)))
            .parse(today)
            .unwrap_err();
        assert_eq!(e[0].rule, "length");
        let ok = input(TriageOutcome::Redirected, Some(" Idrettslaget "))
            .parse(today)
            .unwrap();
        assert_eq!(ok.redirected_to.as_deref(), Some("Idrettslaget"));
        // A target is optional even when redirected.
        assert!(input(TriageOutcome::Redirected, None).parse(today).is_ok());
        assert!(
            input(TriageOutcome::AwaitingClearance, None)
                .parse(today)
                .is_ok()
        );
        // Every error at once: date and consistency.
        let errors = TriageInput {
            outcome: TriageOutcome::AwaitingClearance,
            decided_on: d("2026-11-27"),
            redirected_to: Some("Fysioterapi".into()),
        }
        .parse(today)
        .unwrap_err();
        let rules: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            rules,
            vec![
                ("decided_on", "not_future"),
                ("redirected_to", "consistent")
            ]
        );
        let e = input(TriageOutcome::Enrolled, None);
        let e = TriageInput {
            decided_on: d("1999-12-31"),
            ..e
        }
        .parse(today)
        .unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].rule), ("decided_on", "range"));
    }

    #[test]
    fn period_start_may_be_booked_a_month_ahead() {
        let today = d("2026-11-25");
        let start = |s: &str| {
            PeriodStartInput {
                start_date: d(s),
                referral_id: None,
            }
            .parse(today)
        };
        assert!(start("2026-12-25").is_ok());
        assert!(start("2000-01-01").is_ok());
        let referral_id = Uuid::nil();
        let with_referral = PeriodStartInput {
            start_date: today,
            referral_id: Some(referral_id),
        }
        .parse(today)
        .unwrap();
        assert_eq!(with_referral.referral_id, Some(referral_id));
        assert_eq!(start("2026-12-26").unwrap_err()[0].rule, "not_future");
        assert_eq!(start("1999-12-31").unwrap_err()[0].rule, "range");
    }

    #[test]
    fn period_end_rules() {
        let today = d("2026-11-25");
        let end = |offers: Vec<OnwardOffer>, reason, on: &str| PeriodEndInput {
            ended_on: d(on),
            onward_offers: offers,
            discontinue_reason: reason,
        };
        let ok = end(
            vec![OnwardOffer::SportsClub, OnwardOffer::SportsClub],
            None,
            "2026-11-24",
        )
        .parse(PeriodAction::Complete, today)
        .unwrap();
        assert_eq!(ok.onward_offers, vec![OnwardOffer::SportsClub]);
        let errors = end(
            vec![OnwardOffer::Nav],
            Some(DiscontinueReason::Moved),
            "2026-08-31",
        )
        .parse(PeriodAction::Complete, today)
        .unwrap_err();
        let rules: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(rules, vec![("discontinue_reason", "consistent")]);
        let errors = end(vec![OnwardOffer::Nav], None, "2026-11-01")
            .parse(PeriodAction::Discontinue, today)
            .unwrap_err();
        assert_eq!(
            (errors[0].field.as_str(), errors[0].rule),
            ("onward_offers", "consistent")
        );
        // Discontinuing with a reason; ending on the start day is allowed.
        let ok = end(vec![], Some(DiscontinueReason::LostContact), "2026-09-01")
            .parse(PeriodAction::Discontinue, today)
            .unwrap();
        assert_eq!(ok.discontinue_reason, Some(DiscontinueReason::LostContact));
        // Completing without onward offers, tomorrow at the latest.
        assert!(
            end(vec![], None, "2026-11-26")
                .parse(PeriodAction::Complete, today)
                .is_ok()
        );
        let errors = end(vec![], None, "2026-11-27")
            .parse(PeriodAction::Complete, today)
            .unwrap_err();
        assert_eq!(
            (errors[0].field.as_str(), errors[0].rule),
            ("ended_on", "not_future")
        );
        // Offers are sorted and deduplicated.
        let ok = end(
            vec![
                OnwardOffer::Other,
                OnwardOffer::VoluntaryOrganisation,
                OnwardOffer::Other,
            ],
            None,
            "2026-11-24",
        )
        .parse(PeriodAction::Complete, today)
        .unwrap();
        assert_eq!(
            ok.onward_offers,
            vec![OnwardOffer::VoluntaryOrganisation, OnwardOffer::Other]
        );
    }

    #[test]
    fn conversations_are_dated_up_to_tomorrow() {
        let today = d("2026-11-25");
        let conversation = |on: &str| ConversationInput {
            kind: ConversationKind::Interim,
            held_on: d(on),
            interpreter_used: true,
        };
        let ok = conversation("2026-11-26").parse(today).unwrap();
        assert_eq!(
            (ok.kind, ok.interpreter_used),
            (ConversationKind::Interim, true)
        );
        let e = conversation("2026-11-27").parse(today).unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].rule), ("held_on", "not_future"));
        let e = conversation("1999-12-31").parse(today).unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].rule), ("held_on", "range"));
    }

    #[test]
    fn courses_are_dated_and_named() {
        let today = d("2026-11-25");
        let course = |on: &str, name: Option<&str>| CourseInput {
            kind: CourseKind::BraMat,
            started_on: d(on),
            name: name.map(str::to_owned),
        };
        let ok = course("2026-10-01", Some(" Bra mat høst "))
            .parse(today)
            .unwrap();
        assert_eq!(ok.name.as_deref(), Some("Bra mat høst"));
        assert!(course("2026-11-26", None).parse(today).is_ok());
        let e = course("2026-11-27", None).parse(today).unwrap_err();
        assert_eq!(
            (e[0].field.as_str(), e[0].rule),
            ("started_on", "not_future")
        );
        let errors = course("1999-12-31", Some(&"x".repeat(101)))
            .parse(today)
            .unwrap_err();
        let rules: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(rules, vec![("started_on", "range"), ("name", "length")]);
    }

    #[test]
    fn goals_are_bounded_text() {
        let goal = GoalInput {
            domain: GoalDomain::Activity,
            text: "  Gå tur hver dag ".into(),
            target: Some("30 min".into()),
        }
        .parse()
        .unwrap();
        assert_eq!(goal.text, "Gå tur hver dag");
        let errors = GoalInput {
            domain: GoalDomain::Diet,
            text: "".into(),
            target: Some("x".repeat(201)),
        }
        .parse()
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["text", "target"]);
        let e = GoalInput {
            domain: GoalDomain::Sleep,
            text: "x".repeat(301),
            target: None,
        }
        .parse()
        .unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].rule), ("text", "length"));
        let e = GoalInput {
            domain: GoalDomain::Sleep,
            text: "Sove\nmer".into(),
            target: None,
        }
        .parse()
        .unwrap_err();
        assert_eq!(e[0].rule, "no_control_characters");
        assert!(
            GoalInput {
                domain: GoalDomain::Alcohol,
                text: "x".repeat(300),
                target: None,
            }
            .parse()
            .is_ok()
        );
    }

    #[test]
    fn attributes_are_parsed_and_every_error_reported() {
        let today = d("2026-11-25");
        let ok = ParticipantAttributesInput {
            birth_month: Some("1971-03".into()),
            sex: Some(Sex::Male),
            height_cm: Some(180.0),
            municipality: Some("0301".into()),
            work_school: Some(vec![
                WorkSchoolStatus::SickLeave,
                WorkSchoolStatus::SickLeave,
            ]),
            preferred_language: Some("NB".into()),
            ..Default::default()
        }
        .parse(today)
        .unwrap();
        assert_eq!(ok.birth_month.unwrap().year, 1971);
        assert_eq!(ok.work_school, Some(vec![WorkSchoolStatus::SickLeave]));
        assert_eq!(ok.preferred_language.as_deref(), Some("nb"));
        let errors = ParticipantAttributesInput {
            birth_month: Some("2030-01".into()),
            height_cm: Some(f64::NAN),
            municipality: Some("301".into()),
            preferred_language: Some("n".into()),
            ..Default::default()
        }
        .parse(today)
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "birth_month",
                "height_cm",
                "municipality",
                "preferred_language"
            ]
        );
    }

    #[test]
    fn attribute_bounds() {
        let today = d("2026-11-25");
        let parse = |input: ParticipantAttributesInput| input.parse(today);
        assert_eq!(
            parse(ParticipantAttributesInput::default()).unwrap(),
            ParticipantAttributes::default()
        );
        let ok = parse(ParticipantAttributesInput {
            sex: Some(Sex::Female),
            education: Some(EducationLevel::HigherLong),
            interpreter_needed: Some(true),
            other_language_background: Some(true),
            municipality: Some(" 4601 ".into()),
            preferred_language: Some("nb-NO".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.sex, Some(Sex::Female));
        assert_eq!(ok.education, Some(EducationLevel::HigherLong));
        assert_eq!(ok.municipality.unwrap().as_str(), "4601");
        assert_eq!(ok.preferred_language.as_deref(), Some("nb-no"));
        assert_eq!(
            (ok.interpreter_needed, ok.other_language_background),
            (Some(true), Some(true))
        );
        let height = |h: f64| {
            parse(ParticipantAttributesInput {
                height_cm: Some(h),
                ..Default::default()
            })
        };
        assert!(height(50.0).is_ok() && height(250.0).is_ok());
        for bad in [49.9, 250.1, f64::INFINITY, -170.0] {
            let e = height(bad).unwrap_err();
            assert_eq!((e[0].field.as_str(), e[0].rule), ("height_cm", "range"));
        }
        let language = |tag: &str| {
            parse(ParticipantAttributesInput {
                preferred_language: Some(tag.into()),
                ..Default::default()
            })
        };
        for good in ["ar", "so", "uk", &"a".repeat(35)] {
            assert!(language(good).is_ok(), "{good}");
        }
        for bad in ["", "n", "nb1", "no_NB", "--", "ти", &"a".repeat(36)] {
            let e = language(bad).unwrap_err();
            assert_eq!(
                (e[0].field.as_str(), e[0].rule),
                ("preferred_language", "format"),
                "{bad}"
            );
        }
        let e = parse(ParticipantAttributesInput {
            birth_month: Some("1971-13".into()),
            municipality: Some("0001".into()),
            ..Default::default()
        })
        .unwrap_err();
        let rules: Vec<_> = e.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            rules,
            vec![("birth_month", "year_month"), ("municipality", "format")]
        );
        let all = parse(ParticipantAttributesInput {
            work_school: Some(WorkSchoolStatus::ALL.iter().rev().copied().collect()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(all.work_school.as_deref(), Some(WorkSchoolStatus::ALL));
    }
}
