//! The storefront's words, one table per language, and how a request's
//! language is chosen: the `lang` cookie (set by the switch) first, then
//! `Accept-Language`, then Simplified Chinese (the cooperatives' buyers).

use axum::http::HeaderMap;

/// A language the storefront speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The short name used in the switch's address and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The language tag of `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language named `code` (`zh`, `en`), if the storefront speaks it.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language: what the switch offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The name of `unit` in this language.
    pub fn unit(self, unit: farmlive_protocol::Unit) -> &'static str {
        let i = farmlive_protocol::Unit::ALL
            .iter()
            .position(|u| *u == unit)
            .unwrap_or(0);
        self.strings().units[i]
    }

    /// This language as the protocol's message catalog names it.
    pub fn protocol(self) -> farmlive_protocol::Lang {
        match self {
            Lang::Zh => farmlive_protocol::Lang::Zh,
            Lang::En => farmlive_protocol::Lang::En,
        }
    }

    /// The words of this language.
    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The language for a request: the `lang` cookie, else the best of
    /// `Accept-Language` by weight, else Chinese.
    pub fn of_request(headers: &HeaderMap) -> Lang {
        if let Some(lang) = super::guest::cookie(headers, super::guest::LANG_COOKIE)
            .as_deref()
            .and_then(Lang::from_code)
        {
            return lang;
        }
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(from_accept_language)
            .unwrap_or(Lang::Zh)
    }
}

