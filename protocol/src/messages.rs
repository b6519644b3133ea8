//! Messages for people in their language: a [`Message`] is a catalog code
//! ([`MsgCode`]) with named values, rendered in English or Simplified
//! Chinese; plus units and money the local way (斤, ¥). No I/O: the CLI
//! reads the locale from its environment and hands it to [`Lang::from_locale`].

pub use crate::catalog::MsgCode;
use crate::money::Money;
use crate::unit::Unit;
use crate::{MoneyError, ValidationError};
use std::fmt;

/// A language FarmLive speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// Every language, default first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// The language of a locale or language tag: `zh_CN.UTF-8`, `zh-Hans`,
    /// `zh` → Chinese; anything else (`C`, `en_US`, empty) → English.
    pub fn from_tag(tag: &str) -> Lang {
        let lang = tag.trim().split(['_', '-', '.', '@']).next().unwrap_or("");
        if lang.eq_ignore_ascii_case("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// The language of a POSIX locale: the first set and non-empty of
    /// `LC_ALL`, `LC_MESSAGES`, `LANG` decides (as gettext does).
    pub fn from_locale(
        lc_all: Option<&str>,
        lc_messages: Option<&str>,
        lang: Option<&str>,
    ) -> Lang {
        [lc_all, lc_messages, lang]
            .into_iter()
            .flatten()
            .find(|v| !v.trim().is_empty())
            .map_or(Lang::En, Lang::from_tag)
    }

    /// The BCP 47 tag: `en` or `zh-CN`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// `code`'s text in this language, placeholders unfilled.
    pub fn text(self, code: MsgCode) -> &'static str {
        match self {
            Lang::En => code.en(),
            Lang::Zh => code.zh(),
        }
    }
}

/// `code`'s text in `lang`, with its `{name}` placeholders unfilled.
pub fn message(code: MsgCode, lang: Lang) -> &'static str {
    lang.text(code)
}

/// A value put into a message: text as is, or a catalog word translated too.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Text(String),
    Word(MsgCode),
}

/// A message for people: a code and its named values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The stable code.
    pub code: MsgCode,
    args: Vec<(&'static str, Value)>,
}

impl Message {
    /// A message with no values yet.
    pub fn new(code: MsgCode) -> Message {
        Message {
            code,
            args: Vec::new(),
        }
    }

    /// Adds the value of `{name}`.
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Message {
        self.args.push((name, Value::Text(value.to_string())));
        self
    }

    /// Adds the value of `{name}` as a catalog word (translated with the rest).
    pub fn word(mut self, name: &'static str, word: MsgCode) -> Message {
        self.args.push((name, Value::Word(word)));
        self
    }

