//! Logs and traces: `tracing` everywhere, exported through OpenTelemetry (OTLP/gRPC) when an
//! endpoint is configured, and W3C trace context carried across every gRPC hop.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use opentelemetry::trace::SpanId;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{KeyValue, global};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, SdkTracerProvider, SimpleSpanProcessor, SpanData, SpanExporter,
    SpanProcessor,
};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, ServiceName, Settings};

/// Keeps the tracer and meter providers alive; flushes spans and metrics when dropped.
/// `main` holds it.
#[derive(Debug)]
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
    meters: Option<SdkMeterProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("telemetry shutdown: {e}");
        }
        if let Some(m) = &self.meters
            && let Err(e) = m.shutdown()
        {
            eprintln!("metrics shutdown: {e}");
        }
    }
}

/// The metric counting what was quarantined.
pub const QUARANTINED: &str = "seip.quarantined";

/// Count one thing quarantined — an event its consumer keeps refusing, a treasury import
/// that keeps failing — in [`QUARANTINED`], with `kind` (`event`, `treasury_import`) and
/// `attributes`: the signal an operator's monitoring alerts on, beside the error in the log.
pub fn count_quarantined(kind: &'static str, attributes: &[KeyValue]) {
    let mut all = Vec::with_capacity(attributes.len() + 1);
    all.push(KeyValue::new("kind", kind));
    all.extend_from_slice(attributes);
    global::meter("seip")
        .u64_counter(QUARANTINED)
        .with_description(
            "Events and treasury imports quarantined after failing the same way again and again",
        )
        .build()
        .add(1, &all);
}

/// Telemetry options beyond [`Settings`].
#[derive(Debug, Default)]
pub struct TelemetryOptions {
    /// Write logs to stderr (the CLI keeps stdout for its tables).
    pub quiet: bool,
}

/// Install the global subscriber and tracer provider from settings.
pub fn init(settings: &Settings, opts: TelemetryOptions) -> anyhow::Result<TelemetryGuard> {
    let mut builder = SdkTracerProvider::builder().with_resource(resource());
    if let Some(endpoint) = &settings.otlp_endpoint {
        let exporter = || {
            opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint.clone())
                .build()
        };
        let mut by_service = Vec::new();
        for s in ServiceName::ALL {
            by_service.push((s, BatchSpanProcessor::builder(exporter()?).build()));
        }
        builder = builder.with_span_processor(ByService::new(
            by_service,
            BatchSpanProcessor::builder(exporter()?).build(),
        ));
    }
    let mut guard = install(
        builder.build(),
        settings.log_format,
        &settings.log_filter,
        opts,
    )?;
    if let Some(endpoint) = &settings.otlp_endpoint {
        let exporter = opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint.clone())
            .build()?;
        let meters = SdkMeterProvider::builder()
            .with_resource(resource())
            .with_reader(PeriodicReader::builder(exporter).build())
            .build();
        global::set_meter_provider(meters.clone());
        guard.meters = Some(meters);
    }
    Ok(guard)
}

/// Install the global subscriber with spans sent, as they end, to an exporter made by
/// `exporter` for each service and one for spans of none (tests use in-memory exporters to
/// check trace propagation and service names).
pub fn init_with_exporter<E: SpanExporter + 'static>(
    exporter: impl Fn() -> E,
    log_filter: &str,
) -> anyhow::Result<TelemetryGuard> {
    let by_service = ServiceName::ALL
        .iter()
        .map(|s| (*s, SimpleSpanProcessor::new(exporter())))
        .collect();
    let provider = SdkTracerProvider::builder()
        .with_resource(resource())
        .with_span_processor(ByService::new(
            by_service,
            SimpleSpanProcessor::new(exporter()),
        ))
        .build();
    install(
        provider,
        LogFormat::Text,
        log_filter,
        TelemetryOptions { quiet: true },
    )
}

fn resource() -> Resource {
    Resource::builder()
        .with_service_name(PROCESS_SERVICE_NAME)
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build()
}

/// The `service.name` of spans that belong to no one service (the CLI, start-up).
pub const PROCESS_SERVICE_NAME: &str = "seip";

/// The span attribute naming the service a span belongs to. The root spans of a service's
/// work set it (a call it serves, an event it applies, a relay pass, a job); every other span
/// takes its parent's.
pub const SERVICE_ATTRIBUTE: &str = "seip.service";

/// The OpenTelemetry `service.name` of `service`: `seip-assessment`, …
pub fn otel_service_name(service: ServiceName) -> String {
    format!("seip-{}", service.as_str().replace('_', "-"))
}

