//! Every user-facing message by stable code, in English and Simplified
//! Chinese: the one place shells, bindings and CLI take their words from.
//!
//! A text may hold `{name}` placeholders, filled by
//! [`crate::messages::Message::render`]. A code, once published, keeps its
//! meaning: shells may branch on it. Add codes at the end of a group; never
//! reuse one.

/// Declares [`MsgCode`] with its wire name and its two texts, so that a
/// code without both texts cannot compile.
macro_rules! catalog {
    ($( $(#[$doc:meta])* $variant:ident = $wire:literal { en: $en:literal, zh: $zh:literal, } )*) => {
        /// A stable message code (its wire name is [`MsgCode::as_str`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum MsgCode {
            $( $(#[$doc])* $variant, )*
        }

        impl MsgCode {
            /// Every code, in catalog order.
            pub const ALL: &'static [MsgCode] = &[$(MsgCode::$variant),*];

            /// The stable wire name, e.g. `not_enrolled`.
            pub fn as_str(self) -> &'static str {
                match self { $( MsgCode::$variant => $wire, )* }
            }

            /// The code with this wire name.
            pub fn parse(wire: &str) -> Option<MsgCode> {
                match wire { $( $wire => Some(MsgCode::$variant), )* _ => None }
            }

            /// The English text, with `{name}` placeholders.
            pub fn en(self) -> &'static str {
                match self { $( MsgCode::$variant => $en, )* }
            }

            /// The Simplified Chinese text, with `{name}` placeholders.
            pub fn zh(self) -> &'static str {
                match self { $( MsgCode::$variant => $zh, )* }
            }
        }
    };
}

