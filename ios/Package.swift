// swift-tools-version:5.9
// FarmLive's Swift package: the generated bindings (made by `cargo xtask
// bindings` into .build-generated/, never committed), the C header behind a
// system-library target that links libfarmlive_ffi, and FarmLiveKit, the
// idiomatic layer (async/await, AsyncStream) with the view models the app's
// screens bind to and their words in English and Simplified Chinese. On iOS
// the library comes from the XCFramework that build-xcframework.sh makes; on
// Linux (the tests) from the host build, found through -L / LD_LIBRARY_PATH.
import PackageDescription

let package = Package(
    name: "FarmLive",
    // English is the default; FarmLiveKit also carries zh-Hans
    // (Sources/FarmLiveKit/Resources/*.lproj/Localizable.strings).
    defaultLocalization: "en",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "FarmLiveKit", targets: ["FarmLiveKit"]),
    ],
    targets: [
        .systemLibrary(name: "farmlive_ffiFFI", path: "Sources/farmlive_ffiFFI"),
        .target(
            name: "FarmLiveFFI",
            dependencies: ["farmlive_ffiFFI"],
            path: ".build-generated/FarmLiveFFI"
        ),
        .target(
            name: "FarmLiveKit",
            dependencies: ["FarmLiveFFI"],
            path: "Sources/FarmLiveKit",
            resources: [.process("Resources")]
        ),
        .testTarget(
            name: "FarmLiveKitTests",
            dependencies: ["FarmLiveKit"],
            path: "Tests/FarmLiveKitTests"
        ),
    ]
)
