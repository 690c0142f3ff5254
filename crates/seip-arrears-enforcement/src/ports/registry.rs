//! The registries and third-party debtors a seizure is ordered from (압류 촉탁 · 통지): the
//! vehicle register (자동차등록원부), the land registry (등기부), banks, employers and other
//! debtors of the taxpayer. One port for all of them, [`Registries`]; [`HttpRegistries`] is
//! the client of their gateway and [`RegistrySimulator`] speaks the same protocol for tests
//! and the demo (`seip sim registry`).
//!
//! The protocol, JSON over HTTPS, one path per register (`vehicle-register`,
//! `land-registry`, `bank`, `employer`, `receivable`), the municipality in `X-Agency-Code`
//! and its key as a bearer token:
//!
//! ```text
//! POST /v1/{register}/seizures                   {requestId, assetRef, thirdParty, debtorRef,
//!                                                  securedAmount, orderedOn}
//! GET  /v1/{register}/seizures/{receiptNo}
//! POST /v1/{register}/seizures/{receiptNo}/release {requestId, reason, releasedOn}
//!   → {receiptNo, status: PENDING | REGISTERED | REFUSED | RELEASED,
//!      registeredOn?, releasedOn?, reason?}
//! ```
//!
//! `requestId` is the seizure's id: an order sent twice (a retry after a crash) is the same
//! order, answered with the same receipt.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::seizure::AssetKind;

/// What a registry was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeizureOrder {
    /// The seizure's id: the registry keeps one order per id.
    pub request_id: Uuid,
    /// Municipality ordering it.
    pub agency: String,
    /// What is seized.
    pub kind: AssetKind,
    /// The register's reference to it.
    pub asset_ref: String,
    /// The third-party debtor, if any.
    pub third_party: String,
    /// The taxpayer (an id: the registry matches the owner itself).
    pub debtor_ref: String,
    /// What the seizure secures, won.
    pub secured_won: i64,
    /// Day ordered.
    pub ordered_on: NaiveDate,
}

/// What a registry answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryAnswer {
    /// Received; not registered yet.
    Pending {
        /// Receipt number.
        receipt: String,
    },
    /// Registered on the day given (S-3).
    Registered {
        /// Receipt number.
        receipt: String,
        /// Registration day.
        on: NaiveDate,
    },
    /// Refused, with the registry's reason.
    Refused {
        /// Receipt number.
        receipt: String,
        /// Why.
        reason: String,
    },
    /// Released on the day given.
    Released {
        /// Receipt number.
        receipt: String,
        /// Release day.
        on: NaiveDate,
    },
}

/// A registry could not be reached or answered nonsense: try again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("registry {register}: {message}")]
pub struct RegistryError {
    /// Which register.
    pub register: &'static str,
    /// What went wrong.
    pub message: String,
}

/// The registries' port.
#[tonic::async_trait]
pub trait Registries: Send + Sync + std::fmt::Debug + 'static {
    /// Order a seizure (idempotent by `order.request_id`).
    async fn order(&self, order: &SeizureOrder) -> Result<RegistryAnswer, RegistryError>;
    /// Where the seizure with `receipt` stands.
    async fn status(&self, kind: AssetKind, receipt: &str)
    -> Result<RegistryAnswer, RegistryError>;
    /// Release the seizure with `receipt` (idempotent by `request_id`).
    async fn release(
        &self,
        kind: AssetKind,
        receipt: &str,
        request_id: Uuid,
        reason: &str,
        on: NaiveDate,
    ) -> Result<RegistryAnswer, RegistryError>;
}

/// The register an asset of `kind` is seized in, as a path segment.
pub fn register_of(kind: AssetKind) -> &'static str {
    match kind {
        AssetKind::Vehicle => "vehicle-register",
        AssetKind::RealEstate => "land-registry",
        AssetKind::BankDeposit => "bank",
        AssetKind::Wages | AssetKind::RetirementPay => "employer",
        AssetKind::OtherReceivable => "receivable",
    }
}

/// The order on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderBody {
    request_id: Uuid,
    asset_ref: String,
    third_party: String,
    debtor_ref: String,
    secured_amount: i64,
    ordered_on: NaiveDate,
}

/// The release on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReleaseBody {
    request_id: Uuid,
    reason: String,
    released_on: NaiveDate,
}

