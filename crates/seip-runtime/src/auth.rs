//! Who is calling, and what they may do.
//!
//! People present a signed token (`authorization: Bearer …`): a JWT signed with EdDSA
//! (Ed25519) or ES256, verified against the public keys of a JWKS, as an OIDC provider
//! publishes them. Its claims name the subject, the municipalities they may act for
//! (`tenants`) and their roles (`roles`). Each service writes down, in one [`Policy`], which
//! roles may call each of its RPCs; a [`Guard`] in front of the service admits a call only
//! when the token verifies and one of the caller's roles is listed for the method, and puts
//! the caller's [`Identity`] on the request. The adapter then checks that the municipality
//! the request names is one of the caller's ([`Identity::tenant`]), and takes the actor of
//! any audit record from the identity, never from the request.
//!
//! A method missing from its service's policy is refused (the table is fail-closed), and a
//! role no version of Seip knows grants nothing. Health and reflection stay open: they are
//! not behind a guard.
//!
//! For development and tests, [`Issuer`] makes a key pair and signs tokens with it; the
//! embedded default keeps one in its data directory (`seip token issue` uses it).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use seip_core::TenantCode;
use serde::{Deserialize, Serialize};
use tonic::Code;
use tonic::server::NamedService;

use crate::error::{AppError, ServiceError};

/// A role: what a person does in the revenue office. Roles are granted by the identity
/// provider; each service's [`Policy`] says which may call what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads bills, receivables, arrears and reports; changes nothing.
    Viewer,
    /// 부과 담당: registers taxpayers and vehicles, levies.
    Assessor,
    /// 징수 담당: closes due dates, assigns suspense, resolves reconciliation exceptions.
    Collector,
    /// 체납 담당: pursues arrears.
    EnforcementOfficer,
    /// 팀장·과장: approves what moves money by hand (four eyes).
    Supervisor,
    /// 감사: reads everything, including the audit trail; changes nothing.
    Auditor,
    /// The treasury bank's integration (금고은행): the only identity that may upload
    /// treasury files and deposit statements.
    TreasuryBank,
    /// 현장 징수반: field work of enforcement (plate impoundment).
    FieldCrew,
}

seip_core::stored_names!(Role {
    Viewer => "viewer",
    Assessor => "assessor",
    Collector => "collector",
    EnforcementOfficer => "enforcement_officer",
    Supervisor => "supervisor",
    Auditor => "auditor",
    TreasuryBank => "treasury_bank",
    FieldCrew => "field_crew",
});

/// The revenue office's readers of the books (bills, receivables, arrears, money held):
/// everyone but the bank's integration and the field crew.
pub const OFFICE_READERS: &[Role] = &[
    Role::Viewer,
    Role::Assessor,
    Role::Collector,
    Role::EnforcementOfficer,
    Role::Supervisor,
    Role::Auditor,
];

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Who (the token's `sub`): the actor of every audit record the call writes.
    pub subject: String,
    /// The municipalities they may act for.
    pub tenants: BTreeSet<TenantCode>,
    /// Their roles that Seip knows (others grant nothing).
    pub roles: BTreeSet<Role>,
}

impl Identity {
    /// The municipality `code` names, when the caller may act for it.
    pub fn tenant(&self, code: &str) -> Result<TenantCode, AppError> {
        let tenant = crate::convert::tenant(code)?;
        if self.tenants.contains(&tenant) {
            Ok(tenant)
        } else {
            Err(AuthError::TenantNotGranted {
                subject: self.subject.clone(),
                tenant,
            }
            .into())
        }
    }