    /// The text in `lang`. `{name}` is the value, `{name:?}` the value in
    /// quotes; an unknown placeholder stays as written.
    pub fn render(&self, lang: Lang) -> String {
        let template = lang.text(self.code);
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let inside = &rest[open + 1..open + close];
            let (name, quoted) = match inside.strip_suffix(":?") {
                Some(name) => (name, true),
                None => (inside, false),
            };
            match self.args.iter().find(|(n, _)| *n == name) {
                Some((_, value)) => {
                    let text = match value {
                        Value::Text(t) => t.as_str(),
                        Value::Word(code) => lang.text(*code),
                    };
                    if quoted {
                        out.push_str(&format!("{text:?}"));
                    } else {
                        out.push_str(text);
                    }
                }
                None => out.push_str(&rest[open..=open + close]),
            }
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// Reads a text rendered in English back into its message, trying the
/// `candidates`: of those whose template matches, the one with the most
/// fixed text wins (so `"{detail}"` only catches what nothing else does).
/// For a shell that holds only an error's English reason (the FFI error
/// keeps its shape) and wants it in another language.
pub fn recognise(text: &str, candidates: &[MsgCode]) -> Option<Message> {
    candidates
        .iter()
        .filter_map(|&code| {
            let tokens = tokens(code.en());
            let fixed: usize = tokens
                .iter()
                .map(|t| match t {
                    Token::Literal(l) => l.len(),
                    Token::Slot(..) => 0,
                })
                .sum();
            let mut args = Vec::new();
            match_tokens(&tokens, text, &mut args).then(|| {
                let mut m = Message::new(code);
                for (name, quoted, value) in args {
                    let value = if quoted {
                        unquote(value)
                    } else {
                        value.to_owned()
                    };
                    m = match noun_of(&value) {
                        Some(word) if name == "what" => m.word(name, word),
                        _ => m.arg(name, value),
                    };
                }
                (fixed, m)
            })
        })
        .max_by_key(|(fixed, _)| *fixed)
        .map(|(_, m)| m)
}

/// A piece of a template: fixed text, or a named slot (`true`: `{name:?}`).
#[derive(Debug)]
enum Token {
    Literal(&'static str),
    Slot(&'static str, bool),
}

fn tokens(template: &'static str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        if open > 0 {
            out.push(Token::Literal(&rest[..open]));
        }
        let inside = &rest[open + 1..open + close];
        out.push(match inside.strip_suffix(":?") {
            Some(name) => Token::Slot(name, true),
            None => Token::Slot(inside, false),
        });
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        out.push(Token::Literal(rest));
    }
    out
}

/// Matches `text` against `tokens`, collecting the slots' values; a slot
/// is never empty, and tries every place its following literal occurs.
fn match_tokens<'t>(
    tokens: &[Token],
    text: &'t str,
    args: &mut Vec<(&'static str, bool, &'t str)>,
) -> bool {
    match tokens {
        [] => text.is_empty(),
        [Token::Literal(l), rest @ ..] => text
            .strip_prefix(l)
            .is_some_and(|t| match_tokens(rest, t, args)),
        [Token::Slot(name, quoted)] => {
            args.push((name, *quoted, text));
            !text.is_empty()
        }
        [Token::Slot(name, quoted), Token::Literal(next), rest @ ..] => {
            for (at, _) in text.match_indices(next).filter(|(at, _)| *at > 0) {
                let mark = args.len();
                args.push((name, *quoted, &text[..at]));
                if match_tokens(rest, &text[at + next.len()..], args) {
                    return true;
                }
                args.truncate(mark);
            }
            false
        }
        // Two slots side by side: the catalog never has them.
        [Token::Slot(..), Token::Slot(..), ..] => false,
    }
}

fn unquote(value: &str) -> String {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .map_or_else(
            || value.to_owned(),
            |v| v.replace("\\\"", "\"").replace("\\\\", "\\"),
        )
}

/// The catalog noun whose English is `word`.
fn noun_of(word: &str) -> Option<MsgCode> {
    [
        MsgCode::NounListing,
        MsgCode::NounPhoto,
        MsgCode::NounOrder,
        MsgCode::NounFarm,
        MsgCode::NounRoom,
        MsgCode::NounConflict,
    ]
    .into_iter()
    .find(|c| c.en() == word)
}

impl From<&ValidationError> for Message {
    fn from(e: &ValidationError) -> Message {
        use MsgCode as C;
        use ValidationError as V;
        match e {
            V::TitleEmpty => Message::new(C::TitleEmpty),
            V::TitleTooLong { len, max } => Message::new(C::TitleTooLong)
                .arg("len", len)
                .arg("max", max),
            V::TitleControlCharacter => Message::new(C::TitleControl),
            V::DescriptionTooLong { len, max } => Message::new(C::DescriptionTooLong)
                .arg("len", len)
                .arg("max", max),
            V::DescriptionControlCharacter => Message::new(C::DescriptionControl),
            V::Price(money) => money.into(),
            V::PriceNotPositive => Message::new(C::PriceNotPositive),
            V::StockNegative => Message::new(C::StockNegative),
            V::StockTooLarge { max } => Message::new(C::StockTooLarge).arg("max", max),
            V::StockWouldGoNegative {
                available,
                requested,
            } => Message::new(C::StockShort)
                .arg("available", available)
                .arg("requested", requested),
            V::StockDeltaZero => Message::new(C::StockDeltaZero),
            V::Archived => Message::new(C::Archived),
            V::TooManyPhotos { max } => Message::new(C::TooManyPhotos).arg("max", max),
            V::FarmNameEmpty => Message::new(C::FarmNameEmpty),
            V::FarmNameTooLong { len, max } => Message::new(C::FarmNameTooLong)
                .arg("len", len)
                .arg("max", max),
            V::FarmNameControlCharacter => Message::new(C::FarmNameControl),
            V::NothingToChange => Message::new(C::NothingToChange),
        }
    }
}

impl From<&MoneyError> for Message {
    fn from(e: &MoneyError) -> Message {
        use MoneyError as M;
        use MsgCode as C;
        match e {
            M::Empty => Message::new(C::PriceEmpty),
            M::NotANumber => Message::new(C::PriceNotANumber),
            M::Negative => Message::new(C::PriceNegative),
            M::TooManyDecimals { currency, max } => Message::new(C::PriceTooPrecise)
                .arg("currency", currency)
                .arg("max", max),
            M::TooLarge => Message::new(C::PriceTooLarge),
            M::UnknownCurrency(code) => Message::new(C::CurrencyUnknown).arg("currency", code),
        }
    }
}

/// A refused change: its own catalog text when the code has one with no
/// values (a delivery without its photo), else "not allowed" with the
/// rejection's words.
impl From<&crate::Rejection> for Message {
    fn from(r: &crate::Rejection) -> Message {
        if MsgCode::parse(&r.code) == Some(MsgCode::DeliveryPhotoMissing) {
            return Message::new(MsgCode::DeliveryPhotoMissing);
        }
        let code = refusal_code(&r.code).unwrap_or(MsgCode::NotAllowed);
        Message::new(code).arg("detail", &r.message)
    }
}

/// The catalog's code for a refusal's code (`Rejection::code`), where the
/// catalog has its own words for it.
fn refusal_code(code: &str) -> Option<MsgCode> {
    Some(match code {
        "clock_ahead" => MsgCode::RefusedClockAhead,
        "archived" => MsgCode::RefusedArchived,
        "stock_negative" => MsgCode::RefusedStockNegative,
        "too_many_photos" => MsgCode::RefusedTooManyPhotos,
        "transition" => MsgCode::RefusedTransition,
        "cancelled_by_buyer" => MsgCode::RefusedCancelledByBuyer,
        "forbidden" => MsgCode::RefusedForbidden,
        "not_allowed" => MsgCode::RefusedRole,
        "not_found" => MsgCode::RefusedGone,
        "exists" => MsgCode::RefusedExists,
        "blob_missing" => MsgCode::RefusedPhotoMissing,
        _ => return None,
    })
}

impl From<&crate::enrol_link::EnrolLinkError> for Message {
    fn from(e: &crate::enrol_link::EnrolLinkError) -> Message {
        use crate::enrol_link::EnrolLinkError as E;
        Message::new(match e {
            E::NotEnrolLink => MsgCode::QrNotEnrolLink,
            E::BadHub => MsgCode::QrBadHub,
            E::BadCode => MsgCode::QrBadCode,
        })
    }
}

/// A unit as people say it: `斤`, `公斤`, `个` in Chinese; the code in English.
pub fn unit_name(unit: Unit, lang: Lang) -> &'static str {
    match lang {
        Lang::En => unit.as_str(),
        Lang::Zh => match unit {
            Unit::Kg => "公斤",
            Unit::G => "克",
            Unit::Jin => "斤",
            Unit::Piece => "个",
            Unit::Box => "箱",
            Unit::Bunch => "把",
            Unit::Dozen => "打",
        },
    }
}