catalog! {
    // The device core (core's `Error`).
    /// An argument the caller gave is not usable; `{detail}` says how.
    InvalidArgument = "invalid_argument" {
        en: "{detail}",
        zh: "输入有误：{detail}",
    }
    /// Data this device stored cannot be read back.
    StoredData = "stored_data" {
        en: "stored data unreadable: {detail}",
        zh: "本机保存的数据无法读取：{detail}",
    }
    /// No such thing (`{what}` is a catalog noun).
    NotFound = "not_found" {
        en: "no {what} with id {id}",
        zh: "找不到编号为 {id} 的{what}",
    }
    /// The database was written by a newer app.
    SchemaTooNew = "schema_too_new" {
        en: "this data was saved by a newer version of FarmLive (schema {found}; this version reads up to {supported}); update the app",
        zh: "这些数据由更新版本的 FarmLive 保存（数据版本 {found}；本版本最高只能读取 {supported}）；请更新应用",
    }
    /// The database is damaged.
    DatabaseCorrupt = "database_corrupt" {
        en: "the local database is damaged",
        zh: "本机数据库已损坏",
    }
    /// A schema migration failed.
    MigrationFailed = "migration_failed" {
        en: "could not upgrade the local database ({name}): {detail}",
        zh: "无法升级本机数据库（{name}）：{detail}",
    }
    /// SQLite failed.
    DatabaseError = "database_error" {
        en: "local database error: {detail}",
        zh: "本机数据库出错：{detail}",
    }
    /// The hub could not be reached.
    NetworkError = "network_error" {
        en: "could not sync: {detail}",
        zh: "无法同步：{detail}",
    }
    /// The hub is unavailable (5xx).
    HubUnavailable = "hub_unavailable" {
        en: "could not sync: {detail}",
        zh: "无法同步：服务中心暂时不可用，请稍后再试",
    }
    /// The hub refused the request; `{hub_code}` is its stable code.
    HubRefused = "hub_refused" {
        en: "the hub refused: {detail}",
        zh: "服务中心拒绝了请求：{detail}",
    }
    /// The hub refused: not enough stock.
    HubOutOfStock = "hub_out_of_stock" {
        en: "the hub refused: {detail}",
        zh: "服务中心拒绝了请求：库存不足（{detail}）",
    }
    /// The hub refused: the listing is not for sale now.
    HubNotAvailable = "hub_not_available" {
        en: "the hub refused: {detail}",
        zh: "服务中心拒绝了请求：这个商品现在不出售",
    }
    /// The hub refused: the live room has ended.
    HubRoomEnded = "hub_room_ended" {
        en: "the hub refused: {detail}",
        zh: "服务中心拒绝了请求：直播已结束",
    }
    /// The hub refused a wrong or used enrolment code.
    HubUnauthorized = "hub_unauthorized" {
        en: "the hub refused: {detail}",
        zh: "服务中心拒绝了请求：注册码错误、已用过或已过期；请向管理员要一个新的注册码",
    }
    /// This device's token expired.
    HubTokenExpired = "hub_token_expired" {
        en: "the hub refused: {detail}",
        zh: "本设备的登录已过期；请用新的注册码重新注册，未同步的修改会保留",
    }
    /// This device was removed by the hub operator.
    HubDeviceRevoked = "hub_device_revoked" {
        en: "the hub refused: {detail}",
        zh: "本设备已被管理员移出农场；请用新的注册码重新注册，未同步的修改会保留",
    }
    /// Too many requests.
    HubRateLimited = "hub_rate_limited" {
        en: "the hub refused: {detail}",
        zh: "请求太频繁，请稍后再试",
    }
    /// The device is not enrolled.
    NotEnrolled = "not_enrolled" {
        en: "this device is not connected to a hub yet; enrol it with a code from the hub operator",
        zh: "本设备尚未连接服务中心；请用管理员给的注册码注册",
    }
    /// The caller cancelled.
    Cancelled = "cancelled" {
        en: "cancelled",
        zh: "已取消",
    }
    /// A file operation failed (`{action}` is English, from the code).
    IoFailed = "io_failed" {
        en: "could not {action}: {detail}",
        zh: "文件操作失败（{action}）：{detail}",
    }
    /// An order action not allowed now.
    NotAllowed = "not_allowed" {
        en: "{detail}",
        zh: "现在不能这样做：{detail}",
    }
    /// The live stream failed.
    LiveFailed = "live_failed" {
        en: "{detail}",
        zh: "直播出错：{detail}",
    }
    /// The live session has stopped.
    LiveStopped = "live_stopped" {
        en: "the live session has stopped",
        zh: "直播已结束",
    }
    /// Anything else.
    Failure = "failure" {
        en: "{detail}",
        zh: "出错了：{detail}",
    }

    // Listing rules (protocol's `ValidationError`, `MoneyError`).
    /// No title.
    TitleEmpty = "title_empty" {
        en: "give the listing a title",
        zh: "请给商品起个标题",
    }
    /// Title over the limit.
    TitleTooLong = "title_too_long" {
        en: "the title is {len} characters long; keep it to {max}",
        zh: "标题有 {len} 个字，最多 {max} 个字",
    }
    /// A control character in the title.
    TitleControl = "title_control" {
        en: "the title contains an invisible control character; retype it",
        zh: "标题里有看不见的控制字符；请重新输入",
    }
    /// Description over the limit.
    DescriptionTooLong = "description_too_long" {
        en: "the description is {len} characters long; keep it to {max}",
        zh: "描述有 {len} 个字，最多 {max} 个字",
    }
    /// A control character in the description.
    DescriptionControl = "description_control" {
        en: "the description contains an invisible control character; retype it",
        zh: "描述里有看不见的控制字符；请重新输入",
    }
    /// Zero price.
    PriceNotPositive = "price_not_positive" {
        en: "price must be more than 0",
        zh: "价格必须大于 0",
    }
    /// Negative stock.
    StockNegative = "stock_negative" {
        en: "stock cannot be less than 0",
        zh: "库存不能少于 0",
    }
    /// Too much stock.
    StockTooLarge = "stock_too_large" {
        en: "stock cannot be more than {max}",
        zh: "库存不能超过 {max}",
    }
    /// Removing more than is in stock.
    StockShort = "stock_short" {
        en: "only {available} in stock; cannot take away {requested}",
        zh: "库存只有 {available}，不能减去 {requested}",
    }
    /// A stock change of zero.
    StockDeltaZero = "stock_delta_zero" {
        en: "the stock change must not be 0",
        zh: "库存变化不能为 0",
    }
    /// An archived listing.
    Archived = "archived" {
        en: "this listing is archived and can no longer be changed",
        zh: "这个商品已归档，不能再修改",
    }
    /// Too many photos.
    TooManyPhotos = "too_many_photos" {
        en: "a listing can have at most {max} photos",
        zh: "一个商品最多 {max} 张照片",
    }
    /// A farm with no name.
    FarmNameEmpty = "farm_name_empty" {
        en: "give the farm a name",
        zh: "请给农场起个名字",
    }
    /// A farm name over the limit.
    FarmNameTooLong = "farm_name_too_long" {
        en: "the farm name is {len} characters long; keep it to {max}",
        zh: "农场名有 {len} 个字，最多 {max} 个字",
    }
    /// A control character in a farm name.
    FarmNameControl = "farm_name_control" {
        en: "the farm name contains an invisible control character; retype it",
        zh: "农场名里有看不见的控制字符；请重新输入",
    }
    /// An edit that changes nothing.
    NothingToChange = "nothing_to_change" {
        en: "nothing to change: give at least one new value",
        zh: "没有要修改的内容：请至少给一个新值",
    }
    /// No price given.
    PriceEmpty = "price_empty" {
        en: "enter a price, like 12.50",
        zh: "请输入价格，例如 12.50",
    }
    /// The price is not a number.
    PriceNotANumber = "price_not_a_number" {
        en: "the price must be a number, like 12.50",
        zh: "价格必须是数字，例如 12.50",
    }
    /// A negative price.
    PriceNegative = "price_negative" {
        en: "the price cannot be negative",
        zh: "价格不能是负数",
    }
    /// Too many decimals.
    PriceTooPrecise = "price_too_precise" {
        en: "{currency} prices have at most {max} digits after the point",
        zh: "{currency} 价格小数点后最多 {max} 位",
    }
    /// A price too large to store.
    PriceTooLarge = "price_too_large" {
        en: "the price is too large",
        zh: "价格太大",
    }
    /// An unsupported currency.
    CurrencyUnknown = "currency_unknown" {
        en: "unknown currency {currency:?}; use a code such as CNY, KES or USD",
        zh: "不认识的货币 {currency:?}；请用 CNY、KES 或 USD 等代码",
    }

    // Photos (farmlive-photo's `PhotoError`).
    /// The photo file is empty.
    PhotoEmpty = "photo_empty" {
        en: "the photo file is empty",
        zh: "照片文件是空的",
    }
    /// Not a JPEG, PNG or WebP.
    PhotoNotAPhoto = "photo_not_a_photo" {
        en: "this file is not a photo (JPEG, PNG or WebP expected)",
        zh: "这个文件不是照片（需要 JPEG、PNG 或 WebP）",
    }
    /// Damaged or incomplete.
    PhotoDamaged = "photo_damaged" {
        en: "the photo is damaged or incomplete; take it again",
        zh: "照片已损坏或不完整；请重新拍一张",
    }
    /// Too big (file, pixels or memory), or a kind not supported.
    PhotoRefused = "photo_refused" {
        en: "{detail}",
        zh: "无法使用这张照片（太大或格式不支持）；请换一张",
    }
    /// The pipeline failed.
    PhotoFailed = "photo_failed" {
        en: "{detail}",
        zh: "照片处理失败；请再试一次",
    }

    // Enrolment by QR code.
    /// A QR code that is not an enrol link.
    QrNotEnrolLink = "qr_not_enrol_link" {
        en: "this QR code is not a FarmLive enrolment code",
        zh: "这个二维码不是 FarmLive 注册码",
    }
    /// An enrol link without a usable hub address.
    QrBadHub = "qr_bad_hub" {
        en: "the enrolment code has no usable hub address",
        zh: "注册码里没有可用的服务中心地址",
    }
    /// An enrol link without a usable code.
    QrBadCode = "qr_bad_code" {
        en: "the enrolment code is missing or damaged",
        zh: "注册码缺失或已损坏",
    }
    /// No QR code found in the picture.
    QrNotFound = "qr_not_found" {
        en: "no QR code found; hold the code flat, in the middle, in good light",
        zh: "没有找到二维码；请把二维码放平、放在画面中间，光线要充足",
    }
    /// The frame's sizes do not match its bytes.
    QrBadFrame = "qr_bad_frame" {
        en: "the camera frame is not usable: {detail}",
        zh: "摄像头画面无法使用：{detail}",
    }

    // Orders (protocol's order rules).
    /// A non-contact order marked delivered without a photo.
    DeliveryPhotoMissing = "delivery_photo_missing" {
        en: "a non-contact order is delivered with a photo of the parcel at the door; take one",
        zh: "无接触配送的订单要拍一张包裹放在门口的照片才能标记为已送达；请拍一张",
    }

    // A change the rules refused, on the hub (a conflict) or here first:
    // by the refusal's code (`Rejection::code`). English keeps the rules'
    // own words (`{detail}`); Chinese says what they mean.
    /// The change was stamped ahead of the hub's clock.
    RefusedClockAhead = "refused_clock_ahead" {
        en: "{detail}",
        zh: "手机的日期和时间不对，服务中心没有接受这项更改；请把日期和时间调对，再重试",
    }
    /// The listing was archived (on another device).
    RefusedArchived = "refused_archived" {
        en: "{detail}",
        zh: "这个商品已归档，不能再修改",
    }
    /// Stock would go below zero.
    RefusedStockNegative = "refused_stock_negative" {
        en: "{detail}",
        zh: "库存不够，不能减这么多",
    }
    /// Too many photos on one listing, question or answer.
    RefusedTooManyPhotos = "refused_too_many_photos" {
        en: "{detail}",
        zh: "照片太多了，超过了上限",
    }
    /// The order's status does not allow this action now.
    RefusedTransition = "refused_transition" {
        en: "{detail}",
        zh: "订单现在的状态不能这样操作",
    }
    /// The buyer cancelled the order first.
    RefusedCancelledByBuyer = "refused_cancelled_by_buyer" {
        en: "{detail}",
        zh: "买家在你处理之前已取消了这个订单",
    }
    /// Another farm's listing or order.
    RefusedForbidden = "refused_forbidden" {
        en: "{detail}",
        zh: "本设备不能修改别的农场的商品或订单",
    }
    /// This device's role may not do this.
    RefusedRole = "refused_role" {
        en: "{detail}",
        zh: "本设备的角色不能做这件事",
    }
    /// The listing or order no longer exists.
    RefusedGone = "refused_gone" {
        en: "{detail}",
        zh: "这个商品或订单已不存在",
    }
    /// The listing exists already.
    RefusedExists = "refused_exists" {
        en: "{detail}",
        zh: "这个商品已经存在",
    }
    /// A photo the change needs had not finished uploading.
    RefusedPhotoMissing = "refused_photo_missing" {
        en: "{detail}",
        zh: "照片还没有上传完；请再同步一次",
    }

    // Nouns for `not_found`'s `{what}`.
    /// A listing.
    NounListing = "noun_listing" { en: "listing", zh: "商品", }
    /// A photo.
    NounPhoto = "noun_photo" { en: "photo", zh: "照片", }
    /// An order.
    NounOrder = "noun_order" { en: "order", zh: "订单", }
    /// A farm.
    NounFarm = "noun_farm" { en: "farm", zh: "农场", }
    /// A live room.
    NounRoom = "noun_room" { en: "room", zh: "直播间", }
    /// A conflict.
    NounConflict = "noun_conflict" { en: "conflict", zh: "冲突", }

    // The CLI's own messages and main outputs.
    /// An error on the terminal.
    CliError = "cli_error" {
        en: "error: {detail}",
        zh: "错误：{detail}",
    }
    /// No data directory.
    CliNoDataDir = "cli_no_data_dir" {
        en: "no data directory on this system; pass --data-dir",
        zh: "这个系统上没有数据目录；请用 --data-dir 指定",
    }
    /// An unknown role.
    CliUnknownRole = "cli_unknown_role" {
        en: "unknown role {role:?}; use farmer, agent or expert",
        zh: "不认识的角色 {role:?}；请用 farmer（农户）、agent（代理）或 expert（农技专家）",
    }
    /// `enrol` needs a code.
    CliEnrolNeedsCode = "cli_enrol_needs_code" {
        en: "give --hub and --code, or --qr-image with a photo of the enrolment QR code",
        zh: "请给出 --hub 和 --code，或用 --qr-image 指定注册二维码的照片",
    }
    /// A file could not be read.
    CliCannotRead = "cli_cannot_read" {
        en: "cannot read {path}: {detail}",
        zh: "无法读取 {path}：{detail}",
    }
    /// `enrol` succeeded.
    CliEnrolled = "cli_enrolled" {
        en: "enrolled with {hub} as {role} for {farms}",
        zh: "已注册到 {hub}，身份：{role}，农场：{farms}",
    }
    /// Unsynced changes kept after enrolling.
    CliUnsyncedKept = "cli_unsynced_kept" {
        en: "{count} unsynced change(s) kept; run `farmlive sync` to send them",
        zh: "保留了 {count} 项未同步的修改；运行 `farmlive sync` 发送",
    }
    /// A minted enrolment code.
    CliCodeMinted = "cli_code_minted" {
        en: "one-time {role} code for {farms}; valid {hours} hours",
        zh: "一次性{role}注册码，农场：{farms}；{hours} 小时内有效",
    }
    /// How to use the printed QR code.
    CliScanToEnrol = "cli_scan_to_enrol" {
        en: "scan with the FarmLive app to enrol with {hub}",
        zh: "用 FarmLive 应用扫码，注册到 {hub}",
    }
    /// `farm list` with no farms.
    CliNoFarms = "cli_no_farms" {
        en: "no farms yet; add one with `farmlive farm add NAME`",
        zh: "还没有农场；用 `farmlive farm add 名称` 添加",
    }
    /// The farmer role.
    RoleFarmer = "role_farmer" { en: "farmer", zh: "农户", }
    /// The field agent role.
    RoleAgent = "role_agent" { en: "agent", zh: "代理", }
    /// `listing list` with nothing to show.
    CliNoListings = "cli_no_listings" { en: "No listings.", zh: "没有商品。", }
    /// The outbox count.
    CliOpsWaiting = "cli_ops_waiting" {
        en: "{count} operation(s) waiting to sync",
        zh: "{count} 项操作等待同步",
    }
    /// `orders list` with nothing to show.
    CliNoOrders = "cli_no_orders" { en: "No orders.", zh: "没有订单。", }
    /// `guides` before any guide was synced.
    CliNoGuides = "cli_no_guides" {
        en: "No guides on this device yet: they come with the next sync.",
        zh: "本机还没有指南：下次同步后就有。",
    }
    /// `guides ID` naming a guide this device does not have.
    CliNoSuchGuide = "cli_no_such_guide" {
        en: "no guide {id} on this device; `farmlive guides` lists them",
        zh: "本机没有指南 {id}；用 `farmlive guides` 查看全部",
    }
    /// A guide's revision published.
    CliGuideRevision = "cli_guide_revision" {
        en: "revision {revision}, published {date}",
        zh: "第 {revision} 版，发布于 {date}",
    }
    /// `conflicts list` with nothing to show.
    CliNoConflicts = "cli_no_conflicts" { en: "No conflicts.", zh: "没有冲突。", }
    /// A conflict dismissed.
    CliConflictDismissed = "cli_conflict_dismissed" {
        en: "conflict {id} dismissed",
        zh: "冲突 {id} 已忽略",
    }
    /// A conflict's change made again.
    CliConflictRetried = "cli_conflict_retried" {
        en: "conflict {id}: the change is made again and goes with the next sync",
        zh: "冲突 {id}：更改已重新做好，下次同步时发送",
    }
    /// Conflict table header: the kind of change.
    HeaderKind = "header_kind" { en: "KIND", zh: "类型", }
    /// Conflict table header: the listing or order it was about.
    HeaderAbout = "header_about" { en: "ABOUT", zh: "对象", }
    /// Conflict table header: what happened.
    HeaderWhatHappened = "header_what_happened" { en: "WHAT HAPPENED", zh: "原因", }
    /// Listing table header: the short reference.
    HeaderRef = "header_ref" { en: "REF", zh: "编号", }
    /// Listing table header: the title.
    HeaderTitle = "header_title" { en: "TITLE", zh: "标题", }
    /// Column: a guide's id.
    HeaderGuide = "header_guide" { en: "GUIDE", zh: "指南", }
    /// Column: a guide's revision.
    HeaderRevision = "header_revision" { en: "REV", zh: "版本", }
    /// Listing table header: the price.
    HeaderPrice = "header_price" { en: "PRICE", zh: "价格", }
    /// Listing table header: the stock.
    HeaderStock = "header_stock" { en: "STOCK", zh: "库存", }
    /// Listing table header: the status.
    HeaderStatus = "header_status" { en: "STATUS", zh: "状态", }
    /// Listing table header: the number of photos.
    HeaderPhotos = "header_photos" { en: "PHOTOS", zh: "照片", }
    /// A listing on sale.
    StatusActive = "status_active" { en: "active", zh: "在售", }
    /// A paused listing.
    StatusPaused = "status_paused" { en: "paused", zh: "暂停", }
    /// An archived listing.
    StatusArchived = "status_archived" { en: "archived", zh: "已归档", }
    /// Outbox table header: the operation's sequence number.
    HeaderSeq = "header_seq" { en: "SEQ", zh: "序号", }
    /// Outbox table header: the operation's hybrid-clock stamp.
    HeaderStamp = "header_stamp" { en: "STAMP", zh: "时间戳", }
    /// Order table header: what was ordered.
    HeaderItem = "header_item" { en: "ITEM", zh: "商品", }
    /// Order table header: the quantity.
    HeaderQty = "header_qty" { en: "QTY", zh: "数量", }
    /// Order table header: the total.
    HeaderTotal = "header_total" { en: "TOTAL", zh: "总价", }
    /// Order table header: standard or non-contact delivery.
    HeaderDelivery = "header_delivery" { en: "DELIVERY", zh: "配送", }
    /// Order table header: the ship-by countdown.
    HeaderShipBy = "header_ship_by" { en: "SHIP BY", zh: "发货期限", }

    // The farm's sales (`farmlive stats`, the apps' sales screen).
    /// No sale among the synced orders.
    SalesNone = "sales_none" {
        en: "no sales yet: orders appear here once synced",
        zh: "还没有销售：订单同步后显示在这里",
    }
    /// Sales table header: the period.
    HeaderPeriod = "header_period" { en: "PERIOD", zh: "时段", }
    /// Sales table header: the number of orders.
    HeaderOrders = "header_orders" { en: "ORDERS", zh: "订单", }
    /// Sales table header: the money taken.
    HeaderRevenue = "header_revenue" { en: "REVENUE", zh: "销售额", }
    /// Sales table header: the quantity sold.
    HeaderSold = "header_sold" { en: "SOLD", zh: "销量", }
    /// Sales period: today.
    SalesToday = "sales_today" { en: "today", zh: "今天", }
    /// Sales period: the last seven days.
    SalesLast7Days = "sales_last_7_days" { en: "last 7 days", zh: "近 7 天", }
    /// Sales period: the season.
    SalesSeason = "sales_season" { en: "season ({weeks} weeks)", zh: "本季（{weeks} 周）", }
    /// The season's sales made in live shows.
    SalesOnAir = "sales_on_air" { en: "  on air", zh: "  直播中", }
    /// The season's sales made outside live shows.
    SalesOffAir = "sales_off_air" { en: "  off air", zh: "  非直播", }
    /// The weekly revenue line's label.
    SalesWeeklyRevenue = "sales_weekly_revenue" { en: "revenue by week", zh: "每周销售额", }
    /// The weekly weight line's label.
    SalesWeeklyWeight = "sales_weekly_weight" { en: "kg by week", zh: "每周销量（公斤）", }
    /// The best sellers' heading.
    SalesTop = "sales_top" { en: "best sellers this season", zh: "本季畅销", }

    // Delivery routes and the 72-hour promise.
    /// An order to a city no route from the farm reaches.
    RouteUnserved = "route_unserved" {
        en: "this farm does not deliver to {city} yet; it delivers to {nearest}",
        zh: "该农场暂不配送到{city}；可配送的最近城市：{nearest}",
    }
    /// An order to a farm with no route at all.
    RouteNoneFromFarm = "route_none_from_farm" {
        en: "this farm has no delivery routes yet, so it cannot deliver to {city}",
        zh: "该农场还没有配送线路，无法配送到{city}",
    }
    /// A ship-by reminder: an order waiting to ship with this many hours left.
    ShipReminder = "ship_reminder" {
        en: "⏰ {hours} h left to ship order {order}: {quantity} {title} (ship by {ship_by})",
        zh: "⏰ 订单 {order} 还剩 {hours} 小时必须发货：{quantity} {title}（最晚发货 {ship_by}）",
    }

    // Questions to the experts.
    /// The expert role.
    RoleExpert = "role_expert" { en: "expert", zh: "农技专家", }
    /// A question waiting for an expert.
    QuestionOpen = "question_open" { en: "waiting", zh: "待解答", }
    /// A question an expert answered last.
    QuestionAnswered = "question_answered" { en: "answered", zh: "已解答", }
    /// A question the farm marked resolved.
    QuestionResolved = "question_resolved" { en: "resolved", zh: "已解决", }
    /// Question table header: the crop.
    HeaderCrop = "header_crop" { en: "CROP", zh: "作物", }
    /// Question table header: the region.
    HeaderRegion = "header_region" { en: "REGION", zh: "地区", }
    /// Question table header: the question.
    HeaderQuestion = "header_question" { en: "QUESTION", zh: "问题", }
    /// Question table header: answers and follow-ups.
    HeaderReplies = "header_replies" { en: "REPLIES", zh: "回复", }
    /// Question table header: when it was asked.
    HeaderAsked = "header_asked" { en: "ASKED", zh: "提问时间", }
    /// `questions` with nothing to show.
    CliNoQuestions = "cli_no_questions" {
        en: "No questions. Ask the experts with `farmlive ask`.",
        zh: "还没有问题。用 `farmlive ask` 向专家提问。",
    }
    /// The experts' queue with nothing to show.
    CliQueueEmpty = "cli_queue_empty" {
        en: "No open questions.",
        zh: "没有待解答的问题。",
    }
    /// A question was queued offline.
    CliQuestionQueued = "cli_question_queued" {
        en: "question {id} saved with {photos} photo(s); it reaches the experts at the next `farmlive sync`",
        zh: "问题 {id} 已保存（{photos} 张照片）；下次 `farmlive sync` 时发给专家",
    }
    /// An expert's answer in a thread.
    QuestionExpertSaid = "question_expert_said" { en: "expert {name}", zh: "专家 {name}", }
    /// The farm's follow-up in a thread.
    QuestionFarmSaid = "question_farm_said" { en: "farm", zh: "农户", }
    /// The experts' hotline the hub set.
    CliHotline = "cli_hotline" {
        en: "experts' hotline: {number}",
        zh: "专家热线：{number}",
    }
    /// An expert's answer arrived (told once, after a sync).
    AnswerArrived = "answer_arrived" {
        en: "💬 {expert} answered your {crop} question {question}: {text}",
        zh: "💬 {expert} 回答了您关于{crop}的问题 {question}：{text}",
    }
    /// More questions wait in the queue.
    CliQueueMore = "cli_queue_more" {
        en: "more: --offset {offset}",
        zh: "更多：--offset {offset}",
    }
}
