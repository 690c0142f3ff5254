//! The `seip` binary as clerks and the bank team use it, on the embedded store: the demo
//! leaves a treasury file and a deposit statement; `feed import` recognises the file as
//! imported, `feed deposits` as seen, `feed status` shows the books, and `bills export`
//! writes the CSV the bank team builds its test files from. With no service answering, a
//! command fails unless `--local` asks for Seip in this process.

use std::path::Path;
use std::process::{Command, Output};

/// `seip args…` on the embedded store in `dir`.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_seip"));
    c.args(args)
        .env("SEIP_DATA_DIR", dir)
        .env("SEIP_LOG_FILTER", "error")
        .env_remove("SEIP_DATABASE_URL")
        .env_remove("DATABASE_URL");
    // Nothing listens here: the commands run Seip in-process on the data dir (`--local`).
    for s in [
        "ASSESSMENT",
        "COLLECTION",
        "ARREARS_ENFORCEMENT",
        "REPORTING",
    ] {
        c.env(format!("SEIP_LISTEN__{s}"), "127.0.0.1:1");
    }
    c
}

/// Run `seip args…` and require success.
fn seip(dir: &Path, args: &[&str]) -> Output {
    let out = command(dir, args).output().expect("the seip binary runs");
    assert!(
        out.status.success(),
        "seip {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn feed_and_bills_commands_work_on_the_demo_books() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let d = dir.to_str().unwrap();
    seip(&dir, &["demo", "--vehicles", "40", "--data-dir", d]);
    let file = dir.join("RCPT_11110_032_20260630_0001.dat");
    assert!(file.exists());

    // Without `--local`, nothing answering is an error that names the way out, and the file
    // lands nowhere.
    let out = command(&dir, &["feed", "import", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no collection service answers"), "{stderr}");
    assert!(stderr.contains("--local"), "{stderr}");

    let out = seip(&dir, &["feed", "import", "--local", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("was imported before"), "{stderr}");
    assert!(stdout.contains("file total"), "{stdout}");
    assert!(stdout.contains("reconciled, stamped"), "{stdout}");

    let deposits = dir.join("DEPOSITS_20260630.csv");
    let out = seip(
        &dir,
        &["feed", "deposits", "--local", deposits.to_str().unwrap()],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("was imported before"));

    let out = seip(&dir, &["feed", "status", "--local", "--tenant", "11110"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("RCPT_11110_032_20260630_0001.dat"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Suspense (가수금): 1 items, 156,000 won"),
        "{stdout}"
    );

    let csv_path = tmp.path().join("bills.csv");
    seip(
        &dir,
        &[
            "bills",
            "export",
            "--local",
            "--tenant",
            "11110",
            "--as-of",
            "2026-07-15",
            "-o",
            csv_path.to_str().unwrap(),
        ],
    );
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("e_payment_number,amount_due_won,due_date,status,tax_year,principal_won")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // The 40 levied bills, and the enforcement costs of the demo's auction (the appraisal).
    assert_eq!(rows.len(), 41);
    for r in &rows {
        assert_eq!(r[0].len(), 19, "{r:?}");
        assert!(matches!(r[3], "paid" | "overdue" | "open"), "{r:?}");
        let due: i64 = r[1].parse().unwrap();
        assert_eq!(due == 0, r[3] == "paid", "{r:?}");
    }

    // Nothing is stuck in the demo's outboxes; releasing an event that is not parked fails.
    let out = seip(&dir, &["ops", "events", "--service", "collection"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 events parked in collection's outbox")
    );
    let out = command(
        &dir,
        &[
            "ops",
            "events",
            "--service",
            "collection",
            "--release",
            "00000000-0000-0000-0000-000000000000",
            "--consumer",
            "reporting",
        ],
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not parked for reporting"));
    // No import is quarantined; retrying one that is not fails.
    let out = seip(&dir, &["ops", "imports"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 imports quarantined"));
    let out = command(
        &dir,
        &[
            "ops",
            "imports",
            "--retry",
            "00000000-0000-0000-0000-000000000000",
        ],
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not quarantined"));

    // A broken file is refused with the line and field, and the command fails.
    let broken = tmp.path().join("RCPT_11110_032_20260701_0001.dat");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[202 + 40] = b'X';
    std::fs::write(&broken, bytes).unwrap();
    let out = command(
        &dir,
        &["feed", "import", "--local", broken.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 2, principal paid"), "{stderr}");
}