/// The best language of an `Accept-Language` value (`en-GB,en;q=0.9,zh;q=0.8`)
/// that the storefront speaks; the first listed wins a tie.
pub fn from_accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for part in value.split(',') {
        let mut fields = part.split(';');
        let tag = fields.next().unwrap_or("").trim().to_ascii_lowercase();
        let weight = fields
            .filter_map(|f| f.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let Some(lang) = Lang::from_code(primary) else {
            continue;
        };
        if weight > 0.0 && best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// Every word the pages show, in one language.
#[derive(Debug)]
pub struct Strings {
    /// The site's name.
    pub site: &'static str,
    /// The switch's label (in the other language, so its speakers find it).
    pub switch_to: &'static str,
    /// Heading over live rooms.
    pub on_air: &'static str,
    /// When no room is live.
    pub no_rooms: &'static str,
    /// Heading over listings.
    pub listings: &'static str,
    /// When nothing is for sale.
    pub no_listings: &'static str,
    /// "in stock" before the number and unit.
    pub in_stock: &'static str,
    /// Unit names, in `Unit::ALL` order.
    pub units: [&'static str; 7],
    /// Before the unit, as in "per kg".
    pub per: &'static str,
    /// "Watch" link to a room.
    pub watch: &'static str,
    /// Viewer count label.
    pub viewers: &'static str,
    /// Live badge.
    pub live: &'static str,
    /// The room has ended.
    pub ended: &'static str,
    /// Link or label of the replay.
    pub replay: &'static str,
    /// Pinned product heading.
    pub pinned: &'static str,
    /// The usual price, struck through.
    pub usual_price: &'static str,
    /// The live price.
    pub live_price: &'static str,
    /// When nothing is pinned.
    pub nothing_pinned: &'static str,
    /// Comments heading.
    pub comments: &'static str,
    /// Comment box placeholder.
    pub say_something: &'static str,
    /// Send a comment.
    pub send: &'static str,
    /// Comments need a guest account first.
    pub comment_needs_order: &'static str,
    /// Orders ticker heading.
    pub recent_orders: &'static str,
    /// Order form heading.
    pub order_heading: &'static str,
    /// What to buy.
    pub product: &'static str,
    /// Quantity.
    pub quantity: &'static str,
    /// Name.
    pub name: &'static str,
    /// Phone.
    pub phone: &'static str,
    /// Delivery address.
    pub address: &'static str,
    /// The destination city picker's label.
    pub deliver_to: &'static str,
    /// Before a promised delivery date.
    pub arrives_by: &'static str,
    /// The non-contact delivery option.
    pub non_contact: &'static str,
    /// Delivery label on the order page.
    pub delivery: &'static str,
    /// Submit the order.
    pub place_order: &'static str,
    /// The browser already holds a guest buyer.
    pub ordering_as_guest: &'static str,
    /// Forget the guest buyer.
    pub use_other_details: &'static str,
    /// Heading of the order page.
    pub order: &'static str,
    /// Status.
    pub status: &'static str,
    /// Ship-by.
    pub ship_by: &'static str,
    /// The name of the zone order times are shown in (Beijing time).
    pub zone: &'static str,
    /// Carrier.
    pub carrier: &'static str,
    /// Tracking number.
    pub tracking: &'static str,
    /// Total.
    pub total: &'static str,
    /// Cancel button.
    pub cancel: &'static str,
    /// Default cancellation reason.
    pub cancel_reason: &'static str,
    /// Cancellation reason label.
    pub reason: &'static str,
    /// The delivery photo's label and its image's text alternative.
    pub delivery_photo: &'static str,
    /// Back to the home page.
    pub home: &'static str,
    /// Order status names, in `OrderStatus::ALL` order.
    pub statuses: [&'static str; 6],
    /// Delivery names: standard, non-contact.
    pub deliveries: [&'static str; 2],
    /// Error: not enough stock.
    pub err_out_of_stock: &'static str,
    /// Error: the listing cannot be ordered now.
    pub err_not_available: &'static str,
    /// Error: the room has ended.
    pub err_room_ended: &'static str,
    /// Error: nothing pinned and nothing chosen.
    pub err_not_pinned: &'static str,
    /// Error: contact details are needed.
    pub err_contact: &'static str,
    /// Error: too many tries.
    pub err_rate_limited: &'static str,
    /// Error: no such page or order.
    pub err_not_found: &'static str,
    /// Error: the order cannot be cancelled any more.
    pub err_cannot_cancel: &'static str,
    /// Error: a post from another site.
    pub err_cross_site: &'static str,
    /// Error: anything else (the detail follows).
    pub err_other: &'static str,
    /// The order was placed.
    pub placed_ok: &'static str,
    /// Heading of an error page.
    pub error_heading: &'static str,
    /// Shown where the video will play without a stream address.
    pub no_video: &'static str,
    /// Over the video while the player tries the stream again.
    pub player_retry: &'static str,
    /// Over the video when an ended room has no recording to play.
    pub no_replay: &'static str,
    /// The button that turns the live video's sound on.
    pub unmute: &'static str,
}

static EN: Strings = Strings {
    site: "FarmLive",
    switch_to: "中文",
    on_air: "On air now",
    no_rooms: "No farm is live right now.",
    listings: "From the farms",
    no_listings: "Nothing is for sale right now.",
    in_stock: "In stock:",
    units: ["kg", "g", "jin", "piece", "box", "bunch", "dozen"],
    per: "per",
    watch: "Watch",
    viewers: "watching",
    live: "LIVE",
    ended: "This live show has ended.",
    replay: "Watch the replay",
    pinned: "Now selling",
    usual_price: "usual price",
    live_price: "live price",
    nothing_pinned: "Nothing is pinned yet: choose from the shelf below.",
    comments: "Comments",
    say_something: "Say something…",
    send: "Send",
    comment_needs_order: "Place an order to join the comments.",
    recent_orders: "Just ordered",
    order_heading: "Order",
    product: "Product",
    quantity: "Quantity",
    name: "Name",
    phone: "Phone",
    address: "Delivery address",
    deliver_to: "City",
    arrives_by: "arrives by",
    non_contact: "Non-contact delivery (left at the door)",
    delivery: "Delivery",
    place_order: "Place order",
    ordering_as_guest: "You are ordering with the contact details of your earlier order.",
    use_other_details: "Use other details",
    order: "Order",
    status: "Status",
    ship_by: "Ships by",
    zone: "Beijing time",
    carrier: "Carrier",
    tracking: "Tracking number",
    total: "Total",
    cancel: "Cancel the order",
    cancel_reason: "Changed my mind",
    reason: "Reason",
    delivery_photo: "Photo on delivery: your parcel at the door",
    home: "All farms",
    statuses: [
        "Placed",
        "Accepted by the farm",
        "Packed",
        "Shipped",
        "Delivered",
        "Cancelled",
    ],
    deliveries: ["Standard delivery", "Non-contact delivery"],
    err_out_of_stock: "Sold out: not enough stock left for this order.",
    err_not_available: "This product cannot be ordered right now.",
    err_room_ended: "This live show has ended.",
    err_not_pinned: "Choose a product first.",
    err_contact: "Give your name, phone number and delivery address.",
    err_rate_limited: "Too many tries from your network; wait a moment and try again.",
    err_not_found: "Not found (an order opens only in the browser that placed it).",
    err_cannot_cancel: "This order can no longer be cancelled.",
    err_cross_site: "This form was sent from another site and was refused.",
    err_other: "That did not work",
    placed_ok: "Thank you! Your order is placed.",
    error_heading: "Sorry",
    no_video: "The video starts when the farm goes on air.",
    player_retry: "Waiting for the video… trying again.",
    no_replay: "No recording of this show to play.",
    unmute: "Tap for sound",
};

static ZH: Strings = Strings {
    site: "农场直播",
    switch_to: "English",
    on_air: "正在直播",
    no_rooms: "现在没有农场在直播。",
    listings: "农场好货",
    no_listings: "现在没有在售商品。",
    in_stock: "库存",
    units: ["公斤", "克", "斤", "个", "箱", "把", "打"],
    per: "每",
    watch: "观看",
    viewers: "人在看",
    live: "直播中",
    ended: "本场直播已结束。",
    replay: "观看回放",
    pinned: "正在卖",
    usual_price: "原价",
    live_price: "直播价",
    nothing_pinned: "主播还没有置顶商品：请从下方货架选择。",
    comments: "评论",
    say_something: "说点什么…",
    send: "发送",
    comment_needs_order: "下单后即可参与评论。",
    recent_orders: "刚刚下单",
    order_heading: "下单",
    product: "商品",
    quantity: "数量",
    name: "姓名",
    phone: "电话",
    address: "收货地址",
    deliver_to: "送达城市",
    arrives_by: "预计送达",
    non_contact: "无接触配送（放在门口）",
    delivery: "配送方式",
    place_order: "提交订单",
    ordering_as_guest: "将使用您上次下单时填写的联系方式。",
    use_other_details: "使用其他联系方式",
    order: "订单",
    status: "状态",
    ship_by: "最晚发货",
    zone: "北京时间",
    carrier: "快递公司",
    tracking: "运单号",
    total: "合计",
    cancel: "取消订单",
    cancel_reason: "我不想要了",
    reason: "原因",
    delivery_photo: "送达照片：放在门口的包裹",
    home: "全部农场",
    statuses: [
        "已下单",
        "农场已接单",
        "已打包",
        "已发货",
        "已签收",
        "已取消",
    ],
    deliveries: ["普通配送", "无接触配送"],
    err_out_of_stock: "已售罄：库存不足，无法完成此订单。",
    err_not_available: "此商品现在无法下单。",
    err_room_ended: "本场直播已结束。",
    err_not_pinned: "请先选择商品。",
    err_contact: "请填写姓名、电话和收货地址。",
    err_rate_limited: "您的网络尝试次数过多，请稍后再试。",
    err_not_found: "找不到该页面（订单只能在下单的浏览器中打开）。",
    err_cannot_cancel: "此订单已无法取消。",
    err_cross_site: "此表单来自其他网站，已被拒绝。",
    err_other: "操作未成功",
    placed_ok: "谢谢！订单已提交。",
    error_heading: "抱歉",
    no_video: "农场开播后视频将在这里播放。",
    player_retry: "正在等待视频……稍后重试。",
    no_replay: "本场直播没有可播放的回放。",
    unmute: "点击开启声音",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_heaviest_known_language() {
        assert_eq!(from_accept_language("zh-CN,zh;q=0.9"), Some(Lang::Zh));
        assert_eq!(from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            from_accept_language("fr;q=1, en;q=0.5, zh-Hans;q=0.8"),
            Some(Lang::Zh)
        );
        assert_eq!(from_accept_language("de, fr"), None);
        assert_eq!(from_accept_language("zh;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(from_accept_language("EN-gb"), Some(Lang::En));
    }

    #[test]
    fn the_cookie_overrides_the_header() {
        let mut h = HeaderMap::new();
        h.insert("accept-language", "en".parse().unwrap());
        assert_eq!(Lang::of_request(&h), Lang::En);
        h.insert("cookie", "a=b; lang=zh".parse().unwrap());
        assert_eq!(Lang::of_request(&h), Lang::Zh);
        assert_eq!(Lang::of_request(&HeaderMap::new()), Lang::Zh);
    }
}
