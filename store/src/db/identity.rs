//! Queries for centres, accounts, invites, passkeys, sessions and passkey
//! ceremonies. Functions that take a transaction are steps of a larger
//! atomic operation; the others stand alone.

use chrono::{DateTime, Utc};
use friskliv_domain::{AccountRole, CentreName, MunicipalityNumber};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, Statement, TransactionTrait,
};
use uuid::Uuid;

use super::entities::{account, centre, invite, passkey, session, webauthn_ceremony};

pub async fn create_centre(
    db: &impl ConnectionTrait,
    name: &CentreName,
    municipality: &MunicipalityNumber,
    now: DateTime<Utc>,
) -> Result<centre::Model, DbErr> {
    centre::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.as_str().to_owned()),
        municipality_number: Set(municipality.as_str().to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn find_centre(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<centre::Model>, DbErr> {
    centre::Entity::find_by_id(id).one(db).await
}

pub async fn find_account(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<account::Model>, DbErr> {
    account::Entity::find_by_id(id).one(db).await
}

pub struct NewInvite {
    pub code_hash: String,
    pub centre_id: Uuid,
    pub role: AccountRole,
    pub recovery_for_account_id: Option<Uuid>,
    pub created_by_account_id: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
}

pub async fn create_invite(
    db: &impl ConnectionTrait,
    new: NewInvite,
    now: DateTime<Utc>,
) -> Result<invite::Model, DbErr> {
    invite::ActiveModel {
        id: Set(Uuid::now_v7()),
        code_hash: Set(new.code_hash),
        centre_id: Set(new.centre_id),
        role: Set(new.role.as_str().to_owned()),
        recovery_for_account_id: Set(new.recovery_for_account_id),
        created_by_account_id: Set(new.created_by_account_id),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        used_at: Set(None),
        used_by_account_id: Set(None),
    }
    .insert(db)
    .await
}

/// Why an invite code cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteRefusal {
    Unknown,
    Expired,
    Used,
}

pub async fn find_usable_invite(
    db: &impl ConnectionTrait,
    code_hash: &str,
    now: DateTime<Utc>,
) -> Result<Result<invite::Model, InviteRefusal>, DbErr> {
    let found = invite::Entity::find()
        .filter(invite::Column::CodeHash.eq(code_hash))
        .one(db)
        .await?;
    Ok(match found {
        None => Err(InviteRefusal::Unknown),
        Some(invite) if invite.used_at.is_some() => Err(InviteRefusal::Used),
        Some(invite) if invite.expires_at <= now => Err(InviteRefusal::Expired),
        Some(invite) => Ok(invite),
    })
}

/// Marks an invite used, atomically: of two concurrent registrations with
/// one code, exactly one gets `true`.
pub async fn consume_invite(
    db: &impl ConnectionTrait,
    invite_id: Uuid,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = invite::Entity::update_many()
        .col_expr(invite::Column::UsedAt, Expr::value(now))
        .col_expr(invite::Column::UsedByAccountId, Expr::value(account_id))
        .filter(invite::Column::Id.eq(invite_id))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn create_account(
    db: &impl ConnectionTrait,
    id: Uuid,
    role: AccountRole,
    centre_id: Uuid,
    display_name: &str,
    now: DateTime<Utc>,
) -> Result<account::Model, DbErr> {
    account::ActiveModel {
        id: Set(id),
        role: Set(role.as_str().to_owned()),
        centre_id: Set(Some(centre_id)),
        display_name: Set(display_name.to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

// ---- passkey ceremonies -------------------------------------------------

pub const CEREMONY_REGISTRATION: &str = "registration";
pub const CEREMONY_AUTHENTICATION: &str = "authentication";
/// A passkey confirmation before erasing the account.
pub const CEREMONY_ERASURE: &str = "erasure";

pub async fn save_ceremony(
    db: &impl ConnectionTrait,
    ceremony: webauthn_ceremony::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // Expired ceremonies are swept here rather than by a timer: starting one
    // is the only thing that makes more of them.
    webauthn_ceremony::Entity::delete_many()
        .filter(webauthn_ceremony::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    webauthn_ceremony::ActiveModel::from(ceremony)
        .insert(db)
        .await?;
    Ok(())
}

/// Takes a started ceremony out of the store: it can be finished once.
/// `None` if it does not exist, is of another kind, expired, or was taken.
pub async fn take_ceremony(
    db: &impl ConnectionTrait,
    id: Uuid,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<Option<webauthn_ceremony::Model>, DbErr> {
    let Some(found) = webauthn_ceremony::Entity::find_by_id(id)
        .filter(webauthn_ceremony::Column::Kind.eq(kind))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let deleted = webauthn_ceremony::Entity::delete_many()
        .filter(webauthn_ceremony::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok((deleted.rows_affected == 1 && found.expires_at > now).then_some(found))
}

// ---- passkeys -----------------------------------------------------------

pub struct NewPasskey {
    pub account_id: Uuid,
    pub credential_id: String,
    pub name: String,
    pub credential: String,
}

/// `Ok(None)` if the credential is already registered (to any account).
pub async fn add_passkey(
    db: &impl ConnectionTrait,
    new: NewPasskey,
    now: DateTime<Utc>,
) -> Result<Option<passkey::Model>, DbErr> {
    let exists = passkey::Entity::find()
        .filter(passkey::Column::CredentialId.eq(new.credential_id.as_str()))
        .count(db)
        .await?;
    if exists > 0 {
        return Ok(None);
    }
    passkey::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(new.account_id),
        credential_id: Set(new.credential_id),
        name: Set(new.name),
        credential: Set(new.credential),
        created_at: Set(now),
        last_used_at: Set(None),
    }
    .insert(db)
    .await
    .map(Some)
}

pub async fn passkeys_of(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> Result<Vec<passkey::Model>, DbErr> {
    passkey::Entity::find()
        .filter(passkey::Column::AccountId.eq(account_id))
        .order_by_asc(passkey::Column::CreatedAt)
        .order_by_asc(passkey::Column::Id)
        .all(db)
        .await
}

pub async fn find_passkey_by_credential(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    credential_id: &str,
) -> Result<Option<passkey::Model>, DbErr> {
    passkey::Entity::find()
        .filter(passkey::Column::CredentialId.eq(credential_id))
        .filter(passkey::Column::AccountId.eq(account_id))
        .one(db)
        .await
}

pub async fn record_passkey_use(
    db: &impl ConnectionTrait,
    passkey_id: Uuid,
    updated_credential: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut update = passkey::Entity::update_many()
        .col_expr(passkey::Column::LastUsedAt, Expr::value(now))
        .filter(passkey::Column::Id.eq(passkey_id));
    if let Some(credential) = updated_credential {
        update = update.col_expr(passkey::Column::Credential, Expr::value(credential));
    }
    update.exec(db).await?;
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
pub enum PasskeyRemoval {
    Removed,
    NotFound,
    LastPasskey,
}

/// Removes one of an account's passkeys, never its last one. The check and
/// the delete are one statement; on PostgreSQL the account row is locked
/// first so two concurrent removals cannot each leave the other's last.
pub async fn remove_passkey(
    db: &DatabaseConnection,
    account_id: Uuid,
    passkey_id: Uuid,
) -> Result<PasskeyRemoval, DbErr> {
    let txn = db.begin().await?;
    let backend = txn.get_database_backend();
    if backend == DatabaseBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT id FROM accounts WHERE id = $1 FOR UPDATE",
            [account_id.into()],
        ))
        .await?;
    }
    // `$n` placeholders are understood by SQLite too (as numbered parameters).
    let deleted = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "DELETE FROM passkeys WHERE id = $1 AND account_id = $2 \
             AND (SELECT COUNT(*) FROM passkeys WHERE account_id = $2) > 1",
            [passkey_id.into(), account_id.into()],
        ))
        .await?;
    if deleted.rows_affected() == 1 {
        txn.commit().await?;
        return Ok(PasskeyRemoval::Removed);
    }
    let owned = passkey::Entity::find_by_id(passkey_id)
        .filter(passkey::Column::AccountId.eq(account_id))
        .count(&txn)
        .await?;
    txn.rollback().await?;
    Ok(if owned == 0 {
        PasskeyRemoval::NotFound
    } else {
        PasskeyRemoval::LastPasskey
    })
}

// ---- sessions -----------------------------------------------------------

pub async fn create_session(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    token_hash: String,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<session::Model, DbErr> {
    session::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(token_hash),
        account_id: Set(account_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    }
    .insert(db)
    .await
}

/// The live session for a token hash, with its account.
pub async fn live_session(
    db: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(session::Model, account::Model)>, DbErr> {
    let Some(session) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let account = find_account(db, session.account_id).await?;
    Ok(account.map(|account| (session, account)))
}

pub async fn extend_session(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::ExpiresAt, Expr::value(expires_at))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

pub async fn revoke_session(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes every live session of an account; returns how many.
pub async fn revoke_sessions_of(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::AccountId.eq(account_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// A security event on an account (`account_audit`).
pub async fn audit(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    actor_account_id: Option<Uuid>,
    action: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    super::entities::account_audit::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account_id),
        actor_account_id: Set(actor_account_id),
        action: Set(action.to_owned()),
        detail: Set(detail.to_string()),
        at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// An account's security events, oldest first.
pub async fn audit_of(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> Result<Vec<super::entities::account_audit::Model>, DbErr> {
    use sea_orm::QueryOrder;
    super::entities::account_audit::Entity::find()
        .filter(super::entities::account_audit::Column::AccountId.eq(account_id))
        .order_by_asc(super::entities::account_audit::Column::Id)
        .all(db)
        .await
}

pub async fn find_invite(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<invite::Model>, DbErr> {
    invite::Entity::find_by_id(id).one(db).await
}

/// Erases an account and, through the foreign keys, everything that is
/// theirs: passkeys, sessions, diaries, change sequence.
pub async fn delete_account(db: &impl ConnectionTrait, account_id: Uuid) -> Result<bool, DbErr> {
    let result = account::Entity::delete_by_id(account_id).exec(db).await?;
    Ok(result.rows_affected == 1)
}
