//! The hub's web storefront: the pages people open in a browser (HTML,
//! forms, the page's own event stream and static files), declared once
//! like the JSON endpoints. Not part of the JSON API: a page answers HTML,
//! may change its markup at will, and takes form posts. They are declared
//! here, not in the hub, because the command line and the demo print page
//! addresses (a room's page while the show is on air) and the tests follow
//! them, and every HTTP path is written once.

use std::fmt::Display;

/// One page (or page action): its path, with at most one `{…}` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// The path as the hub's router takes it, e.g. `/r/{room}`.
    pub path: &'static str,
}

impl Page {
    const fn new(path: &'static str) -> Page {
        Page { path }
    }

    /// The path with its parameter filled in: `pages::ROOM.path_for(room)`.
    pub fn path_for(&self, param: impl Display) -> String {
        let value = param.to_string();
        match (self.path.find('{'), self.path.find('}')) {
            (Some(open), Some(close)) if open < close => {
                format!("{}{value}{}", &self.path[..open], &self.path[close + 1..])
            }
            _ => self.path.to_owned(),
        }
    }
}

/// `GET`: the rooms on air and the farms' active listings.
pub const HOME: Page = Page::new("/");
/// `GET`: a live room (player, pinned product, comments, order form), or
/// an ended one with its replay.
pub const ROOM: Page = Page::new("/r/{room}");
/// `POST` (form): order from the room.
pub const ROOM_ORDER: Page = Page::new("/r/{room}/order");
/// `POST` (form): comment in the room.
pub const ROOM_COMMENT: Page = Page::new("/r/{room}/comment");
/// `GET`: the room's events as server-sent events, for the page's script
/// (the browser's guest cookie is the credential: `EventSource` cannot send
/// an `Authorization` header).
pub const ROOM_EVENTS: Page = Page::new("/r/{room}/events");
/// `GET`: one of the browser's orders.
pub const ORDER: Page = Page::new("/o/{order}");
/// `GET`: the order's delivery photo (JPEG), for this browser's guest only
/// (the guest cookie is the credential, as for [`ORDER`]).
pub const ORDER_PHOTO: Page = Page::new("/o/{order}/delivery-photo");
/// `POST` (form): the buyer cancels the order.
pub const ORDER_CANCEL: Page = Page::new("/o/{order}/cancel");
/// `GET`: choose the page language (`zh` or `en`), then go back.
pub const LANG: Page = Page::new("/lang/{lang}");
/// `POST` (form): forget this browser's guest buyer (the next order signs
/// up a new one).
pub const FORGET_GUEST: Page = Page::new("/guest/forget");
/// `GET`: a static file of the storefront, its name carrying its content
/// hash (`app.3f2a9c1b.css`), so it may be cached for good.
pub const ASSET: Page = Page::new("/assets/{file}");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_fill_their_parameter() {
        assert_eq!(ROOM.path_for("abc"), "/r/abc");
        assert_eq!(ORDER_CANCEL.path_for(7), "/o/7/cancel");
        assert_eq!(HOME.path_for("ignored"), "/");
    }
}
