//! [`f32_param`]: request parameters that SDKs type as `f32`, recorded as
//! the `f64` their decimal text denotes.

/// An `f32` request parameter as the `f64` its decimal text denotes
/// (`0.7f32` → `0.7`, not `0.699999988079071`).
pub fn f32_param(v: f32) -> f64 {
    // The fewest decimals that round-trip to `v`, tried arithmetically: the
    // scaled value is an exact integer (|v|·10^k < 2^53 below) and dividing
    // it by the exact 10^k rounds once, to the `f64` that decimal text
    // parses to. Parameters (0.7, 0.95, 1.0) take a step or two; the rest
    // go through the shortest text (a heap string).
    let wide = f64::from(v);
    let mut scale = 1.0_f64;
    for _ in 0..=7 {
        let scaled = (wide * scale).round();
        if scaled.abs() < 9.0e15 {
            let candidate = scaled / scale;
            #[allow(clippy::cast_possible_truncation)] // the round trip is the test
            if (candidate as f32).to_bits() == v.to_bits() {
                return candidate;
            }
        }
        scale *= 10.0;
    }
    v.to_string().parse().unwrap_or(wide)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_parameters_keep_their_decimal_value() {
        assert!((f32_param(0.7) - 0.7).abs() < f64::EPSILON);
        assert_eq!(f32_param(0.7).to_string(), "0.7");
        // The arithmetic path agrees with the shortest text on every value
        // that text gives with few decimals, and on the others it falls back.
        let text = |v: f32| {
            v.to_string()
                .parse::<f64>()
                .expect("Display of a float parses")
        };
        for v in [
            0.0_f32,
            1.0,
            0.5,
            0.95,
            0.1,
            0.3,
            0.123_456_7,
            2.5e-8,
            3.4e38,
            -0.7,
            1e7,
            16_777_217.0,
        ] {
            assert_eq!(f32_param(v).to_bits(), text(v).to_bits(), "{v}");
        }
        for i in 0..=2000_u16 {
            let v = f32::from(i) / 1000.0;
            assert_eq!(f32_param(v).to_bits(), text(v).to_bits(), "{v}");
        }
    }

    #[test]
    fn f32_parameters_keep_their_decimal_spelling() {
        assert_eq!(f32_param(0.7).to_string(), "0.7");
        assert_eq!(f32_param(1.0).to_string(), "1");
        assert_eq!(f32_param(-0.25).to_string(), "-0.25");
    }

    #[test]
    fn f32_conversion_matches_the_allocating_spelling() {
        // Includes values whose decimal spelling overflows the stack buffer.
        for v in [
            0.0_f32,
            -0.0,
            0.1,
            0.95,
            2.0,
            1e-7,
            1e-30,
            f32::MIN_POSITIVE,
            1e30,
            f32::MAX,
            f32::INFINITY,
        ] {
            let want: f64 = v.to_string().parse().unwrap_or(f64::from(v));
            assert_eq!(f32_param(v).to_bits(), want.to_bits(), "{v}");
        }
        assert!(f32_param(f32::NAN).is_nan());
    }
}
