//! Checksums and structural rules that keep ordinary numbers from being
//! mistaken for PII: Luhn (payment cards), ISO 7064 mod-97 (IBAN), the SSA
//! rules for US social security numbers, NANP rules for phone numbers and the
//! per-country IBAN lengths.

/// Whether the ASCII digits in `digits` (other bytes are skipped) pass the
/// Luhn check. Fewer than two digits never pass.
pub(crate) fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    let mut count = 0usize;
    for &c in digits.iter().rev() {
        if !c.is_ascii_digit() {
            continue;
        }
        let mut d = u32::from(c - b'0');
        if count % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
        count += 1;
    }
    count >= 2 && sum.is_multiple_of(10)
}

/// Whether `text` (ASCII letters and digits; spaces and dashes are skipped)
/// passes the ISO 7064 mod-97-10 check used by IBANs: the first four
/// characters moved to the end, letters as 10..=35, remainder 1.
pub(crate) fn mod97(text: &[u8]) -> bool {
    let chars = || text.iter().copied().filter(u8::is_ascii_alphanumeric);
    if chars().count() < 5 {
        return false;
    }
    let mut rem = 0u32;
    for c in chars().skip(4).chain(chars().take(4)) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            b'a'..=b'z' => u32::from(c - b'a') + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// US SSN rules: area not 000, 666 or 900–999; group not 00; serial not 0000.
/// Arguments are the digit groups as ASCII.
pub(crate) fn ssn_valid(area: &[u8], group: &[u8], serial: &[u8]) -> bool {
    let area = number(area);
    area != 0 && area != 666 && area < 900 && number(group) != 0 && number(serial) != 0
}

/// NANP: area code and exchange start with 2–9.
pub(crate) fn nanp_valid(area: &[u8], exchange: &[u8]) -> bool {
    matches!(area.first(), Some(b'2'..=b'9')) && matches!(exchange.first(), Some(b'2'..=b'9'))
}

/// The value of an ASCII digit string (saturating; non-digits count as 0).
pub(crate) fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0u32, |acc, &c| {
        acc.saturating_mul(10)
            .saturating_add(u32::from(c.wrapping_sub(b'0')).min(9))
    })
}

/// Total IBAN length (country code included) for a two-letter country code,
/// per the SWIFT IBAN registry; `None` for countries without IBANs.
pub(crate) fn iban_length(country: [u8; 2]) -> Option<usize> {
    let len = match &country {
        b"NO" => 15,
        b"BE" => 16,
        b"DK" | b"FI" | b"FK" | b"FO" | b"GL" | b"NL" | b"SD" => 18,
        b"MK" | b"SI" => 19,
        b"AT" | b"BA" | b"EE" | b"KZ" | b"LT" | b"LU" | b"MN" | b"XK" => 20,
        b"CH" | b"HR" | b"LI" | b"LV" => 21,
        b"BG" | b"BH" | b"CR" | b"DE" | b"GB" | b"GE" | b"IE" | b"ME" | b"RS" | b"VA" => 22,
        b"AE" | b"GI" | b"IL" | b"IQ" | b"OM" | b"SO" | b"TL" => 23,
        b"AD" | b"CZ" | b"ES" | b"MD" | b"PK" | b"RO" | b"SA" | b"SE" | b"SK" | b"TN" | b"VG" => 24,
        b"LY" | b"PT" | b"ST" => 25,
        b"IS" | b"TR" => 26,
        b"BI" | b"DJ" | b"FR" | b"GR" | b"IT" | b"MC" | b"MR" | b"SM" => 27,
        b"AL" | b"AZ" | b"BY" | b"CY" | b"DO" | b"GT" | b"HU" | b"LB" | b"NI" | b"PL" | b"SV" => 28,
        b"BR" | b"EG" | b"PS" | b"QA" | b"UA" => 29,
        b"JO" | b"KW" | b"MU" | b"YE" => 30,
        b"MT" | b"SC" => 31,
        b"LC" => 32,
        b"RU" => 33,
        _ => return None,
    };
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_test_cards_and_rejects_off_by_one() {
        assert!(luhn(b"4111111111111111"));
        assert!(luhn(b"4111 1111 1111 1111"));
        assert!(luhn(b"378282246310005"));
        assert!(luhn(b"5555-5555-5555-4444"));
        assert!(!luhn(b"4111111111111112"));
        assert!(!luhn(b"1234567812345678"));
        assert!(!luhn(b"0"));
    }

    #[test]
    fn mod97_accepts_registry_examples() {
        assert!(mod97(b"DE89370400440532013000"));
        assert!(mod97(b"GB82 WEST 1234 5698 7654 32"));
        assert!(mod97(b"NO9386011117947"));
        assert!(mod97(b"MT84MALT011000012345MTLCAST001S"));
        assert!(!mod97(b"DE89370400440532013001"));
        assert!(!mod97(b"GB82"));
    }

    #[test]
    fn ssn_rules() {
        assert!(ssn_valid(b"123", b"45", b"6789"));
        assert!(!ssn_valid(b"000", b"45", b"6789"));
        assert!(!ssn_valid(b"666", b"45", b"6789"));
        assert!(!ssn_valid(b"912", b"45", b"6789"));
        assert!(!ssn_valid(b"123", b"00", b"6789"));
        assert!(!ssn_valid(b"123", b"45", b"0000"));
    }

    #[test]
    fn nanp_rules() {
        assert!(nanp_valid(b"415", b"555"));
        assert!(!nanp_valid(b"123", b"555"));
        assert!(!nanp_valid(b"415", b"155"));
    }

    #[test]
    fn iban_lengths() {
        assert_eq!(iban_length(*b"DE"), Some(22));
        assert_eq!(iban_length(*b"NO"), Some(15));
        assert_eq!(iban_length(*b"US"), None);
    }
}
