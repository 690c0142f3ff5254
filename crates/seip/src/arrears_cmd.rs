//! `seip arrears …`: enforcement from the command line, for enforcement officers — demand
//! runs with a progress bar, cases as tables, seizures, demand documents. It talks to the
//! arrears-enforcement service over gRPC with the caller's token; with `--local` Seip runs
//! in this process on the configured store instead.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use comfy_table::Cell;
use futures::StreamExt;
use seip::display::{Unit, bar, num, table, won};
use seip_proto::arrears_enforcement::v1 as pb;
use seip_proto::arrears_enforcement::v1::arrears_enforcement_service_client::ArrearsEnforcementServiceClient;
use seip_runtime::ServiceName;
use seip_runtime::auth::Role;
use seip_runtime::convert::{date_from_proto, date_to_proto};

use crate::session::Session;

/// Where the arrears-enforcement service is, and who calls it.
#[derive(Debug, Clone, clap::Args)]
pub struct Target {
    /// Municipality: 5-digit code.
    #[arg(long, env = "SEIP_TENANT")]
    tenant: String,
    /// Arrears-enforcement service URL (default: the configured endpoint).
    #[arg(long, env = "SEIP_ARREARS_URL")]
    arrears_url: Option<String>,
    /// Bearer token from your identity provider. Without one, on the embedded default, Seip
    /// signs a short-lived token with the development key in its data directory.
    #[arg(long, env = "SEIP_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Run Seip in this process on the configured store instead of calling a service.
    #[arg(long)]
    local: bool,
}

/// What is seized.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Kind {
    /// A registered vehicle (reference: the vehicle id).
    Vehicle,
    /// Real estate (reference: 부동산고유번호).
    RealEstate,
    /// A bank deposit (reference: the account; --third-party: the bank's code).
    BankDeposit,
    /// Wages (--third-party: the employer; --value: the net monthly wage).
    Wages,
    /// Retirement pay (--third-party: the employer).
    RetirementPay,
    /// Any other receivable (--third-party: the debtor).
    OtherReceivable,
}

impl Kind {
    fn to_proto(self) -> pb::AssetKind {
        match self {
            Kind::Vehicle => pb::AssetKind::Vehicle,
            Kind::RealEstate => pb::AssetKind::RealEstate,
            Kind::BankDeposit => pb::AssetKind::BankDeposit,
            Kind::Wages => pb::AssetKind::Wages,
            Kind::RetirementPay => pb::AssetKind::RetirementPay,
            Kind::OtherReceivable => pb::AssetKind::OtherReceivable,
        }
    }
}

