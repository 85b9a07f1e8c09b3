//! The epikrise to the fastlege and the referrer, and a self-referral's
//! message to the GP (veileder 5.9.6): drafted from the period as a FHIR R4
//! document Bundle, printable as a PDF, the veileder's assessment edited
//! while it is a draft, then sent (to whom, how, when).
//!
//! Every draft, view and send goes through [`Store::as_staff`] and so is in
//! the participant's access log. The participant's epikrise objection
//! blocks drafting and sending (checked here, inside the transaction). The
//! document holds the test values and indicators the participant shares
//! with the centre, as the period outcomes do.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use friskliv_domain::assessment::{AssessmentValues, LOINC_SIX_MINUTE_WALK, Timepoint};
use friskliv_domain::journey::{
    ASSESSMENT_SECTION, EpikriseContent, EpikriseDraft, EpikriseKind, EpikriseStatus, GoalLine,
    Participation, PeriodStatus, RecipientKind, ReferrerType, SendChannel, Sending, TestValue,
    may_draft,
};
use friskliv_domain::outcomes::{Value, period_outcomes};
use friskliv_domain::{FieldError, assessment};
use poem_openapi::Object;
use sea_orm::SqlErr;
use serde_json::json;
use uuid::Uuid;

use crate::Store;
use crate::access::Case;
use crate::db::entities::{epikrise, epikrise_sending, period};
use crate::db::epikrise::{self as queries, Context, NewDraft};
use crate::db::journey::{self, OutcomeRows};
use crate::db::sharing::{Grant, StaffAction, birth_month_of};
use crate::error::{Error, Refusal, Result, stored_enum, stored_json, stored_opt};
use crate::facts::period_facts;

/// Why drafting or sending is refused when the participant objects.
const OBJECTION: &str = "the participant has made an epikrise objection: they object to an \
                         epikrise being sent to their GP or referrer (PUT /v1/me/epikrise-objection), \
                         so none is drafted or sent";

const HPR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.4";
const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
const SECTION_SYSTEM: &str = "urn:friskliv:epikrise-section";
const LOINC_DISCHARGE_SUMMARY: &str = "18842-5";

/// Someone the document should go to.
#[derive(Object)]
pub struct EpikriseRecipientView {
    pub kind: RecipientKind,
    /// Absent when not recorded (the GP on the attributes, the referrer on the referral).
    #[oai(skip_serializing_if_is_none)]
    pub name: Option<String>,
    /// The GP's HPR number.
    #[oai(skip_serializing_if_is_none)]
    pub hpr_number: Option<String>,
    /// The GP's practice or the referrer's organisation.
    #[oai(skip_serializing_if_is_none)]
    pub organisation: Option<String>,
    /// A sending to this kind of recipient is recorded.
    pub sent: bool,
}

/// One recorded sending.
#[derive(Object)]
pub struct EpikriseSendingView {
    pub recipient_kind: RecipientKind,
    pub recipient_name: String,
    pub channel: SendChannel,
    pub sent_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
}

/// A period's epikrise or message to the GP.
#[derive(Object)]
pub struct EpikriseView {
    pub id: Uuid,
    pub participant_id: Uuid,
    /// The period's number n.
    pub period: u32,
    pub kind: EpikriseKind,
    pub status: EpikriseStatus,
    /// The veileder's assessment.
    #[oai(skip_serializing_if_is_none)]
    pub assessment: Option<String>,
    /// Who it goes to: the fastlege, and the referrer when that is not the GP.
    pub recipients: Vec<EpikriseRecipientView>,
    /// Oldest first.
    pub sendings: Vec<EpikriseSendingView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The FHIR R4 document Bundle (also at `…/epikrise/fhir`).
    pub document: serde_json::Value,
}

