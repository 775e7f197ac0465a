//! Criterion micro-benchmarks with no network: encode+decode per method
//! (typed, and the untyped floor), and the generator's stages on `spec/`.
//!
//! `cargo bench -p slack-calls-benches --bench micro`. The side-by-side
//! figures with ratios are in `benches/compare.rs`; see BENCHMARKS.md.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use slack_calls_codegen::{Mode, Options};

#[path = "support/codec.rs"]
mod codec;
use codec::{encode_decode, encode_untyped, fake_exchanges};

fn encode_decode_per_method(c: &mut Criterion) {
    let exchanges = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(codec::BoxError::from)
        .and_then(|rt| rt.block_on(fake_exchanges()));
    let exchanges = match exchanges {
        Ok(exchanges) => exchanges,
        Err(err) => {
            eprintln!("skipped encode_decode: could not get the fake's answers: {err}");
            return;
        }
    };
    let mut group = c.benchmark_group("encode_decode");
    for (method, form, body) in &exchanges {
        group.bench_function(format!("{method}/typed"), |b| {
            b.iter(|| encode_decode(method, black_box(form), black_box(body)).is_ok())
        });
        group.bench_function(format!("{method}/untyped_floor"), |b| {
            b.iter(|| encode_untyped(black_box(form), black_box(body)).is_ok())
        });
    }
    group.finish();
}

fn generator_stages(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let files = match slack_calls_codegen::load_dir(&dir, "spec") {
        Ok(files) => files,
        Err(err) => {
            eprintln!("skipped generator: cannot read spec/: {err}");
            return;
        }
    };
    let options = Options::default();
    let Some(api) = slack_calls_codegen::check(&files, &options).0 else {
        eprintln!("skipped generator: spec/ does not validate");
        return;
    };
    let tokens = slack_calls_codegen::__emit_tokens(&api, &Mode::Core);
    let Ok(file) = syn::parse2::<syn::File>(tokens.clone()) else {
        eprintln!("skipped generator: the emitted tokens do not parse");
        return;
    };
    let mut group = c.benchmark_group("generate_spec");
    group.bench_function("parse_validate", |b| {
        b.iter(|| {
            slack_calls_codegen::check(black_box(&files), &options)
                .0
                .is_some()
        })
    });
    group.bench_function("emit", |b| {
        b.iter(|| slack_calls_codegen::__emit_tokens(black_box(&api), &Mode::Core))
    });
    group.bench_function("syn_parse", |b| {
        b.iter(|| syn::parse2::<syn::File>(black_box(tokens.clone())).is_ok())
    });
    group.bench_function("prettyplease", |b| {
        b.iter(|| prettyplease::unparse(black_box(&file)))
    });
    group.bench_function("generate", |b| {
        b.iter(|| slack_calls_codegen::generate(black_box(&files), &options).is_ok())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Small samples: the machine is shared.
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = encode_decode_per_method, generator_stages
}
criterion_main!(benches);
