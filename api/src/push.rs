//! The reminder scheduler's sender: FCM HTTP v1 (`friskliv-push`) behind the
//! store's `PushSender`, built from the configuration at start so a bad
//! credentials file stops the server instead of failing the first send.

use std::sync::Arc;

use friskliv_push::{Delivery, FcmClient, FcmConfig, PushMessage};
use friskliv_store::jobs::reminders::{Delivered, Notification, PushSender, SendFuture};

use crate::config::Config;

pub struct FcmSender(FcmClient);

impl PushSender for FcmSender {
    fn send<'a>(&'a self, notification: &'a Notification) -> SendFuture<'a> {
        Box::pin(async move {
            let message = PushMessage {
                token: notification.token.clone(),
                title: notification.title.clone(),
                body: notification.body.clone(),
                data: notification.data.clone(),
            };
            match self.0.send(&message).await {
                Ok(Delivery::Sent { .. }) => Ok(Delivered::Sent),
                Ok(Delivery::TokenGone) => Ok(Delivered::TokenGone),
                Err(e) => Err(e.to_string()),
            }
        })
    }
}

/// The sender the configuration asks for: `None` (push off) without
/// `FRISKLIV_FCM_CREDENTIALS`, an error when the credentials are unusable.
pub fn sender(config: &Config) -> anyhow::Result<Option<Arc<dyn PushSender>>> {
    let Some(path) = &config.fcm_credentials else {
        return Ok(None);
    };
    let mut fcm = FcmConfig::new(path);
    fcm.token_url = config.fcm_token_url.clone();
    fcm.send_base_url = config.fcm_send_url.clone();
    fcm.android_channel_id = config.fcm_android_channel.clone();
    let client = FcmClient::new(fcm)
        .map_err(|e| anyhow::anyhow!("FRISKLIV_FCM_CREDENTIALS ({}): {e}", path.display()))?;
    tracing::info!(
        project = client.project_id(),
        "push reminders on (FCM HTTP v1)"
    );
    Ok(Some(Arc::new(FcmSender(client))))
}