/// The test values at start and end, as measured (the latest of each
/// instrument and timepoint wins, as in the outcomes).
fn test_values(rows: &[crate::db::entities::assessment::Model]) -> Vec<TestValue> {
    let mut chosen: Vec<&crate::db::entities::assessment::Model> = rows
        .iter()
        .filter(|a| {
            a.timepoint == Timepoint::Baseline.as_str() || a.timepoint == Timepoint::Week12.as_str()
        })
        .collect();
    chosen.sort_by_key(|a| {
        (
            a.timepoint != Timepoint::Baseline.as_str(),
            a.assessed_on,
            a.id,
        )
    });
    let mut out: Vec<TestValue> = Vec::new();
    for a in chosen {
        let (Ok(values), Ok(timepoint)) = (
            serde_json::from_str::<AssessmentValues>(&a.values),
            a.timepoint.parse::<Timepoint>(),
        ) else {
            continue;
        };
        let value = |label, loinc, loinc_display, value, unit| TestValue {
            label,
            loinc,
            loinc_display,
            timepoint,
            on: a.assessed_on,
            value,
            unit,
        };
        let found: Vec<TestValue> = match values {
            AssessmentValues::SixMinuteWalk(w) => vec![value(
                "6 minutters gangtest",
                Some(LOINC_SIX_MINUTE_WALK),
                Some("Six minute walk test distance"),
                w.distance_m,
                "m",
            )],
            AssessmentValues::TreadmillSubmax(t) => vec![value(
                "Submaksimal tredemølletest, varighet",
                None,
                None,
                t.duration_s as f64,
                "s",
            )],
            AssessmentValues::Body(b) => [
                b.weight_kg.map(|w| {
                    value(
                        "Vekt",
                        Some(assessment::LOINC_BODY_WEIGHT),
                        Some("Body weight"),
                        w,
                        "kg",
                    )
                }),
                b.waist_cm.map(|w| {
                    value(
                        "Livvidde",
                        Some(assessment::LOINC_WAIST),
                        Some("Waist Circumference at umbilicus by Tape measure"),
                        w,
                        "cm",
                    )
                }),
            ]
            .into_iter()
            .flatten()
            .collect(),
            AssessmentValues::SelfRatedHealth(s) => vec![value(
                "Egenvurdert helse (1 svært god – 5 svært dårlig)",
                None,
                None,
                s.answer as f64,
                "1",
            )],
            _ => Vec::new(),
        };
        for v in found {
            // A later measurement of the same test and timepoint replaces it.
            out.retain(|o| !(o.label == v.label && o.timepoint == v.timepoint));
            out.push(v);
        }
    }
    out
}

