import Foundation

/// What the listings screen shows.
public struct ListingsState: Sendable {
    /// The state before anything is read (also for previews).
    public init() {}

    /// Nothing read yet.
    public var loading = true
    /// The search text; empty shows the list.
    public var query = ""
    /// Which listings the list shows: nil for active and paused.
    public var status: ListingStatus?
    /// The listings, most recently changed first (or the search's best first).
    public var items: [Listing] = []
    /// Why the last action failed.
    public var error: UiError?
}

/// A listing form as typed: text fields, checked by the core when saved.
public struct ListingForm: Sendable {
    /// Title, 1–60 characters.
    public var title: String
    /// Description (may be empty).
    public var description: String
    /// Selling unit.
    public var unit: SellingUnit
    /// Price per unit as typed ("12.5").
    public var price: String
    /// Stock as typed (a whole number; ignored by `edit`).
    public var stock: String
    /// Currency of `price`.
    public var currency: String

    /// A form; the defaults suit this programme's farmers (jin, CNY).
    public init(title: String, description: String = "", unit: SellingUnit = .jin,
                price: String, stock: String = "0", currency: String = "CNY") {
        self.title = title
        self.description = description
        self.unit = unit
        self.price = price
        self.stock = stock
        self.currency = currency
    }

    /// The form filled from a listing, for editing it.
    public init(_ listing: Listing) {
        self.init(title: listing.title, description: listing.description, unit: listing.unit,
                  price: Texts.amount(listing.price), stock: String(listing.stock),
                  currency: listing.price.currency)
    }
}

/// One row of the listings list, with its texts in the screen's language.
public struct ListingRow: Sendable, Identifiable {
    /// The listing.
    public let listing: Listing
    /// e.g. "¥12.50/斤".
    public let priceText: String
    /// e.g. "40 斤".
    public let stockText: String
    /// e.g. "在售".
    public let statusText: String
    /// The first photo's thumbnail hash, to show with `FarmLive.photoPath`.
    public var thumbnail: String? { listing.photos.first?.thumbSha256 }
    /// The listing's id.
    public var id: String { listing.id }
}

/// Browsing, searching and editing listings, entirely on the device: every
/// change lands in the local database and the outbox at once and syncs
/// later, so all of it works offline.
@MainActor
public final class ListingsModel: FarmModel {
    /// The screen's state.
    public private(set) var state = ListingsState() {
        willSet { willChange() }
        didSet { didChange() }
    }

    /// The language rows are written in.
    public let texts: Texts
    private let limit: UInt32

    /// A model over `core`, writing rows in `texts`' language, listing at
    /// most `limit` listings.
    public init(core: FarmLive, texts: Texts = .current, limit: UInt32 = 200) {
        self.texts = texts
        self.limit = limit
        super.init(core: core, language: texts.language)
    }

    /// The rows the list shows.
    public var rows: [ListingRow] { state.items.map(row) }

    /// One listing's row.
    public func row(_ listing: Listing) -> ListingRow {
        ListingRow(listing: listing, priceText: texts.pricePerUnit(listing.price, listing.unit),
                   stockText: texts.quantity(listing.stock, listing.unit),
                   statusText: texts.status(listing.status))
    }

    /// Reads the list again (or the search's results).
    public func refresh() async {
        let (query, status, limit) = (state.query.trimmed, state.status, self.limit)
        let items = await call(fail) { core in
            query.isEmpty
                ? try core.listings(query: ListingQuery(farmId: nil, status: status, limit: limit))
                : try core.search(text: query, limit: limit)
        }
        // Typing fast starts several reads: only the one for what is in the
        // search box now may fill the list.
        guard state.query.trimmed == query, state.status == status else { return }
        var next = state
        next.loading = false
        if let items { next.items = items }
        state = next
    }

    /// Searches for `text` (empty: back to the list).
    public func search(_ text: String) async {
        state.query = text
        await refresh()
    }

    /// Shows listings in `status` (nil: active and paused).
    public func show(status: ListingStatus?) async {
        state.status = status
        await refresh()
    }

