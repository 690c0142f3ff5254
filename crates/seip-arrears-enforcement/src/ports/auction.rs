//! The auction platform public auctions are delegated to (공매 대행, 지방세징수법 §103의3:
//! the national asset manager's on-line platform, 온비드, or the local-tax association). One
//! port, [`AuctionPlatform`]; [`HttpAuctionPlatform`] is the client of the platform's agency
//! API and [`AuctionSimulator`] speaks the same protocol for tests and the demo
//! (`seip sim auction`), with the bidders' and buyers' side besides.
//!
//! The agency protocol, JSON over HTTPS, the municipality in `X-Agency-Code` and its key as
//! a bearer token. A listing is one round of one asset; its id is the agency's, so a listing
//! sent twice (a retry after a crash) is the same listing:
//!
//! ```text
//! PUT    /v1/listings/{listingId}            {round, assetKind, assetRef, description,
//!                                              reservePrice, minimumDeposit, noticeOn, saleOn}
//!   → {listingId, status: OPEN | CLOSED | WITHDRAWN}
//! GET    /v1/listings/{listingId}/bids       → {bids: [{bidderRef, amount, deposit}]}
//!   (the sealed bids, in the order received; opened on the sale day)
//! GET    /v1/listings/{listingId}/settlement → {paid: bool, paidOn?, amount?}
//!   (the buyer's payment of the price, once made)
//! DELETE /v1/listings/{listingId}            → {listingId, status: WITHDRAWN}
//! ```
//!
//! The simulator adds what bidders and buyers do on the platform:
//! `POST /_sim/listings/{listingId}/bids` `{bidderRef, amount, deposit}` and
//! `POST /_sim/listings/{listingId}/settlement` `{paidOn, amount}`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One round of one asset, as listed at the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    /// The agency's id of the listing.
    #[serde(skip)]
    pub listing_id: String,
    /// Municipality listing it.
    #[serde(skip)]
    pub agency: String,
    /// The round (1 = the first auction).
    pub round: u32,
    /// What is sold, as stored (vehicle, real_estate, …).
    pub asset_kind: String,
    /// The register's reference to it.
    pub asset_ref: String,
    /// How the listing describes it.
    pub description: String,
    /// The reserve price, won.
    pub reserve_price: i64,
    /// The least deposit a bid carries, won.
    pub minimum_deposit: i64,
    /// Day of the public notice.
    pub notice_on: NaiveDate,
    /// The sale day: bids are taken until then and opened on it.
    pub sale_on: NaiveDate,
}

/// A sealed bid as the platform received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformBid {
    /// The platform's reference to the bidder.
    pub bidder_ref: String,
    /// Amount offered, won.
    pub amount: i64,
    /// Deposit put up, won.
    pub deposit: i64,
}

/// The buyer's payment of the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settlement {
    /// Day paid.
    pub paid_on: NaiveDate,
    /// Won paid.
    pub amount: i64,
}

/// The platform could not be reached or answered nonsense: try again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("auction platform: {0}")]
pub struct AuctionPlatformError(pub String);

/// The auction platform's port.
#[tonic::async_trait]
pub trait AuctionPlatform: Send + Sync + std::fmt::Debug + 'static {
    /// List a round (idempotent by `listing.listing_id`).
    async fn publish(&self, listing: &Listing) -> Result<(), AuctionPlatformError>;
    /// The bids a listing of `agency` received, in the order received.
    async fn bids(
        &self,
        agency: &str,
        listing_id: &str,
    ) -> Result<Vec<PlatformBid>, AuctionPlatformError>;
    /// The buyer's payment, once made.
    async fn settlement(
        &self,
        agency: &str,
        listing_id: &str,
    ) -> Result<Option<Settlement>, AuctionPlatformError>;
    /// Withdraw a listing (idempotent).
    async fn withdraw(&self, agency: &str, listing_id: &str) -> Result<(), AuctionPlatformError>;
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListingStatus {
    listing_id: String,
    status: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Bids {
    bids: Vec<PlatformBid>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SettlementBody {
    paid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    paid_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    amount: Option<i64>,
}

/// The client of the platform's agency API.
#[derive(Debug, Clone)]
pub struct HttpAuctionPlatform {
    base: String,
    agency_key: String,
    client: reqwest::Client,
}

impl HttpAuctionPlatform {
    /// A client of the platform at `base` (`https://…`), presenting `agency_key`, trusting
    /// the CA certificates of `ca_pem` for HTTPS.
    pub fn new(base: &str, agency_key: &str, ca_pem: Option<&[u8]>) -> anyhow::Result<Self> {
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            agency_key: agency_key.to_owned(),
            client: super::https_client(ca_pem)?,
        })
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        agency: &str,
    ) -> Result<T, AuctionPlatformError> {
        super::call(request, agency, &self.agency_key)
            .await
            .map_err(AuctionPlatformError)
    }

    fn url(&self, listing_id: &str, tail: &str) -> String {
        format!("{}/v1/listings/{listing_id}{tail}", self.base)
    }
}

