//! Cost of a full automobile-tax bill (both periods, age reduction, education tax, A-5 check)
//! against a trivial baseline measured in the same run.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use seip_rules::automobile::{AutomobileTaxOptions, Vehicle, VehicleClass, VehicleUse};
use seip_rules::{LawParams, Won};

fn bench(c: &mut Criterion) {
    let car = Vehicle {
        class: VehicleClass::Passenger {
            displacement_cc: 1598,
        },
        vehicle_use: VehicleUse::NonCommercial,
        age_start_date: NaiveDate::from_ymd_opt(2023, 9, 20).expect("literal date"),
    };
    let options = AutomobileTaxOptions::default();
    let params = LawParams::statutory();
    let mut group = c.benchmark_group("automobile_tax");
    group.bench_function("baseline_won_add", |b| {
        b.iter(|| black_box(Won::new(black_box(106_260))) + black_box(Won::new(black_box(31_870))))
    });
    group.bench_function("full_annual_bill", |b| {
        b.iter(|| {
            black_box(&car)
                .annual_bill(black_box(2026), &options, params)
                .expect("valid car")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
