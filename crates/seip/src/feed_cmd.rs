//! `seip feed …` and `seip bills …`: the treasury feed and the bill export from the command
//! line, for treasury clerks and the bank integration team. They talk to the collection
//! service over gRPC with the caller's token; only with `--local` does Seip run in this
//! process on the configured store instead.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use comfy_table::Cell;
use futures::StreamExt;
use seip::display::{Unit, bar, num, table, won};
use seip_core::Won;
use seip_proto::collection::v1 as pb;
use seip_proto::collection::v1::collection_service_client::CollectionServiceClient;
use seip_runtime::ServiceName;
use seip_runtime::auth::Role;
use seip_runtime::convert::{date_from_proto, date_to_proto};
use seip_runtime::grpc::Channel;
use seip_runtime::paging::MAX_PAGE_SIZE;

/// Where the collection service is, and who calls it.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// Collection service URL (default: the configured endpoint).
    #[arg(long, env = "SEIP_COLLECTION_URL")]
    collection_url: Option<String>,
    /// Bearer token from your identity provider. Without one, on the embedded default, Seip
    /// signs a short-lived token with the development key in its data directory.
    #[arg(long, env = "SEIP_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Run Seip in this process on the configured store instead of calling a service.
    #[arg(long)]
    local: bool,
}

/// `seip feed …`
#[derive(Debug, clap::Subcommand)]
pub enum FeedCommand {
    /// Import a treasury receipt-notice file (RCPT_*.dat): upload it, wait until every record
    /// is applied, and print where the money went.
    Import {
        /// The file, exactly as the bank sent it.
        file: PathBuf,
        /// Idempotency key (default: the file name).
        #[arg(long)]
        key: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// Import a revenue-account deposit statement (CSV) and reconcile the days it covers.
    Deposits {
        /// The statement.
        file: PathBuf,
        /// Municipality (default: the tenant of the statement's first line).
        #[arg(long, env = "SEIP_TENANT")]
        tenant: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// Imports, reconciliation exceptions, suspense and over-payments of a municipality.
    Status {
        /// Municipality: 5-digit code.
        #[arg(long, env = "SEIP_TENANT")]
        tenant: String,
        /// Imports to show, newest first.
        #[arg(long, default_value_t = 20)]
        limit: i32,
        #[command(flatten)]
        target: Target,
    },
}

/// `seip bills …`
#[derive(Debug, clap::Subcommand)]
pub enum BillsCommand {
    /// Every bill as CSV: electronic payment number, amount due, due date, status.
    Export {
        /// Municipality: 5-digit code.
        #[arg(long, env = "SEIP_TENANT")]
        tenant: String,
        /// Amounts due as of this date, YYYY-MM-DD (default: today, KST).
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        target: Target,
    },
}

/// A client of collection, and the session it runs in.
struct Session {
    client: CollectionServiceClient<Channel>,
    inner: crate::session::Session,
}

impl Session {
    /// A session with collection acting for `tenant` in `role`.
    async fn open(
        target: &Target,
        config: Option<&Path>,
        tenant: &str,
        role: Role,
    ) -> anyhow::Result<Self> {
        let inner = crate::session::Session::open(
            ServiceName::Collection,
            target.collection_url.as_deref(),
            target.token.as_deref(),
            target.local,
            config,
            tenant,
            role,
        )
        .await?;
        Ok(Self {
            client: CollectionServiceClient::new(inner.channel.clone()),
            inner,
        })
    }

    async fn close(self) -> anyhow::Result<()> {
        self.inner.close().await
    }
}

fn reconciliation_name(r: i32) -> &'static str {
    match pb::ReconciliationStatus::try_from(r).unwrap_or_default() {
        pb::ReconciliationStatus::AwaitingDeposit => "awaiting deposit",
        pb::ReconciliationStatus::Reconciled => "reconciled, stamped",
        pb::ReconciliationStatus::Exception => "EXCEPTION",
        pb::ReconciliationStatus::Resolved => "resolved, stamped",
        pb::ReconciliationStatus::Unspecified => "-",
    }
}

fn status_name(s: i32) -> &'static str {
    match pb::ReceivableStatus::try_from(s).unwrap_or_default() {
        pb::ReceivableStatus::Open => "open",
        pb::ReceivableStatus::Paid => "paid",
        pb::ReceivableStatus::Overdue => "overdue",
        pb::ReceivableStatus::Unspecified => "-",
    }
}