    /// Whether the caller has `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Why a call was refused before it reached the service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No bearer token.
    #[error("this call needs a bearer token (authorization: Bearer …)")]
    NoToken,
    /// The token does not verify, or has expired, or is for someone else.
    #[error("the bearer token is not valid: {0}")]
    BadToken(String),
    /// The method is in no role's table: nobody may call it.
    #[error("{0} is not open to any role")]
    MethodNotListed(String),
    /// None of the caller's roles may call the method.
    #[error("{subject} may not call {method}: it needs one of the roles {needed}")]
    RoleNotGranted {
        /// Who.
        subject: String,
        /// The method.
        method: String,
        /// The roles that may.
        needed: String,
    },
    /// The caller may not act for the municipality the request names.
    #[error("{subject} may not act for municipality {tenant}")]
    TenantNotGranted {
        /// Who.
        subject: String,
        /// The municipality.
        tenant: TenantCode,
    },
    /// The call reached a method behind no guard (a wiring mistake).
    #[error("no verified caller on this call")]
    NoCaller,
}

impl ServiceError for AuthError {
    fn code(&self) -> Code {
        match self {
            Self::NoToken | Self::BadToken(_) => Code::Unauthenticated,
            Self::MethodNotListed(_)
            | Self::RoleNotGranted { .. }
            | Self::TenantNotGranted { .. } => Code::PermissionDenied,
            Self::NoCaller => Code::Internal,
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            Self::NoToken => "TOKEN_MISSING",
            Self::BadToken(_) => "TOKEN_INVALID",
            Self::MethodNotListed(_) => "METHOD_NOT_LISTED",
            Self::RoleNotGranted { .. } => "ROLE_NOT_GRANTED",
            Self::TenantNotGranted { .. } => "TENANT_NOT_GRANTED",
            Self::NoCaller => "NO_CALLER",
        }
    }
}

/// A call that ran past its server deadline.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{method} did not finish within its deadline of {} s on the server; nothing it had not committed was kept, and a retry with the same idempotency key is safe", .limit.as_secs())]
pub struct DeadlinePassed {
    /// The method.
    pub method: String,
    /// Its deadline.
    pub limit: Duration,
}

impl ServiceError for DeadlinePassed {
    fn code(&self) -> Code {
        Code::DeadlineExceeded
    }

    fn reason(&self) -> &'static str {
        "SERVER_DEADLINE_PASSED"
    }
}

/// The verified caller of `request` (put there by its service's [`Guard`]).
pub fn caller<T>(request: &tonic::Request<T>) -> Result<Identity, AppError> {
    request
        .extensions()
        .get::<Identity>()
        .cloned()
        .ok_or_else(|| AuthError::NoCaller.into())
}

/// Which roles may call each RPC of one gRPC service: the one table of who may do what.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// The service's full name, e.g. `seip.collection.v1.CollectionService`.
    pub service: &'static str,
    /// Each method and the roles that may call it.
    pub methods: &'static [(&'static str, &'static [Role])],
    /// Methods whose deadline is not [`DEFAULT_DEADLINE`]: a longer one, or none for a
    /// client stream bounded by its own idle timeout.
    pub deadlines: &'static [(&'static str, Option<Duration>)],
}

/// How long a call may run on the server unless its policy says otherwise; the caller's own
/// `grpc-timeout`, when shorter, applies too. A call past it is cancelled (its transaction
/// rolls back) and answered `DEADLINE_EXCEEDED`.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

impl Policy {
    /// The server's deadline for `method`.
    pub fn deadline(&self, method: &str) -> Option<Duration> {
        self.deadlines
            .iter()
            .find(|(m, _)| *m == method)
            .map_or(Some(DEFAULT_DEADLINE), |(_, d)| *d)
    }

    /// The roles that may call `method`; none when it is not listed.
    pub fn roles_for(&self, method: &str) -> Option<&'static [Role]> {
        self.methods
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, roles)| *roles)
    }
}

/// The claims Seip reads from a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: who.
    pub sub: String,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at.
    pub iat: i64,
    /// The municipalities (5-digit codes) the subject may act for.
    #[serde(default)]
    pub tenants: Vec<String>,
    /// The subject's roles.
    #[serde(default)]
    pub roles: Vec<String>,
}

/// Verifies bearer tokens against the keys of a JWKS.
#[derive(Clone)]
pub struct Verifier {
    keys: Arc<Vec<(Option<String>, Algorithm, DecodingKey)>>,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys.len())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

