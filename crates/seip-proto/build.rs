//! Generates the gRPC code from `proto/` with protox (pure Rust: no `protoc` on the machine)
//! and writes the encoded descriptor set for server reflection.

use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let files = [
        "seip/common/v1/common.proto",
        "seip/common/v1/events.proto",
        "seip/assessment/v1/assessment.proto",
        "seip/assessment/v1/events.proto",
        "seip/collection/v1/collection.proto",
        "seip/collection/v1/events.proto",
        "seip/collection/v1/internal.proto",
        "seip/arrears_enforcement/v1/arrears_enforcement.proto",
        "seip/arrears_enforcement/v1/events.proto",
        "seip/reporting/v1/reporting.proto",
    ];
    println!("cargo:rerun-if-changed={}", root.display());
    let fds = protox::compile(files.iter().map(|f| root.join(f)), [&root])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("seip_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