/// Run `seip feed …`.
pub async fn feed(cmd: FeedCommand, config: Option<&Path>) -> anyhow::Result<()> {
    match cmd {
        FeedCommand::Import { file, key, target } => {
            let mut head = [0u8; 6];
            {
                use std::io::Read;
                std::fs::File::open(&file)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?
                    .read_exact(&mut head)
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "{}: line 1, record: expected a 200-byte header record H",
                            file.display()
                        )
                    })?;
            }
            if head[0] != b'H' || !head[1..].iter().all(u8::is_ascii_digit) {
                anyhow::bail!(
                    "{}: line 1, record type: expected a header record H with the 5-digit tenant code",
                    file.display()
                );
            }
            let tenant = String::from_utf8_lossy(&head[1..]).into_owned();
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let size = std::fs::metadata(&file)?.len();
            let mut s = Session::open(&target, config, &tenant, Role::TreasuryBank).await?;
            let upload = bar(size, "uploading", Unit::Bytes);
            let up_bar = upload.clone();
            let reader = tokio::fs::File::open(&file).await?;
            let result = seip::treasury::upload(
                &mut s.client,
                &tenant,
                key.as_deref().unwrap_or(&name),
                &name,
                reader,
                move |n| up_bar.inc(n),
            )
            .await;
            upload.finish_and_clear();
            let r = match result {
                Ok(r) => r,
                Err(status) => {
                    s.close().await?;
                    let mut t = table(["treasury file", "records", "won"]);
                    t.add_row(vec![
                        Cell::new("rejected (nothing posted)"),
                        Cell::new("all"),
                        Cell::new(""),
                    ]);
                    println!("{t}");
                    anyhow::bail!("{}: {}", file.display(), status.message());
                }
            };
            let job = r.job.unwrap_or_default();
            if r.already_imported {
                eprintln!("{name} was imported before: nothing posted now.");
            }
            let records = job.summary.as_ref().map_or(0, |s| s.records);
            let apply = bar(u64::try_from(records).unwrap_or(0), "applying", Unit::Items);
            let done = seip::treasury::wait(&mut s.client, &tenant, &job.import_id, |j| {
                apply.set_position(
                    u64::try_from(j.summary.as_ref().map_or(0, |s| s.records_applied)).unwrap_or(0),
                );
            })
            .await;
            apply.finish_and_clear();
            let done = done?;
            let sum = done.summary.unwrap_or_default();
            let t = seip::treasury::summary_table(&sum);
            println!(
                "{name}: import {} — {}\n{t}",
                done.import_id,
                reconciliation_name(done.reconciliation)
            );
            s.close().await
        }
        FeedCommand::Deposits {
            file,
            tenant,
            target,
        } => {
            let content = std::fs::read(&file)?;
            let tenant = match tenant {
                Some(t) => t,
                None => String::from_utf8_lossy(&content)
                    .lines()
                    .nth(1)
                    .and_then(|l| l.split(',').next())
                    .map(|t| t.trim().to_owned())
                    .ok_or_else(|| {
                        anyhow::anyhow!("{}: no deposit lines; give --tenant", file.display())
                    })?,
            };
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut s = Session::open(&target, config, &tenant, Role::TreasuryBank).await?;
            let r = s
                .client
                .import_deposit_statement(pb::ImportDepositStatementRequest {
                    tenant_code: tenant,
                    idempotency_key: name.clone(),
                    file_name: name.clone(),
                    content,
                })
                .await;
            let r = match r {
                Ok(r) => r.into_inner(),
                Err(status) => {
                    s.close().await?;
                    anyhow::bail!("{}: {}", file.display(), status.message());
                }
            };
            if r.already_imported {
                eprintln!("{name} was imported before: nothing changed.");
            }
            let mut t = table([
                "bank",
                "accounting date",
                "deposited",
                "files total",
                "reconciliation",
                "receipts stamped",
            ]);
            for x in &r.reconciliations {
                t.add_row(vec![
                    Cell::new(&x.bank_code),
                    Cell::new(
                        date_from_proto(x.accounting_date.as_ref(), "accounting_date")
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                    ),
                    won(x.deposited_won),
                    won(x.files_total_won),
                    Cell::new(reconciliation_name(x.status)),
                    num(x.receipts_stamped),
                ]);
            }
            println!(
                "{name}: {} lines, {} won\n{t}",
                r.lines,
                Won::new(r.total_won)
            );
            s.close().await
        }
        FeedCommand::Status {
            tenant,
            limit,
            target,
        } => {
            let mut s = Session::open(&target, config, &tenant, Role::Viewer).await?;
            let jobs = s
                .client
                .list_imports(pb::ListImportsRequest {
                    tenant_code: tenant.clone(),
                    page_size: limit,
                    ..Default::default()
                })
                .await?
                .into_inner()
                .jobs;
            let mut t = table([
                "file",
                "applied",
                "records",
                "total",
                "bills",
                "over-paid",
                "suspense",
                "reconciliation",
            ]);
            for j in &jobs {
                let sum = j.summary.unwrap_or_default();
                t.add_row(vec![
                    Cell::new(&j.file_name),
                    Cell::new(if j.status == pb::ImportStatus::Applied as i32 {
                        "done".to_owned()
                    } else {
                        format!("{}/{}", sum.records_applied, sum.records)
                    }),
                    num(sum.records),
                    won(sum.total_won),
                    won(sum.applied_won),
                    won(sum.overpaid_won),
                    won(sum.suspense_won),
                    Cell::new(reconciliation_name(j.reconciliation)),
                ]);
            }
            println!("Treasury files of {tenant}, newest first\n{t}");
            let mut exceptions = Vec::new();
            let mut page_token = String::new();
            loop {
                let page = s
                    .client
                    .list_reconciliation_exceptions(pb::ListReconciliationExceptionsRequest {
                        tenant_code: tenant.clone(),
                        include_resolved: false,
                        page_size: i32::try_from(MAX_PAGE_SIZE).unwrap_or(i32::MAX),
                        page_token,
                    })
                    .await?
                    .into_inner();
                exceptions.extend(page.exceptions);
                if page.next_page_token.is_empty() {
                    break;
                }
                page_token = page.next_page_token;
            }
            if !exceptions.is_empty() {
                let mut t = table(["exception", "bank", "date", "deposited", "files", "detail"]);
                for e in &exceptions {
                    t.add_row(vec![
                        Cell::new(&e.exception_id),
                        Cell::new(&e.bank_code),
                        Cell::new(
                            date_from_proto(e.accounting_date.as_ref(), "accounting_date")
                                .map(|d| d.to_string())
                                .unwrap_or_default(),
                        ),
                        won(e.deposited_won),
                        won(e.files_total_won),
                        Cell::new(&e.detail),
                    ]);
                }
                println!("Open reconciliation exceptions (stamping blocked)\n{t}");
            }
            let suspense = s
                .client
                .list_suspense(pb::ListSuspenseRequest {
                    tenant_code: tenant.clone(),
                    // The totals are over every page; one item is enough to learn them.
                    page_size: 1,
                    page_token: String::new(),
                })
                .await?
                .into_inner();
            let over = s
                .client
                .list_overpayments(pb::ListOverpaymentsRequest {
                    tenant_code: tenant.clone(),
                    page_size: 1,
                    page_token: String::new(),
                })
                .await?
                .into_inner();
            println!(
                "Suspense (가수금): {} items, {} won. Over-payments awaiting refund (과오납): {} items, {} won.",
                suspense.total_count,
                Won::new(suspense.total_won),
                over.total_count,
                Won::new(over.total_won)
            );
            s.close().await
        }
    }
}

