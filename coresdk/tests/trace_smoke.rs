use coresdk::{RecoveryHint, trace};

#[derive(Debug)]
struct E;
impl std::fmt::Display for E {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("boom")
    }
}

#[trace(intent = "add", attrs(a = a, "b.c" = %b))]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[trace(intent = "fails", on_error = RecoveryHint::RetryWithBackoff)]
fn fails(x: u8) -> Result<u8, E> {
    if x > 3 {
        return Err(E);
    }
    let y: Result<u8, E> = Ok(x);
    Ok(y? + 1)
}

struct S {
    name: String,
}
impl S {
    #[trace(intent = "name")]
    fn name(&self) -> &str {
        &self.name
    }
    #[trace(intent = "name mut")]
    fn name_mut(&mut self) -> &mut String {
        &mut self.name
    }
    #[trace(intent = "iter")]
    fn chars(&self) -> impl Iterator<Item = char> + '_ {
        self.name.chars()
    }
    #[trace(intent = "async")]
    async fn a(&self, x: u8) -> Result<u8, E> {
        fails(x)?;
        Ok(1)
    }
}

#[test]
fn smoke() {
    assert_eq!(add(1, 2), 3);
    assert!(fails(5).is_err());
    let mut s = S { name: "x".into() };
    assert_eq!(s.name(), "x");
    s.name_mut().push('y');
    assert_eq!(s.chars().count(), 2);
}
