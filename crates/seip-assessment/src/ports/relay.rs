//! The mobile channels notices go out by: the certified e-document relay (공인전자문서중계자)
//! that delivers KakaoTalk AlimTalk messages matched to the recipient by an identity key, and
//! the SMS gateway for the failover. Each a port: [`NoticeRelay`] and [`SmsGateway`], with
//! [`SensClient`], the client of the providers' API (shaped on NAVER Cloud SENS, which relays
//! and gateways of this market follow), and [`RelaySimulator`], which speaks the same
//! protocol for tests and the demo (`seip sim relay`) and can be told who is reachable, who
//! reads, and when the provider is down.
//!
//! The protocol, JSON over HTTPS. Every request is signed: `x-ncp-apigw-timestamp` (epoch
//! milliseconds), `x-ncp-iam-access-key`, and `x-ncp-apigw-signature-v2`, the base64
//! HMAC-SHA256 under the secret key of `"{method} {path?query}\n{timestamp}\n{access key}"`.
//!
//! ```text
//! POST /alimtalk/v2/services/{serviceId}/messages
//!   {plusFriendId, templateCode, messages: [≤ 100 × {ci, content, buttons: [{type: "WL",
//!    name, linkMobile, linkPc}], useSmsFailover}]}
//!   → 202 {requestId, requestTime, statusCode: "202", statusName: "success",
//!          messages: [{messageId, requestStatusCode: "A000", requestStatusName, requestStatusDesc}]}
//! GET  /alimtalk/v2/services/{serviceId}/messages?requestId=…
//!   → {requestId, statusCode, statusName, messages: [{messageId, messageStatusName:
//!      processing | success | fail, messageStatusDesc, completeTime?, readTime?}]}
//! POST /sms/v2/services/{serviceId}/messages
//!   {type: "LMS", contentType: "COMM", countryCode: "82", from, subject, content,
//!    messages: [≤ 100 × {to}]}
//!   → 202 {requestId, requestTime, statusCode: "202", statusName: "success"}
//! GET  /sms/v2/services/{serviceId}/messages?requestId=…
//!   → {requestId, statusCode, statusName, messages: [{messageId, to, status: READY |
//!      PROCESSING | COMPLETED, statusName: success | fail, statusMessage, completeTime?}]}
//! ```
//!
//! A certified relay matches the recipient by `ci` — the connecting-information key derived
//! from the resident number, so no phone number or sign-up is needed — and reports when the
//! document was read (`readTime`). The simulator's own side, for tests and the demo:
//! `POST /_sim/recipients` `{ci, behaves: delivers | reads | unreachable}`, `POST /_sim/read`
//! `{ci}` (the recipient opens what they were sent), `POST /_sim/failing-numbers` `{number}`,
//! `POST /_sim/outage` `{requests}` (the next ones are answered 503).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The most messages one send request carries.
pub const MAX_MESSAGES: usize = 100;

/// A provider could not be reached, refused, or answered nonsense: try again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("message provider: {0}")]
pub struct RelayError(pub String);

/// A button of an AlimTalk message: a web link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Button {
    /// `WL`: a web link.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its label.
    pub name: String,
    /// Where it goes on a phone.
    pub link_mobile: String,
    /// Where it goes on a PC.
    pub link_pc: String,
}

/// One AlimTalk message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlimTalkMessage {
    /// The recipient's connecting-information key (CI); never a phone number.
    pub ci: String,
    /// The text, filled into the approved template.
    pub content: String,
    /// The link to the document.
    pub buttons: Vec<Button>,
    /// Always false: the failover goes through Seip's own SMS gateway, which knows the
    /// phone number the relay must not be given.
    pub use_sms_failover: bool,
}

/// A send request: up to [`MAX_MESSAGES`] messages of one approved template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlimTalkSend {
    /// The municipality's KakaoTalk channel (`@…`).
    pub plus_friend_id: String,
    /// The approved template's code.
    pub template_code: String,
    /// The messages.
    pub messages: Vec<AlimTalkMessage>,
}