/// A registry's answer on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AnswerBody {
    receipt_no: String,
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    registered_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    released_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl AnswerBody {
    fn into_answer(self, register: &'static str) -> Result<RegistryAnswer, RegistryError> {
        let missing = |what: &str| RegistryError {
            register,
            message: format!("{} without {what}", self.status),
        };
        Ok(match self.status.as_str() {
            "PENDING" => RegistryAnswer::Pending {
                receipt: self.receipt_no,
            },
            "REGISTERED" => RegistryAnswer::Registered {
                on: self.registered_on.ok_or_else(|| missing("registeredOn"))?,
                receipt: self.receipt_no,
            },
            "REFUSED" => RegistryAnswer::Refused {
                reason: self.reason.clone().ok_or_else(|| missing("reason"))?,
                receipt: self.receipt_no,
            },
            "RELEASED" => RegistryAnswer::Released {
                on: self.released_on.ok_or_else(|| missing("releasedOn"))?,
                receipt: self.receipt_no,
            },
            other => {
                return Err(RegistryError {
                    register,
                    message: format!("unknown status {other:?}"),
                });
            }
        })
    }

    fn of(answer: &RegistryAnswer) -> Self {
        let (receipt_no, status) = match answer {
            RegistryAnswer::Pending { receipt } => (receipt, "PENDING"),
            RegistryAnswer::Registered { receipt, .. } => (receipt, "REGISTERED"),
            RegistryAnswer::Refused { receipt, .. } => (receipt, "REFUSED"),
            RegistryAnswer::Released { receipt, .. } => (receipt, "RELEASED"),
        };
        Self {
            receipt_no: receipt_no.clone(),
            status: status.into(),
            registered_on: match answer {
                RegistryAnswer::Registered { on, .. } => Some(*on),
                _ => None,
            },
            released_on: match answer {
                RegistryAnswer::Released { on, .. } => Some(*on),
                _ => None,
            },
            reason: match answer {
                RegistryAnswer::Refused { reason, .. } => Some(reason.clone()),
                _ => None,
            },
        }
    }
}

/// The client of the registries' gateway.
#[derive(Debug, Clone)]
pub struct HttpRegistries {
    base: String,
    agency_key: String,
    client: reqwest::Client,
}

impl HttpRegistries {
    /// A client of the gateway at `base` (`https://…`), presenting `agency_key`, trusting
    /// the CA certificates of `ca_pem` (the government PKI's) for HTTPS.
    pub fn new(base: &str, agency_key: &str, ca_pem: Option<&[u8]>) -> anyhow::Result<Self> {
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            agency_key: agency_key.to_owned(),
            client: super::https_client(ca_pem)?,
        })
    }

    async fn send(
        &self,
        register: &'static str,
        request: reqwest::RequestBuilder,
        agency: &str,
    ) -> Result<RegistryAnswer, RegistryError> {
        super::call::<AnswerBody>(request, agency, &self.agency_key)
            .await
            .map_err(|message| RegistryError { register, message })?
            .into_answer(register)
    }
}

#[tonic::async_trait]
impl Registries for HttpRegistries {
    async fn order(&self, o: &SeizureOrder) -> Result<RegistryAnswer, RegistryError> {
        let register = register_of(o.kind);
        let body = OrderBody {
            request_id: o.request_id,
            asset_ref: o.asset_ref.clone(),
            third_party: o.third_party.clone(),
            debtor_ref: o.debtor_ref.clone(),
            secured_amount: o.secured_won,
            ordered_on: o.ordered_on,
        };
        let url = format!("{}/v1/{register}/seizures", self.base);
        self.send(register, self.client.post(url).json(&body), &o.agency)
            .await
    }

    async fn status(
        &self,
        kind: AssetKind,
        receipt: &str,
    ) -> Result<RegistryAnswer, RegistryError> {
        let register = register_of(kind);
        let url = format!("{}/v1/{register}/seizures/{receipt}", self.base);
        self.send(register, self.client.get(url), "").await
    }

    async fn release(
        &self,
        kind: AssetKind,
        receipt: &str,
        request_id: Uuid,
        reason: &str,
        on: NaiveDate,
    ) -> Result<RegistryAnswer, RegistryError> {
        let register = register_of(kind);
        let url = format!("{}/v1/{register}/seizures/{receipt}/release", self.base);
        let body = ReleaseBody {
            request_id,
            reason: reason.to_owned(),
            released_on: on,
        };
        self.send(register, self.client.post(url).json(&body), "")
            .await
    }
}

