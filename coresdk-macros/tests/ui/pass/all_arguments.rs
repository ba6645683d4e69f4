use coresdk::{RecoveryHint, trace};

fn hint() -> RecoveryHint {
    RecoveryHint::Custom("computed")
}

#[trace(
    intent = "every argument at once",
    name = "renamed",
    on_error = hint(),
    attrs(order.id = id, "quoted.key" = %id, dbg = ?(id, id), r#type = "raw"),
    crate = ::coresdk,
)]
fn everything(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    assert_eq!(everything(3), Ok(3));
}
