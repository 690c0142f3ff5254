//! Logs and traces: `tracing` everywhere, exported through OpenTelemetry (OTLP/gRPC) when an
//! endpoint is configured, and W3C trace context carried across every gRPC hop.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{KeyValue, global};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, Settings};

/// Keeps the tracer provider alive; flushes spans when dropped. `main` holds it.
#[derive(Debug)]
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("telemetry shutdown: {e}");
        }
    }
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
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint.clone())
            .build()?;
        builder = builder.with_batch_exporter(exporter);
    }
    install(
        builder.build(),
        settings.log_format,
        &settings.log_filter,
        opts,
    )
}

/// Install the global subscriber with spans sent to `exporter` as they end (tests use an
/// in-memory exporter to check trace propagation).
pub fn init_with_exporter<E: SpanExporter + 'static>(
    exporter: E,
    log_filter: &str,
) -> anyhow::Result<TelemetryGuard> {
    let provider = SdkTracerProvider::builder()
        .with_resource(resource())
        .with_simple_exporter(exporter)
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
        .with_service_name("seip")
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build()
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
    Ok(TelemetryGuard { provider })
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