/// One seizure the simulator holds.
#[derive(Debug, Clone)]
struct Held {
    register: String,
    asset_ref: String,
    answer: RegistryAnswer,
}

#[derive(Debug, Default)]
struct SimState {
    by_receipt: HashMap<String, Held>,
    by_request: HashMap<Uuid, String>,
    refuse: HashSet<String>,
    hold: HashSet<String>,
    next: u64,
}

/// The registries' gateway, simulated: it registers every order on the day it was ordered,
/// except assets it was told to refuse (not the debtor's) or to hold pending, and keeps one
/// order per request id. Serves the same HTTP protocol ([`RegistrySimulator::router`]).
#[derive(Debug, Clone, Default)]
pub struct RegistrySimulator {
    state: Arc<Mutex<SimState>>,
}

impl RegistrySimulator {
    /// A simulator holding nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuse orders on `asset_ref` from now on (the asset is not the debtor's).
    pub fn refuse(&self, asset_ref: &str) {
        self.lock().refuse.insert(asset_ref.to_owned());
    }

    /// Keep orders on `asset_ref` pending until [`Self::register_held`].
    pub fn hold(&self, asset_ref: &str) {
        self.lock().hold.insert(asset_ref.to_owned());
    }

    /// Register the held orders on `asset_ref` as of `on`.
    pub fn register_held(&self, asset_ref: &str, on: NaiveDate) {
        let mut s = self.lock();
        s.hold.remove(asset_ref);
        for h in s.by_receipt.values_mut() {
            if h.asset_ref == asset_ref
                && let RegistryAnswer::Pending { receipt } = &h.answer
            {
                h.answer = RegistryAnswer::Registered {
                    receipt: receipt.clone(),
                    on,
                };
            }
        }
    }

    /// How many seizures the simulator holds registered (not released).
    pub fn registered(&self) -> usize {
        self.lock()
            .by_receipt
            .values()
            .filter(|h| matches!(h.answer, RegistryAnswer::Registered { .. }))
            .count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        // A panic while holding the lock leaves the map as it was: keep serving.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn place(&self, register: &str, body: OrderBody) -> RegistryAnswer {
        let mut s = self.lock();
        if let Some(receipt) = s.by_request.get(&body.request_id)
            && let Some(h) = s.by_receipt.get(receipt)
        {
            return h.answer.clone();
        }
        s.next += 1;
        let receipt = format!("{}-{:08}", register.to_uppercase(), s.next);
        let answer = if s.refuse.contains(&body.asset_ref) {
            RegistryAnswer::Refused {
                receipt: receipt.clone(),
                reason: "the asset is not registered to the debtor".into(),
            }
        } else if s.hold.contains(&body.asset_ref) {
            RegistryAnswer::Pending {
                receipt: receipt.clone(),
            }
        } else {
            RegistryAnswer::Registered {
                receipt: receipt.clone(),
                on: body.ordered_on,
            }
        };
        s.by_request.insert(body.request_id, receipt.clone());
        s.by_receipt.insert(
            receipt,
            Held {
                register: register.to_owned(),
                asset_ref: body.asset_ref,
                answer: answer.clone(),
            },
        );
        answer
    }

    fn find(&self, register: &str, receipt: &str) -> Option<RegistryAnswer> {
        self.lock()
            .by_receipt
            .get(receipt)
            .filter(|h| h.register == register)
            .map(|h| h.answer.clone())
    }

    fn unseize(&self, register: &str, receipt: &str, body: ReleaseBody) -> Option<RegistryAnswer> {
        let mut s = self.lock();
        let h = s
            .by_receipt
            .get_mut(receipt)
            .filter(|h| h.register == register)?;
        if !matches!(h.answer, RegistryAnswer::Released { .. }) {
            h.answer = RegistryAnswer::Released {
                receipt: receipt.to_owned(),
                on: body.released_on,
            };
        }
        Some(h.answer.clone())
    }

