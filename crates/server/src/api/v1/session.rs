//! `/api/v1/auth`: signing in and out (SPEC §3), the signed-in account, password change,
//! invitation and reset links, and API tokens for scripts.

use super::accounts::{AccountView, account_view};
use crate::AppState;
use crate::auth::{Caller, Via, clear_cookie, over_tls, session_cookie_header};
use crate::error::{ApiError, AuthErrors, ErrorCode, FieldProblem, PlainErrors};
use crate::extract::{ApiJson, RecordId};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use techmarket_domain::now_millis;
use techmarket_store::Secret;
use utoipa::ToSchema;
use uuid::Uuid;

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "admin")]
    pub username: String,
    pub password: String,
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// The session's secret: also set as the `techmarket_session` cookie (HttpOnly). Scripts
    /// send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// Send it back as `X-CSRF-Token` with every POST, PUT and DELETE made with the cookie.
    pub csrf_token: String,
    /// When the session ends at the latest (ms since the epoch); it ends sooner when idle.
    pub expires_at: Option<i64>,
    pub account: AccountView,
}

/// Signs in: sets the session cookie and returns the session's token. After 5 failed attempts
/// for a username within 15 minutes, sign-in under it is locked for 15 minutes (429 with
/// `Retry-After`). The answer never says whether the username exists.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth", operation_id = "auth_login",
    request_body = LoginRequest,
    responses((status = 200, description = "Signed in", body = LoginResponse), AuthErrors)
)]
pub async fn login(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let signed = state
        .accounts()
        .sign_in(&req.username, &req.password, caller.actor.address.clone())
        .await?;
    let max_age = signed
        .session
        .expires_at
        .map_or(12 * 3600, |t| (t - now_millis()) / 1000);
    let secure = over_tls(&headers, state.https());
    let body = LoginResponse {
        csrf_token: signed.session.csrf.clone().unwrap_or_default(),
        expires_at: signed.session.expires_at,
        account: account_view(&signed.account, true),
        token: signed.secret.clone(),
    };
    let mut res = Json(body).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie_header(&signed.secret, max_age, secure)?,
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("ASCII"));
    Ok(res)
}

/// Signs out: ends the session (cookie or bearer) and removes the cookie. Always 204.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth", operation_id = "auth_logout",
    responses((status = 204, description = "Signed out"), PlainErrors)
)]
pub async fn logout(State(state): State<AppState>, caller: Caller, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(secret) = &caller.presented
        && caller.secret.as_ref().is_some_and(crate::auth::is_session)
    {
        state.accounts().sign_out(secret).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(over_tls(&headers, state.https())));
    Ok(res)
}

/// The signed-in account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub account: AccountView,
    /// The session's CSRF token (null when signed in by an API token).
    pub csrf_token: Option<String>,
    /// `cookie` or `bearer`.
    pub via: String,
}

/// Who am I: the account signed in, and the session's CSRF token.
#[utoipa::path(
    get, path = "/api/v1/auth/me", tag = "auth", operation_id = "auth_me",
    responses((status = 200, description = "The signed-in account", body = Me), AuthErrors)
)]
pub async fn me(caller: Caller) -> Result<Json<Me>, ApiError> {
    let account = caller.require_account()?;
    Ok(Json(Me {
        account: account_view(account, true),
        csrf_token: caller.secret.as_ref().and_then(|s| s.csrf.clone()),
        via: match caller.via {
            Via::Cookie => "cookie",
            Via::Bearer => "bearer",
            Via::Nothing => "none",
        }
        .to_string(),
    }))
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 10 characters, letters with digits or symbols, not a common password.
    pub new_password: String,
}

/// Changes the signed-in account's password; every other session of the account ends.
#[utoipa::path(
    post, path = "/api/v1/auth/password", tag = "auth", operation_id = "auth_password",
    request_body = PasswordChange,
    responses((status = 204, description = "Changed"), AuthErrors)
)]
pub async fn password(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let account = caller.require_account()?;
    state
        .accounts()
        .change_password(
            &caller.actor,
            account.id,
            &req.current_password,
            &req.new_password,
            caller.presented.as_deref(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Setting a password through a one-time link (an invitation, or a reset by an administrator).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    /// The link's token (`tml_…`).
    pub token: String,
    pub password: String,
}

/// Sets the password with a one-time link; an invited account becomes active. Then sign in.
#[utoipa::path(
    post, path = "/api/v1/auth/setup", tag = "auth", operation_id = "auth_setup",
    request_body = SetupRequest,
    responses((status = 200, description = "Password set", body = AccountView), AuthErrors)
)]
pub async fn setup(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<SetupRequest>,
) -> Result<Json<AccountView>, ApiError> {
    let account = state
        .accounts()
        .complete_setup(req.token.trim(), &req.password, caller.actor.address.clone())
        .await?;
    Ok(Json(account_view(&account, true)))
}

/// An API token (never its secret, except once when created).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub label: Option<String>,
    /// The token's first characters, to recognise it.
    #[schema(example = "tmt_3fA9")]
    pub hint: Option<String>,
    pub created_at: i64,
    pub last_used_at: i64,
    pub revoked_at: Option<i64>,
}

fn token_view(s: &Secret) -> TokenView {
    TokenView {
        id: s.id,
        label: s.label.clone(),
        hint: s.hint.clone(),
        created_at: s.created_at,
        last_used_at: s.last_used_at,
        revoked_at: s.revoked_at,
    }
}

/// The signed-in account's API tokens, newest first.
#[utoipa::path(
    get, path = "/api/v1/auth/tokens", tag = "auth", operation_id = "auth_tokens_list",
    responses((status = 200, description = "Tokens", body = Vec<TokenView>), AuthErrors)
)]
pub async fn tokens(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<TokenView>>, ApiError> {
    let account = caller.require_account()?;
    let list = state.accounts().tokens(account.id).await?;
    Ok(Json(list.iter().map(token_view).collect()))
}

/// A new token's name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, e.g. `nightly import`.
    #[schema(example = "nightly import")]
    pub label: String,
}

/// A token just created: its secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// Send as `Authorization: Bearer <token>`. Not shown again.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenView,
}

/// Creates an API token carrying the account's role. The secret is in this answer only.
#[utoipa::path(
    post, path = "/api/v1/auth/tokens", tag = "auth", operation_id = "auth_tokens_create",
    request_body = NewToken,
    responses((status = 201, description = "Created", body = CreatedToken), AuthErrors)
)]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewToken>,
) -> Result<Response, ApiError> {
    let account = caller.require_account()?;
    let label = req.label.trim();
    if label.is_empty() || label.chars().count() > 60 {
        return Err(ApiError::validation([FieldProblem::new(
            "label",
            "label_length",
            "令牌名称应为 1 到 60 个字符",
            "label must be 1 to 60 characters long",
        )]));
    }
    let (secret, token) = state
        .accounts()
        .create_token(account.id, label, caller.actor.address.clone())
        .await?;
    let body = CreatedToken {
        token,
        info: token_view(&secret),
    };
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("ASCII"));
    Ok(res)
}

/// Revokes one of the signed-in account's API tokens; it stops working at once.
#[utoipa::path(
    delete, path = "/api/v1/auth/tokens/{id}", tag = "auth", operation_id = "auth_tokens_revoke",
    params(("id" = Uuid, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked"), AuthErrors)
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<StatusCode, ApiError> {
    let account = caller.require_account()?;
    if state.accounts().revoke_token(account.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(ErrorCode::TokenNotFound))
    }
}