/// The algorithm a JWK is for, when Seip accepts it: Ed25519 (EdDSA) or P-256 (ES256).
/// Anything else, and a key whose length is wrong, is refused when the JWKS is read.
fn accepted(jwk: &Jwk) -> anyhow::Result<(Algorithm, DecodingKey)> {
    let key_bytes = |x: &str, what: &str| -> anyhow::Result<()> {
        let raw = URL_SAFE_NO_PAD
            .decode(x)
            .map_err(|e| anyhow::anyhow!("JWKS: {what} is not base64url: {e}"))?;
        // jsonwebtoken slices the first 32 bytes of an Ed25519 key without checking its
        // length, and panics on a short one: check it here.
        anyhow::ensure!(
            raw.len() == 32,
            "JWKS: {what} must be 32 bytes, not {}",
            raw.len()
        );
        Ok(())
    };
    match (&jwk.algorithm, jwk.common.key_algorithm) {
        (AlgorithmParameters::OctetKeyPair(p), None | Some(KeyAlgorithm::EdDSA))
            if p.curve == EllipticCurve::Ed25519 =>
        {
            key_bytes(&p.x, "an Ed25519 key's x")?;
            Ok((Algorithm::EdDSA, DecodingKey::from_jwk(jwk)?))
        }
        (AlgorithmParameters::EllipticCurve(p), None | Some(KeyAlgorithm::ES256))
            if p.curve == EllipticCurve::P256 =>
        {
            key_bytes(&p.x, "a P-256 key's x")?;
            key_bytes(&p.y, "a P-256 key's y")?;
            Ok((Algorithm::ES256, DecodingKey::from_jwk(jwk)?))
        }
        _ => anyhow::bail!(
            "JWKS: key {:?} is neither Ed25519 (EdDSA) nor P-256 (ES256); Seip accepts only those",
            jwk.common.key_id
        ),
    }
}

