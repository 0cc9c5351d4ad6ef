//! Valid identifiers for synthetic parties: 统一社会信用代码 (GB 32100-2015, SPEC §7) and
//! Chinese patent numbers (ZL + application number + check digit).

use rand::Rng;

/// The 31 symbols of a credit code, valued 0–30 in this order.
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The check character (position 18) of the first 17 characters of a credit code.
pub(crate) fn credit_check_char(first17: &str) -> char {
    let mut sum = 0u32;
    let mut weight = 1u32;
    for b in first17.bytes() {
        let value = CREDIT_ALPHABET
            .iter()
            .position(|&c| c == b)
            .expect("credit code symbol") as u32;
        sum += value * weight;
        weight = weight * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    CREDIT_ALPHABET[check as usize] as char
}

/// The check character of an 8-character organization code body (GB 11714): real credit codes
/// carry one at position 17, so the generated ones do too.
fn org_code_check(body: &[u8; 8]) -> char {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| {
            let v = if c.is_ascii_digit() {
                u32::from(c - b'0')
            } else {
                u32::from(c - b'A') + 10
            };
            v * w
        })
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + d as u8),
    }
}

/// A credit code: `prefix` is the registration authority and type (`91` enterprise, `12`
/// public institution, `11` government organ, `52` private non-enterprise unit), `region` a
/// six-digit GB/T 2260 code.
pub(crate) fn credit_code<R: Rng + ?Sized>(rng: &mut R, prefix: &str, region: &str) -> String {
    let mut body = [b'0'; 8];
    for (i, b) in body.iter_mut().enumerate() {
        // Organization codes rarely start with 0; the rest are plain digits.
        let lo = if i == 0 { 1 } else { 0 };
        *b = b'0' + rng.random_range(lo..10u8);
    }
    let mut code = String::with_capacity(18);
    code.push_str(prefix);
    code.push_str(region);
    code.push_str(std::str::from_utf8(&body).expect("digits"));
    code.push(org_code_check(&body));
    let check = credit_check_char(&code);
    code.push(check);
    code
}

/// The check digit of a 12-digit patent application number (since 2003).
pub(crate) fn patent_check_char(digits12: &str) -> char {
    const WEIGHTS: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
    let sum: u32 = digits12
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    match sum % 11 {
        10 => 'X',
        d => char::from(b'0' + d as u8),
    }
}

/// A patent number `ZL{year}{type}{serial}.{check}`; type 1 invention, 2 utility model,
/// 3 design.
pub(crate) fn patent_number<R: Rng + ?Sized>(rng: &mut R, year: u32, kind: u32) -> String {
    let serial = rng.random_range(0..10_000_000u32);
    let digits = format!("{year:04}{kind}{serial:07}");
    let check = patent_check_char(&digits);
    format!("ZL{digits}.{check}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_credit_codes_check() {
        for real in ["12100000400000624D", "914403001922038216", "1210000042500615X0"] {
            assert_eq!(credit_check_char(&real[..17]), real.chars().last().unwrap(), "{real}");
        }
    }

    #[test]
    fn real_org_code_checks() {
        // 914403001922038216 carries organization code 19220382-1.
        assert_eq!(org_code_check(b"19220382"), '1');
        assert_eq!(org_code_check(b"40000062"), '4');
    }

    #[test]
    fn real_patent_numbers_check() {
        for real in ["ZL201220687633.0", "ZL200510096239.4", "ZL201811564288.X"] {
            let digits = &real[2..14];
            assert_eq!(patent_check_char(digits), real.chars().last().unwrap(), "{real}");
        }
    }
}
