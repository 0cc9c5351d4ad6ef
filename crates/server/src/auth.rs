//! Who is calling: the one place a request becomes an [`Actor`]. Accounts and sessions come
//! later (SPEC §3 sign-in); they will be read here, and every handler that takes a [`Caller`]
//! gets them without changing.

use crate::error::ApiError;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::SocketAddr;
use techmarket_domain::Actor;

/// The caller of a request, as recorded in the audit trail.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
}

impl Caller {
    /// Whether the caller may see the contacts of people unmasked (SPEC §1: masked for
    /// visitors). Everyone is a visitor until accounts exist.
    pub fn sees_contacts(&self) -> bool {
        false
    }

    /// Whether the caller may see the network addresses in the audit trail.
    pub fn sees_addresses(&self) -> bool {
        false
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        // The socket's address, not X-Forwarded-For: a header is whatever the client says.
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(Caller {
            actor: Actor {
                name: "api:anonymous".to_string(),
                address,
            },
        })
    }
}