/// What the provider took: the request id to look results up by, and a message id per
/// message in the order sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The provider's request id.
    pub request_id: String,
    /// The provider's message ids, in the order sent.
    pub message_ids: Vec<String>,
}

/// Where one message stands at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not yet known.
    Pending,
    /// Delivered at `at` (RFC 3339), and read at `read_at` where the channel tells.
    Delivered {
        /// When it was delivered.
        at: String,
        /// When it was read.
        read_at: Option<String>,
    },
    /// Not deliverable (no such recipient, blocked, no KakaoTalk), with the provider's words.
    Failed(String),
}

/// One message's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageResult {
    /// The provider's message id.
    pub message_id: String,
    /// Where it stands.
    pub outcome: Outcome,
}

/// An SMS/LMS send: one text to up to [`MAX_MESSAGES`] numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsSend {
    /// The municipality's registered sender number.
    pub from: String,
    /// The subject line (LMS).
    pub subject: String,
    /// The text.
    pub content: String,
    /// The numbers (PII: never logged).
    pub to: Vec<String>,
}

/// The certified relay's port.
#[tonic::async_trait]
pub trait NoticeRelay: Send + Sync + std::fmt::Debug + 'static {
    /// Send one request of messages.
    async fn send(&self, request: &AlimTalkSend) -> Result<Accepted, RelayError>;
    /// The results of request `request_id`.
    async fn results(&self, request_id: &str) -> Result<Vec<MessageResult>, RelayError>;
}

/// The SMS gateway's port.
#[tonic::async_trait]
pub trait SmsGateway: Send + Sync + std::fmt::Debug + 'static {
    /// Send one text to its numbers.
    async fn send_sms(&self, request: &SmsSend) -> Result<Accepted, RelayError>;
    /// The results of request `request_id`, by message id.
    async fn sms_results(&self, request_id: &str) -> Result<Vec<MessageResult>, RelayError>;
}