/// Run `seip bills …`.
pub async fn bills(cmd: BillsCommand, config: Option<&Path>) -> anyhow::Result<()> {
    let BillsCommand::Export {
        tenant,
        as_of,
        output,
        target,
    } = cmd;
    let mut s = Session::open(&target, config, &tenant, Role::Collector).await?;
    let mut stream = s
        .client
        .export_bills(pb::ExportBillsRequest {
            tenant_code: tenant,
            as_of: as_of.map(date_to_proto),
        })
        .await?
        .into_inner();
    let out: Box<dyn std::io::Write> = match &output {
        Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p)?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "e_payment_number",
        "amount_due_won",
        "due_date",
        "status",
        "tax_year",
        "principal_won",
    ])?;
    let mut n = 0u64;
    while let Some(page) = stream.next().await {
        for b in page?.bills {
            let due = date_from_proto(b.due_date.as_ref(), "due_date")
                .map(|d| d.to_string())
                .unwrap_or_default();
            w.write_record([
                b.e_payment_number,
                b.amount_due_won.to_string(),
                due,
                status_name(b.status).to_owned(),
                b.tax_year.to_string(),
                b.principal_won.to_string(),
            ])?;
            n += 1;
        }
    }
    w.flush()?;
    drop(w);
    if let Some(p) = output {
        eprintln!("{n} bills written to {}", p.display());
    }
    s.close().await
}