/// Sends each span to the processor (and so the exporter, with its own `service.name`) of the
/// service it belongs to, so a trace viewer shows four services even when `serve all` runs
/// them in one process with one tracer provider.
///
/// A span names its service in [`SERVICE_ATTRIBUTE`], or inherits its parent's while the
/// parent is live in this process; a span with neither goes to the process's processor. An
/// explicit name wins over inheritance: an event applied by a consumer continues the
/// producer's trace but belongs to the consumer.
#[derive(Debug)]
struct ByService<P> {
    services: Vec<(ServiceName, P)>,
    process: P,
    live: Mutex<HashMap<SpanId, ServiceName>>,
}

impl<P: SpanProcessor> ByService<P> {
    fn new(services: Vec<(ServiceName, P)>, process: P) -> Self {
        Self {
            services,
            process,
            live: Mutex::new(HashMap::new()),
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<SpanId, ServiceName>> {
        // Every use of the map is one insert, lookup or remove: a panic elsewhere while it
        // was held leaves it consistent.
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn processor(&self, service: Option<ServiceName>) -> &P {
        service
            .and_then(|s| self.services.iter().find(|(n, _)| *n == s))
            .map_or(&self.process, |(_, p)| p)
    }
}

fn named_service(attributes: &[KeyValue]) -> Option<ServiceName> {
    attributes
        .iter()
        .find(|kv| kv.key.as_str() == SERVICE_ATTRIBUTE)
        .and_then(|kv| ServiceName::parse(kv.value.as_str().as_ref()))
}

impl<P: SpanProcessor> SpanProcessor for ByService<P> {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &opentelemetry::Context) {
        use opentelemetry::trace::{Span as _, TraceContextExt};
        let id = span.span_context().span_id();
        let named = span
            .exported_data()
            .and_then(|d| named_service(&d.attributes));
        let inherited = || {
            if !cx.has_active_span() {
                return None;
            }
            let parent = cx.span().span_context().span_id();
            self.live().get(&parent).copied()
        };
        let service = named.or_else(inherited);
        if let Some(s) = service {
            if named.is_none() {
                span.set_attribute(KeyValue::new(SERVICE_ATTRIBUTE, s.as_str()));
            }
            self.live().insert(id, s);
        }
        self.processor(service).on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        let service = self.live().remove(&span.span_context.span_id());
        self.processor(service).on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        let mut result = self.process.force_flush();
        for (_, p) in &self.services {
            result = result.and(p.force_flush());
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let mut result = self.process.shutdown_with_timeout(timeout);
        for (_, p) in &self.services {
            result = result.and(p.shutdown_with_timeout(timeout));
        }
        result
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.process.set_resource(resource);
        for (service, p) in &mut self.services {
            let own = Resource::builder_empty()
                .with_attributes(
                    resource
                        .iter()
                        .map(|(k, v)| KeyValue::new(k.clone(), v.clone())),
                )
                .with_service_name(otel_service_name(*service))
                .build();
            p.set_resource(&own);
        }
    }
}

fn install(
    provider: SdkTracerProvider,
    format: LogFormat,
    filter: &str,
    opts: TelemetryOptions,
) -> anyhow::Result<TelemetryGuard> {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let tracer = provider.tracer("seip");
    global::set_tracer_provider(provider.clone());
    let log_filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(if opts.quiet { "warn" } else { filter }))?;
    // Spans are exported at info whatever the log level, so a trace is complete even when
    // the console is quiet; the transport crates' own spans are noise.
    let span_filter = EnvFilter::try_new("info,h2=off,hyper=off,tower=off,sqlx=off,sea_orm=off")?;
    let fmt_layer = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_writer(std::io::stderr)
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(false)
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(
            // Entering and leaving a span is free: no busy/idle timing and no OpenTelemetry
            // context made current (trace context is read from the span itself). A task such
            // as a treasury import enters its span on every poll, hundreds of thousands of
            // times, and the two cost a tenth of the collection service's time applying one.
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_tracked_inactivity(false)
                .with_context_activation(false)
                .with_filter(span_filter),
        )
        .with(fmt_layer.with_filter(log_filter))
        .try_init()?;
    Ok(TelemetryGuard {
        provider,
        meters: None,
    })
}

/// The W3C `traceparent` of the current span, or empty when it is not traced.
pub fn current_traceparent() -> String {
    use opentelemetry::propagation::TextMapPropagator;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let cx = tracing::Span::current().context();
    let mut carrier = std::collections::HashMap::new();
    TraceContextPropagator::new().inject_context(&cx, &mut carrier);
    carrier.remove("traceparent").unwrap_or_default()
}

/// Make `span` a child of the trace named by `traceparent` (a relayed event's origin).
pub fn set_parent_from_traceparent(span: &tracing::Span, traceparent: &str) {
    use opentelemetry::propagation::TextMapPropagator;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    if traceparent.is_empty() {
        return;
    }
    let mut carrier = std::collections::HashMap::new();
    carrier.insert("traceparent".to_owned(), traceparent.to_owned());
    let cx = TraceContextPropagator::new().extract(&carrier);
    let _ = span.set_parent(cx);
}