/// `seip arrears …`
#[derive(Debug, clap::Subcommand)]
pub enum ArrearsCommand {
    /// Issue the demand notices (독촉장) of a due date, as of today; prints what was issued.
    Demands {
        /// The due date whose unpaid bills are demanded, YYYY-MM-DD.
        #[arg(long)]
        due_date: NaiveDate,
        /// Idempotency key (default: demands-<tenant>-<due date>).
        #[arg(long)]
        key: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// One taxpayer's enforcement case: bills, demands, seizures, every action, what next.
    Case {
        /// Taxpayer id.
        taxpayer: String,
        #[command(flatten)]
        target: Target,
    },
    /// The municipality's cases.
    Cases {
        /// Only active cases.
        #[arg(long)]
        active: bool,
        /// Only cases owing at least this much, won.
        #[arg(long, default_value_t = 0)]
        min_won: i64,
        /// Only cases owing a bill of this tax item (automobile_tax, enforcement_cost, …).
        #[arg(long)]
        tax_item: Option<seip_core::TaxItem>,
        /// Only cases holding a seizure of this kind of asset.
        #[arg(long, value_enum)]
        asset_kind: Option<Kind>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i32,
        #[command(flatten)]
        target: Target,
    },
    /// Seize an asset of a delinquent.
    Seize {
        /// Taxpayer id.
        taxpayer: String,
        /// What is seized.
        #[arg(long, value_enum)]
        kind: Kind,
        /// The register's or third party's reference to it.
        #[arg(long)]
        reference: String,
        /// Who holds or owes it (bank code, employer's business number).
        #[arg(long, default_value = "")]
        third_party: String,
        /// What it is worth, won.
        #[arg(long)]
        value: i64,
        /// Idempotency key.
        #[arg(long)]
        key: String,
        #[command(flatten)]
        target: Target,
    },
    /// Public auction of a seized asset (공매).
    Auction {
        #[command(subcommand)]
        cmd: AuctionCommand,
    },
    /// A demand notice as its document (HTML).
    Document {
        /// Demand id.
        demand: String,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        target: Target,
    },
}

/// `seip arrears auction …`.
#[derive(Debug, clap::Subcommand)]
pub enum AuctionCommand {
    /// Put a registered seizure's asset to auction at the platform; the rounds, bids,
    /// decision and proceeds follow by themselves.
    Start {
        /// Seizure id.
        seizure: String,
        /// The appraised value, won.
        #[arg(long)]
        appraised: i64,
        /// How the listing describes the asset.
        #[arg(long)]
        description: String,
        /// The appraisal's fee, won, charged to the delinquent as enforcement costs.
        #[arg(long, default_value_t = 0)]
        appraisal_cost: i64,
        /// Idempotency key.
        #[arg(long)]
        key: String,
        #[command(flatten)]
        target: Target,
    },
    /// One auction, with the bids of its last opened round.
    Show {
        /// Auction id.
        auction: String,
        #[command(flatten)]
        target: Target,
    },
    /// Decide the sale to the winning bid now.
    Decide {
        /// Auction id.
        auction: String,
        /// The buyer's price deadline in days (7–30; default the law's 7).
        #[arg(long, default_value_t = 0)]
        price_days: i32,
        /// Idempotency key.
        #[arg(long)]
        key: String,
        #[command(flatten)]
        target: Target,
    },
    /// Stop an auction before its decision.
    Stop {
        /// Auction id.
        auction: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Idempotency key.
        #[arg(long)]
        key: String,
        #[command(flatten)]
        target: Target,
    },
}

/// An auction as a few lines: where it stands, the round, and its bids.
pub fn print_auction(a: &pb::Auction) {
    println!(
        "auction {} — {} — round {}: appraised {} won, reserve {} won, sale on {}{}",
        a.auction_id,
        name(pb::AuctionState::try_from(a.state)),
        a.round,
        seip_core::Won::new(a.appraised_won),
        seip_core::Won::new(a.reserve_won),
        date(a.sale_on.as_ref()),
        if a.proceeds_won > 0 {
            format!(
                "; paid {} won on {}",
                seip_core::Won::new(a.proceeds_won),
                date(a.paid_on.as_ref())
            )
        } else if a.winning_bid_won > 0 {
            format!(
                "; won at {} won, decided {}",
                seip_core::Won::new(a.winning_bid_won),
                date(a.decided_on.as_ref())
            )
        } else {
            String::new()
        }
    );
    if !a.bids.is_empty() {
        let mut t = table(["bidder", "amount", "deposit", "judged"]);
        for b in &a.bids {
            t.add_row(vec![
                Cell::new(&b.bidder_ref),
                won(b.amount_won),
                won(b.deposit_won),
                Cell::new(if b.winning {
                    "wins"
                } else if b.defect.is_empty() {
                    "valid"
                } else {
                    &b.defect
                }),
            ]);
        }
        println!("{t}");
    }
    if !a.note.is_empty() {
        println!("  {}", a.note);
    }
}

async fn auction(cmd: AuctionCommand, config: Option<&Path>) -> anyhow::Result<()> {
    let (target, role) = match &cmd {
        AuctionCommand::Show { target, .. } => (target.clone(), Role::Viewer),
        AuctionCommand::Start { target, .. }
        | AuctionCommand::Decide { target, .. }
        | AuctionCommand::Stop { target, .. } => (target.clone(), Role::EnforcementOfficer),
    };
    let s = open(&target, config, role).await?;
    let mut client = ArrearsEnforcementServiceClient::new(s.channel.clone());
    let tenant_code = target.tenant.clone();
    let a = match cmd {
        AuctionCommand::Start {
            seizure,
            appraised,
            description,
            appraisal_cost,
            key,
            ..
        } => {
            client
                .start_auction(pb::StartAuctionRequest {
                    tenant_code,
                    seizure_id: seizure,
                    appraised_value_won: appraised,
                    description,
                    idempotency_key: key,
                    appraisal_cost_won: appraisal_cost,
                })
                .await?
                .into_inner()
                .auction
        }
        AuctionCommand::Show { auction, .. } => {
            client
                .get_auction(pb::GetAuctionRequest {
                    tenant_code,
                    auction_id: auction,
                })
                .await?
                .into_inner()
                .auction
        }
        AuctionCommand::Decide {
            auction,
            price_days,
            key,
            ..
        } => {
            client
                .decide_sale(pb::DecideSaleRequest {
                    tenant_code,
                    auction_id: auction,
                    price_days,
                    idempotency_key: key,
                })
                .await?
                .into_inner()
                .auction
        }
        AuctionCommand::Stop {
            auction,
            reason,
            key,
            ..
        } => {
            client
                .stop_auction(pb::StopAuctionRequest {
                    tenant_code,
                    auction_id: auction,
                    reason,
                    idempotency_key: key,
                })
                .await?
                .into_inner()
                .auction
        }
    };
    print_auction(&a.ok_or_else(|| anyhow::anyhow!("no auction in the answer"))?);
    s.close().await
}

async fn open(target: &Target, config: Option<&Path>, role: Role) -> anyhow::Result<Session> {
    Session::open(
        ServiceName::ArrearsEnforcement,
        target.arrears_url.as_deref(),
        target.token.as_deref(),
        target.local,
        config,
        &target.tenant,
        role,
    )
    .await
}

fn date(d: Option<&seip_proto::common::v1::Date>) -> String {
    date_from_proto(d, "date")
        .map(|d| d.to_string())
        .unwrap_or_else(|_| "-".into())
}

fn name<E: std::fmt::Debug, X>(v: Result<E, X>) -> String {
    v.map(|e| format!("{e:?}")).unwrap_or_else(|_| "-".into())
}

/// Run `seip arrears …`.
pub async fn run(cmd: ArrearsCommand, config: Option<&Path>) -> anyhow::Result<()> {
    match cmd {
        ArrearsCommand::Demands {
            due_date,
            key,
            target,
        } => {
            let s = open(&target, config, Role::EnforcementOfficer).await?;
            let mut client = ArrearsEnforcementServiceClient::new(s.channel.clone());
            let mut stream = client
                .issue_demands(pb::IssueDemandsRequest {
                    tenant_code: target.tenant.clone(),
                    due_date: Some(date_to_proto(due_date)),
                    idempotency_key: key
                        .unwrap_or_else(|| format!("demands-{}-{due_date}", target.tenant)),
                })
                .await?
                .into_inner();
            let mut pb_bar = None;
            let mut last = None;
            while let Some(p) = stream.next().await {
                let p = p?;
                let b = pb_bar.get_or_insert_with(|| {
                    bar(
                        u64::try_from(p.taxpayers_total).unwrap_or(0),
                        "taxpayers demanded",
                        Unit::Items,
                    )
                });
                b.set_position(u64::try_from(p.taxpayers_done).unwrap_or(0));
                last = Some(p);
            }
            if let Some(b) = pb_bar {
                b.finish_and_clear();
            }
            let p = last.ok_or_else(|| anyhow::anyhow!("the run answered nothing"))?;
            let mut t = table(["issued on", "deadline", "demands", "bills", "won"]);
            t.add_row(vec![
                Cell::new(date(p.issued_on.as_ref())),
                Cell::new(date(p.deadline.as_ref())),
                num(p.demands_issued),
                num(p.bills_demanded),
                won(p.demanded_won),
            ]);
            println!("{t}");
            s.close().await
        }
        ArrearsCommand::Case { taxpayer, target } => {
            let s = open(&target, config, Role::Viewer).await?;
            let c = ArrearsEnforcementServiceClient::new(s.channel.clone())
                .get_enforcement_case(pb::GetEnforcementCaseRequest {
                    tenant_code: target.tenant.clone(),
                    taxpayer_id: taxpayer,
                })
                .await?
                .into_inner()
                .enforcement_case
                .ok_or_else(|| anyhow::anyhow!("no case in the answer"))?;
            println!(
                "case {} — {} — owes {} won — next: {} {}",
                c.case_id,
                name(pb::CaseState::try_from(c.state)),
                seip_core::Won::new(c.arrears_amount_won),
                c.next
                    .as_ref()
                    .map(|n| name(pb::NextStepKind::try_from(n.kind)))
                    .unwrap_or_default(),
                c.next
                    .as_ref()
                    .and_then(|n| n.by.as_ref())
                    .map(|d| format!("by {}", date(Some(d))))
                    .unwrap_or_default()
            );
            let mut bills = table(["e-payment number", "since", "principal", "charges", "paid"]);
            for b in &c.bills {
                bills.add_row(vec![
                    Cell::new(&b.e_payment_number),
                    Cell::new(date(b.arrears_since.as_ref())),
                    won(b.principal_won),
                    won(b.late_charge_won),
                    Cell::new(if b.settled { "yes" } else { "" }),
                ]);
            }
            println!("{bills}");
            let mut seizures = table(["seizure", "asset", "state", "secured", "since"]);
            for z in &c.seizures {
                let asset = z.asset.clone().unwrap_or_default();
                seizures.add_row(vec![
                    Cell::new(&z.seizure_id),
                    Cell::new(format!(
                        "{} {}",
                        name(pb::AssetKind::try_from(asset.kind)),
                        asset.reference
                    )),
                    Cell::new(name(pb::SeizureState::try_from(z.state))),
                    won(z.secured_won),
                    Cell::new(date(z.perfected_on.as_ref())),
                ]);
            }
            if !c.seizures.is_empty() {
                println!("{seizures}");
            }
            for a in &c.auctions {
                print_auction(a);
            }
            let mut actions = table(["on", "who", "what", "why"]);
            for a in &c.actions {
                actions.add_row(vec![
                    Cell::new(date(a.on.as_ref())),
                    Cell::new(&a.actor),
                    Cell::new(name(pb::ActionKind::try_from(a.kind))),
                    Cell::new(&a.reason),
                ]);
            }
            println!("{actions}");
            s.close().await
        }
        ArrearsCommand::Cases {
            active,
            min_won,
            tax_item,
            asset_kind,
            limit,
            target,
        } => {
            let s = open(&target, config, Role::Viewer).await?;
            let r = ArrearsEnforcementServiceClient::new(s.channel.clone())
                .list_enforcement_cases(pb::ListEnforcementCasesRequest {
                    tenant_code: target.tenant.clone(),
                    state: if active {
                        pb::CaseState::Active as i32
                    } else {
                        0
                    },
                    min_arrears_won: min_won,
                    page_size: limit,
                    tax_item: tax_item
                        .map(seip_runtime::convert::tax_item_to_proto)
                        .unwrap_or_default(),
                    asset_kind: asset_kind.map_or(0, |k| k.to_proto() as i32),
                    ..Default::default()
                })
                .await?
                .into_inner();
            let mut t = table(["taxpayer", "state", "bills", "owed", "since"]);
            for c in &r.cases {
                t.add_row(vec![
                    Cell::new(&c.taxpayer_id),
                    Cell::new(name(pb::CaseState::try_from(c.state))),
                    num(c.bills),
                    won(c.arrears_amount_won),
                    Cell::new(date(c.arrears_since.as_ref())),
                ]);
            }
            println!("{t}");
            if !r.next_page_token.is_empty() {
                println!("(more: raise --limit)");
            }
            s.close().await
        }
        ArrearsCommand::Seize {
            taxpayer,
            kind,
            reference,
            third_party,
            value,
            key,
            target,
        } => {
            let s = open(&target, config, Role::EnforcementOfficer).await?;
            let z = ArrearsEnforcementServiceClient::new(s.channel.clone())
                .seize_asset(pb::SeizeAssetRequest {
                    tenant_code: target.tenant.clone(),
                    taxpayer_id: taxpayer,
                    asset: Some(pb::Asset {
                        kind: kind.to_proto() as i32,
                        reference,
                        third_party,
                        value_won: value,
                    }),
                    idempotency_key: key,
                })
                .await?
                .into_inner()
                .seizure
                .ok_or_else(|| anyhow::anyhow!("no seizure in the answer"))?;
            println!(
                "seizure {} {}: secures {} won ({} won protected); ordered from the registry",
                z.seizure_id,
                name(pb::SeizureState::try_from(z.state)),
                seip_core::Won::new(z.secured_won),
                seip_core::Won::new(z.protected_won)
            );
            s.close().await
        }
        ArrearsCommand::Auction { cmd } => auction(cmd, config).await,
        ArrearsCommand::Document {
            demand,
            output,
            target,
        } => {
            let s = open(&target, config, Role::Viewer).await?;
            let d = ArrearsEnforcementServiceClient::new(s.channel.clone())
                .get_demand_document(pb::GetDemandDocumentRequest {
                    tenant_code: target.tenant.clone(),
                    demand_id: demand,
                })
                .await?
                .into_inner();
            match output {
                Some(path) => std::fs::write(&path, &d.content)?,
                None => {
                    use std::io::Write as _;
                    std::io::stdout().write_all(&d.content)?;
                }
            }
            s.close().await
        }
    }
}
