//! Field checks shared by every resource; each returns the field error users see.

use crate::error::{Error, Result};

/// A required, trimmed name of at most `max` characters.
pub fn name(field: &str, value: &str, max: usize) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(trimmed.to_string())
}

/// An email address, lower-cased. The check is deliberately loose (one `@`, a
/// dot in the domain, no spaces): delivery is the real test of an address.
pub fn email(field: &str, value: &str) -> Result<String> {
    let email = value.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(email)
    } else {
        Err(Error::invalid(field, "must be a valid email address"))
    }
}

/// An absolute http(s) URL with a host.
pub fn http_url(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
    let valid = value.len() <= 2048
        && !value.chars().any(char::is_whitespace)
        && host.is_some_and(|h| !h.is_empty() && !h.starts_with(':') && !h.contains('@'));
    if valid {
        Ok(value.to_string())
    } else {
        Err(Error::invalid(field, "must be an http:// or https:// URL"))
    }
}

/// A phone number in E.164: `+`, then up to 15 digits, the first not 0.
pub fn phone_number(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    let digits = value.strip_prefix('+').unwrap_or_default();
    let valid = (2..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    if valid {
        Ok(value.to_string())
    } else {
        Err(Error::invalid(
            field,
            "must be in E.164 format, e.g. +14155550123",
        ))
    }
}

/// An optional text field: blank becomes `None`; longer than `max` is an error.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > max => Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        )),
        Some(v) => Ok(Some(v.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email("e", " Alice@Example.COM ").unwrap(),
            "alice@example.com"
        );
        for bad in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "a@b",
            "a b@c.d",
            "a@b@c.d",
        ] {
            assert!(email("e", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_and_phones() {
        assert!(http_url("u", "https://example.com/hook").is_ok());
        assert!(http_url("u", "http://127.0.0.1:8080").is_ok());
        for bad in [
            "ftp://x.y",
            "https://",
            "example.com",
            "https://a b.c",
            "http://user@host",
        ] {
            assert!(http_url("u", bad).is_err(), "{bad}");
        }
        assert!(phone_number("p", "+14155550123").is_ok());
        for bad in ["14155550123", "+0123", "+1", "+1415555012345678", "+1-415"] {
            assert!(phone_number("p", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(name("n", "  Acme ", 10).unwrap(), "Acme");
        assert!(name("n", "   ", 10).is_err());
        assert!(name("n", "abcdefghijk", 10).is_err());
    }
}
