//! One clerk request is one trace: the levy decision in assessment and everything it causes
//! in collection, reporting and arrears-enforcement (through the outbox relay) share the
//! trace id of the clerk's call. And each service's spans reach the trace backend under its
//! own `service.name`, though the four run in one process.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::{NaiveDate, TimeZone};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use seip_core::clock::kst;
use seip_e2e::TestPlatform;
use seip_proto::assessment::v1 as apb;
use seip_proto::common::v1 as common;
use tracing::Instrument;

/// Spans as exported, each with the `service.name` of the exporter that received it: one
/// exporter per service, as an OTLP exporter is, all writing to one list.
#[derive(Debug, Clone, Default)]
struct Recorder {
    service_name: String,
    spans: Arc<Mutex<Vec<(String, SpanData)>>>,
}

impl SpanExporter for Recorder {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut spans = self.spans.lock().unwrap();
        spans.extend(batch.into_iter().map(|s| (self.service_name.clone(), s)));
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.service_name = resource
            .get(&opentelemetry::Key::new("service.name"))
            .map(|v| v.to_string())
            .unwrap_or_default();
    }
}

#[tokio::test]
async fn one_clerk_request_is_one_trace_across_the_four_services() {
    let recorder = Recorder::default();
    let make = {
        let recorder = recorder.clone();
        move || recorder.clone()
    };
    let _guard = seip_runtime::telemetry::init_with_exporter(make, "warn").unwrap();
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

    let exported = recorder.spans.lock().unwrap().clone();
    let decide = exported
        .iter()
        .find(|(_, s)| s.name.ends_with("/DecideAutomobileTax"))
        .expect("the assessment server span");
    let trace_id = decide.1.span_context.trace_id();
    let in_trace: Vec<&(String, SpanData)> = exported
        .iter()
        .filter(|(_, s)| s.span_context.trace_id() == trace_id)
        .collect();
    let services: HashSet<String> = in_trace
        .iter()
        .filter_map(|(_, s)| {
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
    // Every span of the trace went to its own service's exporter; the clerk's, of no
    // service, to the process's.
    for (service_name, span) in &in_trace {
        let Some(attribute) = span
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == "seip.service")
            .map(|kv| kv.value.to_string())
        else {
            assert_eq!(span.name, "clerk.decide_levy");
            assert_eq!(service_name, "seip");
            continue;
        };
        assert_eq!(
            *service_name,
            format!("seip-{}", attribute.replace('_', "-")),
            "span {}",
            span.name
        );
    }
    let names: HashSet<&str> = in_trace.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        HashSet::from([
            "seip",
            "seip-assessment",
            "seip-collection",
            "seip-reporting",
            "seip-arrears-enforcement"
        ])
    );
    p.stop().await.unwrap();
}