    /// The simulator's HTTP API: the registries' protocol, and `POST /_sim/refuse` and
    /// `POST /_sim/hold` (`{"assetRef": …}`) to tell it what to refuse or hold.
    pub fn router(&self) -> axum::Router {
        use axum::Json;
        use axum::extract::{Path, State};
        use axum::http::StatusCode;
        use axum::routing::{get, post};

        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct AssetRef {
            asset_ref: String,
        }

        async fn order(
            State(sim): State<RegistrySimulator>,
            Path(register): Path<String>,
            Json(body): Json<OrderBody>,
        ) -> Json<AnswerBody> {
            Json(AnswerBody::of(&sim.place(&register, body)))
        }
        async fn status(
            State(sim): State<RegistrySimulator>,
            Path((register, receipt)): Path<(String, String)>,
        ) -> Result<Json<AnswerBody>, StatusCode> {
            sim.find(&register, &receipt)
                .map(|a| Json(AnswerBody::of(&a)))
                .ok_or(StatusCode::NOT_FOUND)
        }
        async fn release(
            State(sim): State<RegistrySimulator>,
            Path((register, receipt)): Path<(String, String)>,
            Json(body): Json<ReleaseBody>,
        ) -> Result<Json<AnswerBody>, StatusCode> {
            sim.unseize(&register, &receipt, body)
                .map(|a| Json(AnswerBody::of(&a)))
                .ok_or(StatusCode::NOT_FOUND)
        }
        async fn refuse(State(sim): State<RegistrySimulator>, Json(a): Json<AssetRef>) {
            sim.refuse(&a.asset_ref);
        }
        async fn hold(State(sim): State<RegistrySimulator>, Json(a): Json<AssetRef>) {
            sim.hold(&a.asset_ref);
        }

        axum::Router::new()
            .route("/v1/{register}/seizures", post(order))
            .route("/v1/{register}/seizures/{receipt}", get(status))
            .route("/v1/{register}/seizures/{receipt}/release", post(release))
            .route("/_sim/refuse", post(refuse))
            .route("/_sim/hold", post(hold))
            .with_state(self.clone())
    }

    /// Serve the simulator on `listener` until `stop` resolves.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        super::serve(self.router(), listener, stop).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, d).unwrap()
    }

    fn order(asset: &str) -> SeizureOrder {
        SeizureOrder {
            request_id: Uuid::now_v7(),
            agency: "11110".into(),
            kind: AssetKind::Vehicle,
            asset_ref: asset.into(),
            third_party: String::new(),
            debtor_ref: Uuid::now_v7().to_string(),
            secured_won: 267_520,
            ordered_on: day(1),
        }
    }

    /// The client and the simulator agree on the protocol: an order registers, a repeat
    /// of it is the same order, a refusal and a hold come back as such, a release releases.
    #[tokio::test]
    async fn the_client_speaks_the_simulators_protocol() {
        let sim = RegistrySimulator::new();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(sim.clone().serve(listener, async {
            let _ = stopped.await;
        }));
        let client = HttpRegistries::new(&format!("http://{addr}"), "key", None).unwrap();

        let o = order("12가0001");
        let first = client.order(&o).await.unwrap();
        let RegistryAnswer::Registered { receipt, on } = first.clone() else {
            panic!("{first:?}")
        };
        assert_eq!(on, day(1));
        assert_eq!(client.order(&o).await.unwrap(), first);
        assert_eq!(
            client.status(AssetKind::Vehicle, &receipt).await.unwrap(),
            first
        );
        assert!(
            client
                .status(AssetKind::RealEstate, &receipt)
                .await
                .is_err()
        );

        sim.refuse("34나0002");
        assert!(matches!(
            client.order(&order("34나0002")).await.unwrap(),
            RegistryAnswer::Refused { .. }
        ));
        sim.hold("56다0003");
        let held = client.order(&order("56다0003")).await.unwrap();
        let RegistryAnswer::Pending { receipt: pending } = held else {
            panic!("{held:?}")
        };
        sim.register_held("56다0003", day(3));
        assert_eq!(
            client.status(AssetKind::Vehicle, &pending).await.unwrap(),
            RegistryAnswer::Registered {
                receipt: pending.clone(),
                on: day(3)
            }
        );
        assert_eq!(sim.registered(), 2);
        let released = client
            .release(AssetKind::Vehicle, &receipt, Uuid::now_v7(), "paid", day(5))
            .await
            .unwrap();
        assert_eq!(
            released,
            RegistryAnswer::Released {
                receipt,
                on: day(5)
            }
        );
        assert_eq!(sim.registered(), 1);
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    }
}