#[tonic::async_trait]
impl AuctionPlatform for HttpAuctionPlatform {
    async fn publish(&self, l: &Listing) -> Result<(), AuctionPlatformError> {
        let s: ListingStatus = self
            .send(
                self.client.put(self.url(&l.listing_id, "")).json(l),
                &l.agency,
            )
            .await?;
        if s.status == "OPEN" {
            Ok(())
        } else {
            Err(AuctionPlatformError(format!(
                "listing {} is {}, not open",
                s.listing_id, s.status
            )))
        }
    }

    async fn bids(
        &self,
        agency: &str,
        listing_id: &str,
    ) -> Result<Vec<PlatformBid>, AuctionPlatformError> {
        let b: Bids = self
            .send(self.client.get(self.url(listing_id, "/bids")), agency)
            .await?;
        Ok(b.bids)
    }

    async fn settlement(
        &self,
        agency: &str,
        listing_id: &str,
    ) -> Result<Option<Settlement>, AuctionPlatformError> {
        let s: SettlementBody = self
            .send(self.client.get(self.url(listing_id, "/settlement")), agency)
            .await?;
        match (s.paid, s.paid_on, s.amount) {
            (false, ..) => Ok(None),
            (true, Some(paid_on), Some(amount)) => Ok(Some(Settlement { paid_on, amount })),
            (true, ..) => Err(AuctionPlatformError(
                "a settlement marked paid without paidOn or amount".into(),
            )),
        }
    }

    async fn withdraw(&self, agency: &str, listing_id: &str) -> Result<(), AuctionPlatformError> {
        let _: ListingStatus = self
            .send(self.client.delete(self.url(listing_id, "")), agency)
            .await?;
        Ok(())
    }
}

/// One listing the simulator holds.
#[derive(Debug, Clone)]
struct Listed {
    listing: Listing,
    withdrawn: bool,
    /// Its bids were opened: it takes no more.
    closed: bool,
    bids: Vec<PlatformBid>,
    settlement: Option<Settlement>,
}

/// The auction platform, simulated: it keeps listings, takes bids until the agency opens
/// them and a buyer's payment, and answers the agency API. Serves the same HTTP protocol
/// ([`AuctionSimulator::router`]).
#[derive(Debug, Clone, Default)]
pub struct AuctionSimulator {
    state: Arc<Mutex<HashMap<String, Listed>>>,
}

impl AuctionSimulator {
    /// A simulator holding nothing.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Listed>> {
        // A panic while holding the lock leaves the map as it was: keep serving.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The listing of `asset_ref` taking bids, the latest round, if any.
    pub fn open_listing(&self, asset_ref: &str) -> Option<Listing> {
        self.lock()
            .values()
            .filter(|l| l.listing.asset_ref == asset_ref && !l.withdrawn && !l.closed)
            .max_by_key(|l| l.listing.round)
            .map(|l| l.listing.clone())
    }

    /// A bidder bids on `listing_id`; false when no such listing takes bids.
    pub fn bid(&self, listing_id: &str, bid: PlatformBid) -> bool {
        match self.lock().get_mut(listing_id) {
            Some(l) if !l.withdrawn && !l.closed => {
                l.bids.push(bid);
                true
            }
            _ => false,
        }
    }

    /// The buyer pays the price of `listing_id`; false when no such listing exists.
    pub fn pay(&self, listing_id: &str, settlement: Settlement) -> bool {
        match self.lock().get_mut(listing_id) {
            Some(l) if !l.withdrawn => {
                l.settlement.get_or_insert(settlement);
                true
            }
            _ => false,
        }
    }

    /// Whether `listing_id` was withdrawn.
    pub fn withdrawn(&self, listing_id: &str) -> bool {
        self.lock().get(listing_id).is_some_and(|l| l.withdrawn)
    }

    fn list(&self, listing_id: String, mut listing: Listing) -> ListingStatus {
        listing.listing_id.clone_from(&listing_id);
        let mut s = self.lock();
        let l = s.entry(listing_id.clone()).or_insert(Listed {
            listing,
            withdrawn: false,
            closed: false,
            bids: Vec::new(),
            settlement: None,
        });
        ListingStatus {
            listing_id,
            status: if l.withdrawn { "WITHDRAWN" } else { "OPEN" }.into(),
        }
    }

