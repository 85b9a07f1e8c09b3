//! Staff access to one participant, for the use cases: authorised and
//! logged in the transaction the use case then works in.

use sea_orm::{DatabaseTransaction, TransactionTrait};
use uuid::Uuid;

use crate::db::sharing::{self, Grant, StaffAction};
use crate::error::{Error, Result};
use crate::{Principal, Store, WriteTurn};

/// A staff member's request about one participant at one centre: who asks,
/// and whose records, as the path names them.
#[derive(Debug, Clone)]
pub struct Case {
    pub principal: Principal,
    pub centre_id: Uuid,
    pub participant_id: Uuid,
}

/// A write transaction holding a grant, and the write turn to hold until it
/// commits.
pub struct Authorized {
    pub turn: WriteTurn,
    pub txn: DatabaseTransaction,
    pub grant: Grant,
}

impl Store {
    /// Authorises the case's principal to do `action` for its participant at
    /// its centre and logs the attempt, in one write transaction. On refusal the
    /// access-log row is committed and the refusal returned.
    pub async fn authorized(
        &self,
        case: &Case,
        action: StaffAction,
        resource: &str,
    ) -> Result<Authorized> {
        let (turn, txn) = self.write().await?;
        let decision = sharing::authorize(
            &txn,
            &case.principal.actor(),
            case.centre_id,
            case.participant_id,
            action,
            resource,
            self.clock.now(),
        )
        .await;
        // A refusal is logged too: settle commits its access-log row.
        match decision {
            Ok(grant) => Ok(Authorized { turn, txn, grant }),
            Err(refused) => settle(txn, Err(refused)).await,
        }
    }
}

impl Store {
    /// A staff use case for one participant: authorises and logs the access,
    /// then runs `work` with the grant in the same write transaction. A
    /// refusal from `work` undoes its writes (a savepoint, for actions that
    /// write) but keeps the access-log row; success commits both.
    pub async fn as_staff<T>(
        &self,
        case: &Case,
        action: StaffAction,
        resource: &str,
        work: impl AsyncFnOnce(&DatabaseTransaction, &Grant) -> Result<T>,
    ) -> Result<T> {
        let Authorized { turn, txn, grant } = self.authorized(case, action, resource).await?;
        if !action.writes() {
            // A reading grant cannot write, so there is nothing to undo: no
            // savepoint (two round trips fewer on every staff read).
            let result = work(&txn, &grant).await;
            let settled = settle(txn, result).await;
            drop(turn);
            return settled;
        }
        let savepoint = txn.begin().await?;
        let result = match work(&savepoint, &grant).await {
            Ok(value) => savepoint
                .commit()
                .await
                .map(|()| value)
                .map_err(Error::from),
            Err(refused @ Error::Refused(_)) => {
                savepoint.rollback().await?;
                Err(refused)
            }
            Err(other) => return Err(other),
        };
        let settled = settle(txn, result).await;
        drop(turn);
        settled
    }

    /// A write of the caller's own data: one write transaction (holding the
    /// write turn), committed when `work` succeeds, rolled back otherwise.
    pub async fn writing<T>(
        &self,
        work: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T>,
    ) -> Result<T> {
        let (turn, txn) = self.write().await?;
        let value = work(&txn).await?;
        txn.commit().await?;
        drop(turn);
        Ok(value)
    }
}

/// Ends a use case's transaction: commits what succeeded and what was
/// refused (a refusal keeps its access-log row; refused writes happen in a
/// savepoint or not at all), drops it on a database error.
pub async fn settle<T, E: Into<Error>>(
    txn: DatabaseTransaction,
    result: std::result::Result<T, E>,
) -> Result<T> {
    match result.map_err(Into::into) {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(Error::Refused(refusal)) => {
            txn.commit().await?;
            Err(Error::Refused(refusal))
        }
        Err(other) => Err(other),
    }
}