fn content_of(
    kind: EpikriseKind,
    period: &period::Model,
    rows: OutcomeRows,
    ctx: &Context,
    assessment: Option<String>,
    today: NaiveDate,
) -> Result<EpikriseContent> {
    let tests = test_values(&rows.assessments);
    let assessments_shared = rows.assessments_visible;
    let goals = rows
        .goals
        .iter()
        .map(|g| {
            Ok(GoalLine {
                domain: stored_enum("goal domain", &g.domain)?,
                text: g.text.clone(),
                target: g.target.clone(),
                attainment: stored_opt("attainment", g.attainment.as_deref())?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let outcomes = period_outcomes(&period_facts(period, rows, today));
    let referral = ctx.referral.as_ref();
    Ok(EpikriseContent {
        kind,
        participant_name: ctx
            .participant
            .as_ref()
            .map(|a| a.display_name.clone())
            .unwrap_or_default(),
        centre_name: ctx
            .centre
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        period: u32::try_from(period.seq).unwrap_or(0),
        period_status: stored_enum("period status", &period.status)?,
        start_date: period.start_date,
        planned_end: period.planned_end,
        ended_on: period.ended_on,
        discontinue_reason: stored_opt("discontinue_reason", period.discontinue_reason.as_deref())?,
        referrer_type: referral
            .map(|r| stored_enum("referrer_type", &r.referrer_type))
            .transpose()?,
        referral_reasons: match referral {
            Some(r) => stored_json("reasons", &r.reasons)?,
            None => Vec::new(),
        },
        goals,
        tests,
        indicators: outcomes
            .indicators
            .into_iter()
            .filter(|i| i.value.is_some())
            .collect(),
        assessments_shared,
        participation: Participation {
            conversations: ctx
                .conversations
                .iter()
                .map(|c| Ok((stored_enum("conversation kind", &c.kind)?, c.held_on)))
                .collect::<Result<_>>()?,
            courses: ctx
                .courses
                .iter()
                .map(|c| {
                    Ok((
                        stored_enum("course kind", &c.kind)?,
                        c.name.clone(),
                        c.started_on,
                    ))
                })
                .collect::<Result<_>>()?,
        },
        onward_offers: stored_json("onward_offers", &period.onward_offers)?,
        assessment,
    })
}

/// The referral's referrer, when the epikrise goes to them besides the GP.
fn referrer_recipient(ctx: &Context) -> Option<&crate::db::entities::referral::Model> {
    ctx.referral.as_ref().filter(|r| {
        r.referrer_type != ReferrerType::Gp.as_str()
            && r.referrer_type != ReferrerType::SelfContact.as_str()
    })
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn unescape_xml(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// FHIR narrative: one paragraph per line.
fn narrative(lines: &[String]) -> serde_json::Value {
    let body: String = lines
        .iter()
        .map(|l| format!("<p>{}</p>", escape_xml(l)))
        .collect();
    json!({
        "status": "generated",
        "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{body}</div>"),
    })
}

/// The lines of a narrative this module wrote.
fn narrative_lines(div: &str) -> Vec<String> {
    div.split("<p>")
        .skip(1)
        .filter_map(|p| p.split("</p>").next())
        .map(unescape_xml)
        .collect()
}

fn urn(id: Uuid) -> String {
    format!("urn:uuid:{id}")
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn composition_status(status: EpikriseStatus) -> &'static str {
    match status {
        EpikriseStatus::Draft => "preliminary",
        EpikriseStatus::Sent => "final",
    }
}

/// The FHIR R4 document: a Composition first, then the Patient, the centre
/// as Organization, the GP and referrer as Practitioners, and the test
/// values and indicators as Observations.
fn bundle_of(
    id: Uuid,
    content: &EpikriseContent,
    ctx: &Context,
    participant_id: Uuid,
    centre_id: Uuid,
    now: DateTime<Utc>,
) -> serde_json::Value {
    let patient_ref = urn(Uuid::now_v7());
    let organisation_ref = urn(Uuid::now_v7());
    let mut entries: Vec<serde_json::Value> = Vec::new();
    let mut patient = json!({
        "resourceType": "Patient",
        "identifier": [{"system": "urn:friskliv:participant", "value": participant_id.to_string()}],
        "name": [{"text": content.participant_name}],
    });
    let profile = ctx.profile.as_ref();
    if let Some(sex) = profile.and_then(|p| p.sex.as_deref()) {
        patient["gender"] = json!(sex);
    }
    if let Some(born) = birth_month_of(profile) {
        // FHIR's date takes a year and month: no day (data minimisation).
        patient["birthDate"] = json!(born.to_wire());
    }
    entries.push(json!({"fullUrl": patient_ref, "resource": patient}));
    entries.push(json!({"fullUrl": organisation_ref, "resource": {
        "resourceType": "Organization",
        "identifier": [{"system": "urn:friskliv:centre", "value": centre_id.to_string()}],
        "name": content.centre_name,
    }}));
    let mut recipient_lines = Vec::new();
    let mut recipient_refs = Vec::new();
    if let Some(gp) = profile.and_then(crate::journey::views::gp_view) {
        let reference = urn(Uuid::now_v7());
        let mut practitioner = json!({
            "resourceType": "Practitioner",
            "name": [{"text": gp.name}],
        });
        if let Some(hpr) = &gp.hpr_number {
            practitioner["identifier"] = json!([{"system": HPR_SYSTEM, "value": hpr}]);
        }
        recipient_lines.push(format!(
            "Fastlege: {}{}{}",
            gp.name,
            gp.hpr_number
                .as_deref()
                .map(|h| format!(", HPR-nr. {h}"))
                .unwrap_or_default(),
            gp.practice
                .as_deref()
                .map(|p| format!(", {p}"))
                .unwrap_or_default()
        ));
        recipient_refs.push(json!({"reference": reference}));
        entries.push(json!({"fullUrl": reference, "resource": practitioner}));
    } else {
        recipient_lines.push("Fastlege: ikke registrert".to_owned());
    }
    if content.kind == EpikriseKind::Epikrise
        && let Some(r) = referrer_recipient(ctx)
    {
        let kind = r
            .referrer_type
            .parse::<ReferrerType>()
            .map(friskliv_domain::journey::referrer_type_nb)
            .unwrap_or("henviser");
        match &r.referrer_name {
            Some(name) => {
                let reference = urn(Uuid::now_v7());
                recipient_lines.push(format!(
                    "Henviser ({kind}): {name}{}",
                    r.referrer_organisation
                        .as_deref()
                        .map(|o| format!(", {o}"))
                        .unwrap_or_default()
                ));
                recipient_refs.push(json!({"reference": reference}));
                entries.push(json!({"fullUrl": reference, "resource": {
                    "resourceType": "Practitioner",
                    "name": [{"text": name}],
                }}));
            }
            None => recipient_lines.push(format!("Henviser ({kind}): navn ikke registrert")),
        }
    }
    let subject = json!({"reference": patient_ref});
    let mut test_refs = Vec::new();
    for t in &content.tests {
        let reference = urn(Uuid::now_v7());
        let mut code = json!({"text": t.label});
        if let (Some(loinc), Some(display)) = (t.loinc, t.loinc_display) {
            code["coding"] = json!([{"system": LOINC, "code": loinc, "display": display}]);
        }
        test_refs.push(json!({"reference": reference}));
        entries.push(json!({"fullUrl": reference, "resource": {
            "resourceType": "Observation",
            "status": "final",
            "code": code,
            "subject": subject,
            "effectiveDateTime": t.on.to_string(),
            "valueQuantity": {"value": t.value, "unit": t.unit, "system": UCUM, "code": t.unit},
            "note": [{"text": friskliv_domain::journey::test_line(t)}],
        }}));
    }
    let mut indicator_refs = Vec::new();
    for i in &content.indicators {
        let reference = urn(Uuid::now_v7());
        let mut obs = json!({
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "urn:friskliv:indicator", "code": i.name,
                                  "version": i.definition_version.to_string()}],
                     "text": format!("{}@{}", i.definition_id, i.definition_version)},
            "subject": subject,
        });
        match &i.value {
            Some(Value::Number(n)) => {
                obs["valueQuantity"] = json!({"value": n, "unit": i.unit.unwrap_or("1")});
            }
            Some(Value::Flag(b)) => obs["valueBoolean"] = json!(b),
            Some(Value::Category(c)) => obs["valueString"] = json!(c),
            None => continue,
        }
        indicator_refs.push(json!({"reference": reference}));
        entries.push(json!({"fullUrl": reference, "resource": obs}));
    }
    let mut recipients = json!({
        "title": "Mottakere",
        "code": {"coding": [{"system": SECTION_SYSTEM, "code": "recipients"}]},
        "text": narrative(&recipient_lines),
    });
    // FHIR forbids empty arrays.
    if !recipient_refs.is_empty() {
        recipients["entry"] = json!(recipient_refs);
    }
    let mut sections = vec![recipients];
    for s in content.sections() {
        let mut section = json!({
            "title": s.title,
            "code": {"coding": [{"system": SECTION_SYSTEM, "code": s.code}]},
            "text": narrative(&s.lines),
        });
        let refs = match s.code {
            "tests" => &test_refs,
            "indicators" => &indicator_refs,
            _ => &Vec::new(),
        };
        if !refs.is_empty() {
            section["entry"] = json!(refs);
        }
        sections.push(section);
    }
    let mut event_period = json!({"start": content.start_date.to_string()});
    if let Some(end) = content.ended_on {
        event_period["end"] = json!(end.to_string());
    }
    let document_type = match content.kind {
        EpikriseKind::Epikrise => json!({
            "coding": [{"system": LOINC, "code": LOINC_DISCHARGE_SUMMARY, "display": "Discharge summary"}],
            "text": "Epikrise fra frisklivssentral",
        }),
        EpikriseKind::GpMessage => {
            json!({"text": "Melding til fastlege om deltakelse ved frisklivssentral"})
        }
    };
    let composition = json!({
        "resourceType": "Composition",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": urn(id)},
        "status": composition_status(EpikriseStatus::Draft),
        "type": document_type,
        "subject": subject,
        "date": instant(now),
        "author": [{"reference": organisation_ref}],
        "title": content.kind.title(),
        "event": [{"period": event_period}],
        "section": sections,
    });
    entries.insert(
        0,
        json!({"fullUrl": urn(Uuid::now_v7()), "resource": composition}),
    );
    json!({
        "resourceType": "Bundle",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": urn(id)},
        "type": "document",
        "timestamp": instant(now),
        "entry": entries,
    })
}

fn composition_mut(bundle: &mut serde_json::Value) -> Result<&mut serde_json::Value> {
    bundle
        .pointer_mut("/entry/0/resource")
        .filter(|r| r["resourceType"] == "Composition")
        .ok_or_else(|| Error::internal("a stored epikrise has no Composition first"))
}

/// The stored Bundle with a new assessment section and status.
fn revised(
    row: &epikrise::Model,
    assessment: Option<&str>,
    status: EpikriseStatus,
    now: DateTime<Utc>,
) -> Result<String> {
    let mut bundle: serde_json::Value = stored_json("epikrise document", &row.document)?;
    let composition = composition_mut(&mut bundle)?;
    composition["status"] = json!(composition_status(status));
    composition["date"] = json!(instant(now));
    if let Some(sections) = composition["section"].as_array_mut() {
        for s in sections.iter_mut() {
            if s.pointer("/code/coding/0/code") == Some(&json!(ASSESSMENT_SECTION)) {
                s["text"] = narrative(&EpikriseContent::assessment_lines(assessment));
            }
        }
    }
    bundle["timestamp"] = json!(instant(now));
    serde_json::to_string(&bundle).map_err(Error::internal)
}

fn view_of(
    row: epikrise::Model,
    period: &period::Model,
    ctx: &Context,
    sendings: Vec<epikrise_sending::Model>,
) -> Result<EpikriseView> {
    let sendings = sendings
        .into_iter()
        .map(|s| {
            Ok(EpikriseSendingView {
                recipient_kind: stored_enum("recipient_kind", &s.recipient_kind)?,
                recipient_name: s.recipient_name,
                channel: stored_enum("channel", &s.channel)?,
                sent_on: s.sent_on,
                recorded_at: s.recorded_at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let kind: EpikriseKind = stored_enum("epikrise kind", &row.kind)?;
    let sent_to = |k: RecipientKind| sendings.iter().any(|s| s.recipient_kind == k);
    let gp = ctx
        .profile
        .as_ref()
        .and_then(crate::journey::views::gp_view);
    let mut recipients = vec![EpikriseRecipientView {
        kind: RecipientKind::Gp,
        name: gp.as_ref().map(|g| g.name.clone()),
        hpr_number: gp.as_ref().and_then(|g| g.hpr_number.clone()),
        organisation: gp.and_then(|g| g.practice),
        sent: sent_to(RecipientKind::Gp),
    }];
    if kind == EpikriseKind::Epikrise
        && let Some(r) = referrer_recipient(ctx)
    {
        recipients.push(EpikriseRecipientView {
            kind: RecipientKind::Referrer,
            name: r.referrer_name.clone(),
            hpr_number: None,
            organisation: r.referrer_organisation.clone(),
            sent: sent_to(RecipientKind::Referrer),
        });
    }
    Ok(EpikriseView {
        id: row.id,
        participant_id: row.participant_id,
        period: u32::try_from(period.seq).unwrap_or(0),
        kind,
        status: stored_enum("epikrise status", &row.status)?,
        assessment: row.assessment,
        recipients,
        sendings,
        created_at: row.created_at,
        updated_at: row.updated_at,
        document: stored_json("epikrise document", &row.document)?,
    })
}

async fn period_of(
    txn: &sea_orm::DatabaseTransaction,
    grant: &Grant,
    seq: u32,
) -> Result<period::Model> {
    journey::period(txn, grant, seq)
        .await?
        .ok_or_else(|| Refusal::not_found("period").into())
}

async fn document_of(
    txn: &sea_orm::DatabaseTransaction,
    grant: &Grant,
    period: &period::Model,
    kind: EpikriseKind,
) -> Result<epikrise::Model> {
    queries::find(txn, grant, period, kind)
        .await?
        .ok_or_else(|| Refusal::not_found(format!("{kind} of this period")).into())
}

fn refuse_if_sent(row: &epikrise::Model, kind: EpikriseKind) -> Result<()> {
    if row.status == EpikriseStatus::Sent.as_str() {
        return Err(Refusal::conflict_with(
            "epikrise-sent",
            format!("the {kind} has been sent and can no longer be changed"),
            json!({"id": row.id, "status": row.status}),
        )
        .into());
    }
    Ok(())
}

async fn refuse_if_objecting(txn: &sea_orm::DatabaseTransaction, grant: &Grant) -> Result<()> {
    if queries::objects(txn, grant).await? {
        return Err(Refusal::forbidden(OBJECTION).into());
    }
    Ok(())
}

fn resource(seq: u32, kind: EpikriseKind, tail: &str) -> String {
    format!("periods/{seq}/{kind}{tail}")
}

impl Store {
    /// `POST …/periods/{n}/epikrise`: drafts the period's document of the
    /// kind asked for, or redrafts it while it is a draft.
    pub async fn draft_epikrise(
        &self,
        case: &Case,
        seq: u32,
        draft: EpikriseDraft,
    ) -> Result<EpikriseView> {
        let now = self.clock.now();
        let today = crate::clock::today(now);
        let kind = draft.kind;
        self.as_staff(
            case,
            StaffAction::DraftEpikrise,
            &resource(seq, kind, ""),
            async |txn, grant| {
                let period = period_of(txn, grant, seq).await?;
                refuse_if_objecting(txn, grant).await?;
                let status: PeriodStatus = stored_enum("period status", &period.status)?;
                may_draft(kind, status).map_err(Refusal::against_stored)?;
                let existing = queries::find(txn, grant, &period, kind).await?;
                if let Some(row) = &existing {
                    refuse_if_sent(row, kind)?;
                }
                let assessment = match draft.assessment {
                    Some(given) => given,
                    None => existing.as_ref().and_then(|r| r.assessment.clone()),
                };
                let rows = journey::outcome_rows(txn, grant, &period, today).await?;
                let ctx = queries::context(txn, grant, &period).await?;
                let content = content_of(kind, &period, rows, &ctx, assessment.clone(), today)?;
                let id = existing.as_ref().map_or_else(Uuid::now_v7, |r| r.id);
                let bundle = bundle_of(
                    id,
                    &content,
                    &ctx,
                    grant.participant_id,
                    grant.centre_id,
                    now,
                );
                let document = serde_json::to_string(&bundle).map_err(Error::internal)?;
                let row = match queries::save_draft(
                    txn,
                    grant,
                    &period,
                    existing,
                    NewDraft {
                        id,
                        kind,
                        assessment,
                        document,
                    },
                    now,
                )
                .await
                {
                    Ok(row) => row,
                    // Another veileder drafted it at the same moment
                    // (PostgreSQL; SQLite writers queue).
                    Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                        return Err(Refusal::conflict(
                            "epikrise-drafted",
                            format!("the {kind} was drafted at the same moment; fetch it and edit that one"),
                        )
                        .into());
                    }
                    Err(e) => return Err(e.into()),
                };
                let sendings = queries::sendings(txn, grant, &row).await?;
                view_of(row, &period, &ctx, sendings)
            },
        )
        .await
    }

    /// `GET …/periods/{n}/epikrise`
    pub async fn epikrise(
        &self,
        case: &Case,
        seq: u32,
        kind: EpikriseKind,
    ) -> Result<EpikriseView> {
        self.read_epikrise(case, seq, kind, "").await
    }

    async fn read_epikrise(
        &self,
        case: &Case,
        seq: u32,
        kind: EpikriseKind,
        tail: &str,
    ) -> Result<EpikriseView> {
        self.as_staff(
            case,
            StaffAction::ReadEpikrise,
            &resource(seq, kind, tail),
            async |txn, grant| {
                let period = period_of(txn, grant, seq).await?;
                let row = document_of(txn, grant, &period, kind).await?;
                let ctx = queries::context(txn, grant, &period).await?;
                let sendings = queries::sendings(txn, grant, &row).await?;
                view_of(row, &period, &ctx, sendings)
            },
        )
        .await
    }

    /// `GET …/periods/{n}/epikrise/fhir`: the FHIR R4 document Bundle.
    pub async fn epikrise_fhir(
        &self,
        case: &Case,
        seq: u32,
        kind: EpikriseKind,
    ) -> Result<serde_json::Value> {
        Ok(self.read_epikrise(case, seq, kind, "/fhir").await?.document)
    }

    /// `GET …/periods/{n}/epikrise/pdf`: the same document, printable.
    pub async fn epikrise_pdf(&self, case: &Case, seq: u32, kind: EpikriseKind) -> Result<Vec<u8>> {
        let view = self.read_epikrise(case, seq, kind, "/pdf").await?;
        Ok(pdf::render(&view.document))
    }

    /// `PUT …/periods/{n}/epikrise/assessment`: the draft's assessment, in
    /// the row and in the Bundle's assessment section.
    pub async fn edit_epikrise_assessment(
        &self,
        case: &Case,
        seq: u32,
        kind: EpikriseKind,
        assessment: Option<String>,
    ) -> Result<EpikriseView> {
        let now = self.clock.now();
        self.as_staff(
            case,
            StaffAction::DraftEpikrise,
            &resource(seq, kind, "/assessment"),
            async |txn, grant| {
                let period = period_of(txn, grant, seq).await?;
                let row = document_of(txn, grant, &period, kind).await?;
                refuse_if_sent(&row, kind)?;
                let document = revised(&row, assessment.as_deref(), EpikriseStatus::Draft, now)?;
                let row = queries::update(
                    txn,
                    grant,
                    row,
                    EpikriseStatus::Draft,
                    assessment,
                    document,
                    now,
                )
                .await?;
                let ctx = queries::context(txn, grant, &period).await?;
                let sendings = queries::sendings(txn, grant, &row).await?;
                view_of(row, &period, &ctx, sendings)
            },
        )
        .await
    }

    /// `POST …/periods/{n}/epikrise/send`: records a sending; the document
    /// is then sent (its Composition final) and no longer edited. More
    /// sendings may follow (the GP, then the referrer).
    pub async fn mark_epikrise_sent(
        &self,
        case: &Case,
        seq: u32,
        sending: Sending,
    ) -> Result<EpikriseView> {
        let now = self.clock.now();
        let kind = sending.kind;
        self.as_staff(
            case,
            StaffAction::SendEpikrise,
            &resource(seq, kind, "/send"),
            async |txn, grant| {
                let period = period_of(txn, grant, seq).await?;
                refuse_if_objecting(txn, grant).await?;
                let mut row = document_of(txn, grant, &period, kind).await?;
                if sending.sent_on < row.created_at.date_naive() - chrono::Duration::days(1) {
                    return Err(Refusal::against_stored(FieldError::new(
                        "sent_on",
                        "after_draft",
                        format!(
                            "must not be before the {kind} was drafted ({})",
                            row.created_at.date_naive()
                        ),
                    ))
                    .into());
                }
                if row.status == EpikriseStatus::Draft.as_str() {
                    let assessment = row.assessment.clone();
                    let document = revised(&row, assessment.as_deref(), EpikriseStatus::Sent, now)?;
                    row = queries::update(
                        txn,
                        grant,
                        row,
                        EpikriseStatus::Sent,
                        assessment,
                        document,
                        now,
                    )
                    .await?;
                }
                queries::add_sending(txn, grant, &row, &sending, now).await?;
                let ctx = queries::context(txn, grant, &period).await?;
                let sendings = queries::sendings(txn, grant, &row).await?;
                view_of(row, &period, &ctx, sendings)
            },
        )
        .await
    }
}

/// The document as an A4 PDF: the Composition's title and sections, in the
/// built-in Helvetica (WinAnsi covers æ, ø and å), no external program.
mod pdf {
    use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

    use super::narrative_lines;

    const WIDTH: f32 = 595.0;
    const HEIGHT: f32 = 842.0;
    const MARGIN: f32 = 56.0;
    /// Helvetica at 10 pt averages about 5 pt a character.
    const CHARS_PER_LINE: usize = 92;

    /// WinAnsi is Latin-1 above 0xA0, plus dashes and quotes below it.
    fn win_ansi(text: &str) -> Vec<u8> {
        text.chars()
            .map(|c| match c {
                ' '..='~' => c as u8,
                '\u{a0}'..='\u{ff}' => c as u32 as u8,
                '–' => 0x96,
                '—' => 0x97,
                '‘' => 0x91,
                '’' => 0x92,
                '“' => 0x93,
                '”' => 0x94,
                '•' => 0x95,
                '€' => 0x80,
                _ => b'?',
            })
            .collect()
    }

    fn wrap(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = String::new();
        for word in line.split_whitespace() {
            if !current.is_empty()
                && current.chars().count() + 1 + word.chars().count() > CHARS_PER_LINE
            {
                out.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push(current);
        out
    }

    enum Line {
        Title(String),
        Heading(String),
        Text(String),
        Gap,
    }

    fn lines_of(document: &serde_json::Value) -> Vec<Line> {
        let entries = document["entry"].as_array().cloned().unwrap_or_default();
        let find = |kind: &str| {
            entries
                .iter()
                .map(|e| &e["resource"])
                .find(|r| r["resourceType"] == kind)
                .cloned()
                .unwrap_or_default()
        };
        let composition = find("Composition");
        let patient = find("Patient");
        let organisation = find("Organization");
        let mut out = vec![Line::Title(
            composition["title"]
                .as_str()
                .unwrap_or("Epikrise")
                .to_owned(),
        )];
        let born = patient["birthDate"]
            .as_str()
            .map(|b| format!(", født {b}"))
            .unwrap_or_default();
        out.push(Line::Text(format!(
            "Deltaker: {}{born}",
            patient
                .pointer("/name/0/text")
                .and_then(|n| n.as_str())
                .unwrap_or("")
        )));
        out.push(Line::Text(format!(
            "Fra: {}",
            organisation["name"].as_str().unwrap_or("")
        )));
        out.push(Line::Text(format!(
            "Dato: {}   Status: {}",
            composition["date"]
                .as_str()
                .unwrap_or("")
                .get(..10)
                .unwrap_or(""),
            if composition["status"] == "final" {
                "endelig (sendt)"
            } else {
                "utkast"
            }
        )));
        for section in composition["section"].as_array().into_iter().flatten() {
            out.push(Line::Gap);
            out.push(Line::Heading(
                section["title"].as_str().unwrap_or("").to_owned(),
            ));
            let div = section
                .pointer("/text/div")
                .and_then(|d| d.as_str())
                .unwrap_or("");
            for line in narrative_lines(div) {
                out.extend(wrap(&line).into_iter().map(Line::Text));
            }
        }
        out
    }

    pub fn render(document: &serde_json::Value) -> Vec<u8> {
        let mut pages: Vec<Content> = Vec::new();
        let mut content = Content::new();
        let mut y = HEIGHT - MARGIN;
        for line in lines_of(document) {
            let (font, size, advance): (&[u8], f32, f32) = match &line {
                Line::Title(_) => (b"F2", 15.0, 22.0),
                Line::Heading(_) => (b"F2", 11.5, 16.0),
                Line::Text(_) => (b"F1", 10.0, 13.5),
                Line::Gap => (b"F1", 10.0, 6.0),
            };
            if y - advance < MARGIN {
                pages.push(std::mem::replace(&mut content, Content::new()));
                y = HEIGHT - MARGIN;
            }
            y -= advance;
            let text = match line {
                Line::Title(t) | Line::Heading(t) | Line::Text(t) => t,
                Line::Gap => continue,
            };
            content
                .begin_text()
                .set_font(Name(font), size)
                .next_line(MARGIN, y)
                .show(Str(&win_ansi(&text)))
                .end_text();
        }
        pages.push(content);

        let catalog_id = Ref::new(1);
        let tree_id = Ref::new(2);
        let regular_id = Ref::new(3);
        let bold_id = Ref::new(4);
        let mut next = 5;
        let mut pdf = Pdf::new();
        pdf.catalog(catalog_id).pages(tree_id);
        let page_ids: Vec<(Ref, Ref)> = pages
            .iter()
            .map(|_| {
                let ids = (Ref::new(next), Ref::new(next + 1));
                next += 2;
                ids
            })
            .collect();
        pdf.pages(tree_id)
            .kids(page_ids.iter().map(|(page, _)| *page))
            .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));
        for (content, (page_id, content_id)) in pages.into_iter().zip(&page_ids) {
            let mut page = pdf.page(*page_id);
            page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
                .parent(tree_id)
                .contents(*content_id);
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            fonts.pair(Name(b"F1"), regular_id);
            fonts.pair(Name(b"F2"), bold_id);
            fonts.finish();
            resources.finish();
            page.finish();
            pdf.stream(*content_id, &content.finish());
        }
        for (id, name) in [
            (regular_id, &b"Helvetica"[..]),
            (bold_id, b"Helvetica-Bold"),
        ] {
            pdf.type1_font(id)
                .base_font(Name(name))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        pdf.finish()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn norwegian_letters_are_win_ansi_bytes() {
            assert_eq!(win_ansi("Mål – æøå"), b"M\xe5l \x96 \xe6\xf8\xe5".to_vec());
            assert_eq!(win_ansi("→"), b"?".to_vec());
        }

        fn document(lines: usize) -> serde_json::Value {
            let paragraphs: String = (1..=lines)
                .map(|n| format!("<p>Linje {n}: gå, søvn og ærlig vurdering &amp; mer</p>"))
                .collect();
            serde_json::json!({"resourceType": "Bundle", "type": "document", "entry": [
                {"resource": {"resourceType": "Composition", "status": "final",
                              "title": "Epikrise fra frisklivssentralen", "date": "2026-12-03T10:00:00Z",
                              "section": [{"title": "Veileders vurdering",
                                           "text": {"status": "generated",
                                                    "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{paragraphs}</div>")}}]}},
                {"resource": {"resourceType": "Patient", "name": [{"text": "Per"}], "birthDate": "1971-03"}},
                {"resource": {"resourceType": "Organization", "name": "Frisklivssentralen"}},
            ]})
        }

        #[test]
        fn a_long_document_runs_over_several_a4_pages() {
            // 4 header lines, a gap and a heading, then 120 lines of 13.5 pt
            // on 730 pt a page: about 52 lines a page, so three pages.
            let pdf = render(&document(120));
            if let Ok(path) = std::env::var("FRISKLIV_PDF_SAMPLE") {
                std::fs::write(path, &pdf).unwrap();
            }
            let text = String::from_utf8_lossy(&pdf);
            assert!(text.starts_with("%PDF-"));
            assert!(text.contains("/Count 3"), "{}", &text[..400]);
            assert_eq!(text.matches("/Type /Page\n").count(), 3);
            assert!(text.contains("/MediaBox [0 0 595 842]"));
            assert!(text.contains("/BaseFont /Helvetica-Bold"));
            assert!(text.contains("/Encoding /WinAnsiEncoding"));
        }

        #[test]
        fn long_lines_wrap_at_word_boundaries() {
            let words = "ord ".repeat(40);
            let lines = wrap(&words);
            assert!(lines.len() == 2, "{lines:?}");
            assert!(lines.iter().all(|l| l.chars().count() <= CHARS_PER_LINE));
        }
    }
}
