//! Responses that more than one route module answers with (a route module
//! never imports another).

use friskliv_store::sharing::ConsentView;
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;

#[derive(ApiResponse)]
pub enum OralConfirmed {
    /// The consent it became.
    #[oai(status = 201)]
    Created(Json<ConsentView>),
}
