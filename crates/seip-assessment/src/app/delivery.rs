//! Delivery (송달): a run gathers every pending notice of each taxpayer into one message with
//! what is due on each today (asked of collection) and one link; messages go out through the
//! certified relay by AlimTalk, matched by identity; what the relay cannot deliver goes by
//! SMS where a number is known; what stays unread past the municipality's validity period —
//! and, without an e-service application, every notice with legal effect — goes on paper,
//! unless it was paid first. A provider that is down leaves messages queued, tried again with
//! backoff: no notice is lost.
//!
//! Legal effect (N-1): with an e-service application in effect, delivery is the service and
//! its day is recorded as the served date; without, a message is informational.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use seip_core::{TaxpayerId, TenantCode, Won, kst_today};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::{ServiceName, outbox};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::contact::latest_application;
use super::notice::load_all;
use super::{AssessmentApp, taxpayer_field};
use crate::domain::delivery::{
    ApplicationEnd, Channel, Consolidated, Listed, MessageState, NoticeDelivery,
};
use crate::domain::notice::{Notice, NoticeSource, Recipient, ServedNotice, compose};
use crate::error::AssessmentError;
use crate::ports::receivables::{Due, Receivables};
use crate::ports::relay::{
    AlimTalkMessage, AlimTalkSend, Button, MAX_MESSAGES, NoticeRelay, Outcome, SmsGateway, SmsSend,
    matching_key,
};
use crate::store::{
    delivery_run, message, message_notice, notice, paper_batch, paper_notice, taxpayer,
};
use crate::wire::notices_served;

/// Who is told of notices served: arrears enforcement, whose demands they are (C-5).
pub const SERVICE_CONSUMERS: [ServiceName; 1] = [ServiceName::ArrearsEnforcement];

/// Taxpayers gathered into messages per transaction of a run.
const TAXPAYERS_PER_BATCH: u64 = 100;

/// What delivery reaches outside assessment: the relay, the SMS gateway, collection, and the
/// relay's secret for matching keys.
#[derive(Clone)]
pub struct DeliveryPorts {
    /// The certified relay (AlimTalk).
    pub relay: Arc<dyn NoticeRelay>,
    /// The SMS gateway.
    pub sms: Arc<dyn SmsGateway>,
    /// Collection, for what is due.
    pub receivables: Arc<dyn Receivables>,
    /// The relay's secret for recipients' matching keys.
    pub matching_secret: Arc<[u8]>,
}

impl std::fmt::Debug for DeliveryPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryPorts")
            .field("relay", &self.relay)
            .field("sms", &self.sms)
            .field("receivables", &self.receivables)
            .finish_non_exhaustive()
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunSummary {
    /// The run.
    pub run_id: Uuid,
    /// Notices put into messages.
    pub notices: u64,
    /// Messages made (one per taxpayer).
    pub messages: u64,
    /// Notices found paid in full, not sent.
    pub settled: u64,
    /// Messages the provider took.
    pub sent: u64,
}

/// What one look at the providers and the calendar did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FollowUp {
    /// Messages the provider took (first sends and retries).
    pub sent: u64,
    /// Messages found delivered (or read).
    pub delivered: u64,
    /// Messages read.
    pub read: u64,
    /// Messages whose notices were served by them (e-service in effect).
    pub served: u64,
    /// Messages not deliverable.
    pub failed: u64,
    /// SMS made for AlimTalk messages not delivered.
    pub failed_over: u64,
    /// Notices now due on paper.
    pub to_print: u64,
    /// Notices in the print-vendor batch made.
    pub printed: u64,
    /// E-service applications deemed withdrawn (five e-notices unopened, N-1).
    pub withdrawn: u64,
}

/// A print-vendor batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperBatch {
    /// Batch id.
    pub id: Uuid,
    /// Its directory: `batch.csv` (a row per notice) and a PDF per notice.
    pub location: PathBuf,
    /// Notices in it.
    pub notices: u64,
}

fn unavailable(e: impl std::fmt::Display) -> AppError {
    AssessmentError::ChannelUnavailable(e.to_string()).into()
}

/// A fresh link token (in the message only) and its hash (kept).
fn link_token() -> (String, String) {
    let token = URL_SAFE_NO_PAD.encode(Uuid::new_v4().into_bytes())
        + &URL_SAFE_NO_PAD.encode(Uuid::new_v4().into_bytes());
    let hash = token_hash(&token);
    (token, hash)
}

/// The hash a link's token is kept as.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Backoff after `attempts` failed sends: 1, 2, 4 … minutes, at most an hour.
fn backoff(attempts: i32) -> chrono::Duration {
    let minutes = 1_i64 << attempts.clamp(0, 6);
    chrono::Duration::minutes(minutes.min(60))
}

/// What is due on `n` today: the sum over its distinct bills collection holds for its
/// recipient; its own figures where it names none (a refund) or collection holds none of
/// them. A bill owed by someone else (a clerk's slip in `SubmitNotice`) is never shown to
/// this recipient: the notice keeps the figures it was handed over with.
fn amount_of(n: &Notice, due: &HashMap<Uuid, Due>) -> Won {
    let mut bills = HashSet::new();
    let mut total = Won::ZERO;
    let mut known = false;
    for item in &n.content.items {
        if let Some(b) = item.bill_id
            && let Some(d) = due.get(&b.uuid())
            && d.taxpayer_id == n.taxpayer_id.uuid()
        {
            known = true;
            if bills.insert(b) {
                total += d.amount;
            }
        }
    }
    if known { total } else { n.content.total() }
}

