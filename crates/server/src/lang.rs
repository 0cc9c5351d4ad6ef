//! The user's language (SPEC §3): `?lang=zh-CN|en`, then the `lang` cookie, then
//! `Accept-Language`; Chinese by default.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};
use std::convert::Infallible;
use techmarket_domain::Lang;

/// `zh`, `zh-CN`, `zh-Hans`… → Chinese; `en`, `en-US`… → English; anything else → none.
fn parse_tag(tag: &str) -> Option<Lang> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    match primary.as_str() {
        "zh" => Some(Lang::Zh),
        "en" => Some(Lang::En),
        _ => None,
    }
}

/// The language asked for with `?lang=`, if any (the portal remembers it in the `lang` cookie).
pub fn from_query(uri: &Uri) -> Option<Lang> {
    let q = uri.query()?;
    form_urlencoded::parse(q.as_bytes())
        .filter(|(k, _)| k == "lang")
        .find_map(|(_, v)| parse_tag(&v))
}

fn from_cookie(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(k, _)| k.trim() == "lang")
        .find_map(|(_, v)| parse_tag(v.trim().trim_matches('"')))
}

/// The supported language the client weights highest (`q` values honoured; ties keep order).
fn from_accept_language(headers: &HeaderMap) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for value in headers
        .get_all(header::ACCEPT_LANGUAGE)
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        for item in value.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(parse_tag) else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
    }
    best.map(|(_, l)| l)
}

/// The tag of a language, as `?lang=` and the `lang` cookie take it: `zh-CN` or `en`.
pub fn tag(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    }
}

/// The language of a request.
pub fn negotiate(uri: &Uri, headers: &HeaderMap) -> Lang {
    from_query(uri)
        .or_else(|| from_cookie(headers))
        .or_else(|| from_accept_language(headers))
        .unwrap_or_default()
}

/// The language of the request, for handlers whose answers carry text (labels, reasons).
#[derive(Debug, Clone, Copy)]
pub struct RequestLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for RequestLang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(RequestLang(negotiate(&parts.uri, &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn lang(uri: &str, headers: &[(header::HeaderName, &str)]) -> Lang {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        negotiate(&uri.parse().unwrap(), &h)
    }

    #[test]
    fn query_then_cookie_then_accept_language_then_chinese() {
        assert_eq!(lang("/x", &[]), Lang::Zh);
        assert_eq!(lang("/x?lang=en", &[(header::COOKIE, "lang=zh-CN")]), Lang::En);
        assert_eq!(lang("/x?lang=zh-CN", &[(header::ACCEPT_LANGUAGE, "en")]), Lang::Zh);
        assert_eq!(
            lang(
                "/x",
                &[(header::COOKIE, "a=1; lang=en"), (header::ACCEPT_LANGUAGE, "zh")]
            ),
            Lang::En
        );
        assert_eq!(lang("/x", &[(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")]), Lang::En);
        assert_eq!(
            lang("/x?lang=fr", &[(header::ACCEPT_LANGUAGE, "fr, en;q=0.5, zh;q=0.8")]),
            Lang::Zh
        );
        assert_eq!(lang("/x", &[(header::ACCEPT_LANGUAGE, "de, en;q=0.1")]), Lang::En);
        assert_eq!(lang("/x", &[(header::ACCEPT_LANGUAGE, "en;q=0")]), Lang::Zh);
    }
}