/// The key a certified relay matches a recipient by (their CI, connecting information):
/// derived from the resident number under the relay's matching secret, so no phone number
/// and no sign-up is needed, and the number itself never leaves Seip.
pub fn matching_key(secret: &[u8], resident_number: &str) -> String {
    let digits: String = resident_number
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(digits.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// `"{method} {uri}\n{timestamp}\n{access key}"` signed with the secret key, base64.
pub fn signature(
    secret: &str,
    method: &str,
    uri: &str,
    timestamp: &str,
    access_key: &str,
) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{method} {uri}\n{timestamp}\n{access_key}").as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendAnswer {
    request_id: String,
    #[serde(default)]
    request_time: String,
    status_code: String,
    status_name: String,
    #[serde(default)]
    messages: Vec<SentMessage>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SentMessage {
    message_id: String,
    request_status_code: String,
    request_status_name: String,
    request_status_desc: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResultsAnswer {
    request_id: String,
    status_code: String,
    status_name: String,
    messages: Vec<AlimTalkResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AlimTalkResult {
    message_id: String,
    message_status_name: String,
    #[serde(default)]
    message_status_desc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    complete_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    read_time: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SmsBody {
    #[serde(rename = "type")]
    kind: String,
    content_type: String,
    country_code: String,
    from: String,
    subject: String,
    content: String,
    messages: Vec<SmsTo>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SmsTo {
    to: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SmsResultsAnswer {
    request_id: String,
    status_code: String,
    status_name: String,
    messages: Vec<SmsResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SmsResult {
    message_id: String,
    to: String,
    status: String,
    status_name: String,
    #[serde(default)]
    status_message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    complete_time: Option<String>,
}

/// The client of the providers' API.
#[derive(Debug, Clone)]
pub struct SensClient {
    base: String,
    service_id: String,
    sms_service_id: String,
    access_key: String,
    secret_key: String,
    client: reqwest::Client,
}

impl SensClient {
    /// A client of the provider at `base` (`https://…`): the AlimTalk service `service_id`,
    /// the SMS service `sms_service_id`, signing with `access_key` and `secret_key`, trusting
    /// the CA certificates of `ca_pem` for HTTPS.
    pub fn new(
        base: &str,
        service_id: &str,
        sms_service_id: &str,
        access_key: &str,
        secret_key: &str,
        ca_pem: Option<&[u8]>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            service_id: service_id.to_owned(),
            sms_service_id: sms_service_id.to_owned(),
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
            client: seip_runtime::ports::https_client(ca_pem)?,
        })
    }

    /// Send a signed request for `uri` (path and query) and decode the JSON answer. A
    /// refusal is reported by its status alone: an answer may echo a recipient.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        uri: &str,
        body: Option<&(impl Serialize + Sync)>,
    ) -> Result<T, RelayError> {
        // The providers check the signature's time against their own wall clock (a few
        // minutes' skew at most), never the business day: the system clock, not the injected
        // one.
        let timestamp = seip_core::Clock::system()
            .now()
            .timestamp_millis()
            .to_string();
        let signed = signature(
            &self.secret_key,
            method.as_str(),
            uri,
            &timestamp,
            &self.access_key,
        );
        let mut request = self
            .client
            .request(method, format!("{}{uri}", self.base))
            .header("x-ncp-apigw-timestamp", &timestamp)
            .header("x-ncp-iam-access-key", &self.access_key)
            .header("x-ncp-apigw-signature-v2", signed);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| RelayError(e.without_url().to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(RelayError(format!("HTTP {status}")));
        }
        response
            .json::<T>()
            .await
            .map_err(|e| RelayError(format!("answer does not decode: {}", e.without_url())))
    }
}

fn accepted(answer: SendAnswer, sent: usize) -> Result<Accepted, RelayError> {
    if answer.status_code != "202" {
        return Err(RelayError(format!(
            "request refused: {} {}",
            answer.status_code, answer.status_name
        )));
    }
    if let Some(m) = answer
        .messages
        .iter()
        .find(|m| m.request_status_code != "A000")
    {
        return Err(RelayError(format!(
            "message refused: {} {} {}",
            m.request_status_code, m.request_status_name, m.request_status_desc
        )));
    }
    let message_ids: Vec<String> = answer.messages.into_iter().map(|m| m.message_id).collect();
    if !message_ids.is_empty() && message_ids.len() != sent {
        return Err(RelayError(format!(
            "{} message ids for {sent} messages",
            message_ids.len()
        )));
    }
    Ok(Accepted {
        request_id: answer.request_id,
        message_ids,
    })
}

#[tonic::async_trait]
impl NoticeRelay for SensClient {
    async fn send(&self, request: &AlimTalkSend) -> Result<Accepted, RelayError> {
        if request.messages.len() > MAX_MESSAGES {
            return Err(RelayError(format!(
                "{} messages: at most {MAX_MESSAGES} a request",
                request.messages.len()
            )));
        }
        let uri = format!("/alimtalk/v2/services/{}/messages", self.service_id);
        let answer: SendAnswer = self
            .call(reqwest::Method::POST, &uri, Some(request))
            .await?;
        accepted(answer, request.messages.len())
    }

    async fn results(&self, request_id: &str) -> Result<Vec<MessageResult>, RelayError> {
        let uri = format!(
            "/alimtalk/v2/services/{}/messages?requestId={request_id}",
            self.service_id
        );
        let answer: ResultsAnswer = self.call(reqwest::Method::GET, &uri, None::<&()>).await?;
        answer
            .messages
            .into_iter()
            .map(|m| {
                let outcome = match (m.message_status_name.as_str(), m.complete_time) {
                    ("processing", _) => Outcome::Pending,
                    ("success", Some(at)) => Outcome::Delivered {
                        at,
                        read_at: m.read_time,
                    },
                    ("fail", _) => Outcome::Failed(m.message_status_desc),
                    (other, _) => {
                        return Err(RelayError(format!(
                            "message {}: status {other:?} without its time",
                            m.message_id
                        )));
                    }
                };
                Ok(MessageResult {
                    message_id: m.message_id,
                    outcome,
                })
            })
            .collect()
    }
}

#[tonic::async_trait]
impl SmsGateway for SensClient {
    async fn send_sms(&self, request: &SmsSend) -> Result<Accepted, RelayError> {
        if request.to.len() > MAX_MESSAGES {
            return Err(RelayError(format!(
                "{} numbers: at most {MAX_MESSAGES} a request",
                request.to.len()
            )));
        }
        let body = SmsBody {
            kind: "LMS".into(),
            content_type: "COMM".into(),
            country_code: "82".into(),
            from: request.from.clone(),
            subject: request.subject.clone(),
            content: request.content.clone(),
            messages: request
                .to
                .iter()
                .map(|to| SmsTo { to: to.clone() })
                .collect(),
        };
        let uri = format!("/sms/v2/services/{}/messages", self.sms_service_id);
        let answer: SendAnswer = self.call(reqwest::Method::POST, &uri, Some(&body)).await?;
        accepted(answer, request.to.len())
    }

    async fn sms_results(&self, request_id: &str) -> Result<Vec<MessageResult>, RelayError> {
        let uri = format!(
            "/sms/v2/services/{}/messages?requestId={request_id}",
            self.sms_service_id
        );
        let answer: SmsResultsAnswer = self.call(reqwest::Method::GET, &uri, None::<&()>).await?;
        Ok(answer
            .messages
            .into_iter()
            .map(|m| MessageResult {
                message_id: m.message_id,
                outcome: match (m.status.as_str(), m.status_name.as_str(), m.complete_time) {
                    ("COMPLETED", "success", Some(at)) => Outcome::Delivered { at, read_at: None },
                    ("COMPLETED", _, _) => Outcome::Failed(m.status_message),
                    _ => Outcome::Pending,
                },
            })
            .collect())
    }
}

/// What the simulated relay does with a message to a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// Delivered, left unread (the default).
    Delivers,
    /// Delivered and read at once.
    Reads,
    /// Not matched: no KakaoTalk, or blocked.
    Unreachable,
}

#[derive(Debug, Clone)]
struct Held {
    ci: Option<String>,
    to: Option<String>,
    content: String,
    link: Option<String>,
    outcome: Outcome,
}

#[derive(Debug, Default)]
struct SimState {
    recipients: HashMap<String, Recipient>,
    failing_numbers: Vec<String>,
    requests: HashMap<String, Vec<String>>,
    messages: HashMap<String, Held>,
    outage: u32,
    next: u64,
}

/// The relay and the SMS gateway, simulated: they check each request's signature, hold the
/// messages, deliver, leave unread or read them as told, and answer result lookups. Serves the
/// same HTTP protocol ([`RelaySimulator::router`]).
#[derive(Debug, Clone)]
pub struct RelaySimulator {
    access_key: String,
    secret_key: String,
    clock: seip_core::Clock,
    state: Arc<Mutex<SimState>>,
}

/// One message the simulator holds, as a test sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldMessage {
    /// The provider's message id.
    pub message_id: String,
    /// The text.
    pub content: String,
    /// The document link of its button (AlimTalk) or in its text (SMS).
    pub link: Option<String>,
    /// Where it stands.
    pub outcome: Outcome,
}

impl RelaySimulator {
    /// A simulator accepting requests signed with `access_key` and `secret_key`, stamping
    /// deliveries and reads with `clock`.
    pub fn new(access_key: &str, secret_key: &str, clock: seip_core::Clock) -> Self {
        Self {
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
            clock,
            state: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        // A panic while holding the lock leaves the state as it was: keep serving.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn now(&self) -> String {
        self.clock.now().to_rfc3339()
    }

    /// What happens to messages for the recipient `ci` from now on.
    pub fn set_recipient(&self, ci: &str, behaves: Recipient) {
        self.lock().recipients.insert(ci.to_owned(), behaves);
    }

    /// Texts to `number` fail from now on.
    pub fn fail_number(&self, number: &str) {
        self.lock().failing_numbers.push(number.to_owned());
    }

    /// The next `requests` requests are answered 503, as by a provider down.
    pub fn outage(&self, requests: u32) {
        self.lock().outage = requests;
    }

    /// The recipient `ci` opens every message delivered to them and not yet read.
    pub fn read_all(&self, ci: &str) {
        let now = self.now();
        for m in self.lock().messages.values_mut() {
            if m.ci.as_deref() == Some(ci)
                && let Outcome::Delivered { read_at, .. } = &mut m.outcome
            {
                read_at.get_or_insert_with(|| now.clone());
            }
        }
    }

    /// The AlimTalk messages sent to `ci`, in the order sent.
    pub fn messages_to(&self, ci: &str) -> Vec<HeldMessage> {
        self.held(|m| m.ci.as_deref() == Some(ci))
    }

    /// The texts sent to `number`, in the order sent.
    pub fn texts_to(&self, number: &str) -> Vec<HeldMessage> {
        self.held(|m| m.to.as_deref() == Some(number))
    }

    fn held(&self, pick: impl Fn(&Held) -> bool) -> Vec<HeldMessage> {
        let s = self.lock();
        let mut found: Vec<(&String, &Held)> = s.messages.iter().filter(|(_, m)| pick(m)).collect();
        found.sort_by_key(|(id, _)| id.as_str());
        found
            .into_iter()
            .map(|(id, m)| HeldMessage {
                message_id: id.clone(),
                content: m.content.clone(),
                link: m.link.clone(),
                outcome: m.outcome.clone(),
            })
            .collect()
    }

    fn verify(&self, method: &str, uri: &str, headers: &axum::http::HeaderMap) -> bool {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        match (
            get("x-ncp-apigw-timestamp"),
            get("x-ncp-iam-access-key"),
            get("x-ncp-apigw-signature-v2"),
        ) {
            (Some(ts), Some(key), Some(sig)) => {
                key == self.access_key
                    && sig == signature(&self.secret_key, method, uri, ts, &self.access_key)
            }
            _ => false,
        }
    }

    /// Refuses an unsigned request (401) and answers 503 while told to be down.
    fn admit(
        &self,
        method: &str,
        uri: &str,
        headers: &axum::http::HeaderMap,
    ) -> Result<(), axum::http::StatusCode> {
        if !self.verify(method, uri, headers) {
            return Err(axum::http::StatusCode::UNAUTHORIZED);
        }
        let mut s = self.lock();
        if s.outage > 0 {
            s.outage -= 1;
            return Err(axum::http::StatusCode::SERVICE_UNAVAILABLE);
        }
        Ok(())
    }

    fn hold(&self, held: Vec<Held>) -> SendAnswer {
        let mut s = self.lock();
        s.next += 1;
        let request_id = format!("R{:012}", s.next);
        let mut ids = Vec::new();
        for h in held {
            s.next += 1;
            let id = format!("M{:012}", s.next);
            s.messages.insert(id.clone(), h);
            ids.push(id);
        }
        s.requests.insert(request_id.clone(), ids.clone());
        SendAnswer {
            request_id,
            request_time: self.now(),
            status_code: "202".into(),
            status_name: "success".into(),
            messages: ids
                .into_iter()
                .map(|message_id| SentMessage {
                    message_id,
                    request_status_code: "A000".into(),
                    request_status_name: "success".into(),
                    request_status_desc: "성공".into(),
                })
                .collect(),
        }
    }

    fn alimtalk(&self, body: AlimTalkSend) -> SendAnswer {
        let now = self.now();
        let held = body
            .messages
            .into_iter()
            .map(|m| {
                let behaves = self
                    .lock()
                    .recipients
                    .get(&m.ci)
                    .copied()
                    .unwrap_or(Recipient::Delivers);
                let outcome = match behaves {
                    Recipient::Delivers => Outcome::Delivered {
                        at: now.clone(),
                        read_at: None,
                    },
                    Recipient::Reads => Outcome::Delivered {
                        at: now.clone(),
                        read_at: Some(now.clone()),
                    },
                    Recipient::Unreachable => Outcome::Failed("수신자 미확인".into()),
                };
                Held {
                    link: m.buttons.first().map(|b| b.link_mobile.clone()),
                    ci: Some(m.ci),
                    to: None,
                    content: m.content,
                    outcome,
                }
            })
            .collect();
        self.hold(held)
    }

    fn sms(&self, body: SmsBody) -> SendAnswer {
        let now = self.now();
        let failing = self.lock().failing_numbers.clone();
        let link = body
            .content
            .split_whitespace()
            .find(|w| w.starts_with("http"))
            .map(str::to_owned);
        let held = body
            .messages
            .into_iter()
            .map(|m| Held {
                outcome: if failing.contains(&m.to) {
                    Outcome::Failed("결번".into())
                } else {
                    Outcome::Delivered {
                        at: now.clone(),
                        read_at: None,
                    }
                },
                ci: None,
                to: Some(m.to),
                content: body.content.clone(),
                link: link.clone(),
            })
            .collect();
        let mut answer = self.hold(held);
        // The SMS API answers the request alone; messages are looked up.
        answer.messages.clear();
        answer
    }

    fn results(&self, request_id: &str) -> Option<Vec<(String, Held)>> {
        let s = self.lock();
        let ids = s.requests.get(request_id)?;
        Some(
            ids.iter()
                .filter_map(|id| Some((id.clone(), s.messages.get(id)?.clone())))
                .collect(),
        )
    }

    /// The simulator's HTTP API: the providers' protocol, and its own side under `/_sim/`.
    pub fn router(&self) -> axum::Router {
        use axum::Json;
        use axum::extract::{Path, State};
        use axum::http::{HeaderMap, StatusCode, Uri};
        use axum::routing::post;

        /// The `requestId` a result lookup names.
        fn request_id(uri: &Uri) -> Result<String, StatusCode> {
            uri.query()
                .unwrap_or_default()
                .split('&')
                .find_map(|kv| kv.strip_prefix("requestId="))
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .ok_or(StatusCode::BAD_REQUEST)
        }

        async fn send_alimtalk(
            State(sim): State<RelaySimulator>,
            uri: Uri,
            Path(_service): Path<String>,
            headers: HeaderMap,
            Json(body): Json<AlimTalkSend>,
        ) -> Result<(StatusCode, Json<SendAnswer>), StatusCode> {
            sim.admit("POST", &uri.to_string(), &headers)?;
            if body.messages.is_empty() || body.messages.len() > MAX_MESSAGES {
                return Err(StatusCode::BAD_REQUEST);
            }
            Ok((StatusCode::ACCEPTED, Json(sim.alimtalk(body))))
        }
        async fn alimtalk_results(
            State(sim): State<RelaySimulator>,
            uri: Uri,
            Path(_service): Path<String>,
            headers: HeaderMap,
        ) -> Result<Json<ResultsAnswer>, StatusCode> {
            sim.admit("GET", &uri.to_string(), &headers)?;
            let request_id = request_id(&uri)?;
            let found = sim.results(&request_id).ok_or(StatusCode::NOT_FOUND)?;
            Ok(Json(ResultsAnswer {
                request_id,
                status_code: "200".into(),
                status_name: "success".into(),
                messages: found
                    .into_iter()
                    .map(|(message_id, h)| {
                        let (name, desc, complete, read) = match h.outcome {
                            Outcome::Pending => ("processing", String::new(), None, None),
                            Outcome::Delivered { at, read_at } => {
                                ("success", "성공".to_owned(), Some(at), read_at)
                            }
                            Outcome::Failed(why) => ("fail", why, None, None),
                        };
                        AlimTalkResult {
                            message_id,
                            message_status_name: name.into(),
                            message_status_desc: desc,
                            complete_time: complete,
                            read_time: read,
                        }
                    })
                    .collect(),
            }))
        }
        async fn send_sms(
            State(sim): State<RelaySimulator>,
            uri: Uri,
            Path(_service): Path<String>,
            headers: HeaderMap,
            Json(body): Json<SmsBody>,
        ) -> Result<(StatusCode, Json<SendAnswer>), StatusCode> {
            sim.admit("POST", &uri.to_string(), &headers)?;
            if body.messages.is_empty() || body.messages.len() > MAX_MESSAGES {
                return Err(StatusCode::BAD_REQUEST);
            }
            Ok((StatusCode::ACCEPTED, Json(sim.sms(body))))
        }
        async fn sms_results(
            State(sim): State<RelaySimulator>,
            uri: Uri,
            Path(_service): Path<String>,
            headers: HeaderMap,
        ) -> Result<Json<SmsResultsAnswer>, StatusCode> {
            sim.admit("GET", &uri.to_string(), &headers)?;
            let request_id = request_id(&uri)?;
            let found = sim.results(&request_id).ok_or(StatusCode::NOT_FOUND)?;
            Ok(Json(SmsResultsAnswer {
                request_id,
                status_code: "202".into(),
                status_name: "success".into(),
                messages: found
                    .into_iter()
                    .map(|(message_id, h)| {
                        let (status, name, message, complete) = match h.outcome {
                            Outcome::Pending => ("PROCESSING", "processing", String::new(), None),
                            Outcome::Delivered { at, .. } => {
                                ("COMPLETED", "success", "성공".to_owned(), Some(at))
                            }
                            Outcome::Failed(why) => ("COMPLETED", "fail", why, None),
                        };
                        SmsResult {
                            message_id,
                            to: h.to.unwrap_or_default(),
                            status: status.into(),
                            status_name: name.into(),
                            status_message: message,
                            complete_time: complete,
                        }
                    })
                    .collect(),
            }))
        }

        #[derive(Deserialize)]
        struct SetRecipient {
            ci: String,
            behaves: String,
        }
        async fn set_recipient(
            State(sim): State<RelaySimulator>,
            Json(body): Json<SetRecipient>,
        ) -> StatusCode {
            let behaves = match body.behaves.as_str() {
                "delivers" => Recipient::Delivers,
                "reads" => Recipient::Reads,
                "unreachable" => Recipient::Unreachable,
                _ => return StatusCode::BAD_REQUEST,
            };
            sim.set_recipient(&body.ci, behaves);
            StatusCode::NO_CONTENT
        }
        #[derive(Deserialize)]
        struct Ci {
            ci: String,
        }
        async fn read(State(sim): State<RelaySimulator>, Json(body): Json<Ci>) -> StatusCode {
            sim.read_all(&body.ci);
            StatusCode::NO_CONTENT
        }
        #[derive(Deserialize)]
        struct Number {
            number: String,
        }
        async fn failing(
            State(sim): State<RelaySimulator>,
            Json(body): Json<Number>,
        ) -> StatusCode {
            sim.fail_number(&body.number);
            StatusCode::NO_CONTENT
        }
        #[derive(Deserialize)]
        struct Outage {
            requests: u32,
        }
        async fn outage(State(sim): State<RelaySimulator>, Json(body): Json<Outage>) -> StatusCode {
            sim.outage(body.requests);
            StatusCode::NO_CONTENT
        }

        axum::Router::new()
            .route(
                "/alimtalk/v2/services/{service}/messages",
                post(send_alimtalk).get(alimtalk_results),
            )
            .route("/_sim/recipients", post(set_recipient))
            .route("/_sim/read", post(read))
            .route("/_sim/failing-numbers", post(failing))
            .route("/_sim/outage", post(outage))
            .route(
                "/sms/v2/services/{service}/messages",
                post(send_sms).get(sms_results),
            )
            .with_state(self.clone())
    }

    /// Serve the simulator on `listener` until `stop` resolves.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        seip_runtime::ports::serve(self.router(), listener, stop).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The client and the simulator agree on the protocol, signatures included: messages go
    /// out, the unreachable fail, reads come back, texts deliver or fail, an outage is an
    /// error to retry, and a wrong key is refused.
    #[tokio::test]
    async fn the_client_speaks_the_simulators_protocol() {
        let clock = seip_core::Clock::system();
        let sim = RelaySimulator::new("access", "secret", clock);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(sim.clone().serve(listener, async {
            let _ = stopped.await;
        }));
        let client = SensClient::new(
            &base,
            "ncp:kkobizmsg:kr:1:seip",
            "ncp:sms:kr:1:seip",
            "access",
            "secret",
            None,
        )
        .unwrap();
        sim.set_recipient("CI-2", Recipient::Unreachable);
        sim.set_recipient("CI-3", Recipient::Reads);
        let message = |ci: &str| AlimTalkMessage {
            ci: ci.into(),
            content: "고지서가 도착했습니다".into(),
            buttons: vec![Button {
                kind: "WL".into(),
                name: "고지서 확인".into(),
                link_mobile: format!("https://pay.example/n/{ci}"),
                link_pc: format!("https://pay.example/n/{ci}"),
            }],
            use_sms_failover: false,
        };
        let sent = client
            .send(&AlimTalkSend {
                plus_friend_id: "@jongno".into(),
                template_code: "SEIP001".into(),
                messages: vec![message("CI-1"), message("CI-2"), message("CI-3")],
            })
            .await
            .unwrap();
        assert_eq!(sent.message_ids.len(), 3);
        let results = client.results(&sent.request_id).await.unwrap();
        let outcomes: Vec<_> = results.iter().map(|r| &r.outcome).collect();
        assert!(matches!(
            outcomes[0],
            Outcome::Delivered { read_at: None, .. }
        ));
        assert_eq!(outcomes[1], &Outcome::Failed("수신자 미확인".into()));
        assert!(matches!(
            outcomes[2],
            Outcome::Delivered {
                read_at: Some(_),
                ..
            }
        ));
        sim.read_all("CI-1");
        let results = client.results(&sent.request_id).await.unwrap();
        assert!(matches!(
            results[0].outcome,
            Outcome::Delivered {
                read_at: Some(_),
                ..
            }
        ));
        assert_eq!(
            sim.messages_to("CI-1")[0].link.as_deref(),
            Some("https://pay.example/n/CI-1")
        );

        sim.fail_number("01000000000");
        let texts = client
            .send_sms(&SmsSend {
                from: "0221480000".into(),
                subject: "고지서 안내".into(),
                content: "고지서가 도착했습니다 https://pay.example/n/x".into(),
                to: vec!["01012345678".into(), "01000000000".into()],
            })
            .await
            .unwrap();
        let results = client.sms_results(&texts.request_id).await.unwrap();
        assert!(matches!(results[0].outcome, Outcome::Delivered { .. }));
        assert!(matches!(results[1].outcome, Outcome::Failed(_)));
        assert_eq!(
            sim.texts_to("01012345678")[0].link.as_deref(),
            Some("https://pay.example/n/x")
        );

        sim.outage(1);
        let e = client.results(&sent.request_id).await.unwrap_err();
        assert_eq!(e.0, "HTTP 503 Service Unavailable");
        assert!(client.results(&sent.request_id).await.is_ok());
        let forged = SensClient::new(&base, "s", "s", "access", "wrong", None).unwrap();
        let e = forged.results(&sent.request_id).await.unwrap_err();
        assert_eq!(e.0, "HTTP 401 Unauthorized");
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    }
}
