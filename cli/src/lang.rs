//! The language the CLI speaks: Simplified Chinese when the locale says so
//! (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, as gettext reads them),
//! English otherwise. The words come from the protocol's catalog, shared
//! with the phone apps.

use farmlive_core::protocol::{Lang, Message};
use std::sync::OnceLock;

/// The language of this process's locale (read once).
pub fn lang() -> Lang {
    static LANG: OnceLock<Lang> = OnceLock::new();
    *LANG.get_or_init(|| {
        let var = |name| std::env::var(name).ok();
        Lang::from_locale(
            var("LC_ALL").as_deref(),
            var("LC_MESSAGES").as_deref(),
            var("LANG").as_deref(),
        )
    })
}

/// `message` in the locale's language.
pub fn say(message: &Message) -> String {
    message.render(lang())
}