impl Verifier {
    /// A verifier of tokens from `issuer` for `audience`, signed by a key of `jwks` (JSON).
    pub fn from_jwks(jwks: &str, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let set: JwkSet =
            serde_json::from_str(jwks).map_err(|e| anyhow::anyhow!("JWKS does not read: {e}"))?;
        anyhow::ensure!(!set.keys.is_empty(), "JWKS has no key");
        let keys = set
            .keys
            .iter()
            .map(|k| accepted(k).map(|(alg, key)| (k.common.key_id.clone(), alg, key)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self {
            keys: Arc::new(keys),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    /// A verifier from a JWKS file.
    pub fn from_jwks_file(path: &Path, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("JWKS file {}: {e}", path.display()))?;
        Self::from_jwks(&text, issuer, audience)
    }

    /// The identity `token` carries, when it verifies: signed by one of the keys (the one its
    /// `kid` names, if it names one) with that key's algorithm, from the issuer, for the
    /// audience, not expired.
    pub fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let bad = |e: &dyn std::fmt::Display| AuthError::BadToken(e.to_string());
        let header = jsonwebtoken::decode_header(token).map_err(|e| bad(&e))?;
        let (_, alg, key) = self
            .keys
            .iter()
            .find(|(kid, alg, _)| {
                *alg == header.alg && (header.kid.is_none() || header.kid == *kid)
            })
            .ok_or_else(|| bad(&"no key of the JWKS matches its kid and algorithm"))?;
        let mut validation = Validation::new(*alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|e| bad(&e))?
            .claims;
        let tenants = claims
            .tenants
            .iter()
            .map(|t| TenantCode::parse_field(t, "tenants"))
            .collect::<Result<_, _>>()
            .map_err(|e| bad(&e))?;
        let roles = claims
            .roles
            .iter()
            .filter_map(|r| r.parse::<Role>().ok())
            .collect();
        Ok(Identity {
            subject: claims.sub,
            tenants,
            roles,
        })
    }

    /// Admit a call to `path` (`/package.Service/Method`) of the service `policy` governs,
    /// carrying `headers`: the caller's identity, or why not.
    pub fn admit(
        &self,
        policy: &Policy,
        path: &str,
        headers: &http::HeaderMap,
    ) -> Result<Identity, AuthError> {
        let method = path.rsplit('/').next().unwrap_or_default();
        let roles = policy
            .roles_for(method)
            .ok_or_else(|| AuthError::MethodNotListed(path.to_owned()))?;
        let token = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(AuthError::NoToken)?;
        let who = self.verify(token.trim())?;
        if roles.iter().any(|r| who.has(*r)) {
            Ok(who)
        } else {
            Err(AuthError::RoleNotGranted {
                subject: who.subject,
                method: method.to_owned(),
                needed: roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
    }
}

/// Signs tokens: the development and test stand-in for an identity provider.
pub struct Issuer {
    kid: String,
    key: EncodingKey,
    public: Vec<u8>,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("kid", &self.kid)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl Issuer {
    /// A new Ed25519 key pair; returns the issuer and its private key (PKCS#8 DER) to keep.
    pub fn generate(issuer: &str, audience: &str) -> anyhow::Result<(Self, Vec<u8>)> {
        let pkcs8 =
            ring::signature::Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
                .map_err(|_| anyhow::anyhow!("cannot generate an Ed25519 key"))?;
        let der = pkcs8.as_ref().to_vec();
        Ok((Self::from_pkcs8(&der, issuer, audience)?, der))
    }

    /// The issuer of a kept private key (PKCS#8 DER).
    pub fn from_pkcs8(der: &[u8], issuer: &str, audience: &str) -> anyhow::Result<Self> {
        use ring::signature::KeyPair as _;
        let pair = ring::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map_err(|e| anyhow::anyhow!("the signing key does not read: {e}"))?;
        let public = pair.public_key().as_ref().to_vec();
        let kid = crate::idempotency::hex(&<sha2::Sha256 as sha2::Digest>::digest(&public))[..16]
            .to_owned();
        Ok(Self {
            kid,
            key: EncodingKey::from_ed_der(der),
            public,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    /// The public key as a JWKS (JSON), for verifiers.
    pub fn jwks(&self) -> String {
        serde_json::json!({
            "keys": [{
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": "EdDSA",
                "use": "sig",
                "kid": self.kid,
                "x": URL_SAFE_NO_PAD.encode(&self.public),
            }]
        })
        .to_string()
    }

    /// A token for `subject`, acting for `tenants` with `roles`, valid for `ttl` from `now`.
    pub fn issue(
        &self,
        subject: &str,
        tenants: &[TenantCode],
        roles: &[Role],
        now: chrono::DateTime<chrono::Utc>,
        ttl: chrono::Duration,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            sub: subject.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            tenants: tenants.iter().map(ToString::to_string).collect(),
            roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, &self.key)?)
    }
}

/// A service behind a check of who calls it: each call must carry a token that `verifier`
/// accepts, from a caller whose roles `policy` lists for the method. Refused calls never
/// reach the service; admitted ones carry the caller's [`Identity`].
#[derive(Debug, Clone)]
pub struct Guard<S> {
    inner: S,
    policy: &'static Policy,
    verifier: Verifier,
}

impl<S> Guard<S> {
    /// `inner` behind `policy`, tokens checked by `verifier`.
    pub fn new(inner: S, policy: &'static Policy, verifier: Verifier) -> Self {
        Self {
            inner,
            policy,
            verifier,
        }
    }
}

impl<S: NamedService> NamedService for Guard<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, B> tower::Service<http::Request<B>> for Guard<S>
where
    S: tower::Service<
            http::Request<B>,
            Response = http::Response<tonic::body::Body>,
            Error = std::convert::Infallible,
        >,
    S::Future: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = futures::future::BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let method = req
            .uri()
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        match self
            .verifier
            .admit(self.policy, req.uri().path(), req.headers())
        {
            Ok(who) => {
                tracing::debug!(path = %req.uri().path(), subject = %who.subject, "call admitted");
                req.extensions_mut().insert(who);
                let call = self.inner.call(req);
                match self.policy.deadline(&method) {
                    None => Box::pin(call),
                    Some(limit) => Box::pin(async move {
                        match tokio::time::timeout(limit, call).await {
                            Ok(answer) => answer,
                            Err(_) => {
                                let e = DeadlinePassed { method, limit };
                                tracing::warn!(error = %e, "call cancelled");
                                let status: tonic::Status = AppError::from(e).into();
                                Ok(status.into_http())
                            }
                        }
                    }),
                }
            }
            Err(e) => {
                tracing::info!(path = %req.uri().path(), error = %e, "call refused");
                let status: tonic::Status = AppError::from(e).into();
                Box::pin(std::future::ready(Ok(status.into_http())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy {
        service: "seip.test.v1.TestService",
        methods: &[
            ("Read", &[Role::Viewer, Role::Collector]),
            ("Upload", &[Role::TreasuryBank]),
        ],
        deadlines: &[("Upload", None), ("Read", Some(Duration::from_millis(50)))],
    };

    /// A call that outlives its deadline is cancelled and answered DEADLINE_EXCEEDED; a
    /// method without one runs as long as it takes.
    #[tokio::test]
    async fn a_call_past_its_deadline_is_cancelled() {
        use tower::ServiceExt as _;
        let (issuer, _) = Issuer::generate("https://id.seip.test", "seip").unwrap();
        let v = Verifier::from_jwks(&issuer.jwks(), "https://id.seip.test", "seip").unwrap();
        let token = issuer
            .issue(
                "kim.clerk",
                &[tenant("11110")],
                &[Role::Collector, Role::TreasuryBank],
                now(),
                chrono::Duration::minutes(5),
            )
            .unwrap();
        let slow = tower::service_fn(|_req: http::Request<()>| async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok::<_, std::convert::Infallible>(http::Response::new(tonic::body::Body::empty()))
        });
        let call = |method: &str| {
            let mut req = http::Request::new(());
            *req.uri_mut() = format!("/seip.test.v1.TestService/{method}")
                .parse()
                .unwrap();
            *req.headers_mut() = bearer(&token);
            Guard::new(slow, &POLICY, v.clone()).oneshot(req)
        };
        let answer = call("Read").await.unwrap();
        let status = tonic::Status::from_header_map(answer.headers()).unwrap();
        assert_eq!(status.code(), Code::DeadlineExceeded);
        assert!(status.message().contains("Read"), "{}", status.message());
        let answer = call("Upload").await.unwrap();
        assert!(tonic::Status::from_header_map(answer.headers()).is_none());
    }

    fn tenant(s: &str) -> TenantCode {
        TenantCode::parse_field(s, "t").unwrap()
    }

    fn bearer(token: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        h
    }

    fn now() -> chrono::DateTime<chrono::Utc> {
        seip_core::Clock::system().now()
    }

    #[test]
    fn a_token_admits_its_roles_for_its_tenants_and_nothing_else() {
        let (issuer, _) = Issuer::generate("https://id.seip.test", "seip").unwrap();
        let v = Verifier::from_jwks(&issuer.jwks(), "https://id.seip.test", "seip").unwrap();
        let token = issuer
            .issue(
                "kim.clerk",
                &[tenant("11110")],
                &[Role::Collector],
                now(),
                chrono::Duration::minutes(5),
            )
            .unwrap();
        let who = v
            .admit(&POLICY, "/seip.test.v1.TestService/Read", &bearer(&token))
            .unwrap();
        assert_eq!(who.subject, "kim.clerk");
        assert_eq!(who.tenant("11110").unwrap(), tenant("11110"));
        let e = who.tenant("26110").unwrap_err();
        assert_eq!(e.reason(), "TENANT_NOT_GRANTED");
        let e = v
            .admit(&POLICY, "/seip.test.v1.TestService/Upload", &bearer(&token))
            .unwrap_err();
        assert!(matches!(e, AuthError::RoleNotGranted { .. }), "{e}");
        assert!(e.to_string().contains("treasury_bank"), "{e}");
        let e = v
            .admit(&POLICY, "/seip.test.v1.TestService/Delete", &bearer(&token))
            .unwrap_err();
        assert_eq!(
            e,
            AuthError::MethodNotListed("/seip.test.v1.TestService/Delete".into())
        );
        let e = v
            .admit(
                &POLICY,
                "/seip.test.v1.TestService/Read",
                &http::HeaderMap::new(),
            )
            .unwrap_err();
        assert_eq!(e, AuthError::NoToken);
    }

    #[test]
    fn forged_expired_and_foreign_tokens_are_refused() {
        let (issuer, _) = Issuer::generate("https://id.seip.test", "seip").unwrap();
        let (other, _) = Issuer::generate("https://id.seip.test", "seip").unwrap();
        let v = Verifier::from_jwks(&issuer.jwks(), "https://id.seip.test", "seip").unwrap();
        let roles = [Role::Viewer];
        let t = [tenant("11110")];
        let five = chrono::Duration::minutes(5);
        let refused = |token: &str| {
            let e = v.verify(token).unwrap_err();
            assert!(matches!(e, AuthError::BadToken(_)), "{e}");
            assert_eq!(e.code(), Code::Unauthenticated);
        };
        // Signed by another key.
        refused(&other.issue("x", &t, &roles, now(), five).unwrap());
        // Expired an hour ago.
        refused(
            &issuer
                .issue("x", &t, &roles, now() - chrono::Duration::hours(2), five)
                .unwrap(),
        );
        // For another audience, from another issuer.
        let (elsewhere, der) = Issuer::generate("https://id.seip.test", "other").unwrap();
        let v2 = Verifier::from_jwks(&elsewhere.jwks(), "https://id.seip.test", "seip").unwrap();
        assert!(
            v2.verify(&elsewhere.issue("x", &t, &roles, now(), five).unwrap())
                .is_err()
        );
        let foreign = Issuer::from_pkcs8(&der, "https://evil.test", "seip").unwrap();
        let v3 = Verifier::from_jwks(&foreign.jwks(), "https://id.seip.test", "seip").unwrap();
        assert!(
            v3.verify(&foreign.issue("x", &t, &roles, now(), five).unwrap())
                .is_err()
        );
        // Unsigned ("alg": "none"), and a token whose payload was changed after signing.
        let good = issuer.issue("x", &t, &roles, now(), five).unwrap();
        let parts: Vec<&str> = good.split('.').collect();
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        refused(&none);
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        claims["roles"] = serde_json::json!(["supervisor"]);
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            parts[2]
        );
        refused(&tampered);
        refused("not a token");
    }

    #[test]
    fn unknown_roles_grant_nothing_and_bad_keys_are_refused_when_read() {
        let (issuer, _) = Issuer::generate("i", "a").unwrap();
        let v = Verifier::from_jwks(&issuer.jwks(), "i", "a").unwrap();
        let token = {
            let claims = Claims {
                sub: "x".into(),
                iss: "i".into(),
                aud: "a".into(),
                iat: now().timestamp(),
                exp: now().timestamp() + 300,
                tenants: vec!["11110".into()],
                roles: vec!["root".into(), "viewer".into()],
            };
            let mut h = Header::new(Algorithm::EdDSA);
            h.kid = Some(issuer.kid.clone());
            jsonwebtoken::encode(&h, &claims, &issuer.key).unwrap()
        };
        let who = v.verify(&token).unwrap();
        assert_eq!(who.roles, BTreeSet::from([Role::Viewer]));
        // A short Ed25519 key, an RSA key, and an empty set.
        let short = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA"}]}"#;
        assert!(
            Verifier::from_jwks(short, "i", "a")
                .unwrap_err()
                .to_string()
                .contains("32 bytes")
        );
        let rsa = r#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}"#;
        assert!(Verifier::from_jwks(rsa, "i", "a").is_err());
        assert!(Verifier::from_jwks(r#"{"keys":[]}"#, "i", "a").is_err());
    }
}
