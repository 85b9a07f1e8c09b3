//! The participant's phones (push tokens) and reminder settings (issue 15).

use friskliv_domain::reminders::{DeviceInput, RemindersInput};
use friskliv_store::reminders::{DeviceView, RemindersView};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::auth::{BearerAuth, authenticate};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::IdParam;
use crate::state::AppState;

pub struct RemindersApi;

#[derive(ApiResponse)]
pub enum DevicePut {
    /// A new device: reminders go to it (the first one also gets the default reminders).
    #[oai(status = 201)]
    Registered(Json<DeviceView>),
    /// The device's token or details were replaced.
    #[oai(status = 200)]
    Updated(Json<DeviceView>),
}

#[derive(ApiResponse)]
pub enum DeviceRemoved {
    /// The device gets no more reminders.
    #[oai(status = 204)]
    Removed,
}

#[OpenApi(tag = "ApiTags::Me")]
impl RemindersApi {
    /// Register this phone's push token for reminders, or replace it
    ///
    /// `device_id` is the phone's own UUID. A token registered to another
    /// account moves to this one.
    #[oai(
        path = "/v1/me/devices/:device_id",
        method = "put",
        operation_id = "putMyDevice"
    )]
    async fn put_device(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        device_id: Path<IdParam>,
        body: JsonBody<DeviceInput>,
    ) -> ApiResult<DevicePut> {
        let principal = authenticate(&state, &auth).await?;
        let device_id = device_id.get("device_id")?;
        let device = body.0.parse().map_err(ApiError::validation_many)?;
        let (view, created) = state
            .store
            .put_device(&principal, device_id, device)
            .await?;
        Ok(if created {
            DevicePut::Registered(Json(view))
        } else {
            DevicePut::Updated(Json(view))
        })
    }

    /// My registered phones
    #[oai(
        path = "/v1/me/devices",
        method = "get",
        operation_id = "listMyDevices"
    )]
    async fn devices(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<Vec<DeviceView>>> {
        let principal = authenticate(&state, &auth).await?;
        Ok(Json(state.store.devices(&principal).await?))
    }

    /// Forget a phone (on signing out of it): no more reminders to it
    #[oai(
        path = "/v1/me/devices/:device_id",
        method = "delete",
        operation_id = "deleteMyDevice"
    )]
    async fn delete_device(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        device_id: Path<IdParam>,
    ) -> ApiResult<DeviceRemoved> {
        let principal = authenticate(&state, &auth).await?;
        let device_id = device_id.get("device_id")?;
        state.store.delete_device(&principal, device_id).await?;
        Ok(DeviceRemoved::Removed)
    }

    /// My reminder settings (the defaults until I or my first phone store some) and when each is next due
    #[oai(
        path = "/v1/me/reminders",
        method = "get",
        operation_id = "getMyReminders"
    )]
    async fn reminders(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<RemindersView>> {
        let principal = authenticate(&state, &auth).await?;
        Ok(Json(state.store.reminders(&principal).await?))
    }

    /// Replace my reminder settings: per diary and the weekly check-in, quiet hours, my time zone
    #[oai(
        path = "/v1/me/reminders",
        method = "put",
        operation_id = "putMyReminders"
    )]
    async fn put_reminders(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<RemindersInput>,
    ) -> ApiResult<Json<RemindersView>> {
        let principal = authenticate(&state, &auth).await?;
        let settings = body.0.parse().map_err(ApiError::validation_many)?;
        Ok(Json(state.store.put_reminders(&principal, settings).await?))
    }
}
