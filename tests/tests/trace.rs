//! One clerk request is one trace: the levy decision in assessment and everything it causes
//! in collection, reporting and arrears-enforcement (through the outbox relay) share the
//! trace id of the clerk's call.

use std::collections::HashSet;

use chrono::{NaiveDate, TimeZone};
use opentelemetry_sdk::trace::InMemorySpanExporter;
use seip_core::clock::kst;
use seip_e2e::TestPlatform;
use seip_proto::assessment::v1 as apb;
use seip_proto::common::v1 as common;
use tracing::Instrument;

#[tokio::test]
async fn one_clerk_request_is_one_trace_across_the_four_services() {
    let exporter = InMemorySpanExporter::default();
    let _guard = seip_runtime::telemetry::init_with_exporter(exporter.clone(), "warn").unwrap();
    let p = TestPlatform::start(
        kst()
            .with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
            .unwrap()
            .to_utc(),
    )
    .await
    .unwrap();
    let vehicle_id = p
        .register_car(1, 1998, NaiveDate::from_ymd_opt(2025, 3, 1).unwrap())
        .await
        .unwrap();
    let mut a = p.assessment();

    let clerk = tracing::info_span!("clerk.decide_levy");
    a.decide_automobile_tax(apb::DecideAutomobileTaxRequest {
        tenant_code: "11110".into(),
        idempotency_key: "levy".into(),
        vehicle_id,
        tax_year: 2026,
        period_half: common::PeriodHalf::H1 as i32,
    })
    .instrument(clerk)
    .await
    .unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);

    let spans = exporter.get_finished_spans().unwrap();
    let decide = spans
        .iter()
        .find(|s| s.name.ends_with("/DecideAutomobileTax"))
        .expect("the assessment server span");
    let trace_id = decide.span_context.trace_id();
    let services: HashSet<String> = spans
        .iter()
        .filter(|s| s.span_context.trace_id() == trace_id)
        .filter_map(|s| {
            s.attributes
                .iter()
                .find(|kv| kv.key.as_str() == "seip.service")
                .map(|kv| kv.value.to_string())
        })
        .collect();
    let expected: HashSet<String> = [
        "assessment",
        "collection",
        "reporting",
        "arrears_enforcement",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(services, expected, "one trace crosses all four services");
    p.stop().await.unwrap();
}