/// What is due today on the bills `notices` name, asked of collection.
async fn amounts_due(
    ports: &DeliveryPorts,
    tenant: TenantCode,
    notices: &[Notice],
    today: NaiveDate,
) -> AppResult<HashMap<Uuid, Due>> {
    let bills: Vec<Uuid> = notices
        .iter()
        .flat_map(|n| n.content.items.iter().filter_map(|i| i.bill_id))
        .map(|b| b.uuid())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    ports
        .receivables
        .amounts_due(tenant, &bills, today)
        .await
        .map_err(unavailable)
}

/// `notices` still in a message are due on paper.
async fn to_paper<C: sea_orm::ConnectionTrait>(conn: &C, notices: Vec<Uuid>) -> AppResult<()> {
    if notices.is_empty() {
        return Ok(());
    }
    set_delivery(
        conn,
        notices,
        Some(NoticeDelivery::Sent),
        NoticeDelivery::ToPrint,
    )
    .await
}

/// A message to queue: for whom, by which channel, for how much as of which day.
struct Queued {
    tenant: TenantCode,
    run_id: Uuid,
    taxpayer: Uuid,
    channel: Channel,
    total: Won,
    as_of: NaiveDate,
    expires_on: NaiveDate,
}

/// Queue message `q` carrying `notices` (each with what is due on it), to go out at once.
async fn queue<C: sea_orm::ConnectionTrait>(
    conn: &C,
    q: Queued,
    now: DateTime<Utc>,
    notices: &[(Uuid, Won)],
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    message::ActiveModel {
        id: Set(id),
        tenant_code: Set(q.tenant.to_string()),
        run_id: Set(q.run_id),
        taxpayer_id: Set(q.taxpayer),
        channel: Set(q.channel),
        state: Set(MessageState::Queued),
        total_won: Set(q.total.to_i64()),
        as_of: Set(q.as_of),
        link_token_hash: Set(None),
        request_id: Set(None),
        provider_message_id: Set(None),
        attempts: Set(0),
        next_attempt_at: Set(Some(now)),
        sent_at: Set(None),
        delivered_at: Set(None),
        read_at: Set(None),
        expires_on: Set(q.expires_on),
        failure: Set(None),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    message_notice::Entity::insert_many(notices.iter().map(|(n, w)| message_notice::ActiveModel {
        message_id: Set(id),
        notice_id: Set(*n),
        amount_won: Set(w.to_i64()),
    }))
    .exec(conn)
    .await?;
    Ok(id)
}

/// Move `ids` to `to`, those only that stand at `from` when one is given.
async fn set_delivery<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = Uuid>,
    from: Option<NoticeDelivery>,
    to: NoticeDelivery,
) -> AppResult<()> {
    let mut q = notice::Entity::update_many()
        .col_expr(
            notice::Column::Delivery,
            sea_orm::sea_query::Expr::value(to.as_str()),
        )
        .filter(notice::Column::Id.is_in(ids));
    if let Some(from) = from {
        q = q.filter(notice::Column::Delivery.eq(from));
    }
    q.exec(conn).await?;
    Ok(())
}

impl AssessmentApp {
    fn delivery_ports(&self) -> AppResult<&DeliveryPorts> {
        self.delivery
            .as_ref()
            .ok_or_else(|| AppError::Internal("delivery has no ports configured".into()))
    }

