//! Assessments: tests done at the centre (recorded by staff, read back only
//! under `assessments` consent) and questionnaires the participant fills in.

use friskliv_domain::FieldError;
use friskliv_domain::assessment::Assessment;
use uuid::Uuid;

use super::own_participant;
use super::views::{AssessmentList, AssessmentView, assessment_view, assessment_views};
use crate::access::Case;
use crate::db::journey::{self, Recorder};
use crate::db::sharing::StaffAction;
use crate::error::{Refusal, Result};
use crate::{Principal, Store};

impl Store {
    /// `GET /v1/centres/{c}/participants/{p}/assessments` (needs
    /// `assessments` consent)
    pub async fn assessments(&self, case: &Case) -> Result<AssessmentList> {
        self.as_staff(
            case,
            StaffAction::ReadAssessments,
            "assessments",
            async |txn, grant| {
                let rows = journey::assessments(txn, grant).await?;
                let periods = journey::periods(txn, grant).await?;
                Ok(AssessmentList {
                    assessments: assessment_views(rows, &periods)?,
                })
            },
        )
        .await
    }

    /// `POST /v1/centres/{c}/participants/{p}/assessments`: recording needs
    /// no consent (the centre measured it).
    pub async fn record_assessment(
        &self,
        case: &Case,
        assessment: &Assessment,
    ) -> Result<AssessmentView> {
        let now = self.clock.now();
        self.as_staff(
            case,
            StaffAction::RecordAssessment,
            &format!("assessments/{}", assessment.instrument),
            async |txn, grant| {
                let row =
                    journey::add_assessment(txn, Recorder::Staff(grant), assessment, now).await?;
                let periods = journey::periods(txn, grant).await?;
                assessment_view(row, &periods)
            },
        )
        .await
    }

    /// `GET /v1/me/assessments`
    pub async fn my_assessments(&self, principal: &Principal) -> Result<AssessmentList> {
        let participant = own_participant(principal)?;
        let rows = journey::own_assessments(&self.db, participant).await?;
        let periods = journey::own_periods(&self.db, participant).await?;
        Ok(AssessmentList {
            assessments: assessment_views(rows, &periods)?,
        })
    }

    /// `POST /v1/me/assessments`: a questionnaire; tests done at the centre
    /// are the veileder's to record.
    pub async fn create_my_assessment(
        &self,
        principal: &Principal,
        assessment: &Assessment,
    ) -> Result<AssessmentView> {
        let participant = own_participant(principal)?;
        if !assessment.instrument.self_reportable() {
            return Err(Refusal::invalid(FieldError::new(
                "instrument",
                "self_reportable",
                format!(
                    "{} is a test done at the centre; a veileder records it",
                    assessment.instrument
                ),
            ))
            .into());
        }
        let now = self.clock.now();
        self.writing(async |txn| {
            let row =
                journey::add_assessment(txn, Recorder::Participant(participant), assessment, now)
                    .await?;
            let periods = journey::own_periods(txn, participant).await?;
            assessment_view(row, &periods)
        })
        .await
    }

    /// `DELETE /v1/me/assessments/{a}`: a questionnaire filled in by mistake.
    pub async fn delete_my_assessment(
        &self,
        principal: &Principal,
        assessment_id: Uuid,
    ) -> Result<()> {
        let participant = own_participant(principal)?;
        let _turn = self.write_turn().await;
        if journey::delete_own_assessment(&self.db, participant, assessment_id).await? {
            Ok(())
        } else {
            Err(Refusal::not_found("questionnaire of yours").into())
        }
    }
}
