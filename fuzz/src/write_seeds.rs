//! Writes seed inputs for the fuzz targets into `<dir>/<target>/`: a request of every API and
//! version the broker answers, and a record batch in every codec.

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".into()));
    let sets = [
        ("request_frame", kbox::fuzzing::request_seeds()),
        ("record_batches", kbox::fuzzing::batch_seeds()),
        ("record_batches_fixed_crc", kbox::fuzzing::batch_seeds()),
        ("sasl_messages", kbox::fuzzing::sasl_seeds()),
    ];
    for (target, seeds) in sets {
        let out = dir.join(target);
        std::fs::create_dir_all(&out)?;
        for (i, seed) in seeds.iter().enumerate() {
            std::fs::write(out.join(format!("seed-{i:04}")), seed)?;
        }
        println!("{}: {} seeds", out.display(), seeds.len());
    }
    Ok(())
}