    /// The simulator's HTTP API: the agency protocol, and the bidders' and buyers' side
    /// under `/_sim/`.
    pub fn router(&self) -> axum::Router {
        use axum::Json;
        use axum::extract::{Path, State};
        use axum::http::StatusCode;
        use axum::routing::{get, post, put};

        async fn list(
            State(sim): State<AuctionSimulator>,
            Path(id): Path<String>,
            Json(body): Json<Listing>,
        ) -> Json<ListingStatus> {
            Json(sim.list(id, body))
        }
        // The agency opening the bids closes the listing to more.
        async fn bids(
            State(sim): State<AuctionSimulator>,
            Path(id): Path<String>,
        ) -> Result<Json<Bids>, StatusCode> {
            sim.lock()
                .get_mut(&id)
                .map(|l| {
                    l.closed = true;
                    Json(Bids {
                        bids: l.bids.clone(),
                    })
                })
                .ok_or(StatusCode::NOT_FOUND)
        }
        async fn settlement(
            State(sim): State<AuctionSimulator>,
            Path(id): Path<String>,
        ) -> Result<Json<SettlementBody>, StatusCode> {
            sim.lock()
                .get(&id)
                .map(|l| {
                    Json(SettlementBody {
                        paid: l.settlement.is_some(),
                        paid_on: l.settlement.map(|s| s.paid_on),
                        amount: l.settlement.map(|s| s.amount),
                    })
                })
                .ok_or(StatusCode::NOT_FOUND)
        }
        async fn withdraw(
            State(sim): State<AuctionSimulator>,
            Path(id): Path<String>,
        ) -> Result<Json<ListingStatus>, StatusCode> {
            let mut s = sim.lock();
            let l = s.get_mut(&id).ok_or(StatusCode::NOT_FOUND)?;
            l.withdrawn = true;
            Ok(Json(ListingStatus {
                listing_id: id,
                status: "WITHDRAWN".into(),
            }))
        }
        async fn place_bid(
            State(sim): State<AuctionSimulator>,
            Path(id): Path<String>,
            Json(bid): Json<PlatformBid>,
        ) -> StatusCode {
            if sim.bid(&id, bid) {
                StatusCode::NO_CONTENT
            } else {
                StatusCode::NOT_FOUND
            }
        }
        async fn pay(
            State(sim): State<AuctionSimulator>,
            Path(id): Path<String>,
            Json(s): Json<Settlement>,
        ) -> StatusCode {
            if sim.pay(&id, s) {
                StatusCode::NO_CONTENT
            } else {
                StatusCode::NOT_FOUND
            }
        }

        axum::Router::new()
            .route("/v1/listings/{id}", put(list).delete(withdraw))
            .route("/v1/listings/{id}/bids", get(bids))
            .route("/v1/listings/{id}/settlement", get(settlement))
            .route("/_sim/listings/{id}/bids", post(place_bid))
            .route("/_sim/listings/{id}/settlement", post(pay))
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

    /// The client and the simulator agree on the protocol: a listing opens (twice is the
    /// same listing), bids and the buyer's payment come back as placed, a withdrawal closes it.
    #[tokio::test]
    async fn the_client_speaks_the_simulators_protocol() {
        let sim = AuctionSimulator::new();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(sim.clone().serve(listener, async {
            let _ = stopped.await;
        }));
        let client = HttpAuctionPlatform::new(&format!("http://{addr}"), "key", None).unwrap();
        let listing = Listing {
            listing_id: "a-1".into(),
            agency: "11110".into(),
            round: 1,
            asset_kind: "vehicle".into(),
            asset_ref: "12가3456".into(),
            description: "승용자동차".into(),
            reserve_price: 8_000_000,
            minimum_deposit: 800_000,
            notice_on: day(1),
            sale_on: day(11),
        };
        client.publish(&listing).await.unwrap();
        client.publish(&listing).await.unwrap();
        assert_eq!(
            sim.open_listing("12가3456").map(|l| l.listing_id),
            Some("a-1".into())
        );
        let bid = PlatformBid {
            bidder_ref: "B-1".into(),
            amount: 8_500_000,
            deposit: 800_000,
        };
        assert!(sim.bid("a-1", bid.clone()));
        assert!(!sim.bid("a-2", bid.clone()));
        assert_eq!(
            client.bids("11110", "a-1").await.unwrap(),
            vec![bid.clone()]
        );
        // Opened: closed to more bids.
        assert!(!sim.bid("a-1", bid));
        assert_eq!(sim.open_listing("12가3456"), None);
        assert_eq!(client.settlement("11110", "a-1").await.unwrap(), None);
        let paid = Settlement {
            paid_on: day(20),
            amount: 8_500_000,
        };
        assert!(sim.pay("a-1", paid));
        assert_eq!(client.settlement("11110", "a-1").await.unwrap(), Some(paid));
        assert!(client.bids("11110", "nope").await.is_err());
        client.withdraw("11110", "a-1").await.unwrap();
        assert!(sim.withdrawn("a-1"));
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    }
}
