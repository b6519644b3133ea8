// FarmLive's Android build: the `farmlive` library (generated uniffi Kotlin +
// the idiomatic layer + libfarmlive_ffi.so for four ABIs, built by cargo-ndk)
// and the `app` shell. Needs the Android SDK/NDK and cargo-ndk
// (`cargo install cargo-ndk`); the host JVM tests live in jvm-tests/ (Maven).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "farmlive-android"
include(":farmlive", ":app")