/// A weight the local way: `850.5 kg` / `850.5 公斤` below a tonne, then
/// `1.25 t` / `1.25 吨` (the farmers' measure of a season).
pub fn weight_text(grams: u64, lang: Lang) -> String {
    let (value, unit) = if grams >= 1_000_000 {
        (format!("{:.2}", grams as f64 / 1e6), ["t", "吨"])
    } else {
        let kg = grams as f64 / 1e3;
        let text = format!("{kg:.1}");
        (
            text.strip_suffix(".0").map_or(text.clone(), str::to_owned),
            ["kg", "公斤"],
        )
    };
    match lang {
        Lang::En => format!("{value} {}", unit[0]),
        Lang::Zh => format!("{value} {}", unit[1]),
    }
}

/// Quantities of counted units: `3 box, 12 piece` / `3 箱、12 个`.
pub fn counted_text(counted: &[(Unit, i64)], lang: Lang) -> String {
    let parts: Vec<String> = counted
        .iter()
        .map(|(unit, n)| format!("{n} {}", unit_name(*unit, lang)))
        .collect();
    parts.join(match lang {
        Lang::En => ", ",
        Lang::Zh => "、",
    })
}

/// A price the local way: `¥12.50` for yuan in Chinese (two decimals, as
/// CNY has), `12.50 CNY` in English; other currencies keep their code.
pub fn money_text(money: &Money, lang: Lang) -> String {
    match (lang, money.currency.code()) {
        (Lang::Zh, "CNY") => format!("¥{}", money.amount_string()),
        _ => money.to_string(),
    }
}