    /// Creates a listing from `form` for `farm` (nil: the device's only
    /// farm); returns it, or nil with `state.error` set.
    @discardableResult
    public func create(_ form: ListingForm, farm: String? = nil) async -> Listing? {
        let stockText = form.stock.trimmed.isEmpty ? "0" : form.stock.trimmed
        guard let stock = Int64(stockText) else {
            return refuse(.input(ErrorKeys.stockNotANumber, "stock must be a whole number"))
        }
        return await change { core in
            try core.createListing(draft: ListingDraft(
                farm: farm, title: form.title.trimmed, description: form.description.trimmed, unit: form.unit,
                price: try parseMoney(text: form.price.trimmed, currency: form.currency), stock: stock))
        }
    }

    /// Saves `form`'s title, description, unit and price to listing `id`
    /// (stock has its own actions).
    @discardableResult
    public func edit(_ id: String, _ form: ListingForm) async -> Listing? {
        await change { core in
            try core.editListing(listingId: id, patch: ListingPatch(
                title: form.title.trimmed, description: form.description.trimmed, unit: form.unit,
                price: try parseMoney(text: form.price.trimmed, currency: form.currency)))
        }
    }

    /// Adds `delta` units (negative: removes them; never below zero).
    @discardableResult
    public func adjustStock(_ id: String, by delta: Int64) async -> Listing? {
        await change { try $0.adjustStock(listingId: id, delta: delta) }
    }

    /// Sets the stock to `stock` units as counted (typed text).
    @discardableResult
    public func setStock(_ id: String, _ stock: String) async -> Listing? {
        guard let n = Int64(stock.trimmed) else {
            return refuse(.input(ErrorKeys.stockNotANumber, "stock must be a whole number"))
        }
        return await change { try $0.setStock(listingId: id, stock: n) }
    }

    /// Hides the listing from buyers for now.
    @discardableResult
    public func pause(_ id: String) async -> Listing? {
        await change { try $0.setListingStatus(listingId: id, status: .paused) }
    }

    /// Shows a paused listing to buyers again.
    @discardableResult
    public func resume(_ id: String) async -> Listing? {
        await change { try $0.setListingStatus(listingId: id, status: .active) }
    }

    /// Withdraws the listing for good.
    @discardableResult
    public func archive(_ id: String) async -> Listing? {
        await change { try $0.setListingStatus(listingId: id, status: .archived) }
    }

    /// Adds a photo from JPEG/PNG/WebP bytes (camera or gallery). The core
    /// re-encodes it, which drops every EXIF tag (GPS included), and keeps
    /// only its own copy: nothing is written to the photo library.
    @discardableResult
    public func addPhoto(_ id: String, jpeg: Data) async -> Photo? {
        state.error = nil
        let photo = await call(fail) { try $0.addPhotoBytes(listingId: id, bytes: jpeg) }
        await refresh()
        return photo
    }

    /// Adds a photo from a file the app owns (see `addPhoto(_:jpeg:)`).
    @discardableResult
    public func addPhoto(_ id: String, file: URL) async -> Photo? {
        state.error = nil
        let photo = await call(fail) { try $0.addPhotoFile(listingId: id, path: file.path) }
        await refresh()
        return photo
    }

    /// Removes a photo from the listing.
    @discardableResult
    public func removePhoto(_ id: String, sha256: String) async -> Bool {
        let done: Void? = await call(fail) { try $0.removePhoto(listingId: id, sha256: sha256) }
        await refresh()
        return done != nil
    }

    /// The file of a stored photo (or thumbnail) to display.
    public func photoFile(_ sha256: String) async -> URL? {
        await call(fail) { URL(fileURLWithPath: try $0.photoPath(sha256: sha256)) }
    }

    /// Clears the error once shown.
    public func dismissError() {
        state.error = nil
    }

    private func change(_ work: @escaping @Sendable (FarmLive) throws -> Listing) async -> Listing? {
        state.error = nil
        guard let listing = await call(fail, work) else { return nil }
        await refresh()
        return listing
    }

    private func fail(_ e: UiError) {
        state.error = e
    }

    private func refuse<T>(_ e: UiError) -> T? {
        fail(e)
        return nil
    }
}