    /// Gather every pending notice of the municipality into one message per taxpayer and
    /// send them. Resumable: a run stopped part way leaves the rest pending for the next.
    pub async fn run_delivery(&self, tenant: TenantCode, actor: &str) -> AppResult<RunSummary> {
        let ports = self.delivery_ports()?;
        let now = self.clock.now();
        let today = kst_today(now);
        let muni = self.documents.config().municipality(tenant.as_str());
        let validity = u64::from(muni.validity_days);
        let expires_on = today
            .checked_add_days(chrono::Days::new(validity))
            .unwrap_or(today);
        let run_id = Uuid::now_v7();
        delivery_run::ActiveModel {
            id: Set(run_id),
            tenant_code: Set(tenant.to_string()),
            run_on: Set(today),
            notices: Set(0),
            messages: Set(0),
            started_by: Set(actor.to_owned()),
            started_at: Set(now),
            finished_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        let mut summary = RunSummary {
            run_id,
            ..RunSummary::default()
        };
        let mut after: Option<Uuid> = None;
        loop {
            let mut q = notice::Entity::find()
                .select_only()
                .column(notice::Column::TaxpayerId)
                .distinct()
                .filter(notice::Column::TenantCode.eq(tenant.as_str()))
                .filter(notice::Column::Delivery.eq(NoticeDelivery::Pending));
            if let Some(a) = after {
                q = q.filter(notice::Column::TaxpayerId.gt(a));
            }
            let taxpayers: Vec<Uuid> = q
                .order_by_asc(notice::Column::TaxpayerId)
                .limit(TAXPAYERS_PER_BATCH)
                .into_tuple()
                .all(&self.db)
                .await?;
            let Some(last) = taxpayers.last() else { break };
            after = Some(*last);
            let rows = notice::Entity::find()
                .filter(notice::Column::TenantCode.eq(tenant.as_str()))
                .filter(notice::Column::Delivery.eq(NoticeDelivery::Pending))
                .filter(notice::Column::TaxpayerId.is_in(taxpayers.iter().copied()))
                .order_by_asc(notice::Column::Id)
                .all(&self.db)
                .await?;
            let notices = load_all(&self.db, rows).await?;
            let due = amounts_due(ports, tenant, &notices, today).await?;
            let mut by_taxpayer: BTreeMap<Uuid, Vec<Notice>> = BTreeMap::new();
            for n in notices {
                by_taxpayer.entry(n.taxpayer_id.uuid()).or_default().push(n);
            }
            let txn = self.db.begin().await?;
            for (taxpayer, notices) in by_taxpayer {
                let mut listed = Vec::new();
                let mut settled = Vec::new();
                for n in notices {
                    let amount = amount_of(&n, &due);
                    if n.content.kind.is_payable() && amount.is_zero() {
                        settled.push(n.id);
                    } else {
                        listed.push((n.id, amount));
                    }
                }
                summary.settled += settled.len() as u64;
                if !settled.is_empty() {
                    set_delivery(&txn, settled, None, NoticeDelivery::Settled).await?;
                }
                if listed.is_empty() {
                    continue;
                }
                let total: Won = listed.iter().map(|(_, w)| *w).sum();
                queue(
                    &txn,
                    Queued {
                        tenant,
                        run_id,
                        taxpayer,
                        channel: Channel::AlimTalk,
                        total,
                        as_of: today,
                        expires_on,
                    },
                    now,
                    &listed,
                )
                .await?;
                set_delivery(
                    &txn,
                    listed.iter().map(|(n, _)| *n),
                    None,
                    NoticeDelivery::Sent,
                )
                .await?;
                summary.notices += listed.len() as u64;
                summary.messages += 1;
            }
            let mut run: delivery_run::ActiveModel = delivery_run::Entity::find_by_id(run_id)
                .one(&txn)
                .await?
                .ok_or_else(|| AppError::Internal(format!("run {run_id} vanished")))?
                .into();
            run.notices = Set(i32::try_from(summary.notices).unwrap_or(i32::MAX));
            run.messages = Set(i32::try_from(summary.messages).unwrap_or(i32::MAX));
            run.update(&txn).await?;
            txn.commit().await?;
        }
        let mut run: delivery_run::ActiveModel = delivery_run::Entity::find_by_id(run_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::Internal(format!("run {run_id} vanished")))?
            .into();
        run.finished_at = Set(Some(self.clock.now()));
        run.update(&self.db).await?;
        summary.sent = self.send_queued(tenant).await?;
        tracing::info!(%run_id, notices = summary.notices, messages = summary.messages, settled = summary.settled, sent = summary.sent, "delivery run finished");
        Ok(summary)
    }

    /// The recipient of a message: their name, matching key and phone number, opened.
    fn open_taxpayer(&self, t: &taxpayer::Model) -> AppResult<(String, String, Option<String>)> {
        let open = |column: &str, data: &[u8]| {
            self.pii
                .decrypt(data, taxpayer_field(column, t.id))
                .ok_or_else(|| {
                    AppError::Internal(format!(
                        "taxpayer {}: no configured pii key opens its {column}",
                        t.id
                    ))
                })
        };
        let name = open("name_encrypted", &t.name_encrypted)?;
        let rrn = open("rrn_encrypted", &t.rrn_encrypted)?;
        let ci = matching_key(&self.delivery_ports()?.matching_secret, &rrn);
        Ok((name, ci, self.phone_of(t)?))
    }

    /// The consolidated content of each of `messages`, by message id.
    async fn contents(
        &self,
        tenant: TenantCode,
        messages: &[message::Model],
    ) -> AppResult<HashMap<Uuid, Consolidated>> {
        let links = message_notice::Entity::find()
            .filter(message_notice::Column::MessageId.is_in(messages.iter().map(|m| m.id)))
            .all(&self.db)
            .await?;
        let notices: HashMap<Uuid, notice::Model> = notice::Entity::find()
            .filter(notice::Column::Id.is_in(links.iter().map(|l| l.notice_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|n| (n.id, n))
            .collect();
        let mut listed: HashMap<Uuid, Vec<(Uuid, Listed)>> = HashMap::new();
        for l in links {
            if let Some(n) = notices.get(&l.notice_id) {
                listed.entry(l.message_id).or_default().push((
                    n.id,
                    Listed {
                        kind: n.kind,
                        amount: Won::new(l.amount_won),
                        deadline: n.deadline,
                    },
                ));
            }
        }
        let sender = self.documents.sender(tenant);
        Ok(messages
            .iter()
            .map(|m| {
                let mut notices = listed.remove(&m.id).unwrap_or_default();
                notices.sort_by_key(|(id, _)| *id);
                (
                    m.id,
                    Consolidated {
                        sender: sender.clone(),
                        name: String::new(),
                        notices: notices.into_iter().map(|(_, l)| l).collect(),
                        as_of: m.as_of,
                    },
                )
            })
            .collect())
    }

    /// Send every queued message of the municipality whose time has come, a provider's
    /// request at a time; a provider that fails leaves them queued with backoff. The messages
    /// the providers took.
    pub async fn send_queued(&self, tenant: TenantCode) -> AppResult<u64> {
        let ports = self.delivery_ports()?.clone();
        let now = self.clock.now();
        let muni = self.documents.config().municipality(tenant.as_str());
        let portal = self
            .documents
            .config()
            .portal_url
            .trim_end_matches('/')
            .to_owned();
        let queued = message::Entity::find()
            .filter(message::Column::TenantCode.eq(tenant.as_str()))
            .filter(message::Column::State.eq(MessageState::Queued))
            .filter(message::Column::NextAttemptAt.lte(now))
            .order_by_asc(message::Column::Id)
            .all(&self.db)
            .await?;
        // Each message is leased before it goes out, so two followers (replicas, or the
        // schedule and a clerk's run) never send it twice; a lease a crash left behind runs
        // out and the message is tried again.
        let lease = now + chrono::Duration::minutes(10);
        let mut claimed = Vec::with_capacity(queued.len());
        for m in queued {
            let taken = message::Entity::update_many()
                .col_expr(
                    message::Column::NextAttemptAt,
                    sea_orm::sea_query::Expr::value(lease),
                )
                .filter(message::Column::Id.eq(m.id))
                .filter(message::Column::State.eq(MessageState::Queued))
                .filter(message::Column::NextAttemptAt.lte(now))
                .exec(&self.db)
                .await?;
            if taken.rows_affected == 1 {
                claimed.push(m);
            }
        }
        let mut sent = 0;
        for chunk in claimed.chunks(MAX_MESSAGES) {
            let mut contents = self.contents(tenant, chunk).await?;
            let people: HashMap<Uuid, taxpayer::Model> = taxpayer::Entity::find()
                .filter(taxpayer::Column::Id.is_in(chunk.iter().map(|m| m.taxpayer_id)))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|t| (t.id, t))
                .collect();
            let mut alimtalk: Vec<(message::Model, String, AlimTalkMessage)> = Vec::new();
            for m in chunk {
                let t = people
                    .get(&m.taxpayer_id)
                    .ok_or_else(|| AppError::Internal(format!("message {}: no taxpayer", m.id)))?;
                let (name, ci, phone) = self.open_taxpayer(t)?;
                let mut content = contents
                    .remove(&m.id)
                    .ok_or_else(|| AppError::Internal(format!("message {}: no notices", m.id)))?;
                content.name = name;
                let (token, hash) = link_token();
                let link = format!("{portal}/n/{token}");
                match m.channel {
                    Channel::AlimTalk => alimtalk.push((
                        m.clone(),
                        hash,
                        AlimTalkMessage {
                            ci,
                            content: content.alimtalk_text(),
                            buttons: vec![Button {
                                kind: "WL".into(),
                                name: "고지서 확인".into(),
                                link_mobile: link.clone(),
                                link_pc: link,
                            }],
                            use_sms_failover: false,
                        },
                    )),
                    Channel::Sms => {
                        let Some(phone) = phone else {
                            self.fail(m, "no phone number").await?;
                            continue;
                        };
                        let answer = ports
                            .sms
                            .send_sms(&SmsSend {
                                from: muni.sms_from.clone(),
                                subject: format!("[{}] 고지서 안내", content.sender),
                                content: content.sms_text(&link),
                                to: vec![phone],
                            })
                            .await;
                        match answer {
                            Ok(a) => {
                                let id = a.message_ids.first().cloned();
                                self.sent(m, &hash, &a.request_id, id).await?;
                                sent += 1;
                            }
                            Err(e) => self.retry_later(m, &e.to_string()).await?,
                        }
                    }
                    Channel::Paper => {}
                }
            }
            if alimtalk.is_empty() {
                continue;
            }
            let request = AlimTalkSend {
                plus_friend_id: muni.plus_friend_id.clone(),
                template_code: self.documents.config().template_code.clone(),
                messages: alimtalk.iter().map(|(_, _, a)| a.clone()).collect(),
            };
            match ports.relay.send(&request).await {
                Ok(a) => {
                    for (i, (m, hash, _)) in alimtalk.iter().enumerate() {
                        let id = a.message_ids.get(i).cloned();
                        self.sent(m, hash, &a.request_id, id).await?;
                        sent += 1;
                    }
                }
                Err(e) => {
                    for (m, ..) in &alimtalk {
                        self.retry_later(m, &e.to_string()).await?;
                    }
                }
            }
        }
        Ok(sent)
    }

    async fn sent(
        &self,
        m: &message::Model,
        hash: &str,
        request_id: &str,
        provider_id: Option<String>,
    ) -> AppResult<()> {
        let now = self.clock.now();
        let mut am: message::ActiveModel = m.clone().into();
        am.state = Set(MessageState::Sent);
        am.link_token_hash = Set(Some(hash.to_owned()));
        am.request_id = Set(Some(request_id.to_owned()));
        am.provider_message_id = Set(provider_id);
        am.attempts = Set(m.attempts.saturating_add(1));
        am.sent_at = Set(Some(now));
        am.next_attempt_at = Set(None);
        am.update(&self.db).await?;
        Ok(())
    }

    async fn retry_later(&self, m: &message::Model, why: &str) -> AppResult<()> {
        let attempts = m.attempts.saturating_add(1);
        tracing::warn!(message_id = %m.id, channel = %m.channel, attempts, error = why, "message provider refused; will retry");
        let mut am: message::ActiveModel = m.clone().into();
        am.attempts = Set(attempts);
        am.next_attempt_at = Set(Some(self.clock.now() + backoff(attempts)));
        am.failure = Set(Some(why.to_owned()));
        am.update(&self.db).await?;
        Ok(())
    }

    /// `m` was not delivered: its notices go by SMS where the AlimTalk failed and a number is
    /// known (true), else on paper.
    async fn fail(&self, m: &message::Model, why: &str) -> AppResult<bool> {
        // The failure and what follows it commit together: a crash between them would leave
        // the notices in a failed message, neither texted nor printed.
        let txn = self.db.begin().await?;
        // Only from where this follower found it: another that got there first has done
        // what follows.
        let moved = message::Entity::update_many()
            .col_expr(
                message::Column::State,
                sea_orm::sea_query::Expr::value(MessageState::Failed.as_str()),
            )
            .col_expr(
                message::Column::Failure,
                sea_orm::sea_query::Expr::value(why),
            )
            .filter(message::Column::Id.eq(m.id))
            .filter(message::Column::State.eq(m.state))
            .exec(&txn)
            .await?;
        if moved.rows_affected != 1 {
            return Ok(false);
        }
        let failed_over = self.after_failure(&txn, m).await?;
        txn.commit().await?;
        Ok(failed_over)
    }

    async fn after_failure(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        m: &message::Model,
    ) -> AppResult<bool> {
        let tenant = seip_runtime::convert::tenant(&m.tenant_code)?;
        let links = message_notice::Entity::find()
            .filter(message_notice::Column::MessageId.eq(m.id))
            .all(txn)
            .await?;
        let has_phone = taxpayer::Entity::find_by_id(m.taxpayer_id)
            .one(txn)
            .await?
            .is_some_and(|t| t.phone_encrypted.is_some());
        if m.channel == Channel::AlimTalk && has_phone {
            let notices: Vec<(Uuid, Won)> = links
                .iter()
                .map(|l| (l.notice_id, Won::new(l.amount_won)))
                .collect();
            queue(
                txn,
                Queued {
                    tenant,
                    run_id: m.run_id,
                    taxpayer: m.taxpayer_id,
                    channel: Channel::Sms,
                    total: Won::new(m.total_won),
                    as_of: m.as_of,
                    expires_on: m.expires_on,
                },
                self.clock.now(),
                &notices,
            )
            .await?;
            return Ok(true);
        }
        to_paper(txn, links.iter().map(|l| l.notice_id).collect()).await?;
        Ok(false)
    }

    /// Whether an e-service application of `taxpayer` is in effect on `day`.
    async fn e_service_on(
        &self,
        tenant: TenantCode,
        taxpayer: Uuid,
        day: NaiveDate,
    ) -> AppResult<bool> {
        Ok(
            latest_application(&self.db, tenant, TaxpayerId::from_uuid(taxpayer))
                .await?
                .is_some_and(|a| a.application.in_effect_on(day)),
        )
    }

    /// Follow the municipality's messages: send what is queued, learn what was delivered,
    /// read or failed (failing over to SMS, then paper), let the unread expire into paper,
    /// and make the print-vendor batch of what is due on paper.
    pub async fn follow_up(&self, tenant: TenantCode) -> AppResult<FollowUp> {
        let mut done = FollowUp {
            sent: self.send_queued(tenant).await?,
            ..FollowUp::default()
        };
        let ports = self.delivery_ports()?.clone();
        let today = kst_today(self.clock.now());
        let open = message::Entity::find()
            .filter(message::Column::TenantCode.eq(tenant.as_str()))
            .filter(message::Column::State.is_in([MessageState::Sent, MessageState::Delivered]))
            .order_by_asc(message::Column::Id)
            .all(&self.db)
            .await?;
        let mut by_request: BTreeMap<(String, Channel), Vec<message::Model>> = BTreeMap::new();
        for m in open {
            if let Some(r) = m.request_id.clone() {
                by_request.entry((r, m.channel)).or_default().push(m);
            }
        }
        for ((request_id, channel), messages) in by_request {
            let results = match channel {
                Channel::AlimTalk => ports.relay.results(&request_id).await,
                Channel::Sms => ports.sms.sms_results(&request_id).await,
                Channel::Paper => continue,
            };
            let results = match results {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(%request_id, error = %e, "message results unavailable; will look again");
                    continue;
                }
            };
            // An SMS request answers with its request id alone and carries one text: its one
            // result is the message's.
            let only = (results.len() == 1).then(|| results[0].outcome.clone());
            let outcome: HashMap<String, Outcome> = results
                .into_iter()
                .map(|r| (r.message_id, r.outcome))
                .collect();
            for m in messages {
                let found = match &m.provider_message_id {
                    Some(id) => outcome.get(id),
                    None => only.as_ref(),
                };
                let Some(o) = found else {
                    continue;
                };
                match o {
                    Outcome::Pending => {}
                    Outcome::Failed(why) => {
                        if m.state == MessageState::Sent {
                            done.failed += 1;
                            done.failed_over += u64::from(self.fail(&m, why).await?);
                        }
                    }
                    Outcome::Delivered { at, read_at } => {
                        let delivered_at = parse_time(at)?;
                        let read_at = read_at.as_deref().map(parse_time).transpose()?;
                        let newly_delivered = m.state == MessageState::Sent;
                        if !newly_delivered && read_at.is_none() {
                            continue;
                        }
                        let mut am: message::ActiveModel = m.clone().into();
                        am.delivered_at = Set(Some(delivered_at));
                        am.read_at = Set(read_at);
                        am.state = Set(if read_at.is_some() {
                            MessageState::Read
                        } else {
                            MessageState::Delivered
                        });
                        am.update(&self.db).await?;
                        if newly_delivered {
                            done.delivered += 1;
                            let on = kst_today(delivered_at);
                            // E-service is by the linked e-notice box (N-1): an AlimTalk
                            // delivered serves; a text does not.
                            if m.channel == Channel::AlimTalk
                                && self.e_service_on(tenant, m.taxpayer_id, on).await?
                            {
                                self.served(&m, on).await?;
                                done.served += 1;
                            }
                        }
                        if read_at.is_some() {
                            done.read += 1;
                        }
                    }
                }
            }
        }
        done.withdrawn = self.deem_withdrawals(tenant, today).await?;
        done.to_print = self.expire(tenant, today).await?;
        if let Some(batch) = self.print_batch(tenant).await? {
            done.printed = batch.notices;
        }
        Ok(done)
    }

    /// The notices of `m` are served, with legal effect, on `on` by its channel.
    async fn served(&self, m: &message::Model, on: NaiveDate) -> AppResult<()> {
        let txn = self.db.begin().await?;
        let ids: Vec<Uuid> = message_notice::Entity::find()
            .filter(message_notice::Column::MessageId.eq(m.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|l| l.notice_id)
            .collect();
        // Those not served before, once: the senders among other services are told.
        let fresh = notice::Entity::find()
            .filter(notice::Column::Id.is_in(ids))
            .filter(notice::Column::ServedOn.is_null())
            .all(&txn)
            .await?;
        if fresh.is_empty() {
            return Ok(());
        }
        notice::Entity::update_many()
            .col_expr(
                notice::Column::ServedOn,
                sea_orm::sea_query::Expr::value(on),
            )
            .col_expr(
                notice::Column::ServedBy,
                sea_orm::sea_query::Expr::value(m.channel.as_str()),
            )
            .filter(notice::Column::Id.is_in(fresh.iter().map(|n| n.id)))
            .filter(notice::Column::ServedOn.is_null())
            .exec(&txn)
            .await?;
        let told: Vec<ServedNotice> = fresh
            .iter()
            .filter(|n| n.source == NoticeSource::ArrearsEnforcement)
            .map(|n| ServedNotice {
                notice_id: n.id,
                taxpayer_id: n.taxpayer_id,
                kind: n.kind,
                source: n.source,
                reference: n.reference.clone(),
                served_on: on,
                channel: m.channel,
            })
            .collect();
        if !told.is_empty() {
            outbox::enqueue(
                &txn,
                &SERVICE_CONSUMERS,
                &m.tenant_code,
                &notices_served(&told),
                self.clock.now(),
            )
            .await?;
        }
        txn.commit().await?;
        if !told.is_empty() {
            self.events_committed();
        }
        Ok(())
    }

    /// Messages past their validity: the unread expire, and every notice they carried that
    /// still needs a legal service (or was never read) becomes due on paper. The notices due
    /// on paper now.
    async fn expire(&self, tenant: TenantCode, today: NaiveDate) -> AppResult<u64> {
        let past = message::Entity::find()
            .filter(message::Column::TenantCode.eq(tenant.as_str()))
            .filter(message::Column::State.is_in([MessageState::Delivered, MessageState::Read]))
            .filter(message::Column::ExpiresOn.lt(today))
            .all(&self.db)
            .await?;
        let mut count = 0;
        for m in past {
            // A message is looked at once past its validity: it ends `expired`, keeping
            // when it was read, if it was.
            // Its expiry and its notices' move to paper commit together.
            let txn = self.db.begin().await?;
            let read = m.state == MessageState::Read;
            let moved = message::Entity::update_many()
                .col_expr(
                    message::Column::State,
                    sea_orm::sea_query::Expr::value(MessageState::Expired.as_str()),
                )
                .filter(message::Column::Id.eq(m.id))
                .filter(message::Column::State.eq(m.state))
                .exec(&txn)
                .await?;
            if moved.rows_affected != 1 {
                continue;
            }
            let links = message_notice::Entity::find()
                .filter(message_notice::Column::MessageId.eq(m.id))
                .all(&txn)
                .await?;
            let notices = notice::Entity::find()
                .filter(notice::Column::Id.is_in(links.iter().map(|l| l.notice_id)))
                .filter(notice::Column::Delivery.eq(NoticeDelivery::Sent))
                .all(&txn)
                .await?;
            let paper: Vec<Uuid> = notices
                .into_iter()
                .filter(|n| n.served_on.is_none() && (!read || n.kind.is_legal_service()))
                .map(|n| n.id)
                .collect();
            count += paper.len() as u64;
            to_paper(&txn, paper).await?;
            txn.commit().await?;
        }
        Ok(count)
    }

    /// The print-vendor batch of every notice due on paper and still unpaid: a directory
    /// with `batch.csv` (a row per notice: number, kind, recipient, address, amount, deadline,
    /// file) and each notice's PDF. Paid ones are settled instead. None when nothing is due.
    pub async fn print_batch(&self, tenant: TenantCode) -> AppResult<Option<PaperBatch>> {
        let ports = self.delivery_ports()?.clone();
        let rows = notice::Entity::find()
            .filter(notice::Column::TenantCode.eq(tenant.as_str()))
            .filter(notice::Column::Delivery.eq(NoticeDelivery::ToPrint))
            .order_by_asc(notice::Column::Id)
            .all(&self.db)
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let now = self.clock.now();
        let today = kst_today(now);
        let notices = load_all(&self.db, rows).await?;
        let due = amounts_due(&ports, tenant, &notices, today).await?;
        let (paid, unpaid): (Vec<Notice>, Vec<Notice>) = notices
            .into_iter()
            .partition(|n| n.content.kind.is_payable() && amount_of(n, &due).is_zero());
        if !paid.is_empty() {
            set_delivery(
                &self.db,
                paid.iter().map(|n| n.id),
                None,
                NoticeDelivery::Settled,
            )
            .await?;
        }
        if unpaid.is_empty() {
            return Ok(None);
        }
        let id = Uuid::now_v7();
        let dir = self.print_dir().join(tenant.as_str()).join(id.to_string());
        std::fs::create_dir_all(&dir)
            .map_err(|e| AppError::Internal(format!("print batch {}: {e}", dir.display())))?;
        let typeface = self.documents.typeface()?;
        let issuer = self.documents.issuer(tenant);
        let write_err = |e: &dyn std::fmt::Display| {
            AppError::Internal(format!("print batch {}: {e}", dir.display()))
        };
        let mut csv = csv::Writer::from_path(dir.join("batch.csv")).map_err(|e| write_err(&e))?;
        csv.write_record([
            "document_number",
            "kind",
            "name",
            "address",
            "amount_won",
            "deadline",
            "file",
        ])
        .map_err(|e| write_err(&e))?;
        for n in &unpaid {
            let to = self.recipient(tenant, n.taxpayer_id).await?;
            let number = n.document_number();
            let doc = compose(&n.content, &to, &issuer, &number);
            let pdf = seip_documents::pdf(&doc, typeface)
                .map_err(|e| AppError::Internal(format!("notice {}: {e}", n.id)))?;
            let file = format!("{number}.pdf");
            std::fs::write(dir.join(&file), pdf)
                .map_err(|e| AppError::Internal(format!("print batch {}: {e}", dir.display())))?;
            let Recipient { name, address } = to;
            csv.write_record([
                number.as_str(),
                n.content.kind.as_str(),
                &name,
                &address,
                &amount_of(n, &due).to_i64().to_string(),
                &n.content.deadline.to_string(),
                &file,
            ])
            .map_err(|e| write_err(&e))?;
        }
        csv.flush().map_err(|e| write_err(&e))?;
        let txn = self.db.begin().await?;
        paper_batch::ActiveModel {
            id: Set(id),
            tenant_code: Set(tenant.to_string()),
            made_on: Set(today),
            notices: Set(i32::try_from(unpaid.len()).unwrap_or(i32::MAX)),
            location: Set(dir.display().to_string()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        paper_notice::Entity::insert_many(unpaid.iter().map(|n| paper_notice::ActiveModel {
            batch_id: Set(id),
            notice_id: Set(n.id),
        }))
        .exec(&txn)
        .await?;
        set_delivery(
            &txn,
            unpaid.iter().map(|n| n.id),
            None,
            NoticeDelivery::Printed,
        )
        .await?;
        txn.commit().await?;
        tracing::info!(batch_id = %id, notices = unpaid.len(), "print-vendor batch made");
        Ok(Some(PaperBatch {
            id,
            location: dir,
            notices: unpaid.len() as u64,
        }))
    }

    /// Applications deemed withdrawn (N-1): an applicant whose five e-notices in a row went
    /// unopened within 60 days of delivery — unless those bills were paid in full by their
    /// due dates — no longer has e-service from the next month. The applications ended.
    async fn deem_withdrawals(&self, tenant: TenantCode, today: NaiveDate) -> AppResult<u64> {
        use seip_rules::e_service::{Delivered, UNOPENED_IN_A_ROW, deemed_withdrawn_on};
        let ports = self.delivery_ports()?.clone();
        // Those with at least five delivered and unread: the only ones a row can end.
        let unread: Vec<Uuid> = message::Entity::find()
            .select_only()
            .column(message::Column::TaxpayerId)
            .filter(message::Column::TenantCode.eq(tenant.as_str()))
            .filter(message::Column::Channel.eq(Channel::AlimTalk))
            .filter(message::Column::DeliveredAt.is_not_null())
            .filter(message::Column::ReadAt.is_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut counts: BTreeMap<Uuid, usize> = BTreeMap::new();
        for t in unread {
            *counts.entry(t).or_default() += 1;
        }
        let mut ended = 0;
        for (taxpayer, _) in counts.into_iter().filter(|(_, n)| *n >= UNOPENED_IN_A_ROW) {
            let id = TaxpayerId::from_uuid(taxpayer);
            let Some(open) = latest_application(&self.db, tenant, id)
                .await?
                .filter(|a| a.application.withdrawn_on.is_none())
            else {
                continue;
            };
            let from = open.application.effective_from();
            let messages: Vec<message::Model> = message::Entity::find()
                .filter(message::Column::TenantCode.eq(tenant.as_str()))
                .filter(message::Column::TaxpayerId.eq(taxpayer))
                .filter(message::Column::Channel.eq(Channel::AlimTalk))
                .filter(message::Column::DeliveredAt.is_not_null())
                .order_by_asc(message::Column::DeliveredAt)
                .all(&self.db)
                .await?
                .into_iter()
                .filter(|m| m.delivered_at.is_some_and(|at| kst_today(at) >= from))
                .collect();
            let links = message_notice::Entity::find()
                .filter(message_notice::Column::MessageId.is_in(messages.iter().map(|m| m.id)))
                .all(&self.db)
                .await?;
            let rows = notice::Entity::find()
                .filter(notice::Column::Id.is_in(links.iter().map(|l| l.notice_id)))
                .all(&self.db)
                .await?;
            let notices = load_all(&self.db, rows).await?;
            let due = amounts_due(&ports, tenant, &notices, today).await?;
            let by_id: HashMap<Uuid, &Notice> = notices.iter().map(|n| (n.id, n)).collect();
            // Paid in full by its due date: every bill of the notice, by the notice's date.
            let paid = |n: &Notice| {
                let mut bills = n.content.items.iter().filter_map(|i| i.bill_id).peekable();
                bills.peek().is_some()
                    && bills.all(|b| {
                        due.get(&b.uuid())
                            .filter(|d| d.taxpayer_id == n.taxpayer_id.uuid())
                            .and_then(|d| d.paid_in_full_on)
                            .is_some_and(|on| on <= n.content.deadline)
                    })
            };
            let delivered: Vec<Delivered> = messages
                .iter()
                .filter_map(|m| {
                    let of: Vec<&Notice> = links
                        .iter()
                        .filter(|l| l.message_id == m.id)
                        .filter_map(|l| by_id.get(&l.notice_id).copied())
                        .collect();
                    Some(Delivered {
                        delivered_on: kst_today(m.delivered_at?),
                        opened_on: m.read_at.map(kst_today),
                        paid_by_due_date: !of.is_empty() && of.iter().all(|n| paid(n)),
                    })
                })
                .collect();
            if let Some(on) = deemed_withdrawn_on(&delivered, today) {
                let txn = self.db.begin().await?;
                self.end_e_service(&txn, tenant, id, ApplicationEnd::Deemed, Some(on))
                    .await?;
                txn.commit().await?;
                tracing::info!(taxpayer_id = %taxpayer, deemed_on = %on, "e-service deemed withdrawn (five unopened)");
                ended += 1;
            }
        }
        Ok(ended)
    }

    /// Follow up every municipality with messages or notices due on paper.
    pub async fn follow_up_all(&self) -> AppResult<FollowUp> {
        // Every municipality that has sent messages: besides those under way, the unread of
        // the past weigh on e-service applications (the deemed withdrawal).
        let mut tenants: Vec<String> = message::Entity::find()
            .select_only()
            .column(message::Column::TenantCode)
            .distinct()
            .into_tuple()
            .all(&self.db)
            .await?;
        let printing: Vec<String> = notice::Entity::find()
            .select_only()
            .column(notice::Column::TenantCode)
            .distinct()
            .filter(notice::Column::Delivery.eq(NoticeDelivery::ToPrint))
            .into_tuple()
            .all(&self.db)
            .await?;
        tenants.extend(printing);
        tenants.sort();
        tenants.dedup();
        let mut all = FollowUp::default();
        for t in tenants {
            let f = self.follow_up(seip_runtime::convert::tenant(&t)?).await?;
            all.sent += f.sent;
            all.delivered += f.delivered;
            all.read += f.read;
            all.served += f.served;
            all.failed += f.failed;
            all.failed_over += f.failed_over;
            all.to_print += f.to_print;
            all.printed += f.printed;
            all.withdrawn += f.withdrawn;
        }
        Ok(all)
    }

    fn print_dir(&self) -> PathBuf {
        self.documents
            .config()
            .print_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("seip-data").join("print"))
    }
}

/// A provider's RFC 3339 time.
fn parse_time(s: &str) -> AppResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| AppError::Internal(format!("provider time {s:?} is not RFC 3339")))
}