/// A price per unit: `¥12.50/斤`, or `12.50 CNY/jin`.
pub fn price_per_unit(money: &Money, unit: Unit, lang: Lang) -> String {
    format!("{}/{}", money_text(money, lang), unit_name(unit, lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;

    fn has_han(text: &str) -> bool {
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_code_has_both_texts_and_one_wire_name() {
        let mut seen = std::collections::HashSet::new();
        for &code in MsgCode::ALL {
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
            assert_eq!(MsgCode::parse(code.as_str()), Some(code));
            assert!(!code.en().trim().is_empty(), "{code:?} has no English");
            assert!(has_han(code.zh()), "{code:?} has no Chinese: {}", code.zh());
            assert!(!has_han(code.en()), "{code:?}: Chinese in the English text");
            // Both texts take the same values, so a caller fills both.
            let names = |t: &str| {
                let mut v: Vec<String> = t
                    .split('{')
                    .skip(1)
                    .filter_map(|s| s.split_once('}'))
                    .map(|(n, _)| n.trim_end_matches(":?").to_owned())
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            let (en, zh) = (names(code.en()), names(code.zh()));
            assert!(
                zh.iter().all(|n| en.contains(n)),
                "{code:?}: {zh:?} vs {en:?}"
            );
        }
    }

    #[test]
    fn locale_precedence_follows_posix() {
        assert_eq!(Lang::from_locale(None, None, Some("zh_CN.UTF-8")), Lang::Zh);
        assert_eq!(
            Lang::from_locale(Some("C"), None, Some("zh_CN.UTF-8")),
            Lang::En
        );
        assert_eq!(
            Lang::from_locale(Some(""), Some("zh_TW"), Some("en_US")),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_locale(None, Some("en_GB.UTF-8"), Some("zh_CN")),
            Lang::En
        );
        assert_eq!(Lang::from_locale(None, None, None), Lang::En);
        assert_eq!(Lang::from_tag("zh-Hans"), Lang::Zh);
        assert_eq!(Lang::from_tag("zh"), Lang::Zh);
        assert_eq!(Lang::from_tag("zu_ZA"), Lang::En);
    }

    #[test]
    fn values_fill_both_languages_and_words_are_translated() {
        let m = Message::new(MsgCode::NotFound)
            .word("what", MsgCode::NounListing)
            .arg("id", "0190abcd");
        assert_eq!(m.render(Lang::En), "no listing with id 0190abcd");
        assert_eq!(m.render(Lang::Zh), "找不到编号为 0190abcd 的商品");
        let e = ValidationError::StockWouldGoNegative {
            available: 2,
            requested: 5,
        };
        let m = Message::from(&e);
        assert_eq!(m.render(Lang::En), e.to_string());
        assert_eq!(m.render(Lang::Zh), "库存只有 2，不能减去 5");
        let e = MoneyError::UnknownCurrency("XYZ".into());
        assert_eq!(Message::from(&e).render(Lang::En), e.to_string());
    }

    #[test]
    fn english_catalog_texts_match_the_protocol_errors() {
        let cases: Vec<ValidationError> = vec![
            ValidationError::TitleEmpty,
            ValidationError::TitleTooLong { len: 9, max: 8 },
            ValidationError::Price(MoneyError::TooManyDecimals {
                currency: "CNY",
                max: 2,
            }),
            ValidationError::TooManyPhotos { max: 10 },
            ValidationError::NothingToChange,
        ];
        for e in cases {
            assert_eq!(Message::from(&e).render(Lang::En), e.to_string());
            assert!(has_han(&Message::from(&e).render(Lang::Zh)));
        }
    }

    #[test]
    fn a_delivery_without_its_photo_has_its_own_words_in_both_languages() {
        let r = crate::Delivery::NonContact.check_photo(None).unwrap_err();
        let m = Message::from(&r);
        assert_eq!(m.code, MsgCode::DeliveryPhotoMissing);
        assert_eq!(m.render(Lang::En), r.message);
        assert!(
            m.render(Lang::Zh).contains("照片"),
            "{}",
            m.render(Lang::Zh)
        );
        let other = Message::from(&crate::Rejection::new("transition", "cannot ship"));
        assert_eq!(
            (other.code, other.render(Lang::En)),
            (MsgCode::RefusedTransition, "cannot ship".to_owned())
        );
        let unknown = Message::from(&crate::Rejection::new("new_rule", "not today"));
        assert_eq!(
            (unknown.code, unknown.render(Lang::En)),
            (MsgCode::NotAllowed, "not today".to_owned())
        );
    }

    #[test]
    fn every_refusal_the_rules_make_reads_in_chinese_without_english_words() {
        let codes = [
            "clock_ahead",
            "archived",
            "stock_negative",
            "too_many_photos",
            "transition",
            "cancelled_by_buyer",
            "forbidden",
            "not_allowed",
            "not_found",
            "exists",
            "blob_missing",
        ];
        for code in codes {
            let r = crate::Rejection::new(code, "the rules' English words");
            let m = Message::from(&r);
            assert_ne!(m.code, MsgCode::NotAllowed, "{code} has its own words");
            assert_eq!(
                m.render(Lang::En),
                r.message,
                "{code}: English keeps the rules' words"
            );
            let zh = m.render(Lang::Zh);
            assert!(has_han(&zh), "{code}: {zh}");
            assert!(!zh.contains("English"), "{code}: {zh}");
        }
    }

    #[test]
    fn units_and_money_the_local_way() {
        let price = Money::from_minor(1250, Currency::CNY);
        assert_eq!(price_per_unit(&price, Unit::Jin, Lang::Zh), "¥12.50/斤");
        assert_eq!(weight_text(850_500, Lang::En), "850.5 kg");
        assert_eq!(weight_text(2_000, Lang::Zh), "2 公斤");
        assert_eq!(weight_text(1_250_000, Lang::Zh), "1.25 吨");
        assert_eq!(weight_text(1_000_000, Lang::En), "1.00 t");
        let counted = [(Unit::Box, 3), (Unit::Piece, 12)];
        assert_eq!(counted_text(&counted, Lang::Zh), "3 箱、12 个");
        assert_eq!(counted_text(&counted, Lang::En), "3 box, 12 piece");
        assert_eq!(price_per_unit(&price, Unit::Jin, Lang::En), "12.50 CNY/jin");
        assert_eq!(
            money_text(&Money::from_minor(5, Currency::CNY), Lang::Zh),
            "¥0.05"
        );
        for unit in Unit::ALL {
            assert!(has_han(unit_name(unit, Lang::Zh)), "{unit}");
        }
    }

    #[test]
    fn an_english_text_is_read_back_into_its_message() {
        let all = MsgCode::ALL;
        let cases = [
            Message::new(MsgCode::NotFound)
                .word("what", MsgCode::NounOrder)
                .arg("id", "42"),
            Message::new(MsgCode::StockShort)
                .arg("available", 2)
                .arg("requested", 5),
            Message::new(MsgCode::CurrencyUnknown).arg("currency", "X\"Y"),
            Message::new(MsgCode::TitleEmpty),
            Message::new(MsgCode::MigrationFailed)
                .arg("name", "007_a (b).sql")
                .arg("detail", "no such table: x): y"),
        ];
        for m in cases {
            let back = recognise(&m.render(Lang::En), all).expect("recognised");
            assert_eq!(back.code, m.code);
            assert_eq!(back.render(Lang::Zh), m.render(Lang::Zh));
            assert_eq!(back.render(Lang::En), m.render(Lang::En));
        }
        // Free text falls to the catch-all only when it is a candidate.
        let free = recognise(
            "something odd",
            &[MsgCode::InvalidArgument, MsgCode::TitleEmpty],
        );
        assert_eq!(
            free.map(|m| m.render(Lang::Zh)).as_deref(),
            Some("输入有误：something odd")
        );
        assert!(recognise("something odd", &[MsgCode::TitleEmpty]).is_none());
    }

    #[test]
    fn an_unknown_placeholder_stays_visible() {
        assert_eq!(
            Message::new(MsgCode::StockTooLarge).render(Lang::En),
            "stock cannot be more than {max}"
        );
    }
}
